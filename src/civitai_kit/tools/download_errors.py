"""Errors a download hands back, made safe to show: no key from the URL, and never a raw exception.

A download URL may carry a key (``?token=...``), and lower layers put the URL into messages and into the
exceptions they chain (``cause``). Every [`Error`][] leaving the download tools goes through
[`redact_error`][], which rewrites the message, the details, the cause and the URL so that neither ``str`` nor
``repr`` of the result can show the key. [`unexpected_failure`][] turns an exception that escaped one
download into that download's ``Failure``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from civitai_kit._http import redact_url
from civitai_kit.errors import CivitaiError, Error, ErrorCode
from civitai_kit.result import Failure

__all__ = [
    "OVERWRITE_HINT",
    "conflict_error",
    "io_error",
    "redact_error",
    "redact_text",
    "secrets_in_url",
    "unexpected_failure",
]

_SECRET_PARAMETERS = frozenset({"token", "api_key", "apikey", "key", "access_token", "auth"})
_URL = re.compile(r"""https?://[^\s'"<>]+""", re.IGNORECASE)
_MIN_SECRET = 4  # shorter values are not worth hiding, and would mangle ordinary words


def secrets_in_url(url: str) -> frozenset[str]:
    """The values of ``url``'s query parameters that look like credentials (``token``, ``api_key`` ...),
    raw and percent-encoded."""
    try:
        pairs = parse_qsl(urlsplit(url).query, keep_blank_values=False)
    except ValueError:
        return frozenset()
    values = {value for name, value in pairs if name.lower() in _SECRET_PARAMETERS and len(value) >= _MIN_SECRET}
    return frozenset(values | {quote(value, safe="") for value in values})


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL's credential parameters and every one of ``secrets`` replaced by ``***``."""
    text = _URL.sub(lambda found: redact_url(found.group()), text)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def redact_error(error: Error, secrets: Iterable[str] = ()) -> Error:
    """``error`` with its message, details, cause and URL free of credentials (``error`` itself if it was)."""
    hidden = frozenset(secrets)
    message = redact_text(error.message, hidden)
    details = _redact_value(error.details, hidden) if error.details is not None else None
    cause = _redact_exception(error.cause, hidden) if error.cause is not None else None
    url = redact_text(error.url, hidden) if error.url is not None else None
    if message == error.message and details == error.details and cause is error.cause and url == error.url:
        return error
    return replace(error, message=message, details=details, cause=cause, url=url)


def _redact_value(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, Mapping):
        return {key: _redact_value(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(item, secrets) for item in value)
    return value


def _redact_exception(exc: BaseException, secrets: frozenset[str]) -> BaseException:
    """``exc`` if showing it reveals nothing; else a stand-in of the same type with redacted text (its own
    cause redacted likewise, its traceback kept)."""
    shown = f"{exc}\n{exc!r}"
    if redact_text(shown, secrets) == shown and not isinstance(exc, CivitaiError):
        return exc
    replacement: BaseException
    if isinstance(exc, CivitaiError):
        error = redact_error(exc.error, secrets)
        if error is exc.error:
            return exc
        replacement = type(exc)(error)
    else:
        replacement = _same_type(exc, redact_text(str(exc), secrets))
    if exc.__cause__ is not None:
        replacement.__cause__ = _redact_exception(exc.__cause__, secrets)
    replacement.__suppress_context__ = True
    return replacement.with_traceback(exc.__traceback__)


def _same_type(exc: BaseException, text: str) -> BaseException:
    try:
        return type(exc)(text)
    except Exception:  # an exception type whose constructor wants other arguments
        return RuntimeError(f"{type(exc).__name__}: {text}")


OVERWRITE_HINT = "pass overwrite=True to replace it"
"""How a file conflict's message says to resolve it; the CLI words it as its flag (``details["remedy"]``)."""


def conflict_error(what: str, path: str, **details: Any) -> Error:
    """A file is in the way and overwrite is off: ``what``, the hint, and ``details`` with the ``path`` and
    ``remedy="overwrite"`` (so a front end can name its own way to overwrite)."""
    return Error(
        ErrorCode.IO_ERROR, f"{what} ({OVERWRITE_HINT}).", details={"path": path, "remedy": "overwrite", **details}
    )


def io_error(code: ErrorCode, what: str, exc: OSError) -> Error:
    """``what`` plus the OS's reason (``Failed to write 'x.part': No space left on device``)."""
    return Error(code, f"{what}: {exc.strerror or exc}", cause=exc)


def unexpected_failure(exc: Exception, url: str) -> Failure:
    """The ``Failure`` of one download that raised ``exc`` (a file-system oddity, a callback that broke):
    the other downloads of a batch keep their results."""
    code = ErrorCode.IO_ERROR if isinstance(exc, OSError | UnicodeError) else ErrorCode.UNKNOWN
    error = Error(code, f"Download of {url} failed: {type(exc).__name__}: {exc}", cause=exc)
    return Failure(redact_error(error, secrets_in_url(url)))
