"""Sidecars next to model files: real files on disk, previews fetched over loopback from the sandbox's image CDN."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.core.models import ModelVersion
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing import FakeCivitai, FakeResponse, Fault, hostile_fs
from civitai_kit.testing.rest import RestData, install_rest_routes
from civitai_kit.tools.formats import FileFormat, detect_format
from civitai_kit.tools.library import AsyncLibraryScanner, IdentifiedFile, LibraryScanner
from civitai_kit.tools.sidecars import (
    SidecarKind,
    a1111_metadata,
    choose_preview,
    civitai_info,
    sd_version,
    sidecar_paths,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "civitai-rest"
CDN = "https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA"


def _image(name: str, level: int, kind: str = "image") -> dict[str, Any]:
    extension = "mp4" if kind == "video" else "jpeg"
    return {"url": f"{CDN}/{name}/width=450/{name}.{extension}", "nsfwLevel": level, "type": kind, "width": 16}


def _catalogue(model_file: Path) -> list[dict[str, Any]]:
    sha256 = hashlib.sha256(model_file.read_bytes()).hexdigest().upper()
    return [
        {
            "id": 7,
            "name": "Fox Ears",
            "type": "LORA",
            "nsfw": False,
            "nsfwLevel": 7,
            "description": "<p>Adds <b>fox ears</b>.</p>",
            "modelVersions": [
                {
                    "id": 70,
                    "name": "v2",
                    "baseModel": "Illustrious",
                    "trainedWords": ["fox ears", " kitsune "],
                    "publishedAt": "2025-01-01T00:00:00.000Z",
                    "files": [
                        {
                            "id": 700,
                            "name": model_file.name,
                            "type": "Model",
                            "primary": True,
                            "hashes": {"SHA256": sha256},
                        },
                    ],
                    "images": [_image("clip", 1, "video"), _image("mature", 4), _image("soft", 2), _image("pg", 1)],
                }
            ],
        }
    ]


@pytest.fixture
def lora(tmp_path: Path) -> Path:
    path = tmp_path / "models" / "loras" / "fox-ears.safetensors"
    path.parent.mkdir(parents=True)
    path.write_bytes(os.urandom(4096))
    return path


@pytest.fixture
def options(fake_civitai: FakeCivitai, lora: Path, tmp_path: Path) -> CivitaiApiOptions:
    install_rest_routes(fake_civitai, RestData.from_models(_catalogue(lora), with_images=False))
    return CivitaiApiOptions.isolated(
        base_url=fake_civitai.url, resilience={"max_retries": 0}, cache={"directory": str(tmp_path / "cache")}
    )


def _identify(options: CivitaiApiOptions, lora: Path) -> IdentifiedFile:
    with LibraryScanner(options=options, hash_cache=None) as scanner:
        (record,) = scanner.identify_files([lora], write_sidecars=True)
    return record


def _cdn_requests(server: FakeCivitai) -> list[str]:
    return [r.path for r in server.requests if r.path.startswith("/_cdn/")]


# ---------------------------------------------------------------------------------------------- contents


@pytest.mark.parametrize(
    ("base_model", "expected"),
    [
        ("SD 1.5", "SD1"),
        ("SD 1.4", "SD1"),
        ("SD 2.1 768", "SD2"),
        ("SDXL 1.0", "SDXL"),
        ("SDXL Turbo", "SDXL"),
        ("Pony", "SDXL"),
        ("Illustrious", "SDXL"),
        ("NoobAI", "SDXL"),
        ("Flux.1 D", "Unknown"),
        ("", "Unknown"),
        (None, "Unknown"),
    ],
)
def test_sd_version_is_one_of_a1111s_four_choices(base_model: str | None, expected: str) -> None:
    assert sd_version(base_model) == expected


def test_a1111_metadata_from_a_real_civitai_info_file() -> None:
    raw = json.loads((FIXTURES / "model-versions-by-hash" / "si-ryao-choke-hold-civitai-info-2025.json").read_text())
    version = ModelVersion.model_validate(raw)
    metadata = a1111_metadata(version)
    assert set(metadata) == {
        "description",
        "sd version",
        "activation text",
        "preferred weight",
        "negative text",
        "notes",
    }
    assert metadata["sd version"] == sd_version(raw["baseModel"])
    assert metadata["activation text"] == ", ".join(w.strip() for w in raw["trainedWords"] if w.strip())
    assert metadata["preferred weight"] == 0
    assert raw["model"]["name"] in metadata["notes"]
    assert f"models/{raw['modelId']}?modelVersionId={raw['id']}" in metadata["notes"]
    assert "<" not in metadata["description"]  # HTML became text


def test_civitai_info_keeps_the_version_body_and_its_model_summary() -> None:
    raw = json.loads((FIXTURES / "model-versions-by-hash" / "si-ryao-choke-hold-civitai-info-2025.json").read_text())
    info = civitai_info(ModelVersion.model_validate(raw))
    assert info["model"] == raw["model"]
    assert info["id"] == raw["id"] and info["trainedWords"] == raw["trainedWords"]
    assert [f["hashes"] for f in info["files"]] == [f["hashes"] for f in raw["files"]]


def test_choose_preview_skips_videos_and_honours_the_nsfw_limit() -> None:
    version = ModelVersion.model_validate(
        {"id": 1, "images": [_image("v", 1, "video"), _image("r", 4), _image("s", 2)]}
    )
    assert choose_preview(version.images, 1) is None
    chosen = choose_preview(version.images, 2)
    assert chosen is not None and "/s/" in (chosen.url or "")
    chosen = choose_preview(version.images, 16)
    assert chosen is not None and "/r/" in (chosen.url or "")


def test_sidecar_paths_replace_only_the_last_extension(tmp_path: Path) -> None:
    paths = sidecar_paths(tmp_path / "model.v1.5.safetensors")
    assert {kind: path.name for kind, path in paths.items()} == {
        SidecarKind.PREVIEW: "model.v1.5.preview.png",
        SidecarKind.CIVITAI_INFO: "model.v1.5.civitai.info",
        SidecarKind.A1111_JSON: "model.v1.5.json",
        SidecarKind.CIVITAI_JSON: "model.v1.5.civitai.json",
    }


# ---------------------------------------------------------------------------------------------- over loopback


def _check_all_four(record: IdentifiedFile, lora: Path) -> None:
    assert record.sidecars is not None and not record.sidecars.skipped
    written = record.sidecars.written
    assert set(written) == set(SidecarKind)
    preview = written[SidecarKind.PREVIEW]
    assert preview == lora.with_name("fox-ears.preview.png")  # the URL says .jpeg; the bytes are a PNG
    assert detect_format(preview) is FileFormat.PNG
    info = json.loads(written[SidecarKind.CIVITAI_INFO].read_text(encoding="utf-8"))
    assert info["id"] == 70 and info["model"]["name"] == "Fox Ears" and info["model"]["type"] == "LORA"
    a1111 = json.loads(written[SidecarKind.A1111_JSON].read_text(encoding="utf-8"))
    assert a1111["activation text"] == "fox ears, kitsune" and a1111["sd version"] == "SDXL"
    assert record.sidecar == written[SidecarKind.CIVITAI_JSON] == lora.with_name("fox-ears.civitai.json")
    leftovers = [p.name for p in lora.parent.iterdir() if p.name.startswith(".") or p.suffix in (".part", ".lock")]
    assert leftovers == []


def test_identify_writes_every_sidecar_with_the_first_preview_within_pg13(
    fake_civitai: FakeCivitai, options: CivitaiApiOptions, lora: Path
) -> None:
    record = _identify(options, lora)
    _check_all_four(record, lora)
    assert _cdn_requests(fake_civitai) == ["/_cdn/image/xG1nkqKTMzGDvpLrqFT7WA/soft/width=450/soft.jpeg"]
    assert all(
        "authorization" not in {k.lower() for k in r.headers}
        for r in fake_civitai.requests
        if r.path.startswith("/_cdn/")
    )


async def test_the_async_scanner_writes_the_same_sidecars(options: CivitaiApiOptions, lora: Path) -> None:
    async with AsyncLibraryScanner(options=options, hash_cache=None) as scanner:
        (record,) = await scanner.identify_files([lora], write_sidecars=True)
    _check_all_four(record, lora)


def test_options_choose_the_kinds_and_the_preview_level(
    fake_civitai: FakeCivitai, options: CivitaiApiOptions, lora: Path
) -> None:
    chosen = options.model_copy(
        update={
            "downloads": options.downloads.model_copy(
                update={
                    "sidecars": options.downloads.sidecars.model_copy(
                        update={"kinds": ("preview", "a1111_json"), "preview_max_nsfw_level": "PG"}
                    )
                }
            )
        }
    )
    record = _identify(chosen, lora)
    assert record.sidecars is not None
    assert set(record.sidecars.written) == {SidecarKind.A1111_JSON, SidecarKind.PREVIEW}
    assert record.sidecars.written[SidecarKind.PREVIEW].name == "fox-ears.preview.png"
    assert _cdn_requests(fake_civitai) == ["/_cdn/image/xG1nkqKTMzGDvpLrqFT7WA/pg/width=450/pg.jpeg"]
    assert not lora.with_name("fox-ears.civitai.info").exists()


def test_a_users_own_a1111_edits_and_preview_are_kept(
    fake_civitai: FakeCivitai, options: CivitaiApiOptions, lora: Path
) -> None:
    mine = lora.with_name("fox-ears.json")
    mine.write_text(json.dumps({"activation text": "my words", "preferred weight": 0.7, "notes": ""}), encoding="utf-8")
    own_preview = lora.with_name("fox-ears.preview.jpeg")
    own_preview.write_bytes(b"\xff\xd8\xff\xe0 my own picture")
    record = _identify(options, lora)
    merged = json.loads(mine.read_text(encoding="utf-8"))
    assert merged["activation text"] == "my words" and merged["preferred weight"] == 0.7
    assert merged["sd version"] == "SDXL" and "Fox Ears" in merged["notes"]  # empty or missing keys filled in
    assert record.sidecars is not None and record.sidecars.written[SidecarKind.PREVIEW] == own_preview
    assert own_preview.read_bytes() == b"\xff\xd8\xff\xe0 my own picture"
    assert _cdn_requests(fake_civitai) == []


# ---------------------------------------------------------------------------------------------- hostile


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda: FakeResponse.html("<html>captcha</html>"), "could not be downloaded"),
        (lambda: FakeResponse.bytes(b"PK\x03\x04" + bytes(500), "application/octet-stream"), "did not answer an image"),
    ],
    ids=["html-page", "a-zip"],
)
def test_a_cdn_that_answers_no_image_leaves_no_preview(
    fake_civitai: FakeCivitai, options: CivitaiApiOptions, lora: Path, answer: Any, reason: str
) -> None:
    fake_civitai.add_route("GET", "/_cdn/image/{path:path}", lambda _r: answer())
    record = _identify(options, lora)
    assert record.identified and record.sidecars is not None
    assert reason in record.sidecars.skipped[SidecarKind.PREVIEW]
    assert SidecarKind.CIVITAI_INFO in record.sidecars.written
    assert sorted(p.name for p in lora.parent.iterdir() if "preview" in p.name) == []


def test_a_cdn_that_hangs_up_fails_only_the_preview(
    fake_civitai: FakeCivitai, options: CivitaiApiOptions, lora: Path
) -> None:
    fake_civitai.faults.add(Fault.reset(), path="/_cdn/*", times=None)
    record = _identify(options, lora)
    assert record.identified and record.sidecars is not None
    assert "could not be downloaded" in record.sidecars.skipped[SidecarKind.PREVIEW]
    assert [p.name for p in lora.parent.iterdir() if "preview" in p.name] == []


def test_a_planted_symlink_is_replaced_never_written_through(
    options: CivitaiApiOptions, lora: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    lora.with_name("fox-ears.civitai.info").symlink_to(victim)
    before = hostile_fs.snapshot(outside)
    record = _identify(options, lora)
    assert hostile_fs.snapshot(outside) == before
    info = lora.with_name("fox-ears.civitai.info")
    assert not info.is_symlink() and json.loads(info.read_text(encoding="utf-8"))["id"] == 70
    assert record.sidecars is not None and SidecarKind.CIVITAI_INFO in record.sidecars.written


def test_a_read_only_folder_reports_each_sidecar_and_keeps_the_identification(
    options: CivitaiApiOptions, lora: Path
) -> None:
    with hostile_fs.read_only_directory(lora.parent) as state:
        if not state.enforced:
            pytest.skip("this machine lets the test write into a read-only folder")
        record = _identify(options, lora)
    assert record.identified and record.sidecars is not None
    assert set(record.sidecars.skipped) == set(SidecarKind) and not record.sidecars.written
    assert all(str(lora.parent) in reason or "preview" in reason for reason in record.sidecars.skipped.values())
