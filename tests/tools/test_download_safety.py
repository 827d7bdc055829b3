"""Downloads against a hostile disk and hostile names: planted symlinks, odd names, folders in the way,
read-only folders, a full disk, and keys in URLs. Real loopback HTTP, sync and async."""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from civitai_kit.core.models import ModelFile, ModelVersion
from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Result, Success
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse, Fault, hostile_fs
from civitai_kit.testing.downloads import FakeDownloads, FakeFile, install_download_routes
from civitai_kit.tools.download_files import part_file_hook
from civitai_kit.tools.download_plan import plan_model_file
from civitai_kit.tools.download_types import DownloadedFile
from civitai_kit.tools.path_patterns import MAX_COMPONENT_BYTES, sanitize_filename
from tests.support.download_support import Twin, forgive_hang_ups

IO_CODES = {ErrorCode.IO_ERROR, ErrorCode.FILE_WRITE_FAILED, ErrorCode.DIRECTORY_CREATION_FAILED}


@pytest.fixture
def downloads(fake_civitai: FakeCivitai) -> FakeDownloads:
    return install_download_routes(fake_civitai)


@pytest.fixture
def options(fake_civitai: FakeCivitai, tmp_path: Path) -> CivitaiApiOptions:
    return CivitaiApiOptions.isolated(
        base_url=fake_civitai.url,
        api_key="sk-safety-test-0123456789",
        resilience={"max_retries": 0},
        downloads={"models": {"base_directory": str(tmp_path / "models")}},
    )


@pytest.fixture(params=["sync", "async"])
async def twin(request: pytest.FixtureRequest, options: CivitaiApiOptions) -> AsyncIterator[Twin]:
    service = Twin(request.param, options)
    yield service
    await service.close()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "victim.txt").write_bytes(b"precious")
    return folder


def model_file(downloads: FakeDownloads, file: FakeFile) -> ModelFile:
    return ModelFile.model_validate(
        {
            "id": file.file_id,
            "name": file.name,
            "hashes": {"SHA256": file.sha256()},
            "downloadUrl": downloads.download_url(file),
        }
    )


def version(file: FakeFile, model_name: str = "Model", model_type: str = "LORA") -> ModelVersion:
    return ModelVersion.model_validate(
        {"id": file.version_id, "modelId": 1, "name": "v1", "model": {"name": model_name, "type": model_type}}
    )


def success(result: Result[DownloadedFile]) -> DownloadedFile:
    assert isinstance(result, Success), result
    return result.value


def failure(result: Result[DownloadedFile], codes: set[ErrorCode]) -> Failure:
    assert isinstance(result, Failure), result
    assert result.error.code in codes, result.error
    return result


def working_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.name.endswith((".part", ".lock", ".meta")))


# ---------------------------------------------------------------------------------------------- symlinks


@pytest.mark.parametrize("existing", [True, False], ids=["to-a-file", "to-nothing"])
async def test_a_symlinked_part_file_is_never_followed(
    twin: Twin, downloads: FakeDownloads, tmp_path: Path, outside: Path, existing: bool
) -> None:
    data = os.urandom(200_000)
    file = downloads.add(data, name="x.bin")
    target = tmp_path / "dl" / "x.bin"
    aim = outside / ("victim.txt" if existing else "created.bin")
    hostile_fs.symlink_part_file(target, aim)
    before = hostile_fs.snapshot(outside)
    done = success(await twin.call("download_url", downloads.storage_url(file), target))
    assert done.path.read_bytes() == data and not done.resumed
    assert hostile_fs.snapshot(outside) == before
    assert working_files(tmp_path / "dl") == []


@pytest.mark.parametrize("existing", [True, False], ids=["to-a-file", "to-nothing"])
async def test_a_symlinked_lock_file_is_never_followed(
    twin: Twin, downloads: FakeDownloads, tmp_path: Path, outside: Path, existing: bool
) -> None:
    data = os.urandom(50_000)
    file = downloads.add(data, name="y.bin")
    target = tmp_path / "dl" / "y.bin"
    hostile_fs.symlink_lock_file(target, outside / ("victim.txt" if existing else "created.lock"))
    before = hostile_fs.snapshot(outside)
    done = success(await twin.call("download_url", downloads.storage_url(file), target))
    assert done.path.read_bytes() == data
    assert hostile_fs.snapshot(outside) == before
    assert working_files(tmp_path / "dl") == []


