"""Every kind of client honours the proxy variables the way httpx does, the cache and the aiohttp backend included.

httpx reads ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY`` only for a client whose transport it builds
itself; the library gives every client its own (the response cache, aiohttp, the async network transport), so
it mounts the environment's proxies itself. Over real loopback HTTP: a request for a host the proxy serves goes
to the proxy in absolute form; a host ``NO_PROXY`` names (or ``NO_PROXY=*``) is reached directly.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import httpx._utils
import pytest

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, HttpClient
from civitai_kit._http.transports import environment_proxies
from civitai_kit.result import Result
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse
from tests.support.raw_server import Peer, RawServer

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def _answer_as_proxy(peer: Peer) -> None:
    """A forward proxy that answers every request itself (the server records what it was asked for)."""
    if peer.read_request() is None:
        return
    body = json.dumps({"via": "proxy"}).encode()
    peer.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
    )


def _targets(proxy: RawServer) -> list[str]:
    """The request target of every request the proxy got (absolute-form: the URL the client wanted)."""
    return [head.split(b"\r\n", 1)[0].split(b" ")[1].decode() for head in proxy.requests]


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RawServer]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    server = RawServer(_answer_as_proxy)
    yield server
    server.close()


@pytest.fixture
def origin() -> Iterator[FakeCivitai]:
    with FakeCivitai() as fake:

        @fake.route("GET", "/api/v1/tags")
        def tags(request: FakeRequest) -> FakeResponse:
            return FakeResponse.json({"via": "direct"})

        yield fake


CLIENTS = [
    pytest.param(kind, cached, id=f"{kind}{'-cached' if cached else ''}")
    for kind in ("sync", "httpx", "aiohttp")
    for cached in (False, True)
]


def _get(kind: str, settings: ClientSettings) -> Result[object]:
    request = ApiRequest("GET", "/api/v1/tags")
    if kind == "sync":
        with HttpClient(settings) as client:
            return client.send_json(request, lambda body: body)

    async def run() -> Result[object]:
        async with AsyncHttpClient(settings) as client:
            return await client.send_json(request, lambda body: body)

    return asyncio.run(run())


def _settings(base_url: str, kind: str, cached: bool, cache: Path) -> ClientSettings:
    backend: Literal["httpx", "aiohttp"] = "aiohttp" if kind == "aiohttp" else "httpx"
    return ClientSettings(base_url=base_url, backend=backend, cache_directory=str(cache) if cached else None)


@pytest.mark.parametrize(("kind", "cached"), CLIENTS)
def test_a_request_goes_through_the_proxy_the_environment_names(
    proxy: RawServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str, cached: bool
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    result = _get(kind, _settings("http://api.civitai.invalid", kind, cached, tmp_path))
    assert result.unwrap() == {"via": "proxy"}
    assert _targets(proxy) == ["http://api.civitai.invalid/api/v1/tags"]


@pytest.mark.parametrize(("kind", "cached"), CLIENTS)
@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "*"])
def test_a_host_no_proxy_names_is_reached_directly(
    proxy: RawServer,
    origin: FakeCivitai,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    kind: str,
    cached: bool,
    no_proxy: str,
) -> None:
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    result = _get(kind, _settings(origin.url, kind, cached, tmp_path))
    assert result.unwrap() == {"via": "direct"}
    assert _targets(proxy) == []


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"HTTP_PROXY": "http://proxy.example:3128"},
        {"HTTPS_PROXY": "proxy.example:3128", "ALL_PROXY": "socks5://proxy.example:1080"},
        {"ALL_PROXY": "http://p:1", "NO_PROXY": "localhost, 10.0.0.1,::1,internal.example,.corp.example"},
        {"HTTP_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8,https://exempt.example"},
        {"HTTP_PROXY": "http://p:1", "NO_PROXY": "*"},
    ],
)
def test_the_environment_is_read_exactly_as_httpx_reads_it(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert environment_proxies() == httpx._utils.get_environment_proxies()
