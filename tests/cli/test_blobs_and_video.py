"""``civitai blobs upload`` and ``civitai generate-video`` through the installed entry point against the sandbox:
results, ``--json`` documents, and every local refusal made before anything is uploaded or submitted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civitai_kit.testing.media import solid_png
from civitai_kit.testing.sandbox import Sandbox

SOURCE = solid_png(48, 32, (5, 120, 200))
MP4_BOX = b"ftyp"


@pytest.fixture
def token(fake_key: str) -> dict[str, str]:
    return {"CIVITAIAPI__SDK__APITOKEN": fake_key}


@pytest.fixture
def image(tmp_path: Path) -> Path:
    file = tmp_path / "still.png"
    file.write_bytes(SOURCE)
    return file


def _posts(sandbox: Sandbox, path: str) -> int:
    return sum(1 for r in sandbox.server.requests.snapshot() if r.method == "POST" and r.path == path)


def test_blobs_upload_prints_the_blob_and_its_input_url(
    run: Any, sandbox: Sandbox, image: Path, token: dict[str, str], fake_key: str
) -> None:
    outcome = run("--json", "blobs", "upload", str(image), env=token)
    assert outcome.exit_code == 0, outcome.stderr
    uploaded = outcome.json()
    assert (uploaded["type"], uploaded["contentType"], uploaded["size"]) == ("image", "image/png", len(SOURCE))
    assert uploaded["input"] == uploaded["url"] and uploaded["path"] == str(image)
    stored = sandbox.orchestrator.blobs[uploaded["id"]]
    assert stored.content == SOURCE
    human = run("blobs", "upload", str(image), env=token)
    assert human.exit_code == 0 and "image/png" in human.stdout and "/v2/consumer/blobs/content/" in human.stdout
    quiet = run("-q", "blobs", "upload", str(image), "--content-type", "image/png", env=token)
    assert quiet.exit_code == 0 and quiet.stdout.strip().startswith("http") and quiet.stderr == ""
    assert fake_key not in outcome.everything + human.everything + quiet.everything


def test_blobs_upload_refuses_bad_paths_before_sending(
    cli: Any, sandbox: Sandbox, tmp_path: Path, token: dict[str, str]
) -> None:
    empty = tmp_path / "empty.png"
    empty.touch()
    unknown = tmp_path / "notes.dat"
    unknown.write_bytes(b"plain words")
    before = _posts(sandbox, "/v2/consumer/blobs")
    for args, words in (
        ((str(tmp_path / "missing.png"),), "there is no file"),
        ((str(tmp_path),), "is a directory"),
        ((str(empty),), "is empty"),
        ((str(unknown),), "cannot tell"),
        ((str(unknown), "--content-type", "nonsense"), "content_type must be a media type"),
    ):
        outcome = cli("--json", "blobs", "upload", *args, env=token)
        assert outcome.exit_code == 2, (args, outcome.stdout)
        assert words in outcome.json()["error"]["message"]
    assert _posts(sandbox, "/v2/consumer/blobs") == before


def test_generate_video_text_to_video_saves_the_video(
    cli: Any, sandbox: Sandbox, tmp_path: Path, token: dict[str, str]
) -> None:
    outcome = cli(
        "--json", "generate-video", "a fox in the snow", "--duration", "10", "--dir", str(tmp_path), env=token
    )
    assert outcome.exit_code == 0, outcome.stderr
    result = outcome.json()
    assert (result["status"], result["engine"], result["input_image"]) == ("succeeded", "kling", None)
    [video] = result["videos"]
    saved = Path(video["path"])
    assert saved.parent == tmp_path and saved.suffix == ".mp4" and MP4_BOX in saved.read_bytes()[:16]
    step = sandbox.server.requests.snapshot()
    body = next(r for r in reversed(step) if r.path == "/v2/consumer/workflows").json()
    assert body["steps"][0]["$type"] == "videoGen"
    assert body["steps"][0]["input"] == {
        "engine": "kling",
        "prompt": "a fox in the snow",
        "duration": "10",
        "cfgScale": 0.5,
    }


@pytest.mark.parametrize(
    ("engine", "extra", "field", "operation"),
    [
        ("kling", (), "sourceImage", None),
        ("sora", (), "images", "image-to-video"),
        ("grok", ("--set", "version=v1.5"), "images", "imageToVideo"),
    ],
)
def test_generate_video_uploads_the_image_and_runs_image_to_video(
    run: Any,
    sandbox: Sandbox,
    image: Path,
    tmp_path: Path,
    token: dict[str, str],
    engine: str,
    extra: tuple[str, ...],
    field: str,
    operation: str | None,
) -> None:
    folder = tmp_path / "out"
    args = ("--json", "generate-video", "it moves", "--engine", engine, "--image", str(image), *extra)
    outcome = run(*args, "--dir", str(folder), env=token)
    assert outcome.exit_code == 0, outcome.stderr
    result = outcome.json()
    uploaded = result["input_image"]
    assert sandbox.orchestrator.blobs[uploaded["blob_id"]].content == SOURCE
    step = next(r for r in reversed(sandbox.server.requests.snapshot()) if r.path == "/v2/consumer/workflows").json()
    sent = step["steps"][0]["input"]
    assert sent[field] == (uploaded["url"] if field == "sourceImage" else [uploaded["url"]])
    assert sent.get("operation") == operation
    assert [Path(v["path"]).parent for v in result["videos"]] == [folder]


def test_generate_video_checks_everything_before_uploading_or_submitting(
    cli: Any, sandbox: Sandbox, image: Path, tmp_path: Path, token: dict[str, str]
) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    uploads, submits = _posts(sandbox, "/v2/consumer/blobs"), _posts(sandbox, "/v2/consumer/workflows")
    refusals: list[tuple[tuple[str, ...], str]] = [
        (("--engine", "nope"), "--engine: unknown 'nope'"),
        (("--engine", "wan"), "version is required"),
        (("--engine", "mochi", "--image", str(image), "--set", "seed=1"), "takes no input image"),
        (("--duration", "7"), "duration"),
        (("--set", "novalue"), "--set: expected name=value"),
        (("--set", "colour=red"), "colour"),
        (("--image", str(tmp_path / "missing.png")), "--image: there is no file"),
        (("--dir", str(a_file), "--image", str(image)), "--dir"),
    ]
    for args, words in refusals:
        outcome = cli("--json", "generate-video", "a fox", *args, env=token)
        assert outcome.exit_code == 2, (args, outcome.stdout, outcome.stderr)
        assert words in outcome.json()["error"]["message"], (args, outcome.json())
    assert (_posts(sandbox, "/v2/consumer/blobs"), _posts(sandbox, "/v2/consumer/workflows")) == (uploads, submits)


def test_generate_video_failures(cli: Any, tmp_path: Path, token: dict[str, str]) -> None:
    failed = cli("generate-video", "[fail] a fox", "--dir", str(tmp_path), env=token)
    assert failed.exit_code == 1 and "ended failed" in failed.stderr
    assert not list(tmp_path.iterdir())
    no_token = cli("generate-video", "a fox", "--dir", str(tmp_path))
    assert no_token.exit_code == 1 and "needs an API token" in no_token.stderr
