"""The library side of issue 12: Danger scans refused before any byte, warnings, layouts, ``download_targets``
(sync and async) with its ``on_landed`` hook, a full disk mid-batch, over the loopback sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.core.models import ModelVersion
from civitai_kit.errors import DownloadRefusedError, ErrorCode, UnsafeFileError
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Success
from civitai_kit.testing import hostile_fs
from civitai_kit.testing.sandbox import Sandbox, start_sandbox
from civitai_kit.tools.download_batch import BatchReport
from civitai_kit.tools.download_landed import LandedFile
from tests.support.batch_support import Served, clean_primary, danger, files_under, pending
from tests.support.download_support import Twin


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox() as running:
        yield running


@pytest.fixture
def options(sandbox: Sandbox, tmp_path: Path) -> CivitaiApiOptions:
    sandbox.server.faults.clear()
    return CivitaiApiOptions.isolated(
        base_url=sandbox.url, downloads={"models": {"base_directory": tmp_path / "flat"}, "root": tmp_path / "app"}
    )


@pytest.fixture(params=["sync", "async"])
async def twin(request: pytest.FixtureRequest, options: CivitaiApiOptions) -> AsyncIterator[Twin]:
    service = Twin(request.param, options)
    yield service
    await service.close()


def _version(sandbox: Sandbox, one: Served) -> ModelVersion:
    body = {**one.version, "model": {"name": one.model["name"], "type": one.model["type"]}}
    return ModelVersion.model_validate(body)


def _file(version: ModelVersion, file_id: int) -> Any:
    return next(file for file in version.files if file.id == file_id)


async def test_a_danger_file_is_refused_before_any_byte(twin: Twin, sandbox: Sandbox, tmp_path: Path) -> None:
    bad = danger(sandbox)
    version = _version(sandbox, bad)
    before = len(sandbox.downloads.storage_requests) + len(sandbox.downloads.endpoint_requests)
    result = await twin.call("download_model_file", _file(version, bad.fake.file_id), version)
    assert isinstance(result, Failure) and result.error.code is ErrorCode.UNSAFE_FILE
    assert "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint" in result.error.message
    assert result.error.details is not None and "Dangerous import" in result.error.details["pickle_scan_message"]
    raised = result.error.to_exception()
    assert isinstance(raised, UnsafeFileError) and isinstance(raised, DownloadRefusedError)
    assert files_under(tmp_path) == [] and not (tmp_path / "flat").exists()
    assert len(sandbox.downloads.storage_requests) + len(sandbox.downloads.endpoint_requests) == before


async def test_allow_unsafe_downloads_it_and_says_so(twin: Twin, sandbox: Sandbox) -> None:
    bad = danger(sandbox)
    result = await twin.call("download_version", bad.version_id, file_id=bad.fake.file_id, allow_unsafe=True)
    assert isinstance(result, Success), result
    assert result.value.path.read_bytes() == bad.fake.data
    assert any("Danger" in warning for warning in result.value.warnings)
    assert any("pickle format" in warning for warning in result.value.warnings)


async def test_the_option_allows_it_too(sandbox: Sandbox, tmp_path: Path) -> None:
    bad = danger(sandbox)
    allowing = CivitaiApiOptions.isolated(
        base_url=sandbox.url, downloads={"models": {"base_directory": tmp_path}, "allow_unsafe": True}
    )
    service = Twin("async", allowing)
    try:
        result = await service.call("download_version", bad.version_id, file_id=bad.fake.file_id)
    finally:
        await service.close()
    assert isinstance(result, Success)


async def test_a_pending_scan_is_a_logged_warning(
    twin: Twin, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    one = pending(sandbox)
    with caplog.at_level("WARNING", logger="civitai_kit"):
        result = await twin.call("download_version", one.version_id)
    assert isinstance(result, Success), result
    assert any("Pending" in warning for warning in result.value.warnings)
    assert any("Pending" in record.getMessage() for record in caplog.records)


async def test_a_clean_file_has_no_warnings(twin: Twin, sandbox: Sandbox) -> None:
    result = await twin.call("download_version", clean_primary(sandbox, "LORA").version_id)
    assert isinstance(result, Success) and result.value.warnings == ()


async def test_download_targets_lands_files_in_the_layout_and_calls_the_hook(
    twin: Twin, sandbox: Sandbox, tmp_path: Path
) -> None:
    lora, checkpoint = clean_primary(sandbox, "LORA"), clean_primary(sandbox, "Checkpoint")
    landed: list[LandedFile] = []
    report = await twin.call(
        "download_targets",
        [str(lora.version_id), f"urn:air:sdxl:checkpoint:civitai:{checkpoint.model['id']}@{checkpoint.version_id}",
         "https://civitai.com/models/999999999"],
        layout="a1111",
        on_landed=landed.append,
    )  # fmt: skip
    assert isinstance(report, BatchReport) and not report.ok
    assert [entry.ok for entry in report.entries] == [True, True, False]
    failure = report.entries[2].result
    assert isinstance(failure, Failure) and failure.error.code is ErrorCode.NOT_FOUND
    assert (tmp_path / "app/models/Lora" / lora.fake.name).read_bytes() == lora.fake.data
    assert (tmp_path / "app/models/Stable-diffusion" / checkpoint.fake.name).is_file()
    assert sorted(one.file.id for one in landed) == sorted([lora.fake.file_id, checkpoint.fake.file_id])
    assert all(one.version is not None and one.version.model is not None for one in landed)
    assert all(one.downloaded.verified for one in landed)
    again: list[LandedFile] = []
    rerun = await twin.call("download_targets", [str(lora.version_id)], layout="a1111", on_landed=again.append)
    assert rerun.ok and rerun.entries[0].result.value.already_present and len(again) == 1


async def test_bad_targets_and_destinations_fail_before_any_request(
    twin: Twin, sandbox: Sandbox, tmp_path: Path
) -> None:
    before = len(sandbox.server.requests)
    with pytest.raises(ValueError, match=r"targets\[1\]"):
        await twin.call("download_targets", ["1", "not a target"])
    blocker = tmp_path / "blocker"
    blocker.write_text("x", "utf-8")
    with pytest.raises(ValueError, match="a file, not a folder"):
        await twin.call("download_targets", ["1"], directory=blocker)
    with pytest.raises(ValueError, match="layout"):
        await twin.call("download_targets", ["1"], layout="invokeai")
    with pytest.raises(ValueError, match="max_concurrency"):
        await twin.call("download_targets", ["1"], max_concurrency=0)
    assert len(sandbox.server.requests) == before


async def test_a_full_disk_mid_batch_fails_that_file_only(twin: Twin, sandbox: Sandbox, tmp_path: Path) -> None:
    lora, vae = clean_primary(sandbox, "LORA"), clean_primary(sandbox, "VAE")
    loras = tmp_path / "app/models/loras"
    loras.mkdir(parents=True)
    with hostile_fs.full_disk(loras, size=1024, mount=False):
        report = await twin.call("download_targets", [str(lora.version_id), str(vae.version_id)], layout="comfyui")
    full, fine = report.entries
    assert isinstance(full.result, Failure) and full.result.error.code is ErrorCode.FILE_WRITE_FAILED
    assert "No space left" in full.result.error.message
    assert fine.ok and (tmp_path / "app/models/vae" / vae.fake.name).read_bytes() == vae.fake.data
    assert list(loras.iterdir()) == []  # the failed write's .part is gone: it holds the space to free


async def test_a_file_conflict_says_how_to_overwrite_and_marks_the_remedy(
    twin: Twin, sandbox: Sandbox, tmp_path: Path
) -> None:
    good = clean_primary(sandbox, "LORA")
    first = await twin.call("download_version", good.version_id, pattern="{FileName}")
    assert isinstance(first, Success)
    first.value.path.write_bytes(b"another file")
    again = await twin.call("download_version", good.version_id, pattern="{FileName}")
    assert isinstance(again, Failure) and "overwrite=True" in again.error.message
    assert again.error.details is not None and again.error.details["remedy"] == "overwrite"
    assert again.error.details["path"] == str(first.value.path)
