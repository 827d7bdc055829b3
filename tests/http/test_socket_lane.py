"""The async large-body read off the event loop (``_http.socket_lane``) over real loopback HTTP.

Which way a body went is counted at httpcore's anyio stream: the ordinary async path calls its ``read`` once per
piece of at most 64 KiB, the lane only for the head and the first piece (h11's reads).
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpcore._backends.anyio import AnyIOStream

from civitai_kit._http.large_body import BodyReader
from civitai_kit._http.socket_lane import SocketLane
from tests.http.test_large_body import BODY, HEAD, MIB, Serve, answer, over_tls, read_all, serve, tls
from tests.support.raw_server import Peer

__all__ = ["serve", "tls"]  # fixtures

FEW = 8
"""At most this many anyio reads when the lane read the body (the ordinary way: one per 64 KiB, ~50 here)."""


@pytest.fixture
def anyio_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size asked for by each ``read`` of httpcore's anyio network stream, in order."""
    sizes: list[int] = []
    original = AnyIOStream.read

    async def read(self: AnyIOStream, max_bytes: int, timeout: float | None = None) -> bytes:
        sizes.append(max_bytes)
        return await original(self, max_bytes, timeout)

    monkeypatch.setattr(AnyIOStream, "read", read)
    return sizes


@pytest.fixture
def lanes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[SocketLane]]:
    """Every lane opened; each must have closed its duplicate socket by the end of the test."""
    opened: list[SocketLane] = []
    original = SocketLane.open.__func__  # type: ignore[attr-defined]

    def spy(cls: type[SocketLane], stream: object, timeout: float | None) -> SocketLane | None:
        lane: SocketLane | None = original(cls, stream, timeout)
        if lane is not None:
            opened.append(lane)
        return lane

    monkeypatch.setattr(SocketLane, "open", classmethod(spy))
    yield opened
    assert all(lane._sock.fileno() == -1 for lane in opened), "a duplicate socket was left open"


def test_a_body_goes_through_the_lane_byte_exact_and_not_past_its_length(
    serve: Serve, anyio_reads: list[int], lanes: list[SocketLane]
) -> None:
    garbage = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil"
    data, through_httpx, broken = read_all(serve(answer(HEAD % len(BODY), BODY, garbage)), "async")
    assert broken is None and data == BODY and through_httpx < MIB
    assert len(anyio_reads) <= FEW, f"{len(anyio_reads)} anyio reads: the body did not go through the lane"
    assert len(lanes) == 1


def test_without_a_read_timeout_the_lane_waits(serve: Serve, anyio_reads: list[int], lanes: list[SocketLane]) -> None:
    url = serve(answer(HEAD % len(BODY), BODY))

    async def read() -> bytes:
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None)) as client:
            received, buffer = bytearray(), memoryview(bytearray(MIB))
            async with client.stream("GET", url) as response:
                reader = BodyReader(response, direct=True)
                while got := await reader.areadinto(buffer):
                    received += buffer[:got]
            return bytes(received)

    assert asyncio.run(read()) == BODY
    assert len(anyio_reads) <= FEW and len(lanes) == 1


def test_over_tls_the_body_goes_the_ordinary_way(
    serve: Serve, anyio_reads: list[int], lanes: list[SocketLane], tls: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server, client = tls
    url = serve(over_tls(server, answer(HEAD % len(BODY), BODY))).replace("http://", "https://")
    data, _, broken = read_all(url, "async", verify=client)
    assert broken is None and data == BODY
    assert not lanes and len(anyio_reads) > len(BODY) // (64 * 1024), "TLS is decrypted above the socket"


def test_a_stream_of_unknown_kind_gets_no_lane() -> None:
    class Lookalike:  # a mock's stream, or a backend whose internals are not known here
        _stream = object()

    async def open_one() -> SocketLane | None:
        return SocketLane.open(Lookalike(), 1.0)

    assert asyncio.run(open_one()) is None


@pytest.mark.parametrize(
    ("then", "expected"),
    [
        ("close", httpx.RemoteProtocolError),
        ("reset", httpx.ReadError | httpx.RemoteProtocolError),  # a reset may come as an early end
        ("stall", httpx.ReadTimeout),
    ],
)
def test_a_broken_body_through_the_lane_returns_its_prefix_then_fails(
    serve: Serve, anyio_reads: list[int], lanes: list[SocketLane], then: str, expected: Any
) -> None:
    sent = BODY[: 2 * MIB + 11]  # ends inside the third buffer
    data, _, broken = read_all(serve(answer(HEAD % len(BODY), sent, then=then)), "async", timeout=0.5)
    assert isinstance(broken, expected), broken
    assert sent.startswith(data) if then == "reset" else data == sent  # an RST may drop what was unread
    assert len(anyio_reads) <= FEW and len(lanes) == 1


def test_a_task_cancelled_mid_body_closes_the_connection_and_leaves_no_reading_thread(
    serve: Serve, anyio_reads: list[int], lanes: list[SocketLane]
) -> None:
    """The thread blocked in ``recv_into`` is woken (its read ends), and the duplicate socket it read is closed
    once it has left: the server sees the connection end long before the 30 s read timeout."""
    peer_saw_the_end = threading.Event()

    def behaviour(peer: Peer) -> None:
        if peer.read_request() is None:
            return
        peer.send(HEAD % len(BODY) + BODY[: MIB + 3])
        peer.sock.settimeout(20)
        if peer.sock.recv(1) == b"":
            peer_saw_the_end.set()

    url = serve(behaviour)

    async def main() -> None:
        async with httpx.AsyncClient(timeout=30.0) as client:
            got_a_buffer = asyncio.Event()

            async def read() -> None:
                buffer = memoryview(bytearray(MIB))
                async with client.stream("GET", url) as response:
                    reader = BodyReader(response, direct=True)
                    try:
                        while await reader.areadinto(buffer):
                            got_a_buffer.set()
                    finally:
                        reader.close()

            task = asyncio.ensure_future(read())
            await got_a_buffer.wait()
            await asyncio.sleep(0.2)  # the lane's thread now waits in recv_into for bytes that never come
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await asyncio.to_thread(peer_saw_the_end.wait, 20), "the connection was left open"

    asyncio.run(main())
    assert len(lanes) == 1 and not lanes[0]._busy, "a thread still reads the socket"
