"""Every rule, and how a broken value is reported: one ConfigurationError naming key, source and rule."""

from __future__ import annotations

import traceback
from typing import Any

import pytest

from civitai_kit.errors import ConfigurationError, ErrorCode
from civitai_kit.options import CivitaiApiOptions, ResilienceOptions, SdkOptions
from civitai_kit.tools import HashAlgorithm
from tests.support.options_places import ConfigPlaces

CIVITAI = CivitaiApiOptions.model_fields["base_url"].default
"""The public Civitai URL, taken from the options' default (these tests only normalise text, never connect)."""


def _nested(path: str, value: Any) -> dict[str, Any]:
    names = path.split(".")
    result: dict[str, Any] = {names[-1]: value}
    for name in reversed(names[:-1]):
        result = {name: result}
    return result


def _get(options: CivitaiApiOptions, path: str) -> Any:
    value: Any = options
    for name in path.split("."):
        value = getattr(value, name)
    return value


# (field path, .NET key, bad value, expected rule text)
INVALID = [
    ("base_url", "CivitaiApi:BaseUrl", "ftp://civitai.com", "must be an absolute http:// or https:// URL"),
    ("base_url", "CivitaiApi:BaseUrl", "civitai.com", "must be an absolute http:// or https:// URL"),
    ("base_url", "CivitaiApi:BaseUrl", "", "must be an absolute http:// or https:// URL"),
    ("base_url", "CivitaiApi:BaseUrl", "https://civ itai.com", "must be an absolute http:// or https:// URL"),
    ("base_url", "CivitaiApi:BaseUrl", "https://u:p@civitai.com", "must not contain a user name or password"),
    ("base_url", "CivitaiApi:BaseUrl", "https://civitai.com/?token=x", "must not contain a query string"),
    ("base_url", "CivitaiApi:BaseUrl", "https://civitai.com/#top", "must not contain a query string or fragment"),
    ("base_url", "CivitaiApi:BaseUrl", "https://civitai.com:99999", "must have a valid port number"),
    ("api_version", "CivitaiApi:ApiVersion", "", "must not be blank"),
    ("api_version", "CivitaiApi:ApiVersion", "   ", "must not be blank"),
    ("api_version", "CivitaiApi:ApiVersion", "v1/models", "must be a single path segment"),
    ("api_version", "CivitaiApi:ApiVersion", "v 1", "must be a single path segment"),
    ("timeout_seconds", "CivitaiApi:TimeoutSeconds", 0, "must be between 1 and 300"),
    ("timeout_seconds", "CivitaiApi:TimeoutSeconds", 301, "must be between 1 and 300"),
    ("timeout_seconds", "CivitaiApi:TimeoutSeconds", "thirty", "must be a whole number"),
    ("timeout_seconds", "CivitaiApi:TimeoutSeconds", 1.5, "must be a whole number"),
    ("strict_json_parsing", "CivitaiApi:StrictJsonParsing", "maybe", "must be true or false"),
    ("http_backend", "CivitaiApi:HttpBackend", "curl", "must be one of 'httpx' or 'aiohttp'"),
    ("resilience.max_retries", "CivitaiApi:Resilience:MaxRetries", -1, "must be between 0 and 10"),
    ("resilience.max_retries", "CivitaiApi:Resilience:MaxRetries", 11, "must be between 0 and 10"),
    ("resilience.base_delay_seconds", "CivitaiApi:Resilience:BaseDelaySeconds", -0.1, "must be between 0 and 60"),
    ("resilience.base_delay_seconds", "CivitaiApi:Resilience:BaseDelaySeconds", 61, "must be between 0 and 60"),
    ("resilience.max_delay_seconds", "CivitaiApi:Resilience:MaxDelaySeconds", 601, "must be between 0 and 600"),
    (
        "resilience.max_retry_after_seconds",
        "CivitaiApi:Resilience:MaxRetryAfterSeconds",
        3601,
        "must be between 0 and 3600",
    ),
    (
        "resilience.circuit_breaker.enabled",
        "CivitaiApi:Resilience:CircuitBreaker:Enabled",
        "sometimes",
        "must be true or false",
    ),
    (
        "resilience.circuit_breaker.failure_threshold",
        "CivitaiApi:Resilience:CircuitBreaker:FailureThreshold",
        0,
        "must be between 1 and 1000",
    ),
    (
        "resilience.circuit_breaker.reset_seconds",
        "CivitaiApi:Resilience:CircuitBreaker:ResetSeconds",
        0,
        "must be greater than 0 and at most 3600",
    ),
    (
        "resilience.rate_limit.requests_per_second",
        "CivitaiApi:Resilience:RateLimit:RequestsPerSecond",
        0,
        "must be greater than 0 and at most 1000",
    ),
    (
        "resilience.rate_limit.requests_per_second",
        "CivitaiApi:Resilience:RateLimit:RequestsPerSecond",
        1001,
        "must be greater than 0 and at most 1000",
    ),
    (
        "resilience.rate_limit.max_concurrency",
        "CivitaiApi:Resilience:RateLimit:MaxConcurrency",
        0,
        "must be between 1 and 256",
    ),
    ("sdk.base_url", "CivitaiApi:Sdk:BaseUrl", "orchestration.civitai.com", "must be an absolute http"),
    ("sdk.timeout_seconds", "CivitaiApi:Sdk:TimeoutSeconds", 0, "must be between 1 and 1800"),
    ("sdk.timeout_seconds", "CivitaiApi:Sdk:TimeoutSeconds", 1801, "must be between 1 and 1800"),
    ("downloads.models.base_directory", "CivitaiApi:Downloads:Models:BaseDirectory", "  ", "must not be blank"),
    (
        "downloads.models.base_directory",
        "CivitaiApi:Downloads:Models:BaseDirectory",
        "models\x00",
        "must not contain control characters",
    ),
    ("downloads.models.base_directory", "CivitaiApi:Downloads:Models:BaseDirectory", 5, "must be a path"),
    (
        "downloads.models.path_pattern",
        "CivitaiApi:Downloads:Models:PathPattern",
        "{ModelType}/{Nope}",
        "must be a valid model path pattern: path pattern '{ModelType}/{Nope}': invalid token {Nope}",
    ),
    (
        "downloads.models.path_pattern",
        "CivitaiApi:Downloads:Models:PathPattern",
        "{modelname}/{FileName}",
        "did you mean {ModelName}?",
    ),
    ("downloads.models.path_pattern", "CivitaiApi:Downloads:Models:PathPattern", "", "must be a valid model path"),
    (
        "downloads.models.path_pattern",
        "CivitaiApi:Downloads:Models:PathPattern",
        "/abs/{FileName}",
        "must be relative to the base directory",
    ),
    (
        "downloads.models.path_pattern",
        "CivitaiApi:Downloads:Models:PathPattern",
        "../{FileName}",
        "must not contain '..' segments",
    ),
    (
        "downloads.images.path_pattern",
        "CivitaiApi:Downloads:Images:PathPattern",
        "{ModelName}.{Extension}",
        "must be a valid image path pattern",
    ),
    (
        "downloads.models.hash_algorithm",
        "CivitaiApi:Downloads:Models:HashAlgorithm",
        "md5",
        "must be one of 'SHA256', 'SHA512', 'BLAKE3', 'CRC32', 'AutoV1', 'AutoV2' or 'AutoV3'",
    ),
    ("downloads.models.verify_hash", "CivitaiApi:Downloads:Models:VerifyHash", "perhaps", "must be true or false"),
    ("downloads.max_concurrency", "CivitaiApi:Downloads:MaxConcurrency", 65, "must be between 1 and 64"),
    ("cache.directory", "CivitaiApi:Cache:Directory", "", "must not be blank"),
    ("cache.ttl_seconds", "CivitaiApi:Cache:TtlSeconds", 0, "must be between 1 and 2592000"),
    ("cache.enabled", "CivitaiApi:Cache:Enabled", "yes please", "must be true or false"),
]


