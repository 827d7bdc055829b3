"""Turning what Civitai answers into an [`Error`][].

Civitai's error bodies differ by endpoint and by year: ``{"error": str | object}``,
``{"message", "error"}``, ``{"error", "code"}``, ``{"error", "message", "deadline"}``, RFC 7807 problem+json
from the orchestrator, zod issue arrays, HTML (Next.js 404, Cloudflare), plain text, nothing at all — and
sometimes an error body with HTTP 200. Everything here is pure: it sees status, headers and bytes only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from civitai_kit._json import JsonDecodeError, loads
from civitai_kit._redact import redact_value
from civitai_kit.errors import Error, ErrorCode

_STATUS_CODES: dict[int, ErrorCode] = {
    204: ErrorCode.NO_CONTENT,
    301: ErrorCode.MOVED_PERMANENTLY,
    307: ErrorCode.TEMPORARY_REDIRECT,
    308: ErrorCode.PERMANENT_REDIRECT,
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    402: ErrorCode.INSUFFICIENT_CREDITS,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    406: ErrorCode.NOT_ACCEPTABLE,
    408: ErrorCode.TIMEOUT,
    409: ErrorCode.CONFLICT,
    422: ErrorCode.VALIDATION_FAILED,
    429: ErrorCode.RATE_LIMITED,
    431: ErrorCode.REQUEST_HEADER_FIELDS_TOO_LARGE,
    451: ErrorCode.UNAVAILABLE_FOR_LEGAL_REASONS,
    500: ErrorCode.SERVER_ERROR,
    501: ErrorCode.NOT_IMPLEMENTED,
    502: ErrorCode.BAD_GATEWAY,
    503: ErrorCode.SERVICE_UNAVAILABLE,
    504: ErrorCode.GATEWAY_TIMEOUT,
    505: ErrorCode.HTTP_VERSION_NOT_SUPPORTED,
    508: ErrorCode.LOOP_DETECTED,
}

_DEFAULT_MESSAGES: dict[int, str] = {
    400: "Bad request. The server could not understand the request.",
    401: "Unauthorized. Check API key or permissions.",
    402: "Payment required. Insufficient credits.",
    403: "Forbidden. You do not have permission to access this resource.",
    404: "Not found. The requested resource does not exist.",
    405: "Method not allowed. The HTTP method is not supported for this endpoint.",
    408: "Request timeout.",
    409: "Conflict. The request conflicts with the current state of the resource.",
    422: "Validation failed. Check the request parameters.",
    429: "Rate limit exceeded.",
    500: "Internal server error.",
    502: "Bad gateway. The server received an invalid response from an upstream server.",
    503: "Service unavailable. The server is temporarily overloaded or under maintenance.",
    504: "Gateway timeout. The server did not receive a timely response from an upstream server.",
}

# tRPC / Civitai ``code`` strings seen in error bodies.
_BODY_CODES: dict[str, ErrorCode] = {
    "BAD_REQUEST": ErrorCode.BAD_REQUEST,
    "PARSE_ERROR": ErrorCode.BAD_REQUEST,
    "UNAUTHORIZED": ErrorCode.UNAUTHORIZED,
    "FORBIDDEN": ErrorCode.FORBIDDEN,
    "NOT_FOUND": ErrorCode.NOT_FOUND,
    "METHOD_NOT_SUPPORTED": ErrorCode.METHOD_NOT_ALLOWED,
    "TIMEOUT": ErrorCode.TIMEOUT,
    "CONFLICT": ErrorCode.CONFLICT,
    "UNPROCESSABLE_CONTENT": ErrorCode.VALIDATION_FAILED,
    "TOO_MANY_REQUESTS": ErrorCode.RATE_LIMITED,
    "INTERNAL_SERVER_ERROR": ErrorCode.SERVER_ERROR,
    "SERVICE_UNAVAILABLE": ErrorCode.SERVICE_UNAVAILABLE,
}

_ERROR_BODY_KEYS = frozenset({"error", "message", "code", "deadline", "status", "statusCode", "success"})
_GENERIC_MESSAGES = frozenset({"an unexpected error occurred", "internal server error"})
_CLOUDFLARE_MARKERS = ("cloudflare", "cf-ray", "__cf_", "cf-error")
_CLOUDFLARE_TYPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("error 520", "web server is returning an unknown error"), "520 - Web server returned an unknown error"),
    (("error 521", "web server is down"), "521 - Origin server is down"),
    (("error 522", "connection timed out"), "522 - Connection to origin server timed out"),
    (("error 523", "origin is unreachable"), "523 - Origin server is unreachable"),
    (("error 524", "a timeout occurred"), "524 - Origin server response timed out"),
    (("error 525", "ssl handshake failed"), "525 - SSL handshake with origin server failed"),
    (("error 526", "invalid ssl certificate"), "526 - Invalid SSL certificate on origin server"),
    (("error 527", "railgun listener"), "527 - Railgun connection error"),
    (("error 530",), "530 - Origin DNS error or Cloudflare error"),
    (("checking your browser", "challenge-platform", "just a moment"), "Browser challenge (bot protection)"),
    (("error 1015", "access denied"), "1015 - Rate limited by Cloudflare"),
    (("error 1020", "firewall"), "1020 - Blocked by Cloudflare firewall rules"),
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_MAX_TEXT = 500
_MAX_ERROR_BODY = 4096
MAX_RETRY_AFTER = timedelta(days=1)
"""The longest wait a ``Retry-After`` can ask for; a longer one is read as this (and then not waited for)."""


def status_code(status: int) -> ErrorCode:
    """CivitaiSharp's status → code table."""
    return _STATUS_CODES.get(status, ErrorCode.HTTP_ERROR)


