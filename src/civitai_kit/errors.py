"""What can go wrong: [`ErrorCode`][], the [`Error`][] a ``Failure`` carries, and the exception tree.

Operations return ``Result`` values; ``unwrap()``, iterators and ``Error.to_exception()`` raise from one tree
rooted at [`CivitaiError`][]. Which class an error raises is decided by one explicit table from
[`ErrorCode`][] to class; only the two codes that say nothing specific (``UNKNOWN`` and ``HTTP_ERROR``) leave
the decision to the HTTP status:

    CivitaiError
    ├── ApiStatusError              the server answered with an error (status or error body)
    │   ├── BadRequestError         400, 422
    │   ├── AuthenticationError     401
    │   ├── PermissionDeniedError   402, 403
    │   ├── NotFoundError           404
    │   ├── ConflictError           409
    │   ├── RateLimitError          429
    │   └── ServerError             5xx, Cloudflare pages
    ├── ApiConnectionError          no answer: DNS, refused, reset, circuit open
    │   └── ApiTimeoutError
    ├── ResponseParseError          an answer that is not what the API promises
    ├── DownloadError               a download (or another file operation) failed
    │   ├── DownloadRefusedError    Civitai refused the download
    │   │   ├── LoginRequiredError, DownloadsDisabledError, EarlyAccessError,
    │   │   ├── NoAccessError, ArchivedError, DownloadLimitError
    │   │   └── UnsafeFileError     Civitai's pickle or virus scan found danger (refused locally)
    │   └── HashMismatchError       the bytes are not the file Civitai describes
    └── ConfigurationError          bad options (also a ValueError)

What only deserves a word (a misspelt configuration key, a base model the bundled list does not know) is a
warning, never an error; every warning the library issues is a [`CivitaiWarning`][] (a ``UserWarning``), so
``warnings.simplefilter("error", CivitaiWarning)`` makes all of them fatal and ``"ignore"`` silences them.

This module is the bottom layer of the package: it imports nothing from civitai-kit but the secret scrubber.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from civitai_kit._redact import redact, redact_value

__all__ = [
    "ApiConnectionError",
    "ApiStatusError",
    "ApiTimeoutError",
    "ArchivedError",
    "AuthenticationError",
    "BadRequestError",
    "CivitaiError",
    "CivitaiWarning",
    "ConfigurationError",
    "ConflictError",
    "DownloadError",
    "DownloadLimitError",
    "DownloadRefusedError",
    "DownloadsDisabledError",
    "EarlyAccessError",
    "Error",
    "ErrorCode",
    "HashMismatchError",
    "LoginRequiredError",
    "NoAccessError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RedactedException",
    "ResponseParseError",
    "ServerError",
    "UnsafeFileError",
]


class CivitaiWarning(UserWarning):
    """The base of every warning civitai-kit issues: one class to filter them all by."""


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
    UNSAFE_FILE = 806
    # configuration (civitai-kit)
    CONFIGURATION_INVALID = 900


@dataclass(frozen=True, slots=True)
class Error:
    """A failure's description. ``message`` is Civitai's own text whenever the server sent one.

    ``method`` and ``url`` name the request that failed, when there was one (the URL without credentials).
    """

    code: ErrorCode
    message: str
    details: Mapping[str, Any] | None = None
    http_status: int | None = None
    retry_after: timedelta | None = None
    trace_id: str | None = None
    cause: BaseException | None = field(default=None, compare=False)
    method: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        # Servers echo credentials and users put keys in URLs: nothing an Error carries may show a key.
        object.__setattr__(self, "message", redact(self.message))
        if self.details is not None:
            object.__setattr__(self, "details", redact_value(self.details))
        if self.trace_id is not None:
            object.__setattr__(self, "trace_id", redact(self.trace_id))
        if self.cause is not None:
            object.__setattr__(self, "cause", _scrubbed(self.cause))
        if self.url is not None:
            object.__setattr__(self, "url", redact(self.url))

    def __str__(self) -> str:
        status = f" (HTTP {self.http_status})" if self.http_status is not None else ""
        request = " ".join(part for part in (self.method, self.url) if part)
        return f"{self.code.name}{status}: {self.message}" + (f" [{request}]" if request else "")

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
    """Stands in for an underlying exception whose message contained a secret (as an [`Error`][]'s cause)."""

    def __init__(self, text: str) -> None:
        """``text``: the original's type and its redacted message."""
        super().__init__(text)


# ---------------------------------------------------------------------------------------------- the tree


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
    """A download failed: refused, not verified, or not written (also a local file that could not be read)."""


class DownloadRefusedError(DownloadError):
    """Civitai refused to serve the file; the subclass says why and ``.error.message`` is Civitai's own text."""


class LoginRequiredError(DownloadRefusedError):
    """The creator allows downloads only to logged-in users: configure an API key."""


class DownloadsDisabledError(DownloadRefusedError):
    """The creator has disabled downloads of this model."""


class EarlyAccessError(DownloadRefusedError):
    """The version is in early access; ``deadline`` says when it ends, when Civitai said so."""

    @property
    def deadline(self) -> datetime | None:
        deadline = (self.error.details or {}).get("deadline")
        return deadline if isinstance(deadline, datetime) else None


class NoAccessError(DownloadRefusedError):
    """This account may not download the file (private, paid or blocked)."""


class ArchivedError(DownloadRefusedError):
    """The model is archived and its files are no longer served."""


class DownloadLimitError(DownloadRefusedError):
    """Too many downloads for now; ``retry_after`` says for how long when the server said so."""

    @property
    def retry_after(self) -> timedelta | None:
        return self.error.retry_after


class UnsafeFileError(DownloadRefusedError):
    """Civitai's pickle or virus scan of the file says ``Danger``; nothing was downloaded. ``.error.message``
    carries Civitai's scan message; ``allow_unsafe=True`` (``--allow-unsafe``) downloads it anyway."""


class HashMismatchError(DownloadError):
    """The downloaded bytes do not have the hash Civitai lists for the file; nothing was kept."""


class ConfigurationError(CivitaiError, ValueError):
    """Options are missing or invalid (raised at load or client construction, never mid-request)."""


# ---------------------------------------------------------------------------------------------- the table


@dataclass(frozen=True, slots=True)
class _ByStatus:
    """The code says nothing specific: the HTTP status decides, and ``otherwise`` stands when there is none."""

    otherwise: type[CivitaiError]


_EXCEPTIONS: dict[ErrorCode, type[CivitaiError] | _ByStatus] = {
    ErrorCode.UNKNOWN: _ByStatus(otherwise=CivitaiError),
    ErrorCode.HTTP_ERROR: _ByStatus(otherwise=ApiConnectionError),  # no status: the request got no answer
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
"""Every [`ErrorCode`][] and the exception it raises (a test checks that no code is missing)."""

_STATUS_EXCEPTIONS: dict[int, type[ApiStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PermissionDeniedError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}
"""For the codes that leave it to the status; any other 5xx is a [`ServerError`][], the rest plain
[`ApiStatusError`][]."""

_SERVER_ERRORS = range(500, 600)


def _exception_type(error: Error) -> type[CivitaiError]:
    chosen = _EXCEPTIONS[error.code]
    if not isinstance(chosen, _ByStatus):
        return chosen
    status = error.http_status
    if status is None:
        return chosen.otherwise
    if status in _STATUS_EXCEPTIONS:
        return _STATUS_EXCEPTIONS[status]
    return ServerError if status in _SERVER_ERRORS else ApiStatusError
