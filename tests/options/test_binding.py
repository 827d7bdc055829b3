"""How keys bind: .NET spellings, nesting, sections, JSON quirks, ``from_section`` forms, unknown keys."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from civitai_kit.errors import ConfigurationError
from civitai_kit.options import CivitaiApiOptions, SdkOptions, UnknownConfigKeyWarning
from civitai_kit.tools import HashAlgorithm
from tests.support.options_places import ConfigPlaces


@pytest.mark.parametrize(
    "name",
    [
        "CIVITAIAPI__APIKEY",
        "CivitaiApi__ApiKey",
        "CIVITAIAPI__API_KEY",
        "civitaiapi__apikey",
        "CivitaiApi:ApiKey",
        "CIVITAI_API__API_KEY",
        "CIVITAI_API_KEY",
        "civitai_api_key",
    ],
)
def test_every_environment_spelling_of_the_key_binds(places: ConfigPlaces, name: str) -> None:
    places.env(name, "k1")
    options = CivitaiApiOptions()
    assert options.api_key is not None and options.api_key.get_secret_value() == "k1"
    assert options.source_of("api_key") == f"environment variable {name}"


@pytest.mark.parametrize(
    "name",
    [
        "CIVITAIAPI__SDK__APITOKEN",
        "CivitaiApi__Sdk__ApiToken",
        "CIVITAIAPI__SDK__API_TOKEN",
        "CivitaiApi:Sdk:ApiToken",
        "CivitaiApi__Sdk:ApiToken",
        "CIVITAI_API_TOKEN",
        "CIVITAI_TOKEN",
    ],
)
def test_every_environment_spelling_of_the_sdk_token_binds(places: ConfigPlaces, name: str) -> None:
    places.env(name, "t1")
    options = CivitaiApiOptions()
    assert options.sdk.api_token is not None and options.sdk.api_token.get_secret_value() == "t1"
    assert options.api_key is None


def test_deeply_nested_environment_variables_bind(places: ConfigPlaces) -> None:
    places.env("CIVITAIAPI__RESILIENCE__CIRCUITBREAKER__ENABLED", "True")
    places.env("CivitaiApi__Resilience__Rate_Limit__Requests_Per_Second", "2.5")
    places.env("CIVITAIAPI__DOWNLOADS__MODELS__HASHALGORITHM", "blake3")
    places.env("CIVITAIAPI__DOWNLOADS__IMAGES__OVERWRITEEXISTING", "1")
    places.env("CIVITAIAPI__CACHE__TTL_SECONDS", "60")

    options = CivitaiApiOptions()

    assert options.resilience.circuit_breaker.enabled is True
    assert options.resilience.rate_limit.requests_per_second == 2.5
    assert options.downloads.models.hash_algorithm is HashAlgorithm.BLAKE3
    assert options.downloads.images.overwrite_existing is True
    assert options.cache.ttl_seconds == 60


def test_unrelated_and_control_variables_are_ignored(places: ConfigPlaces, caplog: pytest.LogCaptureFixture) -> None:
    places.env("CIVITAI_SOMETHING_ELSE", "x")
    places.env("OTHERAPP__APIKEY", "x")
    places.env("CIVITAIAPI", "x")  # the section alone is not a key
    with caplog.at_level(logging.WARNING, logger="civitai_kit.options"):
        options = CivitaiApiOptions()
    assert options.api_key is None
    assert caplog.records == []


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_environment_values_count_as_unset(places: ConfigPlaces, value: str) -> None:
    places.appsettings({"CivitaiApi": {"ApiKey": "from-file", "TimeoutSeconds": 40}})
    places.env("CIVITAI_API_KEY", value)
    places.env("CIVITAIAPI__TIMEOUTSECONDS", value)

    options = CivitaiApiOptions()

    assert options.api_key is not None and options.api_key.get_secret_value() == "from-file"
    assert options.timeout_seconds == 40


def test_unknown_keys_are_ignored_with_a_warning_naming_key_and_source(
    places: ConfigPlaces, caplog: pytest.LogCaptureFixture
) -> None:
    path = places.appsettings({"CivitaiApi": {"TimeoutSecond": 5, "Sdk": {"Token": "x"}}, "Logging": {"Level": 1}})
    places.env("CIVITAIAPI__RETRIES", "3")
    with (
        caplog.at_level(logging.WARNING, logger="civitai_kit.options"),
        pytest.warns(UnknownConfigKeyWarning),
    ):
        options = CivitaiApiOptions()
    assert options.timeout_seconds == 30
    messages = [record.getMessage() for record in caplog.records]
    assert (
        f"unknown configuration key CivitaiApi:TimeoutSecond from appsettings.json ({path}) is ignored; "
        "did you mean CivitaiApi:TimeoutSeconds?"
    ) in messages
    assert any(
        m.startswith(f"unknown configuration key CivitaiApi:Sdk:Token from appsettings.json ({path})") for m in messages
    )
    assert any(
        m.startswith("unknown configuration key CivitaiApi:RETRIES from environment variable CIVITAIAPI__RETRIES")
        for m in messages
    )
    assert not any("Logging" in message for message in messages)


# ------------------------------------------------------------------------------------------ JSON files


def test_json_keys_bind_in_any_case_and_with_colons(places: ConfigPlaces) -> None:
    places.appsettings(
        {
            "civitaiapi": {
                "API_KEY": "k",
                "timeoutseconds": 45,
                "Sdk:TimeoutSeconds": 900,
                "downloads": {"MODELS": {"path_pattern": "{ModelName}/{FileName}"}},
            },
            "CivitaiApi:Resilience:MaxRetries": 7,
        }
    )
    options = CivitaiApiOptions()
    assert options.api_key is not None and options.api_key.get_secret_value() == "k"
    assert (options.timeout_seconds, options.sdk.timeout_seconds) == (45, 900)
    assert options.downloads.models.path_pattern == "{ModelName}/{FileName}"
    assert options.resilience.max_retries == 7


def test_appsettings_may_have_comments_trailing_commas_and_a_bom(places: ConfigPlaces) -> None:
    text = """\ufeff{
      // the API section
      "CivitaiApi": {
        "BaseUrl": "https://example.test/civitai//", /* a proxy: its path is kept */
        "ApiVersion": "v1", // "ApiVersion": "v2",
        "Sdk": { "BaseUrl": "http://127.0.0.1:8080/", },
      },
    }"""
    (places.config_dir / "appsettings.json").write_text(text, encoding="utf-8")
    options = CivitaiApiOptions()
    assert options.base_url == "https://example.test/civitai"
    assert options.api_version == "v1"
    assert options.sdk.base_url == "http://127.0.0.1:8080"


def test_null_means_default_for_settings_that_have_one(places: ConfigPlaces) -> None:
    places.appsettings({"CivitaiApi": {"TimeoutSeconds": 99, "Sdk": {"TimeoutSeconds": 99}}})
    places.appsettings(
        {"CivitaiApi": {"TimeoutSeconds": None, "Sdk": None, "Cache": {"Directory": None}}}, environment="Production"
    )
    options = CivitaiApiOptions()
    assert options.timeout_seconds == 99  # null in the environment file does not erase the base value
    assert options.sdk.timeout_seconds == 99
    assert options.cache.directory.name == "civitai-kit"


def test_null_clears_an_optional_setting(places: ConfigPlaces) -> None:
    places.appsettings({"CivitaiApi": {"ApiKey": "base", "Resilience": {"RateLimit": {"RequestsPerSecond": 3}}}})
    places.appsettings(
        {"CivitaiApi": {"ApiKey": None, "Resilience": {"RateLimit": {"RequestsPerSecond": None}}}},
        environment="Production",
    )
    options = CivitaiApiOptions()
    assert options.api_key is None
    assert options.resilience.rate_limit.requests_per_second is None
    assert options.source_of("api_key").startswith("appsettings.Production.json (")


def test_a_value_where_a_section_belongs_is_an_error(places: ConfigPlaces) -> None:
    path = places.appsettings({"CivitaiApi": {"Sdk": "https://orchestration.civitai.com"}})
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions()
    message = str(caught.value)
    assert "CivitaiApi:Sdk must be a section" in message
    assert f"appsettings.json ({path})" in message


@pytest.mark.parametrize(
    ("text", "where"),
    [('{ "CivitaiApi": { "ApiKey": "secret-in-broken-file" ', "line 1"), ("[1, 2]", "JSON object")],
)
def test_a_broken_settings_file_names_the_file_not_its_content(places: ConfigPlaces, text: str, where: str) -> None:
    path = places.config_dir / "appsettings.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions()
    assert str(path) in str(caught.value)
    assert where in str(caught.value)
    assert "secret-in-broken-file" not in str(caught.value)


def test_an_empty_settings_file_is_no_configuration(places: ConfigPlaces) -> None:
    (places.config_dir / "appsettings.json").write_text("  \n", encoding="utf-8")
    assert CivitaiApiOptions().timeout_seconds == 30


# ------------------------------------------------------------------------------------------ sections


def test_custom_nested_section_for_files_and_environment(places: ConfigPlaces) -> None:
    places.appsettings(
        {"MyApp": {"Civitai": {"TimeoutSeconds": 12, "ApiVersion": "v9"}}, "CivitaiApi": {"ApiVersion": "no"}}
    )
    places.env("MYAPP__CIVITAI__APIKEY", "nested")

    options = CivitaiApiOptions.load(section="MyApp:Civitai")

    assert (options.timeout_seconds, options.api_version) == (12, "v9")
    assert options.api_key is not None and options.api_key.get_secret_value() == "nested"
    assert options.describe()[0].key == "MyApp:Civitai:BaseUrl"
    assert options.source_of("MyApp:Civitai:TimeoutSeconds").startswith("appsettings.json (")


@pytest.mark.parametrize("section", ["", ":", "A::B", "  "])
def test_a_malformed_section_name_is_refused(section: str) -> None:
    with pytest.raises(ValueError, match="section"):
        CivitaiApiOptions.from_section({}, section=section)


# ------------------------------------------------------------------------------------------ from_section


@pytest.mark.parametrize(
    "mapping",
    [
        {"CivitaiApi": {"ApiKey": "m", "Sdk": {"TimeoutSeconds": 60}}, "Logging": {"LogLevel": "Debug"}},
        {"ApiKey": "m", "Sdk": {"TimeoutSeconds": 60}},
        {"CivitaiApi:ApiKey": "m", "CivitaiApi:Sdk:TimeoutSeconds": "60"},
        {"apikey": "m", "sdk": {"timeout_seconds": 60}},
        {"api_key": "m", "sdk:timeout_seconds": 60},
    ],
    ids=["whole-config", "section-itself", "flat-keys", "any-case", "snake-case"],
)
def test_from_section_accepts_every_form(places: ConfigPlaces, mapping: dict[str, object]) -> None:
    options = CivitaiApiOptions.from_section(mapping)
    assert options.api_key is not None and options.api_key.get_secret_value() == "m"
    assert options.sdk.timeout_seconds == 60
    assert options.source_of("api_key") == "configuration mapping"


def test_from_section_with_a_custom_nested_section(places: ConfigPlaces) -> None:
    mapping = {"Services": {"Civitai": {"TimeoutSeconds": 11}}, "CivitaiApi": {"TimeoutSeconds": 99}}
    assert CivitaiApiOptions.from_section(mapping, section="Services:Civitai").timeout_seconds == 11


def test_from_section_ranks_above_the_environment_but_keeps_lower_sources(places: ConfigPlaces) -> None:
    places.env("CIVITAIAPI__TIMEOUTSECONDS", "10")
    places.env("CIVITAIAPI__APIVERSION", "v3")
    options = CivitaiApiOptions.from_section({"CivitaiApi": {"TimeoutSeconds": 20}})
    assert options.timeout_seconds == 20
    assert options.api_version == "v3"


@pytest.mark.parametrize("mapping", [None, {}, {"CivitaiApi": {}}])
def test_from_section_with_nothing_gives_defaults(places: ConfigPlaces, mapping: dict[str, object] | None) -> None:
    assert CivitaiApiOptions.from_section(mapping) == CivitaiApiOptions()


# ------------------------------------------------------------------------------------------ arguments


def test_sections_can_be_passed_as_objects_or_mappings(places: ConfigPlaces) -> None:
    places.env("CIVITAIAPI__SDK__BASEURL", "https://sdk.example")
    by_object = CivitaiApiOptions(sdk=SdkOptions(timeout_seconds=42))
    by_mapping = CivitaiApiOptions(sdk={"TimeoutSeconds": 42})
    assert by_object == by_mapping
    # only the fields set on the object count as arguments: the environment still supplies the rest
    assert by_object.sdk.base_url == "https://sdk.example"
    assert by_object.source_of("sdk.timeout_seconds") == "argument"
    assert by_object.source_of("sdk.base_url") == "environment variable CIVITAIAPI__SDK__BASEURL"


def test_none_as_an_argument_means_not_given(places: ConfigPlaces) -> None:
    places.env("CIVITAIAPI__TIMEOUTSECONDS", "66")
    assert CivitaiApiOptions(timeout_seconds=None).timeout_seconds == 66


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [({"timeout": 5}, "'timeout'"), ({"ApiKey": "x"}, "'ApiKey'"), ({"sdk": {"token": "x"}}, "CivitaiApi:sdk:token")],
)
def test_unknown_arguments_are_errors(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigurationError, match="unknown option") as caught:
        CivitaiApiOptions(**kwargs)
    assert named in str(caught.value)


def test_paths_expand_the_home_directory(places: ConfigPlaces, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(places.config_dir))
    options = CivitaiApiOptions(downloads={"models": {"base_directory": "~/models"}}, cache={"directory": Path("~/c")})
    assert options.downloads.models.base_directory == places.config_dir / "models"
    assert options.cache.directory == places.config_dir / "c"