def is_json_content_type(content_type: str) -> bool:
    return "json" in content_type.lower()


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP-date (also ``retry-after-ms``); ``None`` when absent or unreadable.

    The one place this header is read, so it never raises: a value out of any sane range (``1e15``, ``inf``,
    a date in year 9999) is clamped to between 0 and ``MAX_RETRY_AFTER``; NaN and garbage are ``None``.
    """
    if (millis := _seconds(headers.get("retry-after-ms"))) is not None:
        return _bounded(millis / 1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    if (seconds := _seconds(value)) is not None:
        return _bounded(seconds)
    try:
        when = parsedate_to_datetime(value.strip())
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return _bounded((when - (now or datetime.now(UTC))).total_seconds())
    except (TypeError, ValueError, IndexError, OverflowError):  # every way the stdlib date parser fails
        return None


def _seconds(value: str | None) -> float | None:
    """A number of seconds, or ``None`` for anything that is not a number (NaN included)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return None if math.isnan(seconds) else seconds


def _bounded(seconds: float) -> timedelta:
    return timedelta(seconds=min(max(seconds, 0.0), MAX_RETRY_AFTER.total_seconds()))


def looks_like_error_body(payload: Any) -> bool:
    """An object made only of error keys and carrying ``error`` — what Civitai sends even with HTTP 200."""
    return (
        isinstance(payload, dict)
        and "error" in payload
        and payload["error"] not in (None, False, "")
        and set(payload) <= _ERROR_BODY_KEYS
    )


def error_from_response(status: int, headers: Mapping[str, str], body: bytes) -> Error | None:
    """The [`Error`][] a response stands for, or ``None`` when it is a success.

    ``headers`` must have lower-case keys. A 2xx (or a 3xx when redirects are not followed) is a success
    unless its body is an error body or an HTML page: every API here answers JSON or bytes, never HTML.
    """
    content_type = headers.get("content-type", "")
    ok = 200 <= status < 400
    text = body[:_MAX_ERROR_BODY].decode("utf-8", errors="replace") if ok else body.decode("utf-8", errors="replace")
    if _is_html(content_type, text):
        return _html_error(status, headers, text, content_type)
    looks_like_json = text.lstrip()[:1] in ("{", "[")
    payload: Any = None
    # Error bodies are a few hundred bytes: a large 2xx body is data, and is not decoded twice just to look.
    # A success body is decoded only when it could be an error body, which has a plain ``"error"`` key (or
    # one spelt with escapes): a model body is then decoded once, by the caller that parses it.
    worth_decoding = not ok or (len(body) <= _MAX_ERROR_BODY and (b'"error"' in body or b"\\u" in body))
    if body and worth_decoding and (is_json_content_type(content_type) or looks_like_json):
        payload = _decoded(body)
    if ok:
        if looks_like_error_body(payload):
            return _error_from_payload(status, headers, redact_value(payload), code=_payload_code(payload))
        return None
    if payload is not None:
        return _error_from_payload(status, headers, redact_value(payload), code=status_code(status))
    # JSON that cannot be read (nested too deep, cut short) has no words for a person: the status speaks.
    message = "" if looks_like_json else _shorten(text.strip())
    return _error(status_code(status), message or _default_message(status), status, headers)


def _decoded(body: bytes) -> Any:
    """The JSON in ``body``, or ``None`` when there is none this library will read."""
    try:
        return loads(body)
    except JsonDecodeError:
        return None


def _error_from_payload(status: int, headers: Mapping[str, str], payload: Any, *, code: ErrorCode) -> Error:
    details: dict[str, Any] = {}
    trace_id: str | None = None
    if isinstance(payload, dict):
        message, details = _message_from_object(payload)
        if isinstance(payload.get("traceId"), str):
            trace_id = payload["traceId"]
        if status >= 400 and payload.get("errors"):
            code = ErrorCode.VALIDATION_FAILED
    elif isinstance(payload, list):
        message = _join_issues(payload) or _shorten(json.dumps(payload))
        details = {"issues": payload}
    else:
        message = _shorten(str(payload))
    if not message:
        message = _default_message(status)
    return _error(code, message, status, headers, details=details or None, trace_id=trace_id)