async def test_a_symlinked_folder_leading_outside_is_refused_with_its_path(
    twin: Twin, downloads: FakeDownloads, tmp_path: Path, outside: Path
) -> None:
    file = downloads.add(b"z" * 5000, name="z.safetensors")
    base = tmp_path / "models"
    hostile_fs.symlinked_directory(base, "LORA", outside)
    before = hostile_fs.snapshot(outside)
    result = await twin.call("download_model_file", model_file(downloads, file), version(file))
    refused = failure(result, {ErrorCode.DIRECTORY_CREATION_FAILED})
    assert str(base / "LORA") in refused.error.message and "outside" in refused.error.message
    assert hostile_fs.snapshot(outside) == before
    assert downloads.storage_requests == []


async def test_a_symlinked_folder_planted_after_planning_is_refused(
    twin: Twin, downloads: FakeDownloads, options: CivitaiApiOptions, tmp_path: Path, outside: Path
) -> None:
    file = downloads.add(b"late" * 1000, name="late.safetensors")
    planned = plan_model_file(model_file(downloads, file), version(file), options)
    assert isinstance(planned, Success)
    hostile_fs.symlinked_directory(tmp_path / "models", "LORA", outside)  # between planning and running
    before = hostile_fs.snapshot(outside)
    # Run the plan made before the link appeared (the services' private way to download a plan).
    if twin.aio is not None:
        result = await twin.aio._run(twin.aio._download(planned, None))
    else:
        assert twin.sync is not None
        result = await asyncio.to_thread(twin.sync._run, twin.sync._download(planned, None))
    refused = failure(result, {ErrorCode.DIRECTORY_CREATION_FAILED})
    assert "LORA" in refused.error.message
    assert hostile_fs.snapshot(outside) == before


async def test_a_symlinked_folder_staying_inside_the_base_is_fine(
    twin: Twin, downloads: FakeDownloads, tmp_path: Path
) -> None:
    file = downloads.add(b"in" * 3000, name="in.safetensors")
    base = tmp_path / "models"
    hostile_fs.symlinked_directory(base, "LORA", base / "real-loras")
    done = success(await twin.call("download_model_file", model_file(downloads, file), version(file)))
    assert (base / "real-loras" / "Model" / "in.safetensors").read_bytes() == b"in" * 3000
    assert done.path.read_bytes() == b"in" * 3000


@pytest.mark.parametrize("overwrite", [False, True])
async def test_a_final_path_that_is_a_symlink_leading_outside_is_never_written_through(
    twin: Twin, downloads: FakeDownloads, tmp_path: Path, outside: Path, overwrite: bool
) -> None:
    file = downloads.add(b"final" * 100, name="f.bin")
    target = tmp_path / "dl" / "f.bin"
    target.parent.mkdir()
    target.symlink_to(outside / "victim.txt")
    before = hostile_fs.snapshot(outside)
    result = await twin.call("download_url", downloads.storage_url(file), target, overwrite=overwrite)
    assert isinstance(result, Success | Failure)
    assert hostile_fs.snapshot(outside) == before
    if isinstance(result, Success):
        assert not result.value.path.is_symlink() and result.value.path.read_bytes() == b"final" * 100


# ---------------------------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", hostile_fs.HOSTILE_NAMES)
def test_the_sanitiser_gives_an_encodable_short_name_for_every_hostile_name(name: str) -> None:
    safe = sanitize_filename(name)
    encoded = safe.encode("utf-8")  # never raises: no lone surrogates survive
    assert 0 < len(encoded) <= MAX_COMPONENT_BYTES <= 255
    assert safe.split(".")[0].upper() not in {"CON", "NUL", "COM1", "LPT9", "AUX", "PRN", "CONIN$"}
    if name.endswith(".safetensors"):
        assert safe.endswith(".safetensors")


