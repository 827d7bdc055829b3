"""``civitai images download``: each image in its real format with a ``.json`` of its generation metadata, bounded
concurrency, a rerun skips what is present; a bad ``--dir`` fails before anything is listed.

A plain loopback server plays Civitai here: the sandbox's image records point at Civitai's image CDN, and a
test never leaves loopback. Its image URLs end ``.jpeg`` while the bytes are PNG, as Civitai's often do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse
from tests.support.sdk_support import PNG_MAGIC

META = {"prompt": "a lighthouse at dusk", "seed": 1234, "sampler": "Euler a", "steps": 25}


@pytest.fixture
def gallery() -> Iterator[FakeCivitai]:
    with FakeCivitai() as server:
        items = [
            {"id": image_id, "url": f"{server.url}/img/{image_id}.jpeg", "meta": {**META, "seed": image_id}}
            for image_id in (101, 102, 103)
        ]
        server.add_route("GET", "/api/v1/images", lambda request: FakeResponse.json({"items": items, "metadata": {}}))

        def image(request: FakeRequest) -> FakeResponse:
            return FakeResponse(200, {"Content-Type": "image/png"}, PNG_MAGIC + request.path.encode() * 100)

        for item in items:
            server.add_route("GET", f"/img/{item['id']}.jpeg", image)
        yield server


def test_images_with_sidecars_in_their_real_format_and_a_rerun_skips(
    run: Any, gallery: FakeCivitai, tmp_path: Path
) -> None:
    args = ("--base-url", gallery.url, "--json", "images", "download", "--model-id", "7", "--dir", str(tmp_path))
    outcome = run(*args, "--concurrency", "2")
    assert outcome.exit_code == 0, outcome.stderr
    rows = outcome.json()
    assert sorted(row["id"] for row in rows) == [101, 102, 103]
    for row in rows:
        image, sidecar = Path(row["path"]), Path(row["sidecar"])
        assert image == tmp_path / f"{row['id']}.png"  # the bytes decide, not the URL's .jpeg
        assert image.read_bytes().startswith(PNG_MAGIC)
        record = json.loads(sidecar.read_text())
        assert sidecar == tmp_path / f"{row['id']}.json"
        assert record["file"] == image.name and record["meta"] == {**META, "seed": row["id"]}
    listing = gallery.requests.matching(path="/api/v1/images")[-1]
    assert "modelId=7" in listing.target
    before = len(gallery.requests.snapshot())
    again = run(*args)
    assert again.exit_code == 0, again.stderr
    assert all(row["skipped"] for row in again.json())
    assert [r.path for r in gallery.requests.snapshot()[before:]] == ["/api/v1/images"]  # nothing downloaded again


def test_a_file_as_dir_fails_before_listing(run: Any, gallery: FakeCivitai, tmp_path: Path) -> None:
    (taken := tmp_path / "taken").write_text("x")
    outcome = run("--base-url", gallery.url, "--json", "images", "download", "--dir", str(taken))
    assert outcome.exit_code == 2 and "--dir" in outcome.json()["error"]["message"]
    assert gallery.requests.snapshot() == []
