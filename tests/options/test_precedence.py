"""Every source against every lower one: the higher wins, and ``source_of`` names it."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from civitai_kit.options import CivitaiApiOptions
from tests.support.options_places import ConfigPlaces


@dataclass
class Scenario:
    """Configuration placed by several sources, then loaded once."""

    places: ConfigPlaces
    kwargs: dict[str, Any] = field(default_factory=dict)
    mapping: dict[str, Any] | None = None
    appsettings: dict[str | None, dict[str, Any]] = field(default_factory=dict)
    dotenv: list[str] = field(default_factory=list)

    def json_key(self, environment: str | None, path: tuple[str, ...], value: Any) -> None:
        section = self.appsettings.setdefault(environment, {}).setdefault("CivitaiApi", {})
        for name in path[:-1]:
            section = section.setdefault(name, {})
        section[path[-1]] = value

    def load(self) -> CivitaiApiOptions:
        for environment, data in self.appsettings.items():
            self.places.appsettings(data, environment)
        if self.dotenv:
            self.places.dotenv("\n".join(self.dotenv) + "\n")
        if self.mapping is not None:
            return CivitaiApiOptions.from_section(self.mapping, **self.kwargs)
        return CivitaiApiOptions(**self.kwargs)


# A source: how it sets a field (given a .NET key path, the snake_case path and a value) and the origin
# it is reported as.
Setter = Callable[[Scenario, tuple[str, ...], tuple[str, ...], str], None]


def _argument(s: Scenario, key: tuple[str, ...], field_path: tuple[str, ...], value: str) -> None:
    target = s.kwargs
    for name in field_path[:-1]:
        target = target.setdefault(name, {})
    target[field_path[-1]] = value


def _mapping(s: Scenario, key: tuple[str, ...], field_path: tuple[str, ...], value: str) -> None:
    s.mapping = {"CivitaiApi": {":".join(key): value}}


def _environment(s: Scenario, key: tuple[str, ...], field_path: tuple[str, ...], value: str) -> None:
    s.places.env("CIVITAIAPI__" + "__".join(part.upper() for part in key), value)


def _alias(s: Scenario, key: tuple[str, ...], field_path: tuple[str, ...], value: str) -> None:
    s.places.env("CIVITAI_API_KEY", value)


def _dotenv(s: Scenario, key: tuple[str, ...], field_path: tuple[str, ...], value: str) -> None:
    s.dotenv.append(f"CivitaiApi__{'__'.join(key)}={value}")


def _secrets_dir(s: Scenario, key: tuple[str, ...], field_path: tuple[str, ...], value: str) -> None:
    s.places.secret_file("CivitaiApi__" + "__".join(key), value + "\n")


def _user_secrets(s: Scenario, key: tuple[str, ...], field_path: tuple[str, ...], value: str) -> None:
    s.places.user_secret_file({"CivitaiApi:" + ":".join(key): value})


def _appsettings_environment(s: Scenario, key: tuple[str, ...], field_path: tuple[str, ...], value: str) -> None:
    s.json_key("Development", key, value)


def _appsettings(s: Scenario, key: tuple[str, ...], field_path: tuple[str, ...], value: str) -> None:
    s.json_key(None, key, value)


def _origin(name: str, places: ConfigPlaces, key: tuple[str, ...]) -> str:
    return {
        "argument": "argument",
        "mapping": "configuration mapping",
        "environment": "environment variable CIVITAIAPI__" + "__".join(part.upper() for part in key),
        "alias": "environment variable CIVITAI_API_KEY",
        "dotenv": f".env ({places.config_dir / '.env'})",
        "secrets_dir": f"secrets dir ({places.secrets_dir / ('CivitaiApi__' + '__'.join(key))})",
        "user_secrets": f"user secrets ({places.user_secrets})",
        "appsettings_environment": (
            f"appsettings.Development.json ({places.config_dir / 'appsettings.Development.json'})"
        ),
        "appsettings": f"appsettings.json ({places.config_dir / 'appsettings.json'})",
    }[name]


SOURCES: list[tuple[str, Setter]] = [  # highest priority first
    ("argument", _argument),
    ("mapping", _mapping),
    ("environment", _environment),
    ("alias", _alias),
    ("dotenv", _dotenv),
    ("secrets_dir", _secrets_dir),
    ("user_secrets", _user_secrets),
    ("appsettings_environment", _appsettings_environment),
    ("appsettings", _appsettings),
]
PAIRS = [(high, low) for (high, _), (low, _) in itertools.combinations(SOURCES, 2)]
SETTERS = dict(SOURCES)

# (field path, .NET key path, value for the higher source, value for the lower one)
FIELDS = {
    "api_key": (("api_key",), ("ApiKey",), "key-high", "key-low"),
    "sdk.timeout_seconds": (("sdk", "timeout_seconds"), ("Sdk", "TimeoutSeconds"), "700", "800"),
}


def _value(options: CivitaiApiOptions, field_path: tuple[str, ...]) -> Any:
    value: Any = options
    for name in field_path:
        value = getattr(value, name)
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def _applies(field_name: str, *sources: str) -> bool:
    return field_name == "api_key" or "alias" not in sources  # the flat alias exists for keys only


@pytest.mark.parametrize(
    ("high", "low", "field_name"),
    [(high, low, name) for high, low in PAIRS for name in FIELDS if _applies(name, high, low)],
)
def test_higher_source_wins(places: ConfigPlaces, high: str, low: str, field_name: str) -> None:
    field_path, key, high_value, low_value = FIELDS[field_name]
    places.env("CIVITAI_ENVIRONMENT", "Development")
    scenario = Scenario(places)
    SETTERS[low](scenario, key, field_path, low_value)
    SETTERS[high](scenario, key, field_path, high_value)

    options = scenario.load()

    assert _value(options, field_path) == high_value
    assert options.source_of(".".join(field_path)) == _origin(high, places, key)


@pytest.mark.parametrize(
    ("only", "field_name"), [(only, name) for only, _ in SOURCES for name in FIELDS if _applies(name, only)]
)
def test_each_source_alone_is_used(places: ConfigPlaces, only: str, field_name: str) -> None:
    field_path, key, value, _ = FIELDS[field_name]
    places.env("CIVITAI_ENVIRONMENT", "Development")
    scenario = Scenario(places)
    SETTERS[only](scenario, key, field_path, value)

    options = scenario.load()

    assert _value(options, field_path) == value
    assert options.source_of(".".join(field_path)) == _origin(only, places, key)


def test_nothing_configured_means_defaults(places: ConfigPlaces) -> None:
    options = CivitaiApiOptions()
    assert options.api_key is None
    assert options.source_of("api_key") == "default"
    assert all(row.source == "default" for row in options.describe())


def test_sources_merge_per_key_not_per_section(places: ConfigPlaces) -> None:
    """A section given by a high source does not hide the other keys of that section in lower ones."""
    places.appsettings({"CivitaiApi": {"Sdk": {"BaseUrl": "https://sdk.example", "TimeoutSeconds": 100}}})
    places.env("CIVITAIAPI__SDK__APITOKEN", "tok")

    options = CivitaiApiOptions(sdk={"timeout_seconds": 200})

    assert options.sdk.base_url == "https://sdk.example"
    assert options.sdk.timeout_seconds == 200
    assert options.sdk.api_token is not None and options.sdk.api_token.get_secret_value() == "tok"
    assert options.source_of("sdk.base_url").startswith("appsettings.json (")
    assert options.source_of("sdk.timeout_seconds") == "argument"
    assert options.source_of("sdk.api_token") == "environment variable CIVITAIAPI__SDK__APITOKEN"


def test_dotenv_never_overrides_the_real_environment_even_in_another_spelling(places: ConfigPlaces) -> None:
    places.env("CIVITAI_API_KEY", "real")
    places.dotenv("CIVITAIAPI__APIKEY=from-dotenv\nCIVITAIAPI__TIMEOUTSECONDS=77\n")

    options = CivitaiApiOptions()

    assert options.api_key is not None and options.api_key.get_secret_value() == "real"
    assert options.timeout_seconds == 77  # .env still supplies what the environment does not
    assert "CIVITAIAPI__APIKEY" not in os.environ  # .env is read, never exported


def test_structured_variable_beats_flat_alias(places: ConfigPlaces) -> None:
    places.env("CIVITAI_API_KEY", "flat")
    places.env("CivitaiApi__ApiKey", "structured")

    options = CivitaiApiOptions()

    assert options.api_key is not None and options.api_key.get_secret_value() == "structured"
    assert options.source_of("api_key") == "environment variable CivitaiApi__ApiKey"


def test_civitai_api_token_beats_civitai_token(places: ConfigPlaces) -> None:
    places.env("CIVITAI_TOKEN", "older")
    places.env("CIVITAI_API_TOKEN", "newer")

    options = CivitaiApiOptions()

    assert options.sdk.api_token is not None and options.sdk.api_token.get_secret_value() == "newer"
    assert options.source_of("sdk.api_token") == "environment variable CIVITAI_API_TOKEN"


def test_override_keyword_beats_mapping_in_from_section(places: ConfigPlaces) -> None:
    mapping = {"CivitaiApi": {"TimeoutSeconds": 40, "ApiVersion": "v2"}}
    options = CivitaiApiOptions.from_section(mapping, timeout_seconds=50)
    assert (options.timeout_seconds, options.api_version) == (50, "v2")
    assert options.source_of("timeout_seconds") == "argument"
    assert options.source_of("api_version") == "configuration mapping"
