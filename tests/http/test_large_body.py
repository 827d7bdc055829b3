"""The large-body read path (``_http.large_body.BodyReader``) over real loopback HTTP, sync and async.

A raw server writes exact bytes, so each test knows what crossed the wire. ``num_bytes_downloaded`` (httpx's
own count of what came through its body iterator) shows which way the body was read: directly, only the
first piece passes through httpx.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator

import httpx
import pytest

from civitai_kit._http.large_body import BodyReader
from tests.support.raw_server import Peer, RawServer

MIB = 1024 * 1024
BODY = os.urandom(3 * MIB + 5)
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"

Serve = Callable[[Callable[[Peer], None]], str]


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[RawServer] = []

    def start(behaviour: Callable[[Peer], None]) -> str:
        servers.append(RawServer(behaviour))
        return servers[-1].url + "/file.bin"

    yield start
    for server in servers:
        server.close()


def answer(*parts: bytes, then: str = "close") -> Callable[[Peer], None]:
    """Read one request, send ``parts`` in order, then ``close``, ``reset`` or ``stall``."""

    def behaviour(peer: Peer) -> None:
        if peer.read_request() is None:
            return
        for part in parts:
            peer.send(part)
        getattr(peer, then)()

    return behaviour


def over_tls(context: ssl.SSLContext, behaviour: Callable[[Peer], None]) -> Callable[[Peer], None]:
    """``behaviour`` on the server side of TLS over each accepted connection."""

    def wrapped(peer: Peer) -> None:
        behaviour(Peer(context.wrap_socket(peer.sock, server_side=True), peer.server))

    return wrapped


def read_all(
    url: str, mode: str, *, direct: bool = True, timeout: float = 10.0, verify: ssl.SSLContext | bool = True
) -> tuple[bytes, int, Exception | None]:
    """The body read into reused 1 MiB buffers, httpx's count of what it read itself, and what broke it."""
    if mode == "sync":
        with httpx.Client(timeout=timeout, verify=verify) as client:
            return _read_sync(client, url, direct)
    import asyncio

    async def read() -> tuple[bytes, int, Exception | None]:
        async with httpx.AsyncClient(timeout=timeout, verify=verify) as client:
            return await _read_async(client, url, direct)

    return asyncio.run(read())


def _read_sync(client: httpx.Client, url: str, direct: bool) -> tuple[bytes, int, Exception | None]:
    received, buffer = bytearray(), memoryview(bytearray(MIB))
    with client.stream("GET", url) as response:
        reader = BodyReader(response, direct=direct)
        try:
            while got := reader.readinto(buffer):
                received += buffer[:got]
        except httpx.HTTPError as exc:
            return bytes(received), response.num_bytes_downloaded, exc
        return bytes(received), response.num_bytes_downloaded, None


async def _read_async(client: httpx.AsyncClient, url: str, direct: bool) -> tuple[bytes, int, Exception | None]:
    received, buffer = bytearray(), memoryview(bytearray(MIB))
    async with client.stream("GET", url) as response:
        reader = BodyReader(response, direct=direct)
        try:
            while got := await reader.areadinto(buffer):
                received += buffer[:got]
        except httpx.HTTPError as exc:
            return bytes(received), response.num_bytes_downloaded, exc
        return bytes(received), response.num_bytes_downloaded, None


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_content_length_body_is_read_directly_and_byte_exact(serve: Serve, mode: str) -> None:
    garbage = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil"  # past Content-Length: never part of the body
    url = serve(answer(HEAD % len(BODY), BODY, garbage))
    data, through_httpx, broken = read_all(url, mode)
    assert broken is None and data == BODY
    assert through_httpx < MIB, "the body went through httpx's 64 KiB pieces, not the direct path"


def test_without_direct_the_body_goes_through_httpx(serve: Serve, mode: str) -> None:
    data, through_httpx, broken = read_all(serve(answer(HEAD % len(BODY), BODY)), mode, direct=False)
    assert broken is None and data == BODY and through_httpx == len(BODY)


def test_a_chunked_body_goes_through_httpx_byte_exact(serve: Serve, mode: str) -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = b"".join(b"%x\r\n%b\r\n" % (len(piece), piece) for piece in (BODY[: 2 * MIB], BODY[2 * MIB :]))
    data, through_httpx, broken = read_all(serve(answer(head, chunks, b"0\r\n\r\n")), mode)
    assert broken is None and data == BODY and through_httpx >= len(BODY)


def test_a_body_cut_short_returns_every_byte_before_it_fails(serve: Serve, mode: str) -> None:
    sent = BODY[: MIB + MIB // 2 + 7]  # ends inside the second buffer
    data, through_httpx, broken = read_all(serve(answer(HEAD % len(BODY), sent)), mode)
    assert data == sent, "bytes read before the connection broke were lost"
    assert isinstance(broken, httpx.RemoteProtocolError) and through_httpx < MIB


def test_a_reset_mid_body_fails_after_a_prefix_of_the_body(serve: Serve, mode: str) -> None:
    sent = BODY[: 2 * MIB + 11]
    data, _, broken = read_all(serve(answer(HEAD % len(BODY), sent, then="reset")), mode)
    assert isinstance(broken, httpx.ReadError | httpx.RemoteProtocolError), broken
    assert sent.startswith(data)  # the kernel may drop what was unread when the RST arrived


def test_a_stall_mid_body_is_a_read_timeout(serve: Serve, mode: str) -> None:
    sent = BODY[: MIB + 3]
    data, _, broken = read_all(serve(answer(HEAD % len(BODY), sent, then="stall")), mode, timeout=0.3)
    assert isinstance(broken, httpx.ReadTimeout), broken
    assert data == sent


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a self-signed certificate for 127.0.0.1, and a client context trusting it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs openssl to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
    names = ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)]
    subprocess.run([openssl, *request, *names], check=True, capture_output=True)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


def test_a_body_over_tls_is_read_directly_and_byte_exact(
    serve: Serve, mode: str, tls: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server, client = tls
    url = serve(over_tls(server, answer(HEAD % len(BODY), BODY))).replace("http://", "https://")
    data, through_httpx, broken = read_all(url, mode, verify=client)
    assert broken is None and data == BODY
    assert through_httpx < MIB, "the body went through httpx's 64 KiB pieces, not the direct path"
