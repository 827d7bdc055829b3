"""``civitai download``: targets, dry run, verification, refusals, quiet and JSON output."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.testing.sandbox import Sandbox


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_download_by_version_id_verifies_and_reports(
    cli: Any, sandbox: Sandbox, tmp_path: Path, served_file: Any
) -> None:
    file = served_file
    outcome = cli("download", str(file.version_id), "--dir", str(tmp_path), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    done = outcome.json()
    saved = Path(done["path"])
    assert saved.parent.parent.parent == tmp_path  # {ModelType}/{ModelName}/{FileName}
    assert saved.name == file.name
    assert saved.read_bytes() == file.data
    assert done["verified"] is True and done["verified_with"] == "SHA256"
    assert done["hashes"]["SHA256"] == hashlib.sha256(file.data).hexdigest().upper()
    assert _files(tmp_path) == [saved]  # no .part left behind


@pytest.mark.parametrize(
    "form",
    [
        "https://civitai.com/api/download/models/{version}",
        "https://civitai.com/models/{model}?modelVersionId={version}",
        "urn:air:sdxl:lora:civitai:{model}@{version}",
    ],
)
def test_download_target_forms(cli: Any, sandbox: Sandbox, tmp_path: Path, form: str, served_file: Any) -> None:
    file = served_file
    found = sandbox.rest.version(file.version_id)
    assert found is not None
    model_id = found[0]["id"]
    target = form.format(model=model_id, version=file.version_id)
    outcome = cli("-q", "download", target, "--dir", str(tmp_path), "--pattern", "{VersionId}/{FileName}")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout.strip() == str(tmp_path / str(file.version_id) / file.name)
    assert outcome.stderr == ""  # quiet: the path only, no notes


def test_model_url_without_version_takes_the_latest(cli: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    model = next(
        m
        for m in sandbox.rest.models
        if m.get("modelVersions")
        and any(f.version_id == m["modelVersions"][0]["id"] and f.refusal is None for f in sandbox.downloads.files())
    )
    outcome = cli(
        "download", f"https://civitai.com/models/{model['id']}/some-slug", "--dir", str(tmp_path), "--dry-run", "--json"
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.json()["version_id"] == model["modelVersions"][0]["id"]


def test_dry_run_downloads_nothing(cli: Any, sandbox: Sandbox, tmp_path: Path, served_file: Any) -> None:
    file = served_file
    before = len(sandbox.downloads.storage_requests)
    outcome = cli("download", str(file.version_id), "--dir", str(tmp_path), "--dry-run")
    assert outcome.exit_code == 0, outcome.stderr
    assert "Dry run" in outcome.stdout and file.name in outcome.stdout
    assert f"SHA256 {file.sha256()}" in outcome.stdout
    assert _files(tmp_path) == []
    assert len(sandbox.downloads.storage_requests) == before
    data = cli("download", str(file.version_id), "--dir", str(tmp_path), "--dry-run", "--json").json()
    assert data["verify"] == {"algorithm": "SHA256", "hash": file.sha256()}
    assert data["exists"] is False
    unverified = cli("download", str(file.version_id), "--dir", str(tmp_path), "--dry-run", "--no-verify", "--json")
    assert unverified.json()["verify"] is None


def test_a_corrupted_file_fails_verification_and_leaves_nothing(
    cli: Any, sandbox: Sandbox, tmp_path: Path, served_file: Any
) -> None:
    file = served_file
    original = file.data
    file.data = bytes(reversed(original))
    try:
        outcome = cli("download", str(file.version_id), "--dir", str(tmp_path))
        assert outcome.exit_code == 1
        assert "HASH_VERIFICATION_FAILED" in outcome.stderr
        assert not [p for p in _files(tmp_path) if p.name == file.name]
        skipped = cli("download", str(file.version_id), "--dir", str(tmp_path), "--no-verify", "--json")
        assert skipped.exit_code == 0
        assert skipped.json()["verified"] is False
    finally:
        file.data = original


def test_refusals_exit_1_with_a_typed_reason(cli: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    early = next(f for f in sandbox.downloads.files() if f.refusal == "early_access")
    outcome = cli("download", str(early.version_id), "--dir", str(tmp_path))
    assert outcome.exit_code == 1
    assert outcome.stderr.splitlines()[-1].startswith("error: EARLY_ACCESS (HTTP 403)")
    assert not _files(tmp_path)


@pytest.mark.parametrize("target", ["garbage", "0", "urn:air:sdxl:lora:huggingface:a/b", "https://example.com/x"])
def test_unreadable_targets_are_usage_errors(cli: Any, target: str) -> None:
    outcome = cli("download", target)
    assert outcome.exit_code == 2
    assert "is not a model version id" in outcome.stderr


def test_bad_pattern_is_a_usage_error(cli: Any, sandbox: Sandbox, tmp_path: Path, served_file: Any) -> None:
    file = served_file
    outcome = cli("download", str(file.version_id), "--dir", str(tmp_path), "--pattern", "{Nope}/{FileName}")
    assert outcome.exit_code == 2
    assert "Nope" in outcome.stderr


def test_a_download_url_of_a_non_primary_file_downloads_that_file(cli: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    """Civitai's own link for a training-data or second-format file carries ``?type=&format=``: that file is meant."""
    extra = next(f for f in sandbox.downloads.files() if not f.primary and f.refusal is None and f.file_type)
    found = sandbox.rest.version(extra.version_id)
    assert found is not None
    _, version = found
    url = next(f["downloadUrl"] for f in version["files"] if f["id"] == extra.file_id)
    assert "?" in url and "fileId" not in url  # the real ``?type=...`` form
    planned = cli("download", url, "--dir", str(tmp_path), "--dry-run", "--json")
    assert planned.exit_code == 0, planned.stderr
    assert planned.json()["file_id"] == extra.file_id
    outcome = cli("download", url, "--dir", str(tmp_path), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    assert Path(outcome.json()["path"]).read_bytes() == extra.data


def test_a_download_url_no_file_matches_fails_naming_the_files(cli: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    file = next(f for f in sandbox.downloads.files() if f.primary and f.refusal is None)
    outcome = cli("download", f"https://civitai.com/api/download/models/{file.version_id}?type=Config", "--dry-run")
    assert outcome.exit_code == 1
    assert "type=Config" in outcome.stderr and str(file.file_id) in outcome.stderr
