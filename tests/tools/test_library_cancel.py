"""A cancelled async identification stops hashing after the file being read (hashing runs on a thread that
cannot be stopped from outside; the rest of the folder is not read)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import pytest

from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure
from civitai_kit.tools import HashAlgorithm
from civitai_kit.tools.hashing import FileHashingService
from civitai_kit.tools.library import AsyncLibraryScanner


class HeldHashing:
    """Hashing whose first file takes until :attr:`release` is set; records every file it was asked for."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.asked: list[str] = []

    def compute(self, path: Path, algorithms: Iterable[HashAlgorithm]) -> Any:
        self.asked.append(path.name)
        self.started.set()
        self.release.wait(10)
        return Failure.of(ErrorCode.IO_ERROR, "not hashed in this test")


def test_a_cancelled_identification_stops_hashing_after_the_file_being_read(tmp_path: Path) -> None:
    files = [tmp_path / f"m{index}.safetensors" for index in range(3)]
    for file in files:
        file.write_bytes(b"weights")
    hashing = HeldHashing()
    options = CivitaiApiOptions.isolated(base_url="http://127.0.0.1:9")  # nothing is looked up

    async def main() -> None:
        async with AsyncLibraryScanner(options=options, hashing=cast(FileHashingService, hashing)) as scanner:
            task = asyncio.create_task(scanner.identify_files(files))
            assert await asyncio.to_thread(hashing.started.wait, 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            hashing.release.set()

    asyncio.run(main())  # returns once the hashing thread has ended
    assert hashing.asked == ["m0.safetensors"]