@pytest.mark.parametrize(("path", "key", "value", "rule"), INVALID, ids=[f"{c[0]}={c[2]!r}" for c in INVALID])
def test_invalid_argument_is_reported_with_key_source_and_rule(path: str, key: str, value: Any, rule: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions.isolated(**_nested(path, value))
    message = str(caught.value)
    assert key in message
    assert rule in message
    assert "(from argument)" in message
    assert caught.value.code is ErrorCode.CONFIGURATION_INVALID
    assert isinstance(caught.value, ValueError)
    assert caught.value.error.details is not None
    (problem,) = caught.value.error.details["problems"]
    assert problem["key"] == key and problem["source"] == "argument" and rule in problem["rule"]


@pytest.mark.parametrize(("path", "key", "value", "rule"), INVALID, ids=[f"{c[0]}={c[2]!r}" for c in INVALID])
def test_invalid_assignment_is_reported_and_leaves_the_value(path: str, key: str, value: Any, rule: str) -> None:
    options = CivitaiApiOptions.isolated()
    *owners, name = path.split(".")
    target: Any = options
    for owner in owners:
        target = getattr(target, owner)
    before = getattr(target, name)
    with pytest.raises(ConfigurationError) as caught:
        setattr(target, name, value)
    assert key in str(caught.value) and rule in str(caught.value)
    assert "(from assignment)" in str(caught.value)
    assert getattr(target, name) == before


@pytest.mark.parametrize(
    ("variable", "value", "key", "rule"),
    [
        ("CIVITAIAPI__TIMEOUTSECONDS", "999", "CivitaiApi:TimeoutSeconds", "must be between 1 and 300, got '999'"),
        (
            "CivitaiApi__Sdk__TimeoutSeconds",
            "0",
            "CivitaiApi:Sdk:TimeoutSeconds",
            "must be between 1 and 1800, got '0'",
        ),
        (
            "CIVITAIAPI__BASEURL",
            "nope",
            "CivitaiApi:BaseUrl",
            f"must be an absolute http:// or https:// URL such as {CIVITAI}",
        ),
    ],
)
def test_invalid_environment_value_names_the_variable(
    places: ConfigPlaces, variable: str, value: str, key: str, rule: str
) -> None:
    places.env(variable, value)
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions()
    assert str(caught.value) == (
        f"CONFIGURATION_INVALID: Invalid configuration: {key} {rule} (from environment variable {variable})"
    )


def test_invalid_file_values_name_the_file(places: ConfigPlaces) -> None:
    places.env("CIVITAI_ENVIRONMENT", "Staging")
    staging = places.appsettings({"CivitaiApi": {"Sdk": {"TimeoutSeconds": 5000}}}, environment="Staging")
    base = places.appsettings({"CivitaiApi": {"Downloads": {"MaxConcurrency": 0}}})
    places.user_secret_file({"CivitaiApi:TimeoutSeconds": "-1"})
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions()
    message = str(caught.value)
    assert message.startswith("CONFIGURATION_INVALID: Invalid configuration (3 problems):")
    assert (
        "CivitaiApi:Sdk:TimeoutSeconds must be between 1 and 1800, got 5000 "
        f"(from appsettings.Staging.json ({staging}))"
    ) in message
    assert f"CivitaiApi:Downloads:MaxConcurrency must be between 1 and 64, got 0 (from appsettings.json ({base}))" in (
        message
    )
    assert f"(from user secrets ({places.user_secrets}))" in message


def test_all_problems_come_in_one_error_without_a_validation_error_chain() -> None:
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions.isolated(timeout_seconds=0, api_version="", sdk={"timeout_seconds": 0})
    error = caught.value
    assert len(error.error.details["problems"]) == 3  # type: ignore[index]
    assert error.__cause__ is None and error.__context__ is None
    printed = "".join(traceback.format_exception(error))
    assert "ValidationError" not in printed and "input_value" not in printed


def test_max_delay_must_not_be_below_base_delay(places: ConfigPlaces) -> None:
    places.env("CIVITAIAPI__RESILIENCE__MAXDELAYSECONDS", "1")
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions(resilience={"base_delay_seconds": 2})
    assert str(caught.value).endswith(
        "CivitaiApi:Resilience must have MaxDelaySeconds (1) at least BaseDelaySeconds (2) "
        "(from argument; environment variable CIVITAIAPI__RESILIENCE__MAXDELAYSECONDS)"
    )
    options = CivitaiApiOptions.isolated()
    with pytest.raises(ConfigurationError, match="at least BaseDelaySeconds"):
        options.resilience.base_delay_seconds = 45
    assert options.resilience.base_delay_seconds == 0.5


# ------------------------------------------------------------------------------------------ what passes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"{CIVITAI}/", CIVITAI),
        (f"{CIVITAI}///", CIVITAI),
        (f"  {CIVITAI}  ", CIVITAI),
        ("HTTPS://Civitai.com", "https://Civitai.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://proxy.example/civitai/", "https://proxy.example/civitai"),
        ("https://[::1]:9000/api/", "https://[::1]:9000/api"),
    ],
)
def test_base_urls_are_normalised_and_keep_their_path(value: str, expected: str) -> None:
    assert CivitaiApiOptions.isolated(base_url=value).base_url == expected
    assert CivitaiApiOptions.isolated(sdk={"base_url": value}).sdk.base_url == expected


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("api_version", " v2 ", "v2"),
        ("timeout_seconds", "1", 1),
        ("timeout_seconds", 300, 300),
        ("strict_json_parsing", "True", True),
        ("http_backend", " AIOHTTP ", "aiohttp"),
        ("resilience.max_retries", 0, 0),
        ("resilience.base_delay_seconds", 0, 0.0),
        ("resilience.rate_limit.requests_per_second", "0.5", 0.5),
        ("sdk.timeout_seconds", 1800, 1800),
        ("downloads.models.hash_algorithm", "Sha256", HashAlgorithm.SHA256),
        ("downloads.models.hash_algorithm", "autov2", HashAlgorithm.AUTOV2),
        ("downloads.models.path_pattern", "{ModelId}/{VersionId}/{FileName}", "{ModelId}/{VersionId}/{FileName}"),
        ("downloads.images.path_pattern", "{Username}/{Id}.{Extension}", "{Username}/{Id}.{Extension}"),
        ("downloads.max_concurrency", 64, 64),
        ("cache.ttl_seconds", 2_592_000, 2_592_000),
    ],
)
def test_valid_values_are_accepted(path: str, value: Any, expected: Any) -> None:
    assert _get(CivitaiApiOptions.isolated(**_nested(path, value)), path) == expected
    options = CivitaiApiOptions.isolated()
    *owners, name = path.split(".")
    target: Any = options
    for owner in owners:
        target = getattr(target, owner)
    setattr(target, name, value)
    assert _get(options, path) == expected
    assert options.source_of(path) == "assignment"


