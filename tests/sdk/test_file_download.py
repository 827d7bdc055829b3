"""The blob download's file guarantees, sync and async: a full disk or an unwritable folder is a Failure
and leaves nothing behind; the temporary file sits beside the destination until it is renamed into place."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.sdk import Blob, file_download
from civitai_kit.testing import FakeCivitai, FakeResponse
from tests.support.sdk_support import PNG_MAGIC, resolve

CONTENT = PNG_MAGIC * 8192


@pytest.fixture
def blob(server: FakeCivitai) -> Blob:
    server.add_route(
        "GET", "/files/blob.png", lambda request: FakeResponse(200, {"Content-Type": "image/png"}, CONTENT)
    )
    return Blob(id="blob.png", url=server.url_for_host("localhost") + "/files/blob.png")


class FullDisk:
    """A file that takes ``room`` bytes, then raises ``ENOSPC``."""

    def __init__(self, file: BinaryIO, room: int) -> None:
        self._file, self._room = file, room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._file.write(data)

    def close(self) -> None:
        self._file.close()


async def test_a_full_disk_is_a_failure_and_leaves_nothing(
    client: Any, blob: Blob, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = os.fdopen

    def full_disk(fd: int, mode: str) -> FullDisk:
        return FullDisk(opened(fd, "wb"), 1000)

    monkeypatch.setattr(os, "fdopen", full_disk)
    result = await resolve(client.blobs.download(blob, tmp_path / "out.png"))
    assert isinstance(result, Failure) and result.error.code == ErrorCode.FILE_WRITE_FAILED
    assert "out.png" in result.error.message and isinstance(result.error.cause, OSError)
    assert list(tmp_path.iterdir()) == []


async def test_an_unwritable_folder_is_a_failure(client: Any, blob: Blob, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_bytes(b"not a folder")
    result = await resolve(client.blobs.download(blob, tmp_path / "a-file" / "out.png"))
    assert isinstance(result, Failure) and result.error.code == ErrorCode.DIRECTORY_CREATION_FAILED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


async def test_the_file_is_written_beside_its_destination_and_renamed_into_place(
    client: Any, blob: Blob, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Path] = []
    commit = file_download.PartFile.commit

    def watched(part: file_download.PartFile) -> Any:
        seen.extend(tmp_path.iterdir())
        return commit(part)

    monkeypatch.setattr(file_download.PartFile, "commit", watched)
    result = await resolve(client.blobs.download(blob, tmp_path / "out.png"))
    assert result == Success(tmp_path / "out.png") and (tmp_path / "out.png").read_bytes() == CONTENT
    assert [p.name.startswith(".out.png.") and p.suffix == ".part" for p in seen] == [True]
    assert list(tmp_path.iterdir()) == [tmp_path / "out.png"]