def _message_from_object(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Civitai's own words: RFC 7807 ``detail``/``title``, ``message``, ``error`` (str, zod object, issues)."""
    details = {key: value for key, value in payload.items() if key not in ("message", "detail")}
    error = payload.get("error")
    message = payload.get("message")
    if isinstance(error, dict):
        error = _join_issues(error.get("issues") or error.get("errors") or []) or error.get("message")
    elif isinstance(error, list):
        error = _join_issues(error)
    for candidate in (payload.get("detail"), payload.get("title")):
        if isinstance(candidate, str) and candidate.strip():
            rfc = candidate.strip()
            extra = _join_validation_errors(payload.get("errors"))
            return (f"{rfc} {extra}".strip() if extra else rfc), details
    parts = [p.strip() for p in (message, error) if isinstance(p, str) and p.strip()]
    if len(parts) == 2 and parts[0].lower().rstrip(".") in _GENERIC_MESSAGES and parts[0] != parts[1]:
        return f"{parts[0]}: {parts[1]}", details
    # Otherwise ``message`` explains and ``error`` (a label such as "Early Access") stays in ``details``.
    return (parts[0] if parts else ""), details


def _join_issues(issues: Any) -> str:
    if not isinstance(issues, list):
        return ""
    texts: list[str] = []
    for issue in issues:
        if isinstance(issue, dict) and isinstance(issue.get("message"), str):
            path = issue.get("path")
            where = ".".join(str(p) for p in path) if isinstance(path, list) and path else ""
            texts.append(f"{where}: {issue['message']}" if where else issue["message"])
        elif isinstance(issue, str):
            texts.append(issue)
    return "; ".join(texts)


def _join_validation_errors(errors: Any) -> str:
    if not isinstance(errors, dict):
        return ""
    texts = []
    for field, problems in errors.items():
        items = problems if isinstance(problems, list) else [problems]
        texts.append(f"{field}: {', '.join(str(p) for p in items)}")
    return "; ".join(texts)


def _payload_code(payload: dict[str, Any]) -> ErrorCode:
    """Best code for an error body that came with HTTP 200: its ``code``, or what its words say."""
    raw = payload.get("code") or payload.get("status") or payload.get("statusCode")
    if isinstance(raw, str) and raw.upper() in _BODY_CODES:
        return _BODY_CODES[raw.upper()]
    if isinstance(raw, int) and raw >= 400:
        return status_code(raw)
    words = " ".join(str(payload.get(k, "")) for k in ("error", "message")).lower()
    if any(phrase in words for phrase in ("not found", "no model with id", "does not exist")):
        return ErrorCode.NOT_FOUND
    if "unauthorized" in words:
        return ErrorCode.UNAUTHORIZED
    if "too many" in words or "rate limit" in words:
        return ErrorCode.RATE_LIMITED
    return ErrorCode.HTTP_ERROR


def _is_html(content_type: str, text: str) -> bool:
    if "html" in content_type.lower():
        return True
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype", "<html"))


def _html_error(status: int, headers: Mapping[str, str], text: str, content_type: str) -> Error:
    lowered = text.lower()
    title_match = _TITLE.search(text)
    title = " ".join(title_match.group(1).split()) if title_match else ""
    cloudflare = any(marker in lowered for marker in _CLOUDFLARE_MARKERS) or "cf-ray" in headers
    if cloudflare and status not in (404, 429):
        kind = next(
            (label for needles, label in _CLOUDFLARE_TYPES if any(n in lowered for n in needles)),
            "Cloudflare error page",
        )
        message = f"Cloudflare error: {kind} (HTTP {status}). Civitai's servers may be having trouble; try again later."
        return _error(ErrorCode.CLOUDFLARE_ERROR, message, status, headers)
    if 200 <= status < 400:
        code = ErrorCode.UNEXPECTED_CONTENT_TYPE
        message = f"Received an HTML page ({title or content_type or 'text/html'}) where JSON was expected."
    else:
        code = status_code(status)
        base = _default_message(status)
        message = f"{base} The server answered with an HTML page" + (f": {title}" if title else ".")
    return _error(code, message, status, headers)


def _error(
    code: ErrorCode,
    message: str,
    status: int,
    headers: Mapping[str, str],
    *,
    details: dict[str, Any] | None = None,
    trace_id: str | None = None,
) -> Error:
    return Error(
        code=code,
        message=message,
        details=details,
        http_status=status,
        retry_after=parse_retry_after(headers),
        trace_id=trace_id or headers.get("x-request-id") or headers.get("cf-ray"),
    )


def _default_message(status: int) -> str:
    return _DEFAULT_MESSAGES.get(status, f"HTTP error {status}.")


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"
