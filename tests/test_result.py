"""Result values, Error, ErrorCode and the exception tree: the API every operation returns through."""

from __future__ import annotations

from datetime import timedelta

import pytest

from civitai_kit import (
    ApiConnectionError,
    ApiStatusError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    CivitaiError,
    ConfigurationError,
    ConflictError,
    DownloadError,
    EarlyAccessError,
    Error,
    ErrorCode,
    Failure,
    HashMismatchError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseParseError,
    Result,
    ServerError,
    Success,
)

NOT_FOUND = Error(ErrorCode.NOT_FOUND, "No model with id 1", http_status=404)


def describe(result: Result[int]) -> str:
    match result:
        case Success(value):
            return f"got {value}"
        case Failure(Error(code=ErrorCode.NOT_FOUND, message=message)):
            return f"missing: {message}"
        case Failure(error):
            return f"failed: {error.code.name}"
    raise AssertionError("unreachable")


def test_pattern_matching_on_success_and_failure() -> None:
    assert describe(Success(3)) == "got 3"
    assert describe(Failure(NOT_FOUND)) == "missing: No model with id 1"
    assert describe(Failure.of(ErrorCode.TIMEOUT, "slow")) == "failed: TIMEOUT"


def test_success_api() -> None:
    result: Result[int] = Success(2)
    seen: list[int] = []
    assert result.is_success and not result.is_failure and result.error is None
    assert result.value == result.unwrap() == result.unwrap_or(9) == result.unwrap_or_else(lambda e: 9) == 2
    assert result.map(lambda v: v * 10) == Success(20)
    assert result.bind(lambda v: Success(str(v))) == Success("2")
    assert result.bind(lambda v: Failure(NOT_FOUND)) == Failure(NOT_FOUND)
    assert result.on_success(seen.append).on_failure(lambda e: seen.append(-1)) is result
    assert seen == [2]
    assert result.match(on_success=lambda v: v + 1, on_failure=lambda e: -1) == 3


def test_failure_api() -> None:
    result: Result[int] = Failure(NOT_FOUND)
    errors: list[Error] = []
    assert result.is_failure and not result.is_success and result.error is NOT_FOUND
    assert result.unwrap_or(9) == 9
    assert result.unwrap_or_else(lambda e: len(e.message)) == len("No model with id 1")
    assert result.map(lambda v: v * 10) is result and result.bind(lambda v: Success(v)) is result
    assert result.on_success(lambda v: errors.clear()).on_failure(errors.append) is result
    assert errors == [NOT_FOUND]
    assert result.match(on_success=lambda v: "ok", on_failure=lambda e: e.code.name) == "NOT_FOUND"
    with pytest.raises(NotFoundError) as raised:
        result.unwrap()
    assert raised.value.error is NOT_FOUND and raised.value.code is ErrorCode.NOT_FOUND
    assert raised.value.status_code == 404
    with pytest.raises(NotFoundError):
        _ = result.value


def test_results_are_immutable_and_compare_by_value() -> None:
    assert Success(1) == Success(1) and Success(1) != Success(2)
    assert Failure(NOT_FOUND) == Failure(Error(ErrorCode.NOT_FOUND, "No model with id 1", http_status=404))
    with pytest.raises(AttributeError):
        Success(1).value = 2  # type: ignore[misc]
    cause = RuntimeError("x")
    assert Error(ErrorCode.UNKNOWN, "m", cause=cause) == Error(ErrorCode.UNKNOWN, "m")  # causes don't compare


def test_error_text() -> None:
    assert str(NOT_FOUND) == "NOT_FOUND (HTTP 404): No model with id 1"
    assert str(Error(ErrorCode.TIMEOUT, "slow")) == "TIMEOUT: slow"


def test_error_codes_keep_civitaisharps_numbers() -> None:
    assert int(ErrorCode.UNKNOWN) == 0 and int(ErrorCode.HTTP_ERROR) == 100 and int(ErrorCode.LOOP_DETECTED) == 119
    assert int(ErrorCode.UNAUTHORIZED) == 200 and int(ErrorCode.INSUFFICIENT_CREDITS) == 202
    assert int(ErrorCode.RATE_LIMITED) == 300 and int(ErrorCode.VALIDATION_FAILED) == 402
    assert int(ErrorCode.CLOUDFLARE_ERROR) == 503 and int(ErrorCode.PATTERN_VALIDATION_FAILED) == 609
    assert int(ErrorCode.RESOURCE_UNAVAILABLE) == 700
    assert ErrorCode["HASH_MISMATCH"] is ErrorCode.HASH_VERIFICATION_FAILED  # an alias, not a second member


@pytest.mark.parametrize(
    ("error", "exception"),
    [
        (Error(ErrorCode.BAD_REQUEST, "m", http_status=400), BadRequestError),
        (Error(ErrorCode.VALIDATION_FAILED, "m", http_status=422), BadRequestError),
        (Error(ErrorCode.UNAUTHORIZED, "m", http_status=401), AuthenticationError),
        (Error(ErrorCode.FORBIDDEN, "m", http_status=403), PermissionDeniedError),
        (Error(ErrorCode.INSUFFICIENT_CREDITS, "m", http_status=402), PermissionDeniedError),
        (Error(ErrorCode.NOT_FOUND, "m", http_status=404), NotFoundError),
        (Error(ErrorCode.CONFLICT, "m", http_status=409), ConflictError),
        (Error(ErrorCode.RATE_LIMITED, "m", http_status=429), RateLimitError),
        (Error(ErrorCode.SERVER_ERROR, "m", http_status=500), ServerError),
        (Error(ErrorCode.BAD_GATEWAY, "m", http_status=502), ServerError),
        (Error(ErrorCode.CLOUDFLARE_ERROR, "m", http_status=522), ServerError),
        (Error(ErrorCode.HTTP_ERROR, "m", http_status=410), ApiStatusError),
        (Error(ErrorCode.HTTP_ERROR, "reset"), ApiConnectionError),
        (Error(ErrorCode.TIMEOUT, "slow"), ApiTimeoutError),
        (Error(ErrorCode.CIRCUIT_OPEN, "open"), ApiConnectionError),
        (Error(ErrorCode.DESERIALIZATION_FAILED, "m", http_status=200), ResponseParseError),
        (Error(ErrorCode.EMPTY_RESPONSE, "m"), ResponseParseError),
        (Error(ErrorCode.HASH_MISMATCH, "m"), HashMismatchError),
        (Error(ErrorCode.EARLY_ACCESS, "m", http_status=403), EarlyAccessError),
        (Error(ErrorCode.IO_ERROR, "m"), DownloadError),
        (Error(ErrorCode.CONFIGURATION_INVALID, "m"), ConfigurationError),
        (Error(ErrorCode.UNKNOWN, "m"), CivitaiError),
    ],
)
def test_each_error_raises_its_own_exception(error: Error, exception: type[CivitaiError]) -> None:
    raised = error.to_exception()
    assert type(raised) is exception and raised.error is error
    assert isinstance(raised, CivitaiError)


def test_rate_limit_error_carries_retry_after() -> None:
    error = Error(ErrorCode.RATE_LIMITED, "Slow down", http_status=429, retry_after=timedelta(seconds=30))
    with pytest.raises(RateLimitError) as raised:
        Failure(error).unwrap()
    assert raised.value.retry_after == timedelta(seconds=30)


def test_configuration_error_is_also_a_value_error() -> None:
    assert issubclass(ConfigurationError, ValueError)
    plain = CivitaiError("just text")
    assert plain.code is ErrorCode.UNKNOWN and str(plain) == "UNKNOWN: just text"
