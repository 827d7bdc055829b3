"""Downloads over real loopback HTTP against the fake download endpoint and storage, sync and async.

Every scenario runs twice (``twin`` is the sync service driven from a thread, or the async service), on
real files in ``tmp_path``.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitai_kit.core.models import Image, ModelFile, ModelVersion
from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Result, Success
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse, Fault
from civitai_kit.testing.downloads import REFUSALS, FakeDownloads, FakeFile, install_download_routes
from civitai_kit.tools import HashAlgorithm
from civitai_kit.tools.download_types import DownloadedFile, DownloadProgress
from civitai_kit.tools.downloads import AsyncDownloadService, DownloadService
from tests.support.download_support import Twin, forgive_hang_ups

KEY = "sk-download-test-0123456789"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(2000)


@pytest.fixture
def downloads(fake_civitai: FakeCivitai) -> FakeDownloads:
    return install_download_routes(fake_civitai)


def make_options(server: FakeCivitai, base: Path, **changes: Any) -> CivitaiApiOptions:
    values: dict[str, Any] = {
        "base_url": server.url,
        "api_key": KEY,
        "resilience": {"max_retries": 0},
        "downloads": {
            "models": {"base_directory": str(base / "models")},
            "images": {"base_directory": str(base / "images")},
        },
    }
    values.update(changes)
    return CivitaiApiOptions.isolated(**values)


@pytest.fixture
def options(fake_civitai: FakeCivitai, tmp_path: Path) -> CivitaiApiOptions:
    return make_options(fake_civitai, tmp_path)


@pytest.fixture(params=["sync", "async"])
async def twin(request: pytest.FixtureRequest, options: CivitaiApiOptions) -> AsyncIterator[Twin]:
    service = Twin(request.param, options)
    yield service
    await service.close()


def model_file(downloads: FakeDownloads, file: FakeFile, **hashes: str) -> ModelFile:
    wire_hashes = hashes if hashes else {"SHA256": file.sha256(), "AutoV2": file.sha256()[:10]}
    return ModelFile.model_validate(
        {
            "id": file.file_id,
            "name": file.name,
            "type": "Model",
            "primary": file.primary,
            "metadata": {"format": "SafeTensor", "size": "pruned", "fp": "fp16"},
            "hashes": wire_hashes,
            "downloadUrl": downloads.download_url(file),
        }
    )


def model_version(file: FakeFile, *, model_name: str = "Fukawa Miku", **extra: Any) -> ModelVersion:
    return ModelVersion.model_validate(
        {
            "id": file.version_id,
            "modelId": 357756,
            "name": "v1.0",
            "baseModel": "Pony",
            "model": {"name": model_name, "type": "LORA"},
            **extra,
        }
    )


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.name.endswith((".part", ".lock")))


def expect_success(result: Result[DownloadedFile]) -> DownloadedFile:
    assert isinstance(result, Success), result
    return result.value


def expect_failure(result: Result[DownloadedFile], code: ErrorCode) -> Failure:
    assert isinstance(result, Failure), result
    assert result.error.code == code, result.error
    return result


# ---------------------------------------------------------------------------------------------- success


async def test_model_file_downloads_verifies_and_keeps_the_key_off_storage(
    twin: Twin, downloads: FakeDownloads, options: CivitaiApiOptions
) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    file = downloads.add(data, name="fukawa_miku_pony_ver1.safetensors", version_id=399893)
    name = "布川 ミク pony版 (アイドル麻雀 ファイナルロマンス2) / Fukawa Miku"
    result = await twin.call("download_model_file", model_file(downloads, file), model_version(file, model_name=name))
    done = expect_success(result)
    base = Path(options.downloads.models.base_directory).resolve()
    assert done.path == base / "LORA" / name.replace("/", "_") / "fukawa_miku_pony_ver1.safetensors"
    assert done.path.read_bytes() == data
    assert (done.size, done.verified, done.verified_with) == (len(data), True, HashAlgorithm.SHA256)
    assert done.hashes[HashAlgorithm.SHA256] == hashlib.sha256(data).hexdigest().upper()
    assert done.computed_hash == done.hashes[HashAlgorithm.SHA256]
    assert not done.resumed and not done.already_present
    assert leftovers(base) == []
    # The key went to the API host only; storage (another host name) never saw it.
    endpoint = downloads.endpoint_requests[0]
    assert endpoint.headers["authorization"] == f"Bearer {KEY}"
    assert "token" not in endpoint.query
    assert downloads.storage_requests[0].host == "localhost"
    assert not downloads.storage_saw_authorization
    assert endpoint.headers["user-agent"].startswith("civitai-kit/")


async def test_file_without_version_gets_unknown_not_literal_tokens(
    twin: Twin, downloads: FakeDownloads, options: CivitaiApiOptions
) -> None:
    file = downloads.add(b"x" * 1000, name="plain.safetensors")
    done = expect_success(await twin.call("download_model_file", model_file(downloads, file)))
    assert done.path.relative_to(Path(options.downloads.models.base_directory).resolve()).parts == (
        "unknown",
        "unknown",
        "plain.safetensors",
    )


async def test_pattern_and_directory_arguments(twin: Twin, downloads: FakeDownloads, tmp_path: Path) -> None:
    file = downloads.add(b"abc" * 500, name="m.safetensors", version_id=12)
    result = await twin.call(
        "download_model_file",
        model_file(downloads, file),
        model_version(file),
        directory=tmp_path / "elsewhere",
        pattern="{BaseModel}/{ModelId}-{VersionId}-{FileId}/{Format}_{Size}_{Precision}_{FileName}",
    )
    done = expect_success(result)
    assert done.path == (tmp_path / "elsewhere").resolve() / "Pony" / f"357756-12-{file.file_id}" / (
        "SafeTensor_pruned_fp16_m.safetensors"
    )
    with pytest.raises(ValueError, match=r"\{Creator\}"):
        await twin.call("download_model_file", model_file(downloads, file), pattern="{Creator}/{FileName}")


async def test_progress_reports_to_the_final_size(twin: Twin, downloads: FakeDownloads) -> None:
    data = os.urandom(2 * 1024 * 1024)
    file = downloads.add(data, name="p.safetensors")
    events: list[DownloadProgress] = []
    done = expect_success(
        await twin.call("download_model_file", model_file(downloads, file), on_progress=events.append)
    )
    assert events, "no progress reported"
    assert [e.downloaded for e in events] == sorted(e.downloaded for e in events)
    last = events[-1]
    assert (last.path, last.downloaded, last.total, last.fraction) == (done.path, len(data), len(data), 1.0)
    assert all(e.bytes_per_second >= 0 for e in events)


# ---------------------------------------------------------------------------------------------- verification


async def test_hash_mismatch_leaves_neither_final_nor_part_file(
    twin: Twin, downloads: FakeDownloads, options: CivitaiApiOptions
) -> None:
    file = downloads.add(os.urandom(100_000), name="bad.safetensors")
    wrong = "ab" * 32
    result = await twin.call("download_model_file", model_file(downloads, file, SHA256=wrong), model_version(file))
    failure = expect_failure(result, ErrorCode.HASH_MISMATCH)
    assert wrong.upper() in failure.error.message and file.sha256() in failure.error.message
    assert failure.error.details == {
        "algorithm": "SHA256",
        "expected": wrong.upper(),
        "computed": file.sha256(),
        "url": downloads.download_url(file),
    }
    base = Path(options.downloads.models.base_directory)
    assert [p for p in base.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(
    ("hashes", "algorithm"),
    [
        ({"BLAKE3": "computed", "CRC32": "computed"}, HashAlgorithm.BLAKE3),
        ({"CRC32": "computed", "AutoV2": "computed"}, HashAlgorithm.CRC32),
        ({"AutoV2": "computed"}, HashAlgorithm.AUTOV2),
    ],
)
async def test_strongest_available_hash_is_verified(
    twin: Twin, downloads: FakeDownloads, tmp_path: Path, hashes: dict[str, str], algorithm: HashAlgorithm
) -> None:
    from civitai_kit.tools.hashing import hash_file

    data = os.urandom(50_000)
    file = downloads.add(data, name="h.bin")
    (tmp_path / "h.bin").write_bytes(data)
    real = hash_file(tmp_path / "h.bin")
    wire = {key: (real.get(HashAlgorithm(key)) or "").lower() for key in hashes}  # case-insensitive
    done = expect_success(await twin.call("download_model_file", model_file(downloads, file, **wire)))
    assert done.verified and done.verified_with == algorithm


async def test_verify_false_and_no_hashes_download_unverified(twin: Twin, downloads: FakeDownloads) -> None:
    file = downloads.add(b"q" * 4096, name="nohash.bin")
    done = expect_success(
        await twin.call("download_model_file", model_file(downloads, file, SHA256=""), overwrite=True)
    )
    assert not done.verified and done.verified_with is None
    done = expect_success(
        await twin.call("download_model_file", model_file(downloads, file, SHA256="00"), verify=False, overwrite=True)
    )
    assert not done.verified


# ---------------------------------------------------------------------------------------------- resume


async def test_interrupted_download_resumes_byte_exact(twin: Twin, downloads: FakeDownloads) -> None:
    data = os.urandom(5 * 1024 * 1024 + 3)
    file = downloads.add(data, name="resume.safetensors")
    downloads.drop(file, 1_500_000)
    downloads.drop(file, 2_000_000)
    done = expect_success(await twin.call("download_model_file", model_file(downloads, file)))
    assert done.path.read_bytes() == data
    assert done.verified and done.resumed
    ranges = [r.headers.get("range") for r in downloads.storage_requests]
    assert ranges[0] is None
    assert all(r is not None and r.startswith("bytes=") for r in ranges[1:]) and len(ranges) == 3
    first_resume = int(ranges[1].removeprefix("bytes=").rstrip("-"))  # type: ignore[union-attr]
    assert 0 < first_resume <= 1_500_000
    # Every attempt went through the API endpoint again (a fresh signed URL) with the key, storage never.
    assert len(downloads.endpoint_requests) == 3
    assert not downloads.storage_saw_authorization


async def test_part_left_by_an_earlier_run_is_resumed(
    fake_civitai: FakeCivitai, downloads: FakeDownloads, options: CivitaiApiOptions
) -> None:
    data = os.urandom(3 * 1024 * 1024)
    file = downloads.add(data, name="later.safetensors")
    downloads.drop(file, 1_200_000)
    downloads.drop(file, 0)  # the resume brings nothing: with max_resumes=0 this call gives up
    gives_up = Twin("async", options, max_resumes=0)
    failure = expect_failure(
        await gives_up.call("download_model_file", model_file(downloads, file)), ErrorCode.HTTP_ERROR
    )
    assert "interrupted" in failure.error.message and "is kept" in failure.error.message
    parts = list(Path(options.downloads.models.base_directory).rglob("*.part"))
    assert len(parts) == 1 and 0 < parts[0].stat().st_size <= 1_200_000
    kept = parts[0].stat().st_size
    # A new service (a new "run") with resumes allowed continues the part file.
    again = Twin("sync", options)
    done = expect_success(await again.call("download_model_file", model_file(downloads, file)))
    assert done.path.read_bytes() == data and done.resumed and done.verified
    assert downloads.storage_requests[-1].headers.get("range") is not None
    assert f"bytes={kept}-" in [r.headers.get("range") for r in downloads.storage_requests]
    await gives_up.close()
    await again.close()


async def test_416_restarts_cleanly(twin: Twin, downloads: FakeDownloads, options: CivitaiApiOptions) -> None:
    data = os.urandom(300_000)
    file = downloads.add(data, name="r416.safetensors")
    target = Path(options.downloads.models.base_directory) / "unknown" / "unknown" / "r416.safetensors"
    target.parent.mkdir(parents=True)
    Path(f"{target}.part").write_bytes(os.urandom(400_000))  # longer than the file: the server answers 416
    done = expect_success(await twin.call("download_model_file", model_file(downloads, file)))
    assert done.path.read_bytes() == data and not done.resumed
    assert [r.headers.get("range") for r in downloads.storage_requests] == ["bytes=400000-", None]


async def test_200_instead_of_206_restarts_cleanly(
    twin: Twin, downloads: FakeDownloads, options: CivitaiApiOptions
) -> None:
    data = os.urandom(300_000)
    file = downloads.add(data, name="r200.safetensors", ignore_range_times=1)
    target = Path(options.downloads.models.base_directory) / "unknown" / "unknown" / "r200.safetensors"
    target.parent.mkdir(parents=True)
    Path(f"{target}.part").write_bytes(data[:1000])
    done = expect_success(await twin.call("download_model_file", model_file(downloads, file)))
    assert done.path.read_bytes() == data and not done.resumed
    assert len(downloads.storage_requests) == 1  # the full 200 body was used as is


async def test_stale_part_from_an_earlier_run_is_redownloaded_once(
    twin: Twin, downloads: FakeDownloads, options: CivitaiApiOptions
) -> None:
    data = os.urandom(300_000)
    file = downloads.add(data, name="stale.safetensors")
    target = Path(options.downloads.models.base_directory) / "unknown" / "unknown" / "stale.safetensors"
    target.parent.mkdir(parents=True)
    Path(f"{target}.part").write_bytes(os.urandom(1000))  # a different file's prefix
    done = expect_success(await twin.call("download_model_file", model_file(downloads, file)))
    assert done.path.read_bytes() == data and done.verified
    assert [r.headers.get("range") for r in downloads.storage_requests] == ["bytes=1000-", None]


async def test_foreign_content_range_restarts(twin: Twin, fake_civitai: FakeCivitai, tmp_path: Path) -> None:
    data = os.urandom(10_000)
    calls: list[FakeRequest] = []

    def liar(request: FakeRequest) -> FakeResponse:
        calls.append(request)
        if request.headers.get("range"):
            return FakeResponse.bytes(data[10:], status=206, headers={"Content-Range": f"bytes 10-9999/{len(data)}"})
        return FakeResponse.bytes(data)

    fake_civitai.add_route("GET", "/blob/liar.bin", liar)
    destination = tmp_path / "liar.bin"
    Path(f"{destination}.part").write_bytes(data[:500])
    done = expect_success(await twin.call("download_url", f"{fake_civitai.url}/blob/liar.bin", destination))
    assert destination.read_bytes() == data and done.path == destination
    assert [r.headers.get("range") for r in calls] == ["bytes=500-", None]


# ---------------------------------------------------------------------------------------------- refusals

REFUSAL_CODES = {
    "login_required": ErrorCode.LOGIN_REQUIRED,
    "downloads_disabled": ErrorCode.DOWNLOADS_DISABLED,
    "early_access": ErrorCode.EARLY_ACCESS,
    "no_access": ErrorCode.NO_ACCESS,
    "forbidden": ErrorCode.NO_ACCESS,
    "archived": ErrorCode.ARCHIVED,
    "download_limit": ErrorCode.DOWNLOAD_LIMIT,
    "not_found": ErrorCode.NOT_FOUND,
}


@pytest.mark.parametrize("refusal", sorted(REFUSAL_CODES))
async def test_every_refusal_has_its_code_and_civitais_message(
    twin: Twin, downloads: FakeDownloads, options: CivitaiApiOptions, refusal: str
) -> None:
    deadline = datetime(2026, 12, 24, 12, 0, tzinfo=UTC)
    file = downloads.add(
        b"never", name="refused.safetensors", refusal=refusal, early_access_deadline=deadline, retry_after=90
    )
    failure = expect_failure(
        await twin.call("download_model_file", model_file(downloads, file)), REFUSAL_CODES[refusal]
    )
    status, body = REFUSALS[refusal]
    assert failure.error.http_status == status
    assert (body.get("message") or body["error"]) in failure.error.message
    if refusal == "early_access":
        assert failure.error.details is not None and failure.error.details["deadline"] == deadline
        assert "2026-12-24" in failure.error.message
    if refusal == "download_limit":
        assert failure.error.retry_after is not None and failure.error.retry_after.total_seconds() == 90
    assert KEY not in str(failure.error) and KEY not in repr(failure)
    base = Path(options.downloads.models.base_directory)
    assert not base.exists() or list(base.rglob("*")) == []  # no file, part file or empty folder left
    assert downloads.storage_requests == []


async def test_login_required_without_a_key_and_fine_with_one(
    fake_civitai: FakeCivitai, downloads: FakeDownloads, tmp_path: Path
) -> None:
    file = downloads.add(b"members only" * 100, name="members.safetensors", require_login=True)
    anonymous = Twin("sync", make_options(fake_civitai, tmp_path, api_key=None))
    failure = expect_failure(
        await anonymous.call("download_model_file", model_file(downloads, file)), ErrorCode.LOGIN_REQUIRED
    )
    assert "requires you to be logged in" in failure.error.message
    assert "No API key is configured" in failure.error.message
    keyed = Twin("async", make_options(fake_civitai, tmp_path))
    expect_success(await keyed.call("download_model_file", model_file(downloads, file)))
    await anonymous.close()
    await keyed.close()


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (
            FakeResponse.json(
                {
                    "error": "Unauthorized",
                    "message": "The creator of this asset requires you to be logged in to download it",
                }
            ),
            ErrorCode.LOGIN_REQUIRED,
        ),
        (FakeResponse.json({"items": []}), ErrorCode.UNEXPECTED_CONTENT_TYPE),
        (
            FakeResponse.html("<!DOCTYPE html><html><title>Log in | Civitai</title></html>"),
            ErrorCode.UNEXPECTED_CONTENT_TYPE,
        ),
        (
            FakeResponse.text("The creator of this asset has disabled downloads on this file"),
            ErrorCode.DOWNLOADS_DISABLED,
        ),
        (FakeResponse.bytes(b'{"error":"File not found"}'), ErrorCode.NOT_FOUND),
        (FakeResponse.bytes(b"<!doctype html><html>login</html>"), ErrorCode.UNEXPECTED_CONTENT_TYPE),
    ],
)
async def test_a_body_that_is_not_the_file_is_never_saved(
    twin: Twin, fake_civitai: FakeCivitai, options: CivitaiApiOptions, response: FakeResponse, code: ErrorCode
) -> None:
    fake_civitai.add_route("GET", "/api/download/models/{versionId}", lambda _: response)
    file = ModelFile.model_validate(
        {"id": 1, "name": "x.safetensors", "downloadUrl": f"{fake_civitai.url}/api/download/models/5"}
    )
    failure = expect_failure(await twin.call("download_model_file", file, verify=False), code)
    assert failure.error.http_status == 200
    base = Path(options.downloads.models.base_directory)
    assert [p for p in base.rglob("*") if p.is_file()] == []


async def test_missing_and_invalid_urls(twin: Twin, tmp_path: Path) -> None:
    no_url = ModelFile.model_validate({"id": 1, "name": "a.bin"})
    expect_failure(await twin.call("download_model_file", no_url), ErrorCode.DOWNLOAD_URL_MISSING)
    expect_failure(await twin.call("download_url", "ftp://example.invalid/x", tmp_path / "x"), ErrorCode.INVALID_URL)
    no_image = Image.model_validate({"id": 5})
    expect_failure(await twin.call("download_image", no_image), ErrorCode.IMAGE_URL_MISSING)


async def test_directory_creation_failure(twin: Twin, downloads: FakeDownloads, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("file")
    file = downloads.add(b"1234", name="d.bin")
    failure = expect_failure(
        await twin.call(
            "download_model_file", model_file(downloads, file), directory=blocker, pattern="sub/{FileName}"
        ),
        ErrorCode.DIRECTORY_CREATION_FAILED,
    )
    assert "not-a-dir" in failure.error.message


# ---------------------------------------------------------------------------------------------- overwrite


async def test_existing_identical_file_is_reported_as_already_present(twin: Twin, downloads: FakeDownloads) -> None:
    file = downloads.add(os.urandom(10_000), name="same.safetensors")
    first = expect_success(await twin.call("download_model_file", model_file(downloads, file)))
    second = expect_success(await twin.call("download_model_file", model_file(downloads, file)))
    assert second.already_present and second.verified and second.path == first.path
    assert len(downloads.storage_requests) == 1  # nothing was downloaded the second time


async def test_existing_different_file_is_kept_unless_overwrite(twin: Twin, downloads: FakeDownloads) -> None:
    data = os.urandom(10_000)
    file = downloads.add(data, name="diff.safetensors")
    first = expect_success(await twin.call("download_model_file", model_file(downloads, file)))
    first.path.write_bytes(b"user's own edits")
    failure = expect_failure(await twin.call("download_model_file", model_file(downloads, file)), ErrorCode.IO_ERROR)
    assert "overwrite=True" in failure.error.message
    assert first.path.read_bytes() == b"user's own edits"
    replaced = expect_success(await twin.call("download_model_file", model_file(downloads, file), overwrite=True))
    assert replaced.path.read_bytes() == data and not replaced.already_present


async def test_raw_url_respects_overwrite(twin: Twin, downloads: FakeDownloads, tmp_path: Path) -> None:
    file = downloads.add(b"raw bytes", name="raw.bin")
    destination = tmp_path / "raw.bin"
    destination.write_bytes(b"precious")
    expect_failure(await twin.call("download_url", downloads.storage_url(file), destination), ErrorCode.IO_ERROR)
    assert destination.read_bytes() == b"precious"
    done = expect_success(await twin.call("download_url", downloads.storage_url(file), destination, overwrite=True))
    assert destination.read_bytes() == b"raw bytes" and not done.verified


# ---------------------------------------------------------------------------------------------- raw URLs, images


async def test_raw_url_into_a_directory_uses_content_disposition(
    twin: Twin, downloads: FakeDownloads, tmp_path: Path
) -> None:
    data = os.urandom(5000)
    name = "布川 ミク pony版.safetensors"
    file = downloads.add(data, name=name, version_id=77)
    target = tmp_path / "into"
    target.mkdir()
    url = downloads.download_url(file)
    done = expect_success(await twin.call("download_url", url, target, expected_hash=file.sha256().lower()))
    assert done.path == target.resolve() / name and done.path.read_bytes() == data and done.verified
    assert sorted(p.name for p in target.iterdir()) == [name]


@pytest.mark.parametrize("suffix", [".lock", ".part"])
async def test_a_server_name_never_collides_with_our_own_working_files(
    twin: Twin, downloads: FakeDownloads, tmp_path: Path, suffix: str
) -> None:
    data = os.urandom(3000)
    file = downloads.add(data, name=f"78{suffix}", version_id=78)  # the URL's own name is "78"
    target = tmp_path / "into"
    target.mkdir()
    done = expect_success(await twin.call("download_url", downloads.download_url(file), target, overwrite=True))
    assert done.path.read_bytes() == data
    assert [p.name for p in target.iterdir()] == [done.path.name]


async def test_raw_url_expected_hash_mismatch(twin: Twin, downloads: FakeDownloads, tmp_path: Path) -> None:
    file = downloads.add(b"raw", name="raw.bin")
    failure = expect_failure(
        await twin.call("download_url", downloads.storage_url(file), tmp_path / "r.bin", expected_hash="0" * 64),
        ErrorCode.HASH_MISMATCH,
    )
    assert "0" * 64 in failure.error.message
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="expected_hash"):
        await twin.call("download_url", downloads.storage_url(file), tmp_path / "r.bin", expected_hash="  ")


async def test_image_extension_comes_from_the_bytes(
    twin: Twin, downloads: FakeDownloads, options: CivitaiApiOptions
) -> None:
    file = downloads.add(PNG, name="cc5caabb.jpeg", content_type="image/jpeg")
    image = Image.model_validate(
        {
            "id": 469632,
            "url": downloads.storage_url(file),
            "width": 1024,
            "height": 1536,
            "nsfwLevel": "X",
            "createdAt": "2023-04-11T23:33:12.500-02:00",
            "postId": 138779,
            "username": "Cooler_Rider",
            "baseModel": "SD 1.5",
        }
    )
    pattern = "{Username}/{NsfwLevel}/{Date}_{PostId}_{Id}_{Width}x{Height}_{BaseModel}.{Extension}"
    done = expect_success(await twin.call("download_image", image, pattern=pattern))
    base = Path(options.downloads.images.base_directory).resolve()
    assert done.path == base / "Cooler_Rider" / "X" / "2023-04-12_138779_469632_1024x1536_SD 1.5.png"
    assert done.path.read_bytes() == PNG
    assert leftovers(base) == []


async def test_an_image_saved_under_its_real_extension_is_not_fetched_again(
    twin: Twin, downloads: FakeDownloads, options: CivitaiApiOptions
) -> None:
    file = downloads.add(PNG, name="5.jpeg", content_type="image/jpeg")
    image = Image.model_validate({"id": 5, "url": downloads.storage_url(file), "width": 8, "height": 8})
    first = expect_success(await twin.call("download_image", image))
    assert first.path.name == "5.png"  # the URL said .jpeg; the bytes are a PNG
    fetched = len(downloads.storage_requests)
    again = expect_failure(await twin.call("download_image", image), ErrorCode.IO_ERROR)
    assert "5.png" in again.error.message and "already exists" in again.error.message
    assert len(downloads.storage_requests) == fetched  # refused before any byte was fetched
    assert first.path.read_bytes() == PNG


# ---------------------------------------------------------------------------------------------- concurrency


async def test_two_concurrent_downloads_of_one_target_never_corrupt(
    fake_civitai: FakeCivitai, downloads: FakeDownloads, options: CivitaiApiOptions
) -> None:
    data = os.urandom(2 * 1024 * 1024)
    file = downloads.add(data, name="twice.safetensors")
    fake_civitai.faults.add(Fault.delay(0.3), path=f"/storage/{file.key}/*")  # the first one is slow
    sync, aio = Twin("sync", options), Twin("async", options)
    results = await asyncio.gather(
        sync.call("download_model_file", model_file(downloads, file)),
        aio.call("download_model_file", model_file(downloads, file)),
    )
    done = [expect_success(r) for r in results]
    assert done[0].path == done[1].path and done[0].path.read_bytes() == data
    assert sorted(d.already_present for d in done) == [False, True]
    assert len(downloads.storage_requests) == 1
    assert leftovers(Path(options.downloads.models.base_directory)) == []
    await sync.close()
    await aio.close()


def test_concurrent_overwrites_of_one_target_stay_whole(downloads: FakeDownloads, options: CivitaiApiOptions) -> None:
    data = os.urandom(1024 * 1024)
    file = downloads.add(data, name="race.safetensors")
    with DownloadService(options) as service:
        results: list[Result[DownloadedFile]] = []
        threads = [
            threading.Thread(
                target=lambda: results.append(service.download_model_file(model_file(downloads, file), overwrite=True))
            )
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 4
    paths = {expect_success(r).path for r in results}
    assert len(paths) == 1 and paths.pop().read_bytes() == data
    assert leftovers(Path(options.downloads.models.base_directory)) == []


async def test_download_many_is_bounded_and_ordered(
    twin: Twin, fake_civitai: FakeCivitai, downloads: FakeDownloads
) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()
    serve = downloads.storage

    def counting(request: FakeRequest) -> FakeResponse:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            time.sleep(0.15)
            return serve(request)
        finally:
            with lock:
                active -= 1

    fake_civitai.add_route("GET", "/storage/{key}/{name:path}", counting)
    files = [downloads.add(os.urandom(2000 + i), name=f"m{i}.bin", version_id=100 + i) for i in range(6)]
    items: list[Any] = [model_file(downloads, f) for f in files[:5]]
    items.append(Image.model_validate({"id": 9, "url": downloads.storage_url(files[5])}))
    results = await twin.call("download_many", items, max_concurrency=2)
    assert [expect_success(r).size for r in results] == [2000 + i for i in range(6)]
    assert peak == 2


# ---------------------------------------------------------------------------------------------- hostile names


_hostile = st.one_of(
    st.text(min_size=1, max_size=40),
    st.lists(st.sampled_from(["..", "/", "\\", "C:", "CON", "\x00", " ", ".", "a", "~", "%2e%2e"]), max_size=10).map(
        "".join
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model_name=_hostile, file_name=_hostile)
def test_hostile_names_from_the_server_never_escape(
    downloads: FakeDownloads, options: CivitaiApiOptions, model_name: str, file_name: str
) -> None:
    file = downloads.add(b"payload", name=file_name or "x", version_id=1)
    base = Path(options.downloads.models.base_directory).resolve()
    with DownloadService(options) as service:
        result = service.download_model_file(
            model_file(downloads, file), model_version(file, model_name=model_name), overwrite=True
        )
    done = expect_success(result)
    assert done.path.is_relative_to(base)
    assert done.path.parent.parent.parent == base  # {ModelType}/{ModelName}/{FileName}: exactly three levels
    assert done.path.read_bytes() == b"payload"


# ---------------------------------------------------------------------------------------------- versions


def version_payload(downloads: FakeDownloads, files: list[FakeFile]) -> dict[str, Any]:
    return {
        "id": files[0].version_id,
        "modelId": 1,
        "name": "v2",
        "baseModel": "SDXL 1.0",
        "model": {"name": "Model", "type": "Checkpoint"},
        "files": [model_file(downloads, f).model_dump(by_alias=True, mode="json") for f in files],
    }


async def test_download_version_fetches_the_primary_file(
    twin: Twin, fake_civitai: FakeCivitai, downloads: FakeDownloads
) -> None:
    extra = downloads.add(b"training data", name="train.zip", version_id=4242, primary=False)
    main = downloads.add(os.urandom(20_000), name="main.safetensors", version_id=4242)
    payload = version_payload(downloads, [extra, main])
    fake_civitai.add_route("GET", "/api/v1/model-versions/{id}", lambda r: payload)
    done = expect_success(await twin.call("download_version", 4242))
    assert done.path.name == "main.safetensors" and done.verified
    assert done.path.parent.parent.name == "Checkpoint"
    other = expect_success(await twin.call("download_version", 4242, file_id=extra.file_id))
    assert other.path.read_bytes() == b"training data"
    expect_failure(await twin.call("download_version", 4242, file_id=999), ErrorCode.NOT_FOUND)


async def test_download_version_passes_api_failures_through(twin: Twin, fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route(
        "GET", "/api/v1/model-versions/{id}", lambda r: FakeResponse.json({"error": "Model not found"}, status=404)
    )
    failure = expect_failure(await twin.call("download_version", 1), ErrorCode.NOT_FOUND)
    assert failure.error.message == "Model not found"


# ---------------------------------------------------------------------------------------------- cancellation


async def test_cancelled_async_download_keeps_its_part_and_releases_the_lock(
    fake_civitai: FakeCivitai, options: CivitaiApiOptions, tmp_path: Path
) -> None:
    data = os.urandom(4 * 1024 * 1024)
    sent = threading.Event()

    def slow(request: FakeRequest) -> FakeResponse:
        start = int((request.headers.get("range") or "bytes=0-").removeprefix("bytes=").rstrip("-"))

        def body() -> Any:
            for offset in range(start, len(data), 256 * 1024):
                yield data[offset : offset + 256 * 1024]
                if offset - start >= 1024 * 1024:
                    sent.set()
                    time.sleep(0.05)

        status = 206 if start else 200
        headers = {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"} if start else {}
        return FakeResponse.stream(body(), headers=headers, status=status, content_length=len(data) - start)

    fake_civitai.add_route("GET", "/blob/slow.bin", slow)
    destination = tmp_path / "slow.bin"
    async with AsyncDownloadService(options) as service:
        task = asyncio.create_task(service.download_url(f"{fake_civitai.url}/blob/slow.bin", destination))
        await asyncio.to_thread(sent.wait, 10)
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        part = Path(f"{destination}.part")
        assert part.exists() and 0 < part.stat().st_size < len(data)
        assert not destination.exists() and not Path(f"{destination}.lock").exists()
        done = expect_success(await service.download_url(f"{fake_civitai.url}/blob/slow.bin", destination))
    assert done.resumed and destination.read_bytes() == data and not part.exists()
    forgive_hang_ups(fake_civitai)  # the cancellation hung up mid-body


async def test_progress_is_reported_on_the_callers_thread(twin: Twin, downloads: FakeDownloads) -> None:
    file = downloads.add(os.urandom(3 * 1024 * 1024), name="threads.bin")
    threads: set[int] = set()
    await twin.call(
        "download_model_file", model_file(downloads, file), on_progress=lambda _: threads.add(threading.get_ident())
    )
    assert len(threads) == 1
    if twin.kind == "async":
        assert threads == {threading.get_ident()}  # the event loop's thread, never a worker
