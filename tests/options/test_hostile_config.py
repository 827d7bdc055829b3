"""Hostile configuration: keys never echoed by any way of building an options class, absurd numbers and
crossed types, misshapen sections, empty and deeply nested files, a config directory that is not there."""

from __future__ import annotations

import json
import logging
import math
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from civitai_kit._config.jsonc import parse_jsonc
from civitai_kit.errors import ConfigurationError
from civitai_kit.options import (
    CacheOptions,
    CircuitBreakerOptions,
    CivitaiApiOptions,
    ConfigDirectoryWarning,
    DownloadOptions,
    ImageDownloadOptions,
    ModelDownloadOptions,
    RateLimitOptions,
    ResilienceOptions,
    SdkOptions,
    UnknownConfigKeyWarning,
    UserSecrets,
    config_sources,
)
from tests.support.options_places import ConfigPlaces

KEY = "ck-H0stile-9f3a7c2e1b5d8f4a6c0e"
"""A recognisable key (long enough that no rule ever shows it as an offending value)."""
BAD_KEY = f"{KEY} pasted\ntwice"
"""A key that breaks the key rule (inner space and line break), so it is never registered for scrubbing."""
HUGE = "9" * 5000
"""More digits than Python converts between text and int by default."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__]


def assert_hidden(error: BaseException, secret: str = KEY) -> None:
    """``secret`` appears in no text the error can produce: str, repr, its chain, the printed traceback."""
    texts = [text for item in _chain(error) for text in (str(item), repr(item))]
    texts.append("".join(traceback.format_exception(error)))
    details = getattr(getattr(error, "error", None), "details", None)
    texts.append(repr(details))
    for text in texts:
        assert secret not in text, text


def refused(build: Callable[[], object]) -> ConfigurationError:
    """The ConfigurationError ``build`` raises (any other exception fails the test)."""
    with pytest.raises(ConfigurationError) as caught:
        build()
    return caught.value


# ------------------------------------------------------------------------------------------ 1. no echo

# Each class with a payload that breaks one of its rules and carries KEY; the expected .NET key.
SECTIONS: list[tuple[type[Any], dict[str, Any], str]] = [
    (SdkOptions, {"api_token": BAD_KEY}, "CivitaiApi:Sdk:ApiToken"),
    (CivitaiApiOptions, {"api_key": BAD_KEY}, "CivitaiApi:ApiKey"),
    (CivitaiApiOptions, {"sdk": {"api_token": BAD_KEY}}, "CivitaiApi:Sdk:ApiToken"),
    (CircuitBreakerOptions, {"enabled": KEY}, "CivitaiApi:Resilience:CircuitBreaker:Enabled"),
    (RateLimitOptions, {"requests_per_second": KEY}, "CivitaiApi:Resilience:RateLimit:RequestsPerSecond"),
    (ResilienceOptions, {"rate_limit": {"max_concurrency": KEY}}, "CivitaiApi:Resilience:RateLimit:MaxConcurrency"),
    (ModelDownloadOptions, {"hash_algorithm": KEY}, "CivitaiApi:Downloads:Models:HashAlgorithm"),
    (ImageDownloadOptions, {"base_directory": f"{KEY}\x00"}, "CivitaiApi:Downloads:Images:BaseDirectory"),
    (DownloadOptions, {"models": {"base_directory": f"\x00{KEY}"}}, "CivitaiApi:Downloads:Models:BaseDirectory"),
    (CacheOptions, {"ttl_seconds": KEY}, "CivitaiApi:Cache:TtlSeconds"),
]
SECTION_IDS = [f"{cls.__name__}-{next(iter(payload))}" for cls, payload, _ in SECTIONS]


def _constructors(cls: type[Any], payload: dict[str, Any]) -> dict[str, Callable[[], object]]:
    name, value = next(iter(payload.items()))
    return {
        "constructor": lambda: cls(**payload),
        "model_validate": lambda: cls.model_validate(payload),
        "model_validate_json": lambda: cls.model_validate_json(json.dumps(payload)),
        "model_validate_json bytes": lambda: cls.model_validate_json(json.dumps(payload).encode()),
        "model_validate_strings": lambda: cls.model_validate_strings(payload),
        "model_copy": lambda: cls().model_copy(update=payload),
        "assignment": lambda: setattr(cls(), name, value),
    }


@pytest.mark.parametrize(("cls", "payload", "key"), SECTIONS, ids=SECTION_IDS)
@pytest.mark.parametrize(
    "path",
    [
        "constructor",
        "model_validate",
        "model_validate_json",
        "model_validate_json bytes",
        "model_validate_strings",
        "model_copy",
        "assignment",
    ],
)
def test_every_way_to_build_a_section_refuses_without_echoing_the_value(
    cls: type[Any], payload: dict[str, Any], key: str, path: str
) -> None:
    error = refused(_constructors(cls, payload)[path])
    assert key in str(error)
    assert_hidden(error)


def test_a_section_error_names_key_source_and_rule() -> None:
    error = refused(lambda: SdkOptions(api_token=BAD_KEY))
    assert str(error) == (
        "CONFIGURATION_INVALID: Invalid configuration: CivitaiApi:Sdk:ApiToken must not contain spaces, "
        "line breaks or control characters; check for a copy-and-paste mistake (from argument)"
    )
    assert error.__cause__ is None and error.__context__ is None


def test_an_unknown_field_in_a_section_is_refused_by_name() -> None:
    error = refused(lambda: SdkOptions(api_tokn=KEY))  # type: ignore[call-arg]
    assert "CivitaiApi:Sdk:ApiTokn is not a known option" in str(error)
    assert_hidden(error)


def test_valid_sections_still_build_every_way() -> None:
    token = f"{KEY}-valid"
    built = [
        SdkOptions(api_token=token),
        SdkOptions.model_validate({"api_token": token}),
        SdkOptions.model_validate_json(json.dumps({"api_token": token})),
        SdkOptions.model_validate_strings({"api_token": token}),
        SdkOptions().model_copy(update={"api_token": token}),
    ]
    for options in built:
        assert options.api_token is not None and options.api_token.get_secret_value() == token
        assert token not in repr(options)
    assert ResilienceOptions.model_validate({"rate_limit": {"max_concurrency": 3}}).rate_limit.max_concurrency == 3
    assert CivitaiApiOptions.model_validate_strings({"timeout_seconds": "45"}).timeout_seconds == 45


@pytest.mark.parametrize(
    "build",
    [
        lambda: SdkOptions.model_construct(api_token=KEY),  # type: ignore[arg-type]
        lambda: CivitaiApiOptions.model_construct(api_key=KEY),  # type: ignore[arg-type]
        lambda: CivitaiApiOptions.model_construct(sdk={"api_token": KEY}),  # type: ignore[arg-type]
    ],
    ids=["sdk", "root", "root-nested"],
)
def test_model_construct_never_shows_a_key(build: Callable[[], Any]) -> None:
    options = build()
    for text in (repr(options), str(options), repr(options.model_dump())):
        assert KEY not in text


# ------------------------------------------------------------------------------------------ 2. numbers


def _load_error(places: ConfigPlaces, document: str) -> tuple[str, Path]:
    path = places.appsettings(document)
    error = refused(CivitaiApiOptions)
    return str(error), path


@pytest.mark.parametrize("digits", [HUGE, f"-{HUGE}"])
def test_a_huge_integer_in_a_file_names_key_file_and_rule(places: ConfigPlaces, digits: str) -> None:
    message, path = _load_error(places, f'{{"CivitaiApi": {{"TimeoutSeconds": {digits}}}}}')
    assert "CivitaiApi:TimeoutSeconds must be" in message
    assert f"(from appsettings.json ({path}))" in message
    assert HUGE not in message


def test_a_huge_integer_in_the_environment_names_the_variable(places: ConfigPlaces) -> None:
    places.env("CIVITAIAPI__TIMEOUTSECONDS", HUGE)
    message = str(refused(CivitaiApiOptions))
    assert message == (
        "CONFIGURATION_INVALID: Invalid configuration: CivitaiApi:TimeoutSeconds must be between 1 and 300 "
        "(from environment variable CIVITAIAPI__TIMEOUTSECONDS)"
    )


@pytest.mark.parametrize(
    ("values", "key", "rule"),
    [
        ({"timeout_seconds": 10**5000}, "CivitaiApi:TimeoutSeconds", "must be between 1 and 300"),
        ({"timeout_seconds": -(10**5000)}, "CivitaiApi:TimeoutSeconds", "must be between 1 and 300"),
        ({"resilience": {"base_delay_seconds": 10**5000}}, "CivitaiApi:Resilience:BaseDelaySeconds", "must be"),
        ({"strict_json_parsing": 10**5000}, "CivitaiApi:StrictJsonParsing", "must be true or false"),
    ],
)
def test_a_huge_integer_argument_is_a_configuration_error(values: dict[str, Any], key: str, rule: str) -> None:
    message = str(refused(lambda: CivitaiApiOptions.isolated(**values)))
    assert f"{key} {rule}" in message and "(from argument)" in message


def test_a_huge_integer_assignment_is_a_configuration_error() -> None:
    options = CivitaiApiOptions.isolated()
    message = str(refused(lambda: setattr(options, "timeout_seconds", 10**5000)))
    assert "CivitaiApi:TimeoutSeconds must be between 1 and 300 (from assignment)" in message
    assert options.timeout_seconds == 30


@pytest.mark.parametrize(
    ("document", "key", "rule"),
    [
        ('"TimeoutSeconds": true', "CivitaiApi:TimeoutSeconds", "must be a whole number, not true or false"),
        ('"Sdk": {"TimeoutSeconds": false}', "CivitaiApi:Sdk:TimeoutSeconds", "must be a whole number"),
        ('"Resilience": {"BaseDelaySeconds": true}', "CivitaiApi:Resilience:BaseDelaySeconds", "must be a number"),
        (
            '"Resilience": {"RateLimit": {"RequestsPerSecond": true}}',
            "CivitaiApi:Resilience:RateLimit:RequestsPerSecond",
            "must be a number, not true or false",
        ),
        ('"StrictJsonParsing": 1', "CivitaiApi:StrictJsonParsing", "must be true or false, not a number"),
        ('"Cache": {"Enabled": 0}', "CivitaiApi:Cache:Enabled", "must be true or false"),
        ('"Downloads": {"Models": {"VerifyHash": 1.0}}', "CivitaiApi:Downloads:Models:VerifyHash", "must be true"),
        ('"Resilience": {"BaseDelaySeconds": NaN}', "CivitaiApi:Resilience:BaseDelaySeconds", "must be a finite"),
        (
            '"Resilience": {"TotalTimeoutSeconds": Infinity}',
            "CivitaiApi:Resilience:TotalTimeoutSeconds",
            "must be a finite number",
        ),
        (
            '"Resilience": {"RateLimit": {"RequestsPerSecond": -Infinity}}',
            "CivitaiApi:Resilience:RateLimit:RequestsPerSecond",
            "must be a finite number",
        ),
        (
            '"Resilience": {"CircuitBreaker": {"ResetSeconds": 1e400}}',
            "CivitaiApi:Resilience:CircuitBreaker:ResetSeconds",
            "must be a finite number",
        ),
        ('"TimeoutSeconds": NaN', "CivitaiApi:TimeoutSeconds", "must be a finite number"),
    ],
)
def test_crossed_types_and_non_finite_numbers_in_a_file_are_refused(
    places: ConfigPlaces, document: str, key: str, rule: str
) -> None:
    message, path = _load_error(places, f'{{"CivitaiApi": {{{document}}}}}')
    assert f"{key} {rule}" in message
    assert f"(from appsettings.json ({path}))" in message


@pytest.mark.parametrize(
    ("values", "key", "rule"),
    [
        ({"timeout_seconds": True}, "CivitaiApi:TimeoutSeconds", "must be a whole number, not true or false"),
        ({"max_response_bytes": False}, "CivitaiApi:MaxResponseBytes", "must be a whole number"),
        ({"resilience": {"max_delay_seconds": True}}, "CivitaiApi:Resilience:MaxDelaySeconds", "must be a number"),
        ({"strict_json_parsing": 1}, "CivitaiApi:StrictJsonParsing", "must be true or false, not a number"),
        ({"cache": {"enabled": 0.0}}, "CivitaiApi:Cache:Enabled", "must be true or false, not a number"),
        (
            {"resilience": {"base_delay_seconds": float("nan")}},
            "CivitaiApi:Resilience:BaseDelaySeconds",
            "must be a finite",
        ),
        ({"resilience": {"base_delay_seconds": "NaN"}}, "CivitaiApi:Resilience:BaseDelaySeconds", "must be a finite"),
        ({"resilience": {"max_delay_seconds": "1e400"}}, "CivitaiApi:Resilience:MaxDelaySeconds", "must be a finite"),
        ({"resilience": {"max_delay_seconds": "-inf"}}, "CivitaiApi:Resilience:MaxDelaySeconds", "must be a finite"),
    ],
)
def test_crossed_types_and_non_finite_numbers_as_arguments_are_refused(
    values: dict[str, Any], key: str, rule: str
) -> None:
    message = str(refused(lambda: CivitaiApiOptions.isolated(**values)))
    assert f"{key} {rule}" in message and "(from argument)" in message


def test_crossed_types_are_refused_on_assignment_and_in_sections() -> None:
    options = CivitaiApiOptions.isolated()
    assert "must be a whole number" in str(refused(lambda: setattr(options, "timeout_seconds", True)))
    assert "must be true or false" in str(refused(lambda: setattr(options.cache, "enabled", 1)))
    assert "must be a whole number" in str(refused(lambda: ResilienceOptions(max_retries=True)))
    assert "must be a finite number" in str(refused(lambda: CircuitBreakerOptions(reset_seconds=float("inf"))))
    assert options.timeout_seconds == 30 and options.cache.enabled is False


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("CIVITAIAPI__RESILIENCE__BASEDELAYSECONDS", "NaN", "must be a finite number"),
        ("CIVITAIAPI__RESILIENCE__BASEDELAYSECONDS", "Infinity", "must be a finite number"),
        ("CIVITAIAPI__RESILIENCE__BASEDELAYSECONDS", "1e400", "must be a finite number"),
        ("CIVITAIAPI__TIMEOUTSECONDS", "true", "must be a whole number"),
    ],
)
def test_non_finite_numbers_from_the_environment_are_refused(
    places: ConfigPlaces, variable: str, value: str, rule: str
) -> None:
    places.env(variable, value)
    message = str(refused(CivitaiApiOptions))
    assert rule in message and f"(from environment variable {variable})" in message


@pytest.mark.parametrize("text", ["true", "True", "FALSE", " false ", "1", "0"])
def test_flags_spelled_as_text_still_bind(places: ConfigPlaces, text: str) -> None:
    places.env("CIVITAIAPI__CACHE__ENABLED", text)
    assert CivitaiApiOptions().cache.enabled is (text.strip().lower() in {"true", "1"})


def test_integral_numbers_still_bind_from_files(places: ConfigPlaces) -> None:
    places.appsettings('{"CivitaiApi": {"TimeoutSeconds": 45, "Resilience": {"BaseDelaySeconds": 2}}}')
    options = CivitaiApiOptions()
    assert options.timeout_seconds == 45 and options.resilience.base_delay_seconds == 2.0


# ------------------------------------------------------------------------------------------ 3. shapes


@pytest.mark.parametrize("value", ["[]", "[1, 2]", '"text"', "5", "true"])
def test_a_section_that_is_not_an_object_names_the_file(places: ConfigPlaces, value: str) -> None:
    message, path = _load_error(places, f'{{"CivitaiApi": {value}}}')
    assert "CivitaiApi must be a section, so it must be an object of keys" in message
    assert f"(from appsettings.json ({path}))" in message


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ('{"CivitaiApi": {"Resilience": []}}', "CivitaiApi:Resilience"),
        ('{"CivitaiApi": {"Resilience": {"RateLimit": "fast"}}}', "CivitaiApi:Resilience:RateLimit"),
        ('{"CivitaiApi": {"Downloads": {"Models": 3}}}', "CivitaiApi:Downloads:Models"),
        ('{"CivitaiApi:Sdk": [1]}', "CivitaiApi:Sdk"),
        ('{"civitaiapi": {"SDK": false}}', "CivitaiApi:Sdk"),
    ],
)
def test_a_nested_section_that_is_not_an_object_names_the_file(places: ConfigPlaces, document: str, key: str) -> None:
    message, path = _load_error(places, document)
    assert f"{key} must be a section, so it must be an object of keys" in message
    assert f"(from appsettings.json ({path}))" in message


def test_a_misshapen_section_is_not_hidden_by_a_higher_file(places: ConfigPlaces) -> None:
    base = places.appsettings('{"CivitaiApi": {"Resilience": []}}')
    places.appsettings({"CivitaiApi": {"Resilience": {"MaxRetries": 2}}}, environment="Production")
    message = str(refused(CivitaiApiOptions))
    assert "CivitaiApi:Resilience must be a section" in message and str(base) in message


def test_misshapen_sections_from_other_places(places: ConfigPlaces) -> None:
    places.user_secret_file({"CivitaiApi": ["x"]})
    assert f"(from user secrets ({places.user_secrets}))" in str(refused(CivitaiApiOptions))
    places.user_secrets.unlink()

    places.env("CIVITAIAPI__RESILIENCE", "5")
    message = str(refused(CivitaiApiOptions))
    assert "CivitaiApi:Resilience must be a section" in message
    assert "(from environment variable CIVITAIAPI__RESILIENCE)" in message


def test_misshapen_sections_in_a_mapping_or_argument() -> None:
    message = str(refused(lambda: CivitaiApiOptions.from_section({"CivitaiApi": 5})))
    assert "CivitaiApi must be a section" in message and "(from configuration mapping)" in message
    message = str(refused(lambda: CivitaiApiOptions.from_section({"Parent": []}, section="Parent:Child")))
    assert "Parent must be a section" in message
    message = str(refused(lambda: CivitaiApiOptions.isolated(sdk=["x"])))
    assert "CivitaiApi:Sdk must be a section" in message and "(from argument)" in message


def test_a_null_section_and_other_apps_sections_are_fine(places: ConfigPlaces) -> None:
    places.appsettings('{"CivitaiApi": null, "Logging": [], "Other": 5}')
    assert CivitaiApiOptions() == CivitaiApiOptions.isolated()
    places.appsettings('{"CivitaiApi": {"Resilience": null, "Sdk": {}}}')
    assert CivitaiApiOptions() == CivitaiApiOptions.isolated()


# ------------------------------------------------------------------------------------------ 4. empty files


@pytest.mark.parametrize(
    "text",
    ["// nothing configured yet\n", "/* a\n block */", "\ufeff", "\ufeff  \n\t", "\ufeff// bom and comment", "  \n"],
)
def test_a_file_with_no_value_is_an_empty_configuration(places: ConfigPlaces, text: str) -> None:
    places.appsettings(text)
    places.appsettings(text, environment="Production")
    places.user_secret_file(text)
    assert CivitaiApiOptions() == CivitaiApiOptions.isolated()
    assert UserSecrets().list() == {}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('// header\n{"CivitaiApi": {\n', "line 3, column 1"),
        ('{"CivitaiApi": {"TimeoutSeconds": 30} /* unterminated', "line 1"),
        ("// only a comment\n,", "line 2, column 1"),
    ],
)
def test_real_syntax_errors_keep_line_and_column(places: ConfigPlaces, text: str, where: str) -> None:
    message, path = _load_error(places, text)
    assert f"settings file {path} is not valid JSON" in message and where in message


# ------------------------------------------------------------------------------------------ 5. deep JSON


DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"CivitaiApi": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}"


@pytest.mark.parametrize("text", [DEEP, DEEP_OBJECT])
def test_a_deeply_nested_settings_file_names_the_file(places: ConfigPlaces, text: str) -> None:
    message, path = _load_error(places, text)
    assert f"{path}" in message and "nested too deeply" in message


def test_a_deeply_nested_user_secrets_file_names_the_file(places: ConfigPlaces) -> None:
    places.user_secret_file(DEEP_OBJECT)
    assert str(places.user_secrets) in str(refused(CivitaiApiOptions))
    assert "nested too deeply" in str(refused(UserSecrets().list))
    assert "nested too deeply" in str(refused(lambda: UserSecrets().set("CivitaiApi:ApiKey", KEY)))


def test_nesting_the_decoder_accepts_is_still_read_without_recursion(places: ConfigPlaces) -> None:
    depth = 900  # below the decoder's limit, above what a recursive walk survives inside a test run
    places.appsettings('{"CivitaiApi": {"Cache": {"Enabled": true}}, "x": ' + "[" * depth + "]" * depth + "}")
    places.appsettings('{"CivitaiApi": ' + '{"a": ' * depth + "1" + "}" * depth + "}", environment="Production")
    places.user_secret_file('{"CivitaiApi": ' + '{"b": ' * depth + "1" + "}" * depth + "}")
    with pytest.warns(UnknownConfigKeyWarning) as warned:
        assert CivitaiApiOptions().cache.enabled is True
    named = " ".join(str(warning.message) for warning in warned)
    assert "CivitaiApi:a:a:a" in named and "CivitaiApi:b:b:b" in named
    UserSecrets().list()


@pytest.mark.parametrize("text", [DEEP, f'{{"timeout_seconds": {HUGE}}}', '{"timeout_seconds": 1'])
def test_model_validate_json_uses_the_shared_decoder(text: str) -> None:
    for cls in (CivitaiApiOptions, SdkOptions):
        refused(lambda cls=cls: cls.model_validate_json(text))  # type: ignore[misc]


def test_model_validate_json_names_a_huge_number_by_key() -> None:
    message = str(refused(lambda: CivitaiApiOptions.model_validate_json(f'{{"timeout_seconds": {HUGE}}}')))
    assert "CivitaiApi:TimeoutSeconds must be" in message


# ------------------------------------------------------------------------------------------ 6. config dir


def test_a_missing_config_directory_is_warned_about_once(
    places: ConfigPlaces, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "no-such-config"
    places.env("CIVITAI_CONFIG_DIR", str(missing))
    places.env("CIVITAIAPI__TIMEOUTSECONDS", "42")
    with caplog.at_level(logging.WARNING, logger="civitai_kit"), pytest.warns(ConfigDirectoryWarning) as caught:
        options = CivitaiApiOptions()
    assert options.timeout_seconds == 42  # the other sources still count
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "CIVITAI_CONFIG_DIR" in text and str(missing) in text
    assert issubclass(ConfigDirectoryWarning, UserWarning)
    logged = [r for r in caplog.records if r.name.startswith("civitai_kit") and "CIVITAI_CONFIG_DIR" in r.getMessage()]
    assert len(logged) == 1 and str(missing) in logged[0].getMessage()

    caplog.clear()
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        CivitaiApiOptions()
    assert [w for w in again if issubclass(w.category, ConfigDirectoryWarning)] == []
    assert not [r for r in caplog.records if "CIVITAI_CONFIG_DIR" in r.getMessage()]


def test_no_warning_for_an_existing_directory_or_an_isolated_load(places: ConfigPlaces, tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CivitaiApiOptions()
        places.env("CIVITAI_CONFIG_DIR", str(tmp_path / "missing-but-isolated"))
        CivitaiApiOptions.isolated()
        with config_sources(config_dir=places.config_dir):
            CivitaiApiOptions()  # an explicit directory replaces the variable
    assert [w for w in caught if issubclass(w.category, ConfigDirectoryWarning)] == []


def test_only_whole_integers_too_long_to_parse_are_widened() -> None:
    document = parse_jsonc(
        f'{{"fraction": 0.{HUGE}, "negative": -{HUGE}, "text": "{HUGE}", "exponent": 1e{HUGE}, "small": 12}}'
    )
    assert document == {"fraction": 1.0, "negative": -math.inf, "text": HUGE, "exponent": math.inf, "small": 12}
    with pytest.raises(ValueError, match=r"line 2, column 2"):
        parse_jsonc(f'{{"a": {HUGE},\n oops}}')  # positions after a widened number are unchanged
