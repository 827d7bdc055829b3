"""Each download refusal Civitai sends unwraps to its own exception, with what the caller needs to act on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from civitai_kit.core.models import ModelFile
from civitai_kit.errors import (
    ArchivedError,
    DownloadLimitError,
    DownloadRefusedError,
    DownloadsDisabledError,
    EarlyAccessError,
    Error,
    ErrorCode,
    HashMismatchError,
    LoginRequiredError,
    NoAccessError,
    NotFoundError,
)
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.downloads import FakeDownloads, FakeFile, install_download_routes
from civitai_kit.tools import DownloadService
from civitai_kit.tools.download_errors import redact_error
from civitai_kit.tools.download_refusals import classify_refusal

REFUSAL_EXCEPTIONS = {
    "login_required": LoginRequiredError,
    "downloads_disabled": DownloadsDisabledError,
    "early_access": EarlyAccessError,
    "no_access": NoAccessError,
    "forbidden": NoAccessError,
    "archived": ArchivedError,
    "download_limit": DownloadLimitError,
}
DEADLINE = datetime(2026, 12, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def downloads(fake_civitai: FakeCivitai) -> FakeDownloads:
    return install_download_routes(fake_civitai)


@pytest.fixture
def service(fake_civitai: FakeCivitai, tmp_path: Path) -> Iterator[DownloadService]:
    options = CivitaiApiOptions.isolated(
        base_url=fake_civitai.url,
        api_key="refusal-test-key-0d7c",
        resilience={"max_retries": 0},
        downloads={"models": {"base_directory": str(tmp_path / "models")}},
    )
    with DownloadService(options) as service:
        yield service


def _model_file(downloads: FakeDownloads, file: FakeFile, sha256: str) -> ModelFile:
    url = downloads.download_url(file)
    return ModelFile.model_validate(
        {"id": file.file_id, "name": file.name, "hashes": {"SHA256": sha256}, "downloadUrl": url}
    )


@pytest.mark.parametrize("refusal", sorted(REFUSAL_EXCEPTIONS))
def test_every_refusal_unwraps_to_its_own_exception(
    service: DownloadService, downloads: FakeDownloads, refusal: str
) -> None:
    file = downloads.add(b"never", name="refused.safetensors", refusal=refusal, early_access_deadline=DEADLINE,
                         retry_after=90)  # fmt: skip
    result = service.download_model_file(_model_file(downloads, file, file.sha256()))
    with pytest.raises(DownloadRefusedError) as raised:
        result.unwrap()
    assert type(raised.value) is REFUSAL_EXCEPTIONS[refusal]
    if isinstance(raised.value, EarlyAccessError):
        assert raised.value.deadline == DEADLINE
    if isinstance(raised.value, DownloadLimitError):
        assert raised.value.retry_after == timedelta(seconds=90)


def test_a_missing_file_is_not_found_not_a_refusal(service: DownloadService, downloads: FakeDownloads) -> None:
    file = downloads.add(b"never", name="gone.safetensors", refusal="not_found")
    with pytest.raises(NotFoundError):
        service.download_model_file(_model_file(downloads, file, file.sha256())).unwrap()


def test_a_hash_mismatch_unwraps_to_hash_mismatch_error(service: DownloadService, downloads: FakeDownloads) -> None:
    file = downloads.add(b"the real bytes" * 64, name="liar.safetensors")
    with pytest.raises(HashMismatchError) as raised:
        service.download_model_file(_model_file(downloads, file, "0" * 64)).unwrap()
    assert raised.value.error.details is not None and raised.value.error.details["expected"] == "0" * 64


def test_classifying_and_redacting_keep_the_request() -> None:
    url = "https://civitai.com/api/download/models/1?token=inline-secret-9f2"
    error = Error(ErrorCode.HTTP_ERROR, "Model archived", http_status=410, method="GET", url=url)
    archived = classify_refusal(error)
    assert archived.code is ErrorCode.ARCHIVED and archived.method == "GET" and archived.url == error.url
    hidden = redact_error(Error(ErrorCode.IO_ERROR, "x", method="GET", url="https://h/f?sig=abcdef"), ["abcdef"])
    assert hidden.method == "GET" and hidden.url == "https://h/f?sig=***"
