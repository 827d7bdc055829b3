"""An async download whose event loop is cancelled, cancelled twice, or shut down while a blocking step
(writing the part file, hashing, the final move) runs on a worker thread.

Policy under test: the in-flight step finishes on its thread, the transfer generator is never entered by
two threads at once (no ``ValueError('generator already executing')``), and the clean-up then runs behind
it: after a cancellation the ``.part`` file is kept for a resume, the lock is released and removed, and
nothing appears at the final path. A loop closed *without* cancelling gives no signal: the step in flight
may complete the download (a whole, verified file) or leave the part; the lock is released either way.

Two places for the slow step: the last one (the transfer waits for the disk before the move) and one in
the middle of the body (a flush waits for a free buffer).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Success
from civitai_kit.testing import FakeCivitai, FakeResponse
from civitai_kit.tools.downloads import AsyncDownloadService
from tests.support.download_support import SlowDisk, forgive_hang_ups, slowed_disk

SIZES = {"last-step": 3 * 1024 * 1024 + 5, "mid-body": 9 * 1024 * 1024 + 5}
DATA = os.urandom(max(SIZES.values()))


@pytest.fixture
def slow_disk() -> Iterator[SlowDisk]:
    with slowed_disk() as disk:
        yield disk


@pytest.fixture(params=sorted(SIZES))
def served(fake_civitai: FakeCivitai, request: pytest.FixtureRequest) -> str:
    data = DATA[: SIZES[request.param]]
    fake_civitai.add_route("GET", "/blob/slow.bin", lambda _r: FakeResponse.bytes(data))
    return f"{fake_civitai.url}/blob/slow.bin"


@pytest.fixture(autouse=True)
def hang_ups_are_expected(fake_civitai: FakeCivitai) -> Iterator[None]:
    """A cancelled download hangs up mid-body; the fake logs that as a route error, which is expected here."""
    yield
    forgive_hang_ups(fake_civitai)


@pytest.fixture
def options(fake_civitai: FakeCivitai) -> CivitaiApiOptions:
    return CivitaiApiOptions.isolated(base_url=fake_civitai.url, resilience={"max_retries": 0})


@pytest.fixture
def problems(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """Everything that reports an error on the side: logs, unraisable exceptions, loop exception handlers."""
    seen: list[str] = []
    previous = sys.unraisablehook

    def unraisable(info: Any) -> None:
        seen.append(f"unraisable: {info.exc_type.__name__}: {info.exc_value}")

    sys.unraisablehook = unraisable
    caplog.set_level(logging.DEBUG)
    try:
        yield seen
    finally:
        sys.unraisablehook = previous
        seen.extend(
            f"log: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}"
            for r in caplog.records
            if r.levelno >= logging.WARNING
        )


def settled(destination: Path, timeout: float = 10.0, *, collect: bool = False) -> None:
    """Wait until the abandoned download's clean-up ran (its lock file is gone). ``collect``: collect garbage
    while waiting, for a download whose only way to clean up is being collected (its loop was dropped)."""
    lock = Path(f"{destination}.lock")
    deadline = time.monotonic() + timeout
    while lock.exists() and time.monotonic() < deadline:
        if collect:
            gc.collect()
        time.sleep(0.02)


def assert_cleaned_up_per_policy(destination: Path, *, may_complete: bool = False) -> None:
    assert not Path(f"{destination}.lock").exists(), "the lock is released and removed"
    part = Path(f"{destination}.part")
    if may_complete and destination.exists():
        assert DATA.startswith(destination.read_bytes()) and not part.exists(), "a whole file, no part"
        return
    assert not destination.exists(), "nothing at the final path"
    assert part.exists() and 0 < part.stat().st_size <= len(DATA), "the part is kept for a resume"
    assert DATA.startswith(part.read_bytes()), "the part holds a clean prefix"


def no_generator_trouble(problems: list[str]) -> None:
    joined = "\n".join(problems)
    assert "generator already executing" not in joined, joined
    assert "was destroyed but it is pending" not in joined, joined
    assert "ignored GeneratorExit" not in joined, joined


async def start_and_wait_for_the_slow_step(
    service: AsyncDownloadService, url: str, destination: Path, slow_disk: SlowDisk
) -> asyncio.Task[Any]:
    task = asyncio.ensure_future(service.download_url(url, destination))
    assert await asyncio.to_thread(slow_disk.writing.wait, 10)
    await asyncio.sleep(0.3)  # the body has arrived: the transfer now waits for the disk in a blocking step
    return task


def test_asyncio_run_returning_mid_download(
    options: CivitaiApiOptions, served: str, tmp_path: Path, slow_disk: SlowDisk, problems: list[str]
) -> None:
    destination = tmp_path / "run.bin"

    async def main() -> None:
        service = AsyncDownloadService(options)
        await start_and_wait_for_the_slow_step(service, served, destination, slow_disk)
        slow_disk.release(after=0.3)
        # returning leaves the download running: asyncio.run cancels it and shuts the loop down

    asyncio.run(main())
    settled(destination)
    gc.collect()
    no_generator_trouble(problems)
    assert_cleaned_up_per_policy(destination)


async def test_cancelled_twice_during_a_blocking_step(
    options: CivitaiApiOptions, served: str, tmp_path: Path, slow_disk: SlowDisk, problems: list[str]
) -> None:
    destination = tmp_path / "twice.bin"
    async with AsyncDownloadService(options) as service:
        task = await start_and_wait_for_the_slow_step(service, served, destination, slow_disk)
        task.cancel()
        await asyncio.sleep(0.1)
        task.cancel()  # e.g. a timeout, then the application shutting down
        slow_disk.release(after=0.3)
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.to_thread(settled, destination)
        no_generator_trouble(problems)
        assert_cleaned_up_per_policy(destination)
        again = await service.download_url(served, destination)  # and the part is used again
    assert isinstance(again, Success) and DATA.startswith(destination.read_bytes())


def test_loop_closed_with_the_download_still_pending(
    options: CivitaiApiOptions, served: str, tmp_path: Path, slow_disk: SlowDisk, problems: list[str]
) -> None:
    destination = tmp_path / "closed.bin"
    loop = asyncio.new_event_loop()
    service = AsyncDownloadService(options)
    task = loop.run_until_complete(start_and_wait_for_the_slow_step(service, served, destination, slow_disk))
    slow_disk.release(after=0.3)
    loop.close()  # no cancellation at all: the pending task and its coroutine are simply dropped
    del task
    gc.collect()
    settled(destination, collect=True)
    gc.collect()
    no_generator_trouble([p for p in problems if "Task was destroyed" not in p])
    assert_cleaned_up_per_policy(destination, may_complete=True)
