"""A download abandoned while its response is open hangs up at once, whichever way it was driven.

Async: cancelled while a step waits for the disk (the response open, between two reads), the connection
is closed on the event loop right after the clean-up, not whenever the cancelled task and its traceback
happen to be collected. Sync: interrupted (Ctrl-C) in the middle of the body, the response is closed
before the exception reaches the caller.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing import FakeCivitai, FakeResponse
from civitai_kit.tools import download_transfer
from civitai_kit.tools.download_types import DownloadProgress
from civitai_kit.tools.downloads import AsyncDownloadService, DownloadService
from tests.support.download_support import SlowDisk, slowed_disk

MIB = 1024 * 1024
BLOCK = os.urandom(MIB)
SIZE = 64 * MIB
"""Far more than the socket buffers hold: the server is still sending when the client stops reading."""


@pytest.fixture
def url(fake_civitai: FakeCivitai) -> Iterator[str]:
    fake_civitai.add_route(
        "GET", "/blob/big.bin", lambda _r: FakeResponse.stream((BLOCK for _ in range(SIZE // MIB)), content_length=SIZE)
    )
    yield f"{fake_civitai.url}/blob/big.bin"
    fake_civitai.errors.clear()  # the hang-up, logged by the fake as its handler's ConnectionError


@pytest.fixture
def options(fake_civitai: FakeCivitai) -> CivitaiApiOptions:
    return CivitaiApiOptions.isolated(base_url=fake_civitai.url, resilience={"max_retries": 0})


@pytest.fixture
def slow_disk() -> Iterator[SlowDisk]:
    with slowed_disk() as disk:
        yield disk


def server_saw_the_hang_up(server: FakeCivitai, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(isinstance(error.exception, ConnectionError) for error in server.errors.snapshot()):
            return True
        time.sleep(0.02)
    return False


async def test_a_download_cancelled_while_the_disk_is_busy_hangs_up(
    fake_civitai: FakeCivitai, options: CivitaiApiOptions, url: str, tmp_path: Path, slow_disk: SlowDisk
) -> None:
    async with AsyncDownloadService(options) as service:
        task = asyncio.ensure_future(service.download_url(url, tmp_path / "big.bin"))
        assert await asyncio.to_thread(slow_disk.writing.wait, 10)
        await asyncio.sleep(0.3)  # the buffers are full: a step waits for the disk while the response is open
        task.cancel()
        slow_disk.release(after=0.2)
        with pytest.raises(asyncio.CancelledError):
            await task
        # ``task`` still holds its CancelledError (and the frames in its traceback): the hang-up must not
        # wait for them to be collected.
        assert await asyncio.to_thread(server_saw_the_hang_up, fake_civitai)
    assert Path(f"{tmp_path / 'big.bin'}.part").exists()


def test_a_sync_download_interrupted_mid_body_hangs_up(
    fake_civitai: FakeCivitai, options: CivitaiApiOptions, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A report after every buffer: read at loopback speed, the whole body can arrive between two reports
    # 0.1 s apart, and the interrupt would come after the end instead of in the middle.
    monkeypatch.setattr(download_transfer, "PROGRESS_INTERVAL", 0.0)

    def interrupt(progress: DownloadProgress) -> None:
        if progress.downloaded > 8 * MIB:
            raise KeyboardInterrupt

    seen: list[Any] = []
    with DownloadService(options) as service:
        with pytest.raises(KeyboardInterrupt):
            service.download_url(url, tmp_path / "big.bin", on_progress=interrupt)
        seen.append(server_saw_the_hang_up(fake_civitai))
    assert seen == [True]
    assert Path(f"{tmp_path / 'big.bin'}.part").exists()
