"""``sdk.blobs.download(blob, "out/")`` (the README's loop): a directory target — existing, or spelled with a
trailing separator and not yet there — means "inside it, named after the blob"; a plain path is the file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from civitai_kit.sdk import Blob, file_download
from civitai_kit.testing import FakeCivitai, FakeResponse
from tests.support.sdk_support import PNG_MAGIC, resolve


def _blobs(server: FakeCivitai, *names: str) -> list[Blob]:
    for name in names:
        server.add_route("GET", f"/files/{name}", lambda request: FakeResponse(200, {}, PNG_MAGIC * 64))
    return [Blob(id=name, url=f"{server.url_for_host('localhost')}/files/{name}") for name in names]


async def test_a_trailing_slash_means_inside_a_new_directory(
    client: Any, server: FakeCivitai, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    for blob in _blobs(server, "first.png", "second.png"):  # the README: both land in out/, neither fails
        (await resolve(client.blobs.download(blob, "out/"))).unwrap()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["first.png", "second.png"]


async def test_an_existing_directory_without_slash_and_a_plain_file_path(
    client: Any, server: FakeCivitai, tmp_path: Path
) -> None:
    (folder := tmp_path / "images").mkdir()
    first, second = _blobs(server, "a.png", "b.png")
    assert (await resolve(client.blobs.download(first, folder))).unwrap() == folder / "a.png"
    assert (await resolve(client.blobs.download(second, tmp_path / "named.png"))).unwrap() == tmp_path / "named.png"


def test_target_in_spellings(tmp_path: Path) -> None:
    assert file_download.target_in(f"{tmp_path}/new{os.sep}", "x.png") == tmp_path / "new" / "x.png"
    assert file_download.target_in(tmp_path, "../x.png") == tmp_path / "x.png"  # a blob id never leaves the folder
    assert file_download.target_in(tmp_path / "file.png", "x.png") == tmp_path / "file.png"
