"""Keys never leave: one registry of the secrets this process was configured with, and the scrubbers.

Every key that passes option validation is registered here. ``redact`` removes registered keys, plus
anything that looks like a credential (``?token=``/``?key=`` query values, ``Bearer`` tokens), from text;
[`Error`][civitai_kit.errors.Error] scrubs its fields with it, and a filter on the ``civitai_kit`` and
``httpx`` loggers scrubs every log record — so a key that a server echoes back, or a user puts in a download
URL, reaches no message, ``repr``, traceback or log line.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

__all__ = ["MASK", "RedactingFilter", "install_log_redaction", "redact", "redact_value", "register_secret"]

MASK = "***"
_MIN_SECRET_LENGTH = 8
"""Shorter values are not registered: masking every "abc" in every message would hide more than keys."""
_MAX_DEPTH = 32

_SECRET_QUERY = re.compile(r"(?i)([?&;](?:token|api_key|apikey|key|access_token)=)[^&#\s\"'<>]*")
# A credential, not prose ("requires a Bearer token"): eight or more characters, at least one a digit.
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?=[^\s\"',;]*\d)[^\s\"',;]{8,}")

_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()


def register_secret(value: str | None) -> None:
    """Remember ``value`` as a secret to scrub from every message from now on."""
    global _secrets
    if value is None or len(value) < _MIN_SECRET_LENGTH or value in _secrets:
        return
    with _lock:
        # Longest first, so a key that contains another registered key is masked whole.
        _secrets = frozenset((*_secrets, value))


def redact(text: str) -> str:
    """``text`` without any registered secret or credential-looking value."""
    text = _SECRET_QUERY.sub(rf"\1{MASK}", text)
    text = _BEARER.sub(rf"\1{MASK}", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_value(value: Any, _depth: int = 0) -> Any:
    """A copy of a JSON-like value with every string redacted; too deep a structure is cut at 32 levels."""
    if isinstance(value, str):
        return redact(value)
    if _depth >= _MAX_DEPTH:
        return "…" if isinstance(value, Mapping | list | tuple) else value
    if isinstance(value, Mapping):
        return {redact(str(key)): redact_value(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item, _depth + 1) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with ``redact`` (formatting it first, so arguments are covered)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the logger's problem, not a reason to leak
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactingFilter()


def install_log_redaction(*names: str) -> None:
    """Attach the filter to the named loggers (idempotent): ours, and httpx's, which logs every URL at INFO.
    Every logger that logs needs it: a logger's filter is not applied to what its children log."""
    for name in names or ("civitai_kit", "civitai_kit.options", "httpx"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