def test_sections_validate_on_their_own() -> None:
    with pytest.raises(ConfigurationError, match="CivitaiApi:Sdk:TimeoutSeconds must be between 1 and 1800"):
        SdkOptions().timeout_seconds = 0
    with pytest.raises(ConfigurationError, match="CivitaiApi:Resilience:MaxRetries"):
        ResilienceOptions().max_retries = 50


def test_unknown_attribute_assignment_is_an_error() -> None:
    options = CivitaiApiOptions.isolated()
    with pytest.raises(ConfigurationError, match="CivitaiApi:Timeout is not a known option"):
        options.timeout = 5  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError, match="CivitaiApi:Sdk:Token is not a known option"):
        options.sdk.token = "x"  # type: ignore[attr-defined]


def test_a_configure_callback_can_set_sections_and_values() -> None:
    def configure(options: CivitaiApiOptions) -> None:
        options.timeout_seconds = 120
        options.sdk = SdkOptions(timeout_seconds=30)
        options.downloads.models.path_pattern = "{ModelName}/{FileName}"

    options = CivitaiApiOptions.isolated()
    configure(options)
    assert options.timeout_seconds == 120 and options.sdk.timeout_seconds == 30
    assert options.source_of("sdk.timeout_seconds") == "assignment"
    assert options.source_of("sdk.base_url") == "default"
    assert options.source_of("downloads.models.path_pattern") == "assignment"
    with pytest.raises(ConfigurationError, match="CivitaiApi:Sdk:TimeoutSeconds"):
        options.sdk = {"timeout_seconds": 0}  # type: ignore[assignment]


