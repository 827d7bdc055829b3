"""Result values and the error tree.

Every network or file operation returns ``Result[T]`` (``Success[T] | Failure``) instead of raising, so
callers decide where failure handling lives. ``unwrap()`` turns a failure into a typed exception from the
tree rooted at [`CivitaiError`][], for code that prefers exceptions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Any, Generic, NoReturn, TypeAlias, TypeVar

from civitai_kit._redact import redact, redact_value

T = TypeVar("T")
U = TypeVar("U")


class ErrorCode(IntEnum):
    """What went wrong. Numbers match CivitaiSharp's ``ErrorCode``; 800+ are civitai-kit's own."""

    UNKNOWN = 0
    # HTTP / network
    HTTP_ERROR = 100
    TIMEOUT = 101
    BAD_REQUEST = 102
    NOT_FOUND = 103
    CONFLICT = 104
    SERVER_ERROR = 105
    BAD_GATEWAY = 106
    SERVICE_UNAVAILABLE = 107
    GATEWAY_TIMEOUT = 108
    METHOD_NOT_ALLOWED = 109
    NOT_ACCEPTABLE = 110
    NO_CONTENT = 111
    MOVED_PERMANENTLY = 112
    TEMPORARY_REDIRECT = 113
    PERMANENT_REDIRECT = 114
    UNAVAILABLE_FOR_LEGAL_REASONS = 115
    REQUEST_HEADER_FIELDS_TOO_LARGE = 116
    NOT_IMPLEMENTED = 117
    HTTP_VERSION_NOT_SUPPORTED = 118
    LOOP_DETECTED = 119
    # auth
    UNAUTHORIZED = 200
    FORBIDDEN = 201
    INSUFFICIENT_CREDITS = 202
    # rate
    RATE_LIMITED = 300
    # validation
    INVALID_URL = 400
    INVALID_PARAMETER = 401
    VALIDATION_FAILED = 402
    # serialization
    DESERIALIZATION_FAILED = 500
    EMPTY_RESPONSE = 501
    UNEXPECTED_CONTENT_TYPE = 502
    CLOUDFLARE_ERROR = 503
    # file / IO
    FILE_NOT_FOUND = 600
    IO_ERROR = 601
    STREAM_NOT_READABLE = 602
    HASH_COMPUTATION_FAILED = 603
    FILE_WRITE_FAILED = 604
    DIRECTORY_CREATION_FAILED = 605
    HASH_VERIFICATION_FAILED = 606
    HASH_MISMATCH = 606  # alias: the name the download docs use
    DOWNLOAD_URL_MISSING = 607
    IMAGE_URL_MISSING = 608
    PATTERN_VALIDATION_FAILED = 609
    # state
    RESOURCE_UNAVAILABLE = 700
    CIRCUIT_OPEN = 701
    CANCELLED = 702
    # download refusals (civitai-kit)
    LOGIN_REQUIRED = 800
    DOWNLOADS_DISABLED = 801
    EARLY_ACCESS = 802
    NO_ACCESS = 803
    ARCHIVED = 804
    DOWNLOAD_LIMIT = 805
    # configuration (civitai-kit)
    CONFIGURATION_INVALID = 900


@dataclass(frozen=True, slots=True)
class Error:
    """A failure's description. ``message`` is Civitai's own text whenever the server sent one."""

    code: ErrorCode
    message: str
    details: Mapping[str, Any] | None = None
    http_status: int | None = None
    retry_after: timedelta | None = None
    trace_id: str | None = None
    cause: BaseException | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # Servers echo credentials and users put keys in URLs: nothing an Error carries may show a key.
        object.__setattr__(self, "message", redact(self.message))
        if self.details is not None:
            object.__setattr__(self, "details", redact_value(self.details))
        if self.trace_id is not None:
            object.__setattr__(self, "trace_id", redact(self.trace_id))
        if self.cause is not None:
            object.__setattr__(self, "cause", _scrubbed(self.cause))

    def __str__(self) -> str:
        status = f" (HTTP {self.http_status})" if self.http_status is not None else ""
        return f"{self.code.name}{status}: {self.message}"

    def to_exception(self) -> CivitaiError:
        """The typed exception that ``unwrap()`` raises for this error."""
        return _exception_type(self)(self)


def _scrubbed(cause: BaseException) -> BaseException:
    """``cause`` itself when neither it nor the exceptions chained to it show a secret, else a stand-in
    carrying the redacted text (the original's traceback and chain would print the key)."""
    if not any(_shows_secret(link) for link in _chain(cause)):
        return cause
    return RedactedException(f"{type(cause).__name__}: {redact(str(cause))}")


def _chain(exc: BaseException, limit: int = 8) -> list[BaseException]:
    links: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(links) < limit and current not in links:
        links.append(current)
        current = current.__cause__ or current.__context__
    return links


def _shows_secret(exc: BaseException) -> bool:
    return any(redact(text) != text for text in (str(exc), repr(exc)))


class RedactedException(Exception):
    """Stands in for an underlying exception whose message contained a secret."""


# ---------------------------------------------------------------------------------------------- exceptions


class CivitaiError(Exception):
    """Root of every exception civitai-kit raises for a failed operation; ``.error`` holds the details."""

    def __init__(self, error: Error | str) -> None:
        if isinstance(error, str):
            error = Error(ErrorCode.UNKNOWN, error)
        self.error = error
        super().__init__(str(error))

    @property
    def code(self) -> ErrorCode:
        return self.error.code


class ApiStatusError(CivitaiError):
    """The server answered with an error status (or an error body)."""

    @property
    def status_code(self) -> int | None:
        return self.error.http_status


class BadRequestError(ApiStatusError):
    """400 / 422: the request was rejected as invalid."""


class AuthenticationError(ApiStatusError):
    """401: missing, wrong or revoked key."""


class PermissionDeniedError(ApiStatusError):
    """402 / 403: authenticated but not allowed (or out of credits)."""


class NotFoundError(ApiStatusError):
    """404: no such resource."""


class ConflictError(ApiStatusError):
    """409: the request conflicts with the resource's state."""


class RateLimitError(ApiStatusError):
    """429: slow down; ``retry_after`` says for how long when the server said so."""

    @property
    def retry_after(self) -> timedelta | None:
        return self.error.retry_after


class ServerError(ApiStatusError):
    """5xx, Cloudflare pages and other upstream trouble."""


class ApiConnectionError(CivitaiError):
    """The request never got an answer (DNS, refused, reset, circuit open)."""


class ApiTimeoutError(ApiConnectionError):
    """The request or a wait timed out."""


class ResponseParseError(CivitaiError):
    """The answer was not what the API promises (bad JSON, wrong content type, strict-mode extras)."""


class DownloadError(CivitaiError):
    """A download was refused, failed verification, or could not be written."""


class ConfigurationError(CivitaiError, ValueError):
    """Options are missing or invalid (raised at load or client construction, never mid-request)."""


_BY_CODE: dict[ErrorCode, type[CivitaiError]] = {
    ErrorCode.BAD_REQUEST: BadRequestError,
    ErrorCode.VALIDATION_FAILED: BadRequestError,
    ErrorCode.INVALID_PARAMETER: BadRequestError,
    ErrorCode.UNAUTHORIZED: AuthenticationError,
    ErrorCode.FORBIDDEN: PermissionDeniedError,
    ErrorCode.INSUFFICIENT_CREDITS: PermissionDeniedError,
    ErrorCode.NOT_FOUND: NotFoundError,
    ErrorCode.CONFLICT: ConflictError,
    ErrorCode.RATE_LIMITED: RateLimitError,
    ErrorCode.TIMEOUT: ApiTimeoutError,
    ErrorCode.CIRCUIT_OPEN: ApiConnectionError,
    ErrorCode.DESERIALIZATION_FAILED: ResponseParseError,
    ErrorCode.EMPTY_RESPONSE: ResponseParseError,
    ErrorCode.UNEXPECTED_CONTENT_TYPE: ResponseParseError,
    ErrorCode.CLOUDFLARE_ERROR: ServerError,
    ErrorCode.CONFIGURATION_INVALID: ConfigurationError,
}


def _exception_type(error: Error) -> type[CivitaiError]:
    code = error.code
    if code in _BY_CODE:
        return _BY_CODE[code]
    if 600 <= code < 700 or 800 <= code < 900:
        return DownloadError
    if code == ErrorCode.HTTP_ERROR and error.http_status is None:
        return ApiConnectionError
    if (error.http_status is not None and error.http_status >= 500) or 105 <= code <= 119:
        return ServerError
    if error.http_status is not None:
        return ApiStatusError
    return CivitaiError


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Success(Generic[T]):
    """A successful outcome carrying ``value``."""

    value: T
    __match_args__ = ("value",)

    @property
    def is_success(self) -> bool:
        return True

    @property
    def is_failure(self) -> bool:
        return False

    @property
    def error(self) -> None:
        return None

    def unwrap(self) -> T:
        return self.value

    def unwrap_or(self, default: object) -> T:
        return self.value

    def unwrap_or_else(self, fallback: Callable[[Error], object]) -> T:
        return self.value

    def map(self, fn: Callable[[T], U]) -> Success[U]:
        return Success(fn(self.value))

    def bind(self, fn: Callable[[T], Result[U]]) -> Result[U]:
        return fn(self.value)

    def on_success(self, fn: Callable[[T], object]) -> Success[T]:
        fn(self.value)
        return self

    def on_failure(self, fn: Callable[[Error], object]) -> Success[T]:
        return self

    def match(self, *, on_success: Callable[[T], U], on_failure: Callable[[Error], U]) -> U:
        return on_success(self.value)


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed outcome carrying an [`Error`][]. ``value`` and ``unwrap()`` raise its exception."""

    error: Error
    __match_args__ = ("error",)

    @property
    def is_success(self) -> bool:
        return False

    @property
    def is_failure(self) -> bool:
        return True

    @property
    def value(self) -> NoReturn:
        raise self.error.to_exception()

    def unwrap(self) -> NoReturn:
        raise self.error.to_exception()

    def unwrap_or(self, default: U) -> U:
        return default

    def unwrap_or_else(self, fallback: Callable[[Error], U]) -> U:
        return fallback(self.error)

    def map(self, fn: Callable[[Any], object]) -> Failure:
        return self

    def bind(self, fn: Callable[[Any], object]) -> Failure:
        return self

    def on_success(self, fn: Callable[[Any], object]) -> Failure:
        return self

    def on_failure(self, fn: Callable[[Error], object]) -> Failure:
        fn(self.error)
        return self

    def match(self, *, on_success: Callable[[Any], U], on_failure: Callable[[Error], U]) -> U:
        return on_failure(self.error)

    @classmethod
    def of(cls, code: ErrorCode, message: str, **fields: Any) -> Failure:
        """Shorthand: ``Failure.of(ErrorCode.NOT_FOUND, "No model with id 1", http_status=404)``."""
        return cls(Error(code, message, **fields))


Result: TypeAlias = Success[T] | Failure
"""``Success[T] | Failure``; use ``match`` or ``is_success`` to tell them apart."""

__all__ = [
    "ApiConnectionError",
    "ApiStatusError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CivitaiError",
    "ConfigurationError",
    "ConflictError",
    "DownloadError",
    "Error",
    "ErrorCode",
    "Failure",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseParseError",
    "Result",
    "ServerError",
    "Success",
]
