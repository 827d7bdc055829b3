"""Which file the download endpoint serves: ``?type=&format=&size=&fp=`` select a non-primary file, as Civitai's
``getFileForModelVersion`` does (the API's ``downloadUrl`` of every non-primary file carries them)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from civitai_kit.core import CivitaiClient
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Success
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.downloads import install_download_routes
from civitai_kit.testing.sandbox import start_sandbox
from civitai_kit.tools.downloads import DownloadService

MAIN = os.urandom(3000)
TRAINING = b"PK\x03\x04 training images"
PICKLE = b"\x80\x02 pickled weights"


@pytest.fixture
def served(fake_civitai: FakeCivitai) -> FakeCivitai:
    downloads = install_download_routes(fake_civitai)
    downloads.add(MAIN, name="main.safetensors", version_id=7, file_type="Model", metadata={"format": "SafeTensor"})
    downloads.add(
        TRAINING, name="data.zip", version_id=7, primary=False, file_type="Training Data", metadata={"format": "Other"}
    )
    downloads.add(
        PICKLE,
        name="main.ckpt",
        version_id=7,
        primary=False,
        file_type="Model",
        metadata={"format": "PickleTensor", "size": "full", "fp": "fp16"},
    )
    return fake_civitai


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", MAIN),
        ("?type=Training%20Data", TRAINING),
        ("?type=Model&format=PickleTensor", PICKLE),
        ("?type=Model&format=PickleTensor&size=full&fp=fp16", PICKLE),
        ("?type=Model&format=SafeTensor", MAIN),
        ("?type=Model", MAIN),  # several match: the primary one
    ],
)
def test_query_selects_the_file(served: FakeCivitai, query: str, expected: bytes) -> None:
    from civitai_kit._http import ApiRequest, ClientSettings, HttpClient

    options = CivitaiApiOptions.isolated(base_url=served.url)
    with HttpClient(ClientSettings.for_core(options)) as http:
        result = http.send(ApiRequest("GET", f"/api/download/models/7{query}"))
    assert isinstance(result, Success), result
    assert result.value.content == expected


@pytest.mark.parametrize("query", ["?type=VAE", "?type=Model&format=GGUF", "?type=Model&fp=bf16"])
def test_a_query_no_file_matches_is_file_not_found(served: FakeCivitai, query: str) -> None:
    from civitai_kit._http import ApiRequest, ClientSettings, HttpClient

    options = CivitaiApiOptions.isolated(base_url=served.url, resilience={"max_retries": 0})
    with HttpClient(ClientSettings.for_core(options)) as http:
        result = http.send(ApiRequest("GET", f"/api/download/models/7{query}"))
    assert not isinstance(result, Success)
    assert result.error.http_status == 404 and result.error.message == "File not found"


def test_every_sandbox_file_downloads_by_its_own_download_url(tmp_path: Path) -> None:
    """Non-primary files of the sandbox catalogue (training data, a .ckpt beside a .safetensors) verify."""
    with start_sandbox() as sandbox:
        options = CivitaiApiOptions.isolated(base_url=sandbox.url, resilience={"max_retries": 0})
        non_primary = [f for f in sandbox.downloads.files() if not f.primary and f.refusal is None][:4]
        assert non_primary, "the sandbox catalogue has non-primary files"
        with CivitaiClient(options) as client, DownloadService(options, client=client) as downloader:
            for served_file in non_primary:
                version = client.models.get_by_version_id(served_file.version_id)
                assert isinstance(version, Success), version
                file = next(f for f in version.value.files if f.id == served_file.file_id)
                # the catalogue's OrangeMixs .pt is pickle-scan Danger: refused unless allowed (issue 12)
                done = downloader.download_model_file(file, version.value, directory=tmp_path, allow_unsafe=True)
                assert isinstance(done, Success), done
                assert hashlib.sha256(done.value.path.read_bytes()).hexdigest().upper() == served_file.sha256()
