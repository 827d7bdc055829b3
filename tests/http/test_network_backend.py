"""The async pool's network backend (``_http/network.py``): each connection's socket is looked up once, and the
pool still sees a connection the server closed while it idled, over real loopback connections."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, RetryPolicy
from civitai_kit._http.network import AsyncNetworkTransport, SocketCachingStream
from civitai_kit.result import Success
from tests.support.raw_server import Peer, RawServer

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def _settings(url: str) -> ClientSettings:
    return ClientSettings(base_url=url, retry=RetryPolicy(max_retries=0))


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    """The server answers one request per connection and closes it without saying so (no ``Connection:
    close``). A pool that believed the idle connection alive would send the next request into a closed
    socket and, with retries off, fail."""
    closed = threading.Event()

    def one_and_close(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(OK)
        peer.close()
        closed.set()

    server = RawServer(one_and_close)

    async def main() -> list[object]:
        results: list[object] = []
        async with AsyncHttpClient(_settings(server.url)) as client:
            for _ in range(3):
                closed.clear()
                results.append(await client.send(ApiRequest("GET", "/x")))
                await asyncio.to_thread(closed.wait, 10)
                await asyncio.sleep(0.05)  # the FIN reaches the client's socket
        return results

    try:
        results = asyncio.run(main())
    finally:
        server.close()
    assert all(isinstance(result, Success) for result in results), results
    assert server.connections == 3


def test_a_kept_alive_connection_is_reused_and_found_through_the_caching_stream() -> None:
    def keep_alive(peer: Peer) -> None:
        while peer.read_request() is not None:
            peer.send(OK)

    server = RawServer(keep_alive)
    seen: list[object] = []

    async def main() -> None:
        async with AsyncHttpClient(_settings(server.url)) as client:
            for _ in range(3):
                result = await client.send(ApiRequest("GET", "/x"))
                assert isinstance(result, Success)
            async with client.stream(ApiRequest("GET", "/x")) as streamed:
                assert isinstance(streamed, Success)
                stream = streamed.value._response.extensions["network_stream"]  # what the large-body path reads
                sock = stream.get_extra_info("socket")
                seen.extend([stream, sock.getpeername()[1], stream.get_extra_info("is_readable")])

    try:
        asyncio.run(main())
    finally:
        server.close()
    assert server.connections == 1  # one connection for all four requests
    stream, port, readable = seen
    assert isinstance(stream, SocketCachingStream)
    assert port == server.port and readable is False


def test_the_default_async_transport_is_ours_and_a_proxy_gets_a_mount_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A proxy the environment names is reached through httpx's transport, mounted for its URL pattern; every
    other request keeps ours (``tests/http/test_proxies.py`` sends requests both ways)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    client = AsyncHttpClient(_settings("http://127.0.0.1:9"))
    assert isinstance(client._client._transport, AsyncNetworkTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    proxied = AsyncHttpClient(_settings("http://127.0.0.1:9"))
    assert isinstance(proxied._client._transport, AsyncNetworkTransport)
    assert [type(mount) for mount in proxied._client._mounts.values()] == [httpx.AsyncHTTPTransport]
