"""Async downloads whose body is read off the event loop (``_http.socket_lane``), over real loopback HTTP: through a
307 to another host, resumed byte-exact after cuts and resets, and cancelled mid-body while the lane's thread
waits for bytes. The storage server and the 307 are those of ``test_download_fast_path``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from httpcore._backends.anyio import AnyIOStream

from civitai_kit._http.socket_lane import SocketLane
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Success
from civitai_kit.tools.downloads import AsyncDownloadService
from tests.support.raw_server import Peer, RawServer
from tests.tools.test_download_fast_path import DATA, KEY, MIB, SHA256, Api, Servers, Storage

PIECE = 64 * 1024
"""The ordinary async path reads at most this much per anyio read: a 5 MiB body takes over 80."""


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[int], list[SocketLane]]]:
    """The anyio reads made and the lanes opened; every lane's duplicate socket must be closed at the end."""
    reads: list[int] = []
    lanes: list[SocketLane] = []
    read, open_lane = AnyIOStream.read, SocketLane.open.__func__  # type: ignore[attr-defined]

    async def counting(self: AnyIOStream, max_bytes: int, timeout: float | None = None) -> bytes:
        reads.append(max_bytes)
        return await read(self, max_bytes, timeout)

    def spy(cls: type[SocketLane], stream: object, timeout: float | None) -> SocketLane | None:
        lane: SocketLane | None = open_lane(cls, stream, timeout)
        lanes.extend([lane] if lane is not None else [])
        return lane

    monkeypatch.setattr(AnyIOStream, "read", counting)
    monkeypatch.setattr(SocketLane, "open", classmethod(spy))
    yield reads, lanes
    assert all(lane._sock.fileno() == -1 and not lane._busy for lane in lanes), "a lane was left open"


def _options(api_url: str, tmp_path: Path) -> CivitaiApiOptions:
    """Read timeout: the default 30 s."""
    return CivitaiApiOptions.isolated(
        base_url=api_url,
        api_key=KEY,
        resilience={"max_retries": 0},
        downloads={"models": {"base_directory": str(tmp_path)}},
    )


@pytest.mark.parametrize(
    "cuts",
    [[(MIB + MIB // 2 + 7, "close"), (3 * MIB + 1, "close")], [(2 * MIB + 3, "reset"), (4 * MIB + 5, "reset")]],
    ids=["closes", "resets"],
)
async def test_a_broken_body_read_through_the_lane_resumes_byte_exact(
    tmp_path: Path, counted: tuple[list[int], list[SocketLane]], cuts: list[tuple[int, str]]
) -> None:
    servers = Servers(Storage(*cuts))
    try:
        async with AsyncDownloadService(_options(servers.api_server.url, tmp_path)) as service:
            target = tmp_path / "model.safetensors"
            result = await service.download_url(servers.url, str(target), expected_hash=SHA256)
    finally:
        servers.close()
    assert isinstance(result, Success), result
    assert result.value.verified and target.read_bytes() == DATA
    assert len(servers.storage.starts) == 3 and servers.storage.starts[0] == 0
    assert not any(b"authorization" in head.lower() for head in servers.storage.heads), "the key left its host"
    reads, lanes = counted
    assert len(lanes) == 3 and len(reads) < len(DATA) // PIECE // 2, "the bodies were not read through the lane"


async def test_a_download_cancelled_while_the_lane_waits_keeps_the_good_file_and_hangs_up(
    tmp_path: Path, counted: tuple[list[int], list[SocketLane]]
) -> None:
    """The storage host sends 2 MiB, then nothing: the lane's thread waits in ``recv_into`` (read timeout 30 s)
    when the task is cancelled. The connection must end long before that, and the file already at the
    target (a good one, being overwritten) must be untouched."""
    hung_up = threading.Event()

    def stalling(peer: Peer) -> None:
        if peer.read_request() is None:
            return
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
        peer.send(head % len(DATA) + DATA[: 2 * MIB])
        peer.sock.settimeout(20)
        if peer.sock.recv(1) == b"":
            hung_up.set()

    storage = RawServer(stalling)
    api = RawServer(Api(storage.port))
    target = tmp_path / "model.safetensors"
    target.write_bytes(b"the good file")
    try:
        async with AsyncDownloadService(_options(api.url, tmp_path)) as service:
            task = asyncio.ensure_future(
                service.download_url(f"{api.url}/api/download/models/1", str(target), overwrite=True)
            )
            assert await _until(lambda: bool(counted[1]) and counted[1][0]._busy), "the body is not read by a lane"
            await asyncio.sleep(0.2)  # and has read what was sent: it now waits for bytes that never come
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await asyncio.to_thread(hung_up.wait, 20), "the connection was left open"
            assert await _until(lambda: not counted[1][0]._busy)  # woken by the hang-up, the thread has left
    finally:
        api.close()
        storage.close()
    assert target.read_bytes() == b"the good file"


async def _until(condition: Callable[[], bool], *, polls: int = 2000) -> bool:
    """Whether ``condition`` holds within ``polls`` looks 10 ms apart."""
    for _ in range(polls):
        if condition():
            return True
        await asyncio.sleep(0.01)
    return condition()