def test_surrogates_are_replaced_not_dropped() -> None:
    assert sanitize_filename("a\udcff.safetensors") == "a_.safetensors"
    assert sanitize_filename("\ud800") == "_"


def served_model_file(server: FakeCivitai, name: str, data: bytes, file_id: int = 1) -> ModelFile:
    """A model file named ``name`` (as the API's JSON may name it: the fake's storage cannot serve every
    name in a URL and a header), downloaded from a plain route."""
    server.add_route("GET", f"/blob/{file_id}", lambda _r: FakeResponse.bytes(data))
    return ModelFile.model_validate({"id": file_id, "name": name, "downloadUrl": f"{server.url}/blob/{file_id}"})


@pytest.mark.parametrize("name", hostile_fs.SURROGATE_NAMES + hostile_fs.OVERLONG_NAMES[:2])
async def test_a_hostile_name_from_the_server_downloads_under_a_safe_name(
    twin: Twin, fake_civitai: FakeCivitai, name: str
) -> None:
    file = served_model_file(fake_civitai, name, b"odd" * 100)
    model = ModelVersion.model_validate({"id": 1, "modelId": 1, "name": name, "model": {"name": name, "type": "LORA"}})
    done = success(await twin.call("download_model_file", file, model, verify=False))
    assert done.path.read_bytes() == b"odd" * 100
    assert all(len(part.encode("utf-8")) <= 255 for part in done.path.parts)


async def test_download_many_keeps_every_result_when_one_item_raises(
    twin: Twin, downloads: FakeDownloads, fake_civitai: FakeCivitai
) -> None:
    files = [downloads.add(os.urandom(1000 + i), name=f"m{i}.bin", version_id=10 + i) for i in range(3)]
    odd = served_model_file(fake_civitai, "a\udcff.safetensors", b"surrogate", file_id=99)

    def picky(progress: Any) -> None:
        if progress.path.name == "m1.bin":
            raise RuntimeError("the caller's progress callback broke")

    items = [model_file(downloads, f) for f in files] + [odd]
    results = await twin.call("download_many", items, on_progress=picky)
    assert len(results) == 4
    assert isinstance(results[1], Failure) and "progress callback broke" in results[1].error.message
    assert [isinstance(results[i], Success) for i in (0, 2, 3)] == [True, True, True]


# ---------------------------------------------------------------------------------------------- in the way


@pytest.mark.parametrize("overwrite", [False, True])
async def test_a_folder_with_the_targets_name_is_a_clear_failure_and_loses_nothing(
    twin: Twin, downloads: FakeDownloads, tmp_path: Path, overwrite: bool
) -> None:
    file = downloads.add(os.urandom(20_000), name="d.safetensors")
    target = tmp_path / "models" / "LORA" / "Model" / "d.safetensors"
    hostile_fs.directory_in_place_of(target)
    before = hostile_fs.snapshot(target)
    result = await twin.call("download_model_file", model_file(downloads, file), version(file), overwrite=overwrite)
    refused = failure(result, IO_CODES)
    assert str(target) in refused.error.message and "directory" in refused.error.message
    assert hostile_fs.snapshot(target) == before
    assert working_files(tmp_path / "models") == []
    assert downloads.storage_requests == []  # refused before a byte was fetched


async def test_a_read_only_folder_is_an_io_failure(twin: Twin, downloads: FakeDownloads, tmp_path: Path) -> None:
    file = downloads.add(b"ro" * 1000, name="ro.bin")
    folder = tmp_path / "ro"
    folder.mkdir()
    with hostile_fs.read_only_directory(folder) as read_only:
        if not read_only.enforced:
            pytest.skip("this process can write into a 0o555 folder and cannot make it immutable")
        result = await twin.call("download_url", downloads.storage_url(file), folder / "ro.bin")
        failure(result, IO_CODES)
        assert list(folder.iterdir()) == []


