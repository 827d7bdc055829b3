"""``add_civitai_api(..., overrides=, config_dir=, environment=)``: what a command line (or any host with flags)
hands the container. Overrides rank as arguments above every source; the other sources still apply below them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import containers, providers

from civitai_kit import CivitaiApiOptions, CivitaiContainer, ConfigurationError, add_civitai_api

FLAG_URL = "http://127.0.0.1:9/flag"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "appsettings.json").write_text(json.dumps({"CivitaiApi": {"TimeoutSeconds": 40, "ApiVersion": "v7"}}))
    (tmp_path / "appsettings.Staging.json").write_text(json.dumps({"CivitaiApi": {"TimeoutSeconds": 50}}))
    return tmp_path


def test_overrides_rank_above_every_source_and_the_others_still_apply(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVITAIAPI__BASEURL", "http://127.0.0.1:9/env")
    monkeypatch.setenv("CIVITAI_API_KEY", "env-key-1")
    container = CivitaiContainer().add_civitai_api(
        config_dir=config_dir,
        environment="Staging",
        overrides={"base_url": FLAG_URL, "sdk": {"timeout_seconds": 99}},
    )
    options = container.options()
    assert (options.base_url, options.source_of("base_url")) == (FLAG_URL, "argument")
    assert (options.sdk.timeout_seconds, options.source_of("sdk.timeout_seconds")) == (99, "argument")
    assert options.source_of("api_key") == "environment variable CIVITAI_API_KEY"
    assert options.timeout_seconds == 50 and options.source_of("timeout_seconds").startswith("appsettings.Staging")
    assert options.api_version == "v7" and options.source_of("api_version").startswith("appsettings.json")
    assert options.sources is not None and options.sources.config_dir == config_dir


@pytest.mark.parametrize(
    "form",
    [
        {"CivitaiApi": {"TimeoutSeconds": 61, "ApiVersion": "v3"}},
        lambda o: setattr(o, "api_version", "v3"),
        "settings.json",
        providers.Configuration(default={"CivitaiApi": {"ApiVersion": "v3"}}),
    ],
    ids=["mapping", "callback", "json-file", "configuration"],
)
def test_overrides_apply_with_every_input_form(form: Any, config_dir: Path) -> None:
    if form == "settings.json":
        form = config_dir / "settings.json"
        form.write_text(json.dumps({"CivitaiApi": {"ApiVersion": "v3"}}))
    container = CivitaiContainer().add_civitai_api(form, config_dir=config_dir, overrides={"timeout_seconds": 62})
    options = container.options()
    assert (options.timeout_seconds, options.source_of("timeout_seconds")) == (62, "argument")
    assert options.api_version == "v3"


def test_a_bad_override_is_refused_as_an_argument() -> None:
    container = CivitaiContainer().add_civitai_api(overrides={"base_url": "ftp://nowhere"})
    with pytest.raises(ConfigurationError, match=r"CivitaiApi:BaseUrl") as refused:
        container.options()
    problems = (refused.value.error.details or {})["problems"]
    assert [problem["source"] for problem in problems] == ["argument"]
    with pytest.raises(ConfigurationError, match="unknown option 'base_ur'"):
        CivitaiContainer().add_civitai_api(overrides={"base_ur": FLAG_URL}).options()


def test_loaded_options_take_no_overrides() -> None:
    options = CivitaiApiOptions.isolated()
    with pytest.raises(TypeError, match="already loaded"):
        CivitaiContainer().add_civitai_api(options, overrides={"timeout_seconds": 5})
    with pytest.raises(TypeError, match="already loaded"):
        CivitaiContainer().add_civitai_api(options, environment="Staging")


def test_the_section_is_read_without_an_explicit_source(tmp_path: Path) -> None:
    (tmp_path / "appsettings.json").write_text(json.dumps({"MyCivitai": {"TimeoutSeconds": 44}}))
    options = CivitaiContainer().add_civitai_api(section="MyCivitai", config_dir=tmp_path).options()
    assert options.timeout_seconds == 44


def test_mounting_passes_them_on(config_dir: Path) -> None:
    app = containers.DynamicContainer()
    mounted = add_civitai_api(app, config_dir=config_dir, overrides={"timeout_seconds": 77})
    options = mounted.options()
    assert (options.timeout_seconds, options.api_version) == (77, "v7")


def test_one_hash_cache_for_the_hasher_the_downloader_and_the_library() -> None:
    container = CivitaiContainer().add_civitai_api(CivitaiApiOptions.isolated(base_url="http://127.0.0.1:9"))
    cache = container.hash_cache()
    assert container.hasher().cache is cache
    assert container.library().hashing is container.hasher()
    assert container.downloader()._hash_cache is cache
    container.shutdown_resources()
