"""The sandbox's catalogue agrees with itself and with the docs: every version downloads (or is refused the way
Civitai refuses it), and every id the README and ``docs/`` use answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from civitai_kit.core import CivitaiClient
from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing.rest_data import DOCUMENTED
from civitai_kit.testing.sandbox import Sandbox, start_sandbox
from civitai_kit.tools import DownloadService, HashAlgorithm
from tests.support.core_support import error_of


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox() as running:
        yield running


@pytest.fixture
def options(sandbox: Sandbox, tmp_path: Path) -> CivitaiApiOptions:
    return CivitaiApiOptions.isolated(
        **sandbox.option_values(),
        downloads={"models": {"base_directory": str(tmp_path), "path_pattern": "{VersionId}/{FileName}"}},
    )


def _expected_refusal(model: dict[str, object], version: dict[str, object]) -> ErrorCode | None:
    if model.get("mode") == "Archived":
        return ErrorCode.NOT_FOUND  # an archived model lists no files
    if version.get("availability") == "EarlyAccess":
        return ErrorCode.EARLY_ACCESS
    return None


@pytest.mark.slow  # downloads and verifies all ~460 catalogue files
def test_every_version_downloads_verified_unless_civitai_would_refuse_it(
    sandbox: Sandbox, options: CivitaiApiOptions
) -> None:
    outcomes: Counter[str] = Counter()
    with DownloadService(options) as downloads:
        for model, version in sandbox.rest.versions():
            result = downloads.download_version(version["id"])
            refusal = _expected_refusal(model, version)
            if refusal is None:
                assert result.is_success, (model["id"], version["id"], result)
                assert result.value.verified or not any((f.get("hashes") or {}) for f in version.get("files") or ()), (
                    version["id"]
                )  # only a pending scan (no hashes yet) downloads unverified
                outcomes["downloaded"] += 1
            else:
                assert error_of(result).code is refusal, (version["id"], result)
                outcomes[refusal.name] += 1
    assert outcomes["downloaded"] > 300 and outcomes["NOT_FOUND"] and outcomes["EARLY_ACCESS"]


def test_the_recorded_hashes_of_the_real_models_still_resolve(sandbox: Sandbox, options: CivitaiApiOptions) -> None:
    assert sandbox.rest.hash_aliases
    with CivitaiClient(options) as client:
        for value, (algorithm, version_id) in list(sandbox.rest.hash_aliases.items())[:25]:
            found = client.models.get_by_version_hash(value)
            assert found.is_success and found.value.id in {version_id, *_same_hash_versions(sandbox, value)}, algorithm


def _same_hash_versions(sandbox: Sandbox, value: str) -> set[int]:
    """Real templates share files between versions (Civitai then answers the oldest)."""
    return {version_id for other, (_, version_id) in sandbox.rest.hash_aliases.items() if other == value}


def test_every_documented_id_answers(sandbox: Sandbox, options: CivitaiApiOptions) -> None:
    with CivitaiClient(options) as client:
        for pin in DOCUMENTED:
            model = client.models.get_by_id(pin.model_id).unwrap()
            assert (model.name, model.type) == (pin.name, pin.type)
            assert [v.id for v in model.model_versions] == list(pin.version_ids)
            for version_id in pin.version_ids:
                assert client.models.get_by_version_id(version_id).unwrap().base_model == pin.base_model
        assert list(client.images.where_model_id(4201).iterate(max_items=5))
        castles = client.models.where_name("castle").where_type("LORA").where_base_models("SDXL 1.0")
        assert [m.id for m in castles.iterate(max_items=10)] == [328553]


def test_the_documented_download_urls_serve_their_files(
    options: CivitaiApiOptions, sandbox: Sandbox, tmp_path: Path
) -> None:
    with DownloadService(options) as downloads:
        primary = downloads.download_url(
            f"{sandbox.url}/api/download/models/368189?fileId=290640", f"{tmp_path}/primary/"
        ).unwrap()
        training = downloads.download_url(
            f"{sandbox.url}/api/download/models/368189?type=Training%20Data", f"{tmp_path}/training/"
        ).unwrap()
        assert primary.path.name == "CastleArchitectureXl_v1.safetensors"
        assert training.path.name == "training-data.zip"
        dreamshaper = downloads.download_version(128713).unwrap()
    assert dreamshaper.verified and dreamshaper.verified_with is HashAlgorithm.SHA256


def test_no_image_url_leaves_loopback(sandbox: Sandbox, options: CivitaiApiOptions) -> None:
    """2023 bodies use ``imagecache.civitai.com``, later ones ``image.civitai.com``: both point at the sandbox."""
    with CivitaiClient(options) as client:
        urls = [image.url for image in client.images.iterate(max_items=300)]
        for model in client.models.iterate(max_items=300):
            urls += [image.url for version in model.model_versions for image in version.images]
    assert urls and all(url is None or url.startswith(f"{sandbox.url}/_cdn/image/") for url in urls), [
        url for url in urls if url and not url.startswith(sandbox.url)
    ][:3]