def test_model_copy_update_is_validated() -> None:
    options = CivitaiApiOptions.isolated(timeout_seconds=10)
    copy = options.model_copy(update={"timeout_seconds": 20})
    assert (options.timeout_seconds, copy.timeout_seconds) == (10, 20)
    assert copy.source_of("timeout_seconds") == "assignment"
    with pytest.raises(ConfigurationError, match="must be between 1 and 300"):
        options.model_copy(update={"timeout_seconds": 0})


def test_model_validate_goes_through_the_same_checks(places: ConfigPlaces) -> None:
    assert CivitaiApiOptions.model_validate({"timeout_seconds": 9}).timeout_seconds == 9
    assert CivitaiApiOptions.model_validate_json('{"timeout_seconds": 8}').timeout_seconds == 8
    with pytest.raises(ConfigurationError, match="CivitaiApi:TimeoutSeconds must be between"):
        CivitaiApiOptions.model_validate({"timeout_seconds": 0})
    with pytest.raises(ConfigurationError, match="must be valid JSON"):
        CivitaiApiOptions.model_validate_json("{")


def test_equality_compares_values_not_origins(places: ConfigPlaces) -> None:
    places.env("CIVITAIAPI__TIMEOUTSECONDS", "40")
    from_environment = CivitaiApiOptions()
    from_argument = CivitaiApiOptions.isolated(timeout_seconds=40)
    assert from_environment == from_argument
    assert from_environment.source_of("timeout_seconds") != from_argument.source_of("timeout_seconds")
    assert from_environment != CivitaiApiOptions.isolated(timeout_seconds=41)


def test_every_default_is_a_value_validation_keeps_as_it_is() -> None:
    """Defaults are not validated when options are built: each must already be what validating it gives."""
    defaults = CivitaiApiOptions.isolated()
    revalidated = CivitaiApiOptions.isolated(**defaults.model_dump())
    assert revalidated == defaults
    assert revalidated.model_dump() == defaults.model_dump()
