"""Each place configuration comes from: files per environment, .env, the secrets directory, control
variables, ``load``/``isolated``/``config_sources``, and what ``source_of`` reports."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from civitai_kit.errors import ConfigurationError
from civitai_kit.options import CivitaiApiOptions, config_sources
from tests.support.options_places import ConfigPlaces

# ------------------------------------------------------------------------------------------ environments


def test_production_is_the_default_environment(places: ConfigPlaces) -> None:
    places.appsettings({"CivitaiApi": {"TimeoutSeconds": 10}})
    production = places.appsettings({"CivitaiApi": {"TimeoutSeconds": 20}}, environment="Production")
    places.appsettings({"CivitaiApi": {"TimeoutSeconds": 30}}, environment="Development")
    options = CivitaiApiOptions()
    assert options.timeout_seconds == 20
    assert options.source_of("timeout_seconds") == f"appsettings.Production.json ({production})"
    assert options.sources is not None and options.sources.environment == "Production"


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"CIVITAI_ENVIRONMENT": "Development"}, 30),
        ({"DOTNET_ENVIRONMENT": "Development"}, 30),
        ({"CIVITAI_ENVIRONMENT": "Staging", "DOTNET_ENVIRONMENT": "Development"}, 40),
        ({"CIVITAI_ENVIRONMENT": "  ", "DOTNET_ENVIRONMENT": "Staging"}, 40),
        ({"CIVITAI_ENVIRONMENT": "Testing"}, 10),  # no such file: the base file alone
    ],
)
def test_environment_name_selects_the_environment_file(
    places: ConfigPlaces, variables: dict[str, str], expected: int
) -> None:
    places.appsettings({"CivitaiApi": {"TimeoutSeconds": 10, "ApiVersion": "base"}})
    places.appsettings({"CivitaiApi": {"TimeoutSeconds": 30}}, environment="Development")
    places.appsettings({"CivitaiApi": {"TimeoutSeconds": 40}}, environment="Staging")
    for name, value in variables.items():
        places.env(name, value)
    options = CivitaiApiOptions()
    assert options.timeout_seconds == expected
    assert options.api_version == "base"  # the base file still supplies what the environment file lacks


def test_load_arguments_beat_control_variables(places: ConfigPlaces, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "appsettings.QA.json").write_text('{"CivitaiApi": {"TimeoutSeconds": 55}}', encoding="utf-8")
    places.appsettings({"CivitaiApi": {"TimeoutSeconds": 11}}, environment="QA")
    places.env("CIVITAI_ENVIRONMENT", "Development")

    options = CivitaiApiOptions.load(elsewhere, "QA", api_version="v2")

    assert (options.timeout_seconds, options.api_version) == (55, "v2")
    assert options.source_of("timeout_seconds") == f"appsettings.QA.json ({elsewhere / 'appsettings.QA.json'})"
    assert options.sources is not None and options.sources.config_dir == elsewhere


@pytest.mark.parametrize("name", ["../Production", "Dev/x", "", ".hidden", "a b"])
def test_a_malformed_environment_name_is_refused(places: ConfigPlaces, name: str) -> None:
    if name:
        places.env("CIVITAI_ENVIRONMENT", name)
        with pytest.raises(ConfigurationError, match="environment variable CIVITAI_ENVIRONMENT"):
            CivitaiApiOptions()
    with pytest.raises(ConfigurationError, match="simple name such as Development"):
        CivitaiApiOptions.load(environment=name or " ")


def test_config_dir_defaults_to_the_working_directory(places: ConfigPlaces, tmp_path: Path) -> None:
    places.monkeypatch.delenv("CIVITAI_CONFIG_DIR")
    (tmp_path / "appsettings.json").write_text('{"CivitaiApi": {"TimeoutSeconds": 77}}', encoding="utf-8")
    options = CivitaiApiOptions()
    assert options.timeout_seconds == 77
    assert options.source_of("timeout_seconds") == f"appsettings.json ({tmp_path / 'appsettings.json'})"


def test_relative_config_dir_is_made_absolute(places: ConfigPlaces, tmp_path: Path) -> None:
    places.env("CIVITAI_CONFIG_DIR", "project")
    places.appsettings({"CivitaiApi": {"TimeoutSeconds": 66}})
    options = CivitaiApiOptions()
    assert options.timeout_seconds == 66
    assert options.source_of("timeout_seconds") == f"appsettings.json ({places.config_dir / 'appsettings.json'})"


# ------------------------------------------------------------------------------------------ .env


def test_dotenv_syntax_is_python_dotenv(places: ConfigPlaces) -> None:
    path = places.dotenv(
        "# comment\n"
        "export CIVITAIAPI__TIMEOUTSECONDS=44\n"
        "CIVITAI_API_KEY='quoted key'  # not a valid key: inner space\n"
    )
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions()
    assert "CivitaiApi:ApiKey must not contain spaces" in str(caught.value)
    assert f"(from .env ({path}))" in str(caught.value)
    path.write_text('export CIVITAIAPI__TIMEOUTSECONDS=44\nCIVITAI_API_KEY="abc"\nCIVITAIAPI__APIVERSION\n')
    options = CivitaiApiOptions()
    assert options.timeout_seconds == 44
    assert options.api_key is not None and options.api_key.get_secret_value() == "abc"
    assert options.api_version == "v1"  # a name without a value sets nothing
    assert "CIVITAIAPI__TIMEOUTSECONDS" not in os.environ


def test_dotenv_is_read_from_the_config_dir_only(places: ConfigPlaces, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CIVITAIAPI__TIMEOUTSECONDS=12\n")  # the working directory
    assert CivitaiApiOptions().timeout_seconds == 30


# ------------------------------------------------------------------------------------------ secrets dir


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("CIVITAI_API_KEY", "api_key"),
        ("civitai_api_key", "api_key"),
        ("CivitaiApi__ApiKey", "api_key"),
        ("CivitaiApi:ApiKey", "api_key"),
        ("CIVITAI_API_TOKEN", "sdk.api_token"),
        ("CivitaiApi__Sdk__ApiToken", "sdk.api_token"),
    ],
)
def test_secrets_dir_file_names_bind_like_variables(places: ConfigPlaces, name: str, field: str) -> None:
    path = places.secret_file(name, "from-file\n")
    options = CivitaiApiOptions()
    secret = options.api_key if field == "api_key" else options.sdk.api_token
    assert secret is not None and secret.get_secret_value() == "from-file"
    assert options.source_of(field) == f"secrets dir ({path})"


def test_secrets_dir_reads_settings_too_and_skips_what_is_not_ours(places: ConfigPlaces) -> None:
    places.secret_file("CivitaiApi__TimeoutSeconds", "90\n")
    places.secret_file("postgres_password", "not ours")
    (places.secrets_dir / "binary_blob").write_bytes(b"\xff\xfe not text")  # would fail if it were read
    places.secret_file(".CIVITAI_API_KEY", "hidden file")
    (places.secrets_dir / "CIVITAI_TOKEN").mkdir()  # a directory, not a key
    options = CivitaiApiOptions()
    assert options.timeout_seconds == 90
    assert options.api_key is None and options.sdk.api_token is None


def test_an_unreadable_secret_file_of_ours_names_the_file(places: ConfigPlaces) -> None:
    places.secrets_dir.mkdir()
    path = places.secrets_dir / "CIVITAI_API_KEY"
    path.write_bytes(b"\xffkey")
    with pytest.raises(ConfigurationError, match=f"cannot read secrets file {path}"):
        CivitaiApiOptions()


def test_secrets_dir_ignores_oversized_files(places: ConfigPlaces, caplog: pytest.LogCaptureFixture) -> None:
    path = places.secret_file("CIVITAI_API_KEY", "x" * (64 * 1024 + 1))
    with caplog.at_level(logging.WARNING, logger="civitai_kit.options"):
        options = CivitaiApiOptions()
    assert options.api_key is None
    assert any(str(path) in record.getMessage() for record in caplog.records)


def test_a_missing_secrets_dir_is_fine(places: ConfigPlaces, tmp_path: Path) -> None:
    places.env("CIVITAI_SECRETS_DIR", str(tmp_path / "nowhere"))
    assert CivitaiApiOptions().api_key is None


def test_secrets_dir_defaults_to_run_secrets(places: ConfigPlaces) -> None:
    places.monkeypatch.delenv("CIVITAI_SECRETS_DIR")
    options = CivitaiApiOptions()
    assert options.sources is not None and options.sources.secrets_dir == Path("/run/secrets")


# ------------------------------------------------------------------------------------------ isolation


def test_isolated_reads_nothing_ambient(places: ConfigPlaces) -> None:
    places.env("CIVITAI_API_KEY", "env")
    places.env("CIVITAIAPI__TIMEOUTSECONDS", "5")
    places.dotenv("CIVITAIAPI__APIVERSION=v7\n")
    places.secret_file("CIVITAI_API_TOKEN", "t")
    places.user_secret_file({"CivitaiApi:Sdk:TimeoutSeconds": 9})
    places.appsettings({"CivitaiApi": {"BaseUrl": "https://file.example"}})

    options = CivitaiApiOptions.isolated(strict_json_parsing=True)

    assert options == CivitaiApiOptions.isolated(strict_json_parsing=True)
    assert options.api_key is None and options.sdk.api_token is None
    assert (options.timeout_seconds, options.api_version, options.base_url) == (30, "v1", "https://civitai.com")
    assert options.sdk.timeout_seconds == 600
    assert options.source_of("strict_json_parsing") == "argument"
    # while the same sources are really there for a normal load
    loaded = CivitaiApiOptions()
    assert (loaded.timeout_seconds, loaded.api_version, loaded.base_url) == (5, "v7", "https://file.example")
    assert loaded.sdk.timeout_seconds == 9 and loaded.sdk.api_token is not None


def test_config_sources_isolates_any_construction(places: ConfigPlaces) -> None:
    places.env("CIVITAIAPI__TIMEOUTSECONDS", "5")
    with config_sources(isolated=True):
        assert CivitaiApiOptions().timeout_seconds == 30
        assert CivitaiApiOptions.from_section({"ApiVersion": "v4"}).api_version == "v4"
        assert CivitaiApiOptions.from_section({"ApiVersion": "v4"}).timeout_seconds == 30
    assert CivitaiApiOptions().timeout_seconds == 5


def test_config_sources_can_supply_the_environment_and_nest(places: ConfigPlaces, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "appsettings.Lab.json").write_text('{"CivitaiApi": {"ApiVersion": "lab"}}')
    with config_sources(environ={"CIVITAI_API_KEY": "injected", "CIVITAI_ENVIRONMENT": "Lab"}, config_dir=other):
        options = CivitaiApiOptions()
        with config_sources(environ={}):
            inner = CivitaiApiOptions()
    assert options.api_key is not None and options.api_key.get_secret_value() == "injected"
    assert options.api_version == "lab"
    assert inner.api_key is None and inner.api_version == "v1"  # no environment, so Production
    assert options.source_of("api_key") == "environment variable CIVITAI_API_KEY"


def test_config_sources_paths_for_secrets(places: ConfigPlaces, tmp_path: Path) -> None:
    secrets = tmp_path / "s"
    secrets.mkdir()
    (secrets / "CIVITAI_API_KEY").write_text("dir-key")
    user = tmp_path / "u.json"
    user.write_text('{"CivitaiApi:Sdk:ApiToken": "user-token"}')
    user.chmod(0o600)
    with config_sources(secrets_dir=secrets, user_secrets=user):
        options = CivitaiApiOptions()
    assert options.source_of("api_key") == f"secrets dir ({secrets / 'CIVITAI_API_KEY'})"
    assert options.source_of("sdk.api_token") == f"user secrets ({user})"


# ------------------------------------------------------------------------------------------ provenance


@pytest.mark.parametrize(
    "spelling",
    ["sdk.timeout_seconds", "Sdk:TimeoutSeconds", "CivitaiApi:Sdk:TimeoutSeconds", "SDK.TIMEOUT_SECONDS"],
)
def test_source_of_accepts_field_paths_and_configuration_keys(places: ConfigPlaces, spelling: str) -> None:
    places.env("CIVITAIAPI__SDK__TIMEOUTSECONDS", "100")
    assert CivitaiApiOptions().source_of(spelling) == "environment variable CIVITAIAPI__SDK__TIMEOUTSECONDS"


@pytest.mark.parametrize("key", ["sdk", "nope", "sdk.nope", "api_key.x", ""])
def test_source_of_refuses_what_is_not_an_option(key: str) -> None:
    with pytest.raises(ValueError, match="is not an option"):
        CivitaiApiOptions.isolated().source_of(key)


def test_sdk_token_falls_back_to_the_api_key(places: ConfigPlaces) -> None:
    places.env("CIVITAI_API_KEY", "the-key")
    options = CivitaiApiOptions()
    assert options.sdk_token() == options.api_key
    assert options.sdk_token_source() == "environment variable CIVITAI_API_KEY (ApiKey, used as the SDK token)"
    places.user_secret_file({"CivitaiApi:Sdk:ApiToken": "the-token"})
    options = CivitaiApiOptions()
    token = options.sdk_token()
    assert token is not None and token.get_secret_value() == "the-token"
    assert options.sdk_token_source() == f"user secrets ({places.user_secrets})"
    assert CivitaiApiOptions.isolated().sdk_token() is None
    assert CivitaiApiOptions.isolated().sdk_token_source() == "not configured"


def test_describe_lists_every_option_with_value_and_source(places: ConfigPlaces) -> None:
    places.env("CIVITAIAPI__DOWNLOADS__MAXCONCURRENCY", "2")
    rows = {row.key: row for row in CivitaiApiOptions(api_key="k").describe()}
    assert len(rows) == 56
    assert rows["CivitaiApi:ApiKey"].value == "**********" and rows["CivitaiApi:ApiKey"].source == "argument"
    assert rows["CivitaiApi:Sdk:ApiToken"].value == "(not set)"
    assert rows["CivitaiApi:Downloads:MaxConcurrency"].value == "2"
    assert rows["CivitaiApi:StrictJsonParsing"].value == "false"
    assert rows["CivitaiApi:Downloads:Models:HashAlgorithm"].value == "SHA256"
