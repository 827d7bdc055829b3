"""Why a download did not produce a file: Civitai's refusals and bodies that are not the file.

The download endpoint answers refusals with small JSON bodies (to a non-browser User-Agent): 401 "requires you
to be logged in" / "has disabled downloads", 403 "Early Access" (with a ``deadline``) / no access,
410 archived, 429 "unusual amount of downloading". ``_http`` already turns those into an [`Error`][]
carrying Civitai's message; here each gets its own [`ErrorCode`][]. Naive clients have saved such
bodies *as the model file*, so a 2xx whose content is JSON, HTML or text is refused too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from civitai_kit._http import error_from_response
from civitai_kit._json import loads
from civitai_kit.errors import Error, ErrorCode

__all__ = [
    "MAX_ERROR_BODY",
    "ExpectedContent",
    "classify_refusal",
    "is_non_file_content_type",
    "looks_like_error_document",
    "refusal_from_body",
]

ExpectedContent = Literal["model", "image", "file"]

MAX_ERROR_BODY = 64 * 1024
"""Bytes of a suspicious body kept to explain the refusal (Civitai's error bodies are tiny)."""


def classify_refusal(error: Error) -> Error:
    """Give a download endpoint's refusal its own code (``LOGIN_REQUIRED``, ``EARLY_ACCESS`` ...).

    Civitai's message is kept; an early-access deadline is added to ``details["deadline"]`` (a
    ``datetime`` when parseable) and to the message. Other errors are returned unchanged.
    """
    status = error.http_status
    details = dict(error.details or {})
    words = f"{error.message} {details.get('error', '')}".lower()
    code: ErrorCode | None = None
    message = error.message
    # Civitai's words decide first (they also arrive with HTTP 200 bodies); the status is the fallback.
    if "disabled download" in words:
        code = ErrorCode.DOWNLOADS_DISABLED
    elif "logged in" in words or "log in" in words:
        code = ErrorCode.LOGIN_REQUIRED
    elif "early access" in words:
        code = ErrorCode.EARLY_ACCESS
        deadline = _parse_deadline(details.get("deadline"))
        if deadline is not None:
            details["deadline"] = deadline
            when = deadline.isoformat() if isinstance(deadline, datetime) else str(deadline)
            message = f"{message} (early access ends {when})"
    elif status == 403 or "do not have access" in words:
        code = ErrorCode.NO_ACCESS
    elif status == 410 or "archived" in words:
        code = ErrorCode.ARCHIVED
    elif status == 429 or "unusual amount of downloading" in words:
        code = ErrorCode.DOWNLOAD_LIMIT
    if code is None:
        return error
    return replace(error, code=code, message=message, details=details or None)


def _parse_deadline(raw: Any) -> datetime | str | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return raw
    return str(raw)


def is_non_file_content_type(content_type: str, expected: ExpectedContent) -> bool:
    """``True`` when a 2xx with this ``Content-Type`` cannot be the file (JSON, HTML; text for models
    and images, which a browser-UA error page also uses)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not media:
        return False
    if media.endswith(("/json", "+json", "/html", "/xhtml+xml")):
        return True
    return expected != "file" and media.startswith("text/")


def looks_like_error_document(head: bytes, expected: ExpectedContent) -> bool:
    """Sniff the first bytes of a body served with a binary type: a JSON error object, or (for models and
    images) an HTML page. Real model and image formats never start like this."""
    text = head.lstrip()[:64].lower()
    if expected != "file" and text.startswith((b"<!doctype html", b"<html")):
        return True
    if not text.startswith(b"{"):
        return False
    try:
        payload = loads(head)
    except ValueError:
        return False
    return isinstance(payload, dict) and ("error" in payload or "message" in payload)


def refusal_from_body(status: int, headers: Mapping[str, str], body: bytes, url: str) -> Error:
    """The error a 2xx body that is not the file stands for, with the server's own words if it has any."""
    content_type = headers.get("content-type", "") or "no content type"
    found = error_from_response(status, headers, body)
    if found is not None and found.code not in (ErrorCode.UNEXPECTED_CONTENT_TYPE, ErrorCode.HTTP_ERROR):
        return classify_refusal(found)
    snippet = body[:200].decode("utf-8", errors="replace").strip()
    said = f": {found.message}" if found is not None else (f": {snippet}" if snippet else "")
    error = Error(
        ErrorCode.UNEXPECTED_CONTENT_TYPE,
        f"Expected a file from {url} but the server sent {content_type} (HTTP {status}){said}",
        http_status=status,
        details={"content_type": content_type},
    )
    # Plain text is how the endpoint words refusals for browser-like clients: its words still count.
    return classify_refusal(error) if content_type.lower().startswith("text/plain") else error
