"""Helpers shared by the download tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from civitai_kit import CivitaiApiOptions
from civitai_kit.testing import FakeCivitai
from civitai_kit.tools import AsyncDownloadService, DownloadService
from civitai_kit.tools.download_files import part_file_hook


class Twin:
    """The sync service (on a thread) or the async one, behind one awaitable call."""

    def __init__(self, kind: str, options: CivitaiApiOptions, **kwargs: Any) -> None:
        self.kind = kind
        self.sync = DownloadService(options, **kwargs) if kind == "sync" else None
        self.aio = AsyncDownloadService(options, **kwargs) if kind == "async" else None

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.sync is not None:
            return await asyncio.to_thread(getattr(self.sync, method), *args, **kwargs)
        assert self.aio is not None
        return await getattr(self.aio, method)(*args, **kwargs)

    async def close(self) -> None:
        if self.sync is not None:
            self.sync.close()
        if self.aio is not None:
            await self.aio.aclose()


class SlowDisk:
    """A ``.part`` file whose writes block until :meth:`release` (a slow disk under our control)."""

    def __init__(self) -> None:
        self.writing = threading.Event()
        self.released = threading.Event()

    def wrap(self, _path: Path, file: BinaryIO) -> BinaryIO:
        disk = self

        class Slow:
            def write(self, data: Any) -> int:
                disk.writing.set()
                disk.released.wait(20)
                return file.write(data)

            def __getattr__(self, name: str) -> Any:
                return getattr(file, name)

        return Slow()  # type: ignore[return-value]

    def release(self, after: float = 0.0) -> None:
        threading.Timer(after, self.released.set).start()


@contextmanager
def slowed_disk() -> Iterator[SlowDisk]:
    """Every ``.part`` file written meanwhile is on a :class:`SlowDisk` (released at the end)."""
    disk = SlowDisk()
    try:
        with part_file_hook(disk.wrap):
            yield disk
    finally:
        disk.released.set()


def forgive_hang_ups(server: FakeCivitai) -> None:
    """A download that gives up mid-body (cancelled, or refused by a full disk) hangs up while the fake is
    still sending; the fake logs that as its route's ``ConnectionError``. Those, and only those, are expected."""
    assert all(isinstance(error.exception, ConnectionError) for error in server.errors.snapshot()), [
        error.exception for error in server.errors.snapshot()
    ]
    server.errors.clear()