async def test_a_write_refused_by_the_os_is_an_io_failure(twin: Twin, downloads: FakeDownloads, tmp_path: Path) -> None:
    """The read-only case without relying on permissions (which root ignores): the OS refuses the write."""
    file = downloads.add(os.urandom(100_000), name="w.bin")

    class Refusing:
        def __init__(self, inner: BinaryIO) -> None:
            self.inner = inner

        def write(self, data: Any) -> int:
            raise PermissionError(errno.EACCES, "Permission denied")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    with part_file_hook(lambda _path, f: Refusing(f)):  # type: ignore[arg-type,return-value]
        result = await twin.call("download_url", downloads.storage_url(file), tmp_path / "w.bin")
    refused = failure(result, {ErrorCode.FILE_WRITE_FAILED})
    assert "Permission denied" in refused.error.message
    assert list(tmp_path.glob("w.bin*")) == []


@pytest.mark.parametrize("mount", [True, False], ids=["tmpfs", "injected"])
async def test_a_full_disk_fails_cleanly_and_frees_the_space(
    twin: Twin, downloads: FakeDownloads, fake_civitai: FakeCivitai, tmp_path: Path, mount: bool
) -> None:
    data = os.urandom(3 * 1024 * 1024)
    file = downloads.add(data, name="big.bin")
    disk = tmp_path / "disk"
    disk.mkdir()
    with hostile_fs.full_disk(disk, size=1024 * 1024, mount=mount) as full:
        if mount and full.mode != "tmpfs":
            pytest.skip("cannot mount a tmpfs here (needs root on Linux); the injected variant covers it")
        result = await twin.call("download_url", downloads.storage_url(file), disk / "big.bin")
        refused = failure(result, {ErrorCode.FILE_WRITE_FAILED})
        assert "No space left" in refused.error.message and "removed" in refused.error.message
        assert sorted(p.name for p in disk.iterdir()) == []  # no final file, no .part (policy: removed), no lock
    forgive_hang_ups(fake_civitai)  # the refusal hangs up on a server still sending the other 2 MiB


# ---------------------------------------------------------------------------------------------- secrets


async def test_a_key_in_the_url_never_reaches_an_interrupted_downloads_failure(
    fake_civitai: FakeCivitai, options: CivitaiApiOptions, tmp_path: Path
) -> None:
    data = os.urandom(300_000)
    fake_civitai.add_route("GET", "/blob/keyed.bin", lambda _r: FakeResponse.bytes(data))
    fake_civitai.faults.add(Fault.truncate(100_000), path="/blob/keyed.bin", times=5)
    for kind in ("sync", "async"):
        service = Twin(kind, options, max_resumes=0)
        url = f"{fake_civitai.url}/blob/keyed.bin?token=SECRETKEY123&x=1"
        result = await service.call("download_url", url, tmp_path / f"{kind}.bin")
        await service.close()
        refused = failure(result, {ErrorCode.HTTP_ERROR, ErrorCode.TIMEOUT})
        assert "interrupted" in refused.error.message
        assert "SECRETKEY123" not in str(refused.error)
        assert "SECRETKEY123" not in repr(refused)
        assert "SECRETKEY123" not in repr(refused.error.details)
        assert "SECRETKEY123" not in str(refused.error.cause) + repr(refused.error.cause)
        assert "token=***" in refused.error.message


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.invalid/x.bin?token=SECRETKEY123",
        "http://127.0.0.1:9/refused.bin?api_key=SECRETKEY123",
    ],
)
async def test_a_key_in_the_url_never_reaches_other_failures(twin: Twin, tmp_path: Path, url: str) -> None:
    result = await twin.call("download_url", url, tmp_path / "k.bin")
    assert isinstance(result, Failure)
    assert "SECRETKEY123" not in str(result.error) + repr(result) + repr(result.error.details)


async def test_a_key_in_the_url_never_reaches_a_refusal(twin: Twin, fake_civitai: FakeCivitai, tmp_path: Path) -> None:
    def echo(request: FakeRequest) -> FakeResponse:
        return FakeResponse.json({"error": f"no such file: {request.path}?{request.query_string}"})

    fake_civitai.add_route("GET", "/blob/echo.bin", echo)
    result = await twin.call("download_url", f"{fake_civitai.url}/blob/echo.bin?token=SECRETKEY123", tmp_path / "e")
    assert isinstance(result, Failure)
    assert "SECRETKEY123" not in str(result.error) + repr(result) + repr(result.error.details)
