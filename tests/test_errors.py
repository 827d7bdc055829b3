"""civitai_kit.errors: every ErrorCode raises the class it is meant to, and an Error names its request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civitai_kit.errors import (
    ApiConnectionError,
    ApiStatusError,
    ApiTimeoutError,
    ArchivedError,
    AuthenticationError,
    BadRequestError,
    CivitaiError,
    ConfigurationError,
    ConflictError,
    DownloadError,
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
    PermissionDeniedError,
    RateLimitError,
    ResponseParseError,
    ServerError,
    UnsafeFileError,
)
from civitai_kit.result import Failure

INTENDED: dict[ErrorCode, type[CivitaiError]] = {
    ErrorCode.TIMEOUT: ApiTimeoutError,
    ErrorCode.BAD_REQUEST: BadRequestError,
    ErrorCode.NOT_FOUND: NotFoundError,
    ErrorCode.CONFLICT: ConflictError,
    ErrorCode.SERVER_ERROR: ServerError,
    ErrorCode.BAD_GATEWAY: ServerError,
    ErrorCode.SERVICE_UNAVAILABLE: ServerError,
    ErrorCode.GATEWAY_TIMEOUT: ServerError,
    ErrorCode.METHOD_NOT_ALLOWED: ApiStatusError,
    ErrorCode.NOT_ACCEPTABLE: ApiStatusError,
    ErrorCode.NO_CONTENT: ApiStatusError,
    ErrorCode.MOVED_PERMANENTLY: ApiStatusError,
    ErrorCode.TEMPORARY_REDIRECT: ApiStatusError,
    ErrorCode.PERMANENT_REDIRECT: ApiStatusError,
    ErrorCode.UNAVAILABLE_FOR_LEGAL_REASONS: ApiStatusError,
    ErrorCode.REQUEST_HEADER_FIELDS_TOO_LARGE: ApiStatusError,
    ErrorCode.NOT_IMPLEMENTED: ServerError,
    ErrorCode.HTTP_VERSION_NOT_SUPPORTED: ServerError,
    ErrorCode.LOOP_DETECTED: ServerError,
    ErrorCode.UNAUTHORIZED: AuthenticationError,
    ErrorCode.FORBIDDEN: PermissionDeniedError,
    ErrorCode.INSUFFICIENT_CREDITS: PermissionDeniedError,
    ErrorCode.RATE_LIMITED: RateLimitError,
    ErrorCode.INVALID_URL: CivitaiError,
    ErrorCode.INVALID_PARAMETER: BadRequestError,
    ErrorCode.VALIDATION_FAILED: BadRequestError,
    ErrorCode.DESERIALIZATION_FAILED: ResponseParseError,
    ErrorCode.EMPTY_RESPONSE: ResponseParseError,
    ErrorCode.UNEXPECTED_CONTENT_TYPE: ResponseParseError,
    ErrorCode.CLOUDFLARE_ERROR: ServerError,
    ErrorCode.FILE_NOT_FOUND: DownloadError,
    ErrorCode.IO_ERROR: DownloadError,
    ErrorCode.STREAM_NOT_READABLE: DownloadError,
    ErrorCode.HASH_COMPUTATION_FAILED: DownloadError,
    ErrorCode.FILE_WRITE_FAILED: DownloadError,
    ErrorCode.DIRECTORY_CREATION_FAILED: DownloadError,
    ErrorCode.HASH_VERIFICATION_FAILED: HashMismatchError,
    ErrorCode.DOWNLOAD_URL_MISSING: DownloadError,
    ErrorCode.IMAGE_URL_MISSING: DownloadError,
    ErrorCode.PATTERN_VALIDATION_FAILED: DownloadError,
    ErrorCode.RESOURCE_UNAVAILABLE: CivitaiError,
    ErrorCode.CIRCUIT_OPEN: ApiConnectionError,
    ErrorCode.CANCELLED: CivitaiError,
    ErrorCode.LOGIN_REQUIRED: LoginRequiredError,
    ErrorCode.DOWNLOADS_DISABLED: DownloadsDisabledError,
    ErrorCode.EARLY_ACCESS: EarlyAccessError,
    ErrorCode.NO_ACCESS: NoAccessError,
    ErrorCode.ARCHIVED: ArchivedError,
    ErrorCode.DOWNLOAD_LIMIT: DownloadLimitError,
    ErrorCode.UNSAFE_FILE: UnsafeFileError,
    ErrorCode.CONFIGURATION_INVALID: ConfigurationError,
}
"""The class each code that says what went wrong raises, whatever the status."""

BY_STATUS: dict[int | None, type[CivitaiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PermissionDeniedError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: ApiStatusError,
    418: ApiStatusError,
    422: BadRequestError,
    429: RateLimitError,
    500: ServerError,
    520: ServerError,
    599: ServerError,
    200: ApiStatusError,  # an error body with HTTP 200
}
"""The class the status gives for the two codes that say nothing specific (``UNKNOWN``, ``HTTP_ERROR``)."""

STATUS_DECIDES = {ErrorCode.UNKNOWN: CivitaiError, ErrorCode.HTTP_ERROR: ApiConnectionError}
"""... and the class each of those raises when there was no response at all."""


def test_every_code_is_accounted_for() -> None:
    assert set(ErrorCode) == set(INTENDED) | set(STATUS_DECIDES)
    assert not set(INTENDED) & set(STATUS_DECIDES)


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda code: code.name)
def test_every_code_raises_its_intended_class(code: ErrorCode) -> None:
    for status in (None, 200, 404, 500):
        error = Error(code, "m", http_status=status)
        raised = error.to_exception()
        expected = INTENDED.get(code) or (STATUS_DECIDES[code] if status is None else BY_STATUS[status])
        assert type(raised) is expected, (code, status)
        assert raised.error is error and raised.code is code


@pytest.mark.parametrize("code", list(STATUS_DECIDES), ids=lambda code: code.name)
@pytest.mark.parametrize("status", list(BY_STATUS))
def test_a_code_that_says_nothing_leaves_the_class_to_the_status(code: ErrorCode, status: int) -> None:
    assert type(Error(code, "m", http_status=status).to_exception()) is BY_STATUS[status]


def test_unwrap_raises_through_the_table() -> None:
    with pytest.raises(LoginRequiredError) as raised:
        Failure.of(ErrorCode.LOGIN_REQUIRED, "log in", http_status=401).unwrap()
    assert isinstance(raised.value, DownloadRefusedError) and isinstance(raised.value, DownloadError)


def test_download_refusals_share_a_base_and_the_hash_mismatch_does_not() -> None:
    refusals = [LoginRequiredError, DownloadsDisabledError, EarlyAccessError, NoAccessError, ArchivedError]
    assert all(issubclass(refusal, DownloadRefusedError) for refusal in [*refusals, DownloadLimitError])
    assert issubclass(HashMismatchError, DownloadError) and not issubclass(HashMismatchError, DownloadRefusedError)
    assert ErrorCode.HASH_MISMATCH is ErrorCode.HASH_VERIFICATION_FAILED  # type: ignore[comparison-overlap]  # an alias


def test_early_access_error_carries_its_deadline() -> None:
    deadline = datetime(2026, 12, 24, 12, 0, tzinfo=UTC)
    error = Error(ErrorCode.EARLY_ACCESS, "Early Access", details={"deadline": deadline}, http_status=403)
    raised = error.to_exception()
    assert isinstance(raised, EarlyAccessError) and raised.deadline == deadline
    unreadable = Error(ErrorCode.EARLY_ACCESS, "Early Access", details={"deadline": "soon-ish"}).to_exception()
    assert isinstance(unreadable, EarlyAccessError) and unreadable.deadline is None
    assert isinstance(bare := Error(ErrorCode.EARLY_ACCESS, "x").to_exception(), EarlyAccessError)
    assert bare.deadline is None


def test_download_limit_error_carries_retry_after() -> None:
    error = Error(ErrorCode.DOWNLOAD_LIMIT, "slow down", http_status=429, retry_after=timedelta(seconds=90))
    raised = error.to_exception()
    assert isinstance(raised, DownloadLimitError) and raised.retry_after == timedelta(seconds=90)


# ---------------------------------------------------------------------------------------------- the request


def test_an_error_names_its_request_without_credentials() -> None:
    error = Error(
        ErrorCode.NOT_FOUND,
        "No model with id 1",
        http_status=404,
        method="GET",
        url="https://civitai.com/api/v1/models/1?token=s3cr3t-value&x=1",
    )
    assert error.method == "GET"
    assert error.url == "https://civitai.com/api/v1/models/1?token=***&x=1"
    assert str(error) == (
        "NOT_FOUND (HTTP 404): No model with id 1 [GET https://civitai.com/api/v1/models/1?token=***&x=1]"
    )
    assert "s3cr3t" not in repr(error) and "s3cr3t" not in str(error.to_exception())


def test_the_request_is_optional_and_shown_only_when_known() -> None:
    bare = Error(ErrorCode.TIMEOUT, "slow")
    assert bare.method is None and bare.url is None and str(bare) == "TIMEOUT: slow"
    assert str(Error(ErrorCode.TIMEOUT, "slow", method="POST")) == "TIMEOUT: slow [POST]"
    assert str(Error(ErrorCode.TIMEOUT, "slow", url="https://h/x")) == "TIMEOUT: slow [https://h/x]"


def test_the_request_takes_part_in_equality() -> None:
    one = Error(ErrorCode.TIMEOUT, "slow", method="GET", url="https://h/a")
    assert one == Error(ErrorCode.TIMEOUT, "slow", method="GET", url="https://h/a")
    assert one != Error(ErrorCode.TIMEOUT, "slow", method="GET", url="https://h/b")
