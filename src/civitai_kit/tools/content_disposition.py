"""The file name in a ``Content-Disposition`` header, as storage servers really send it.

Civitai's signed storage URLs answer ``attachment; filename="<name>"`` with the raw name, which may be
UTF-8 bytes that the HTTP stack decoded as latin-1 (mojibake such as ``ã\\x83\\x9f``), may contain ``%XX``
sequences, and is never RFC 5987-encoded; other hosts send ``filename*=UTF-8''...``. The result is not
sanitised here: callers pass it through [`civitai_kit.tools.path_patterns.sanitize_filename`][].
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import unquote

__all__ = ["filename_from_content_disposition", "repair_mojibake"]

# One ``; name=value`` parameter; the value is a quoted-string (with \-escapes) or a token.
_PARAM = re.compile(
    r"""
    ;\s*
    (?P<name>[^\s=;]+)\s*=\s*
    (?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<token>[^;]*))
    """,
    re.VERBOSE | re.DOTALL,
)
_EXTENDED = re.compile(r"^(?P<charset>[A-Za-z0-9!#$%&+\-^_`{}~]*)'(?P<language>[^']*)'(?P<value>.*)$", re.DOTALL)
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def filename_from_content_disposition(header: str | None) -> str | None:
    """The file name a ``Content-Disposition`` header carries, or ``None``.

    ``filename*`` (RFC 5987/6266) wins over ``filename``; a plain ``filename`` is percent-decoded when it
    holds valid UTF-8 escapes and repaired when it is UTF-8 read as latin-1. Only the last path component
    of the name is kept (some servers send a path).
    """
    if not header:
        return None
    params = _parameters(header)
    name: str | None = None
    if (extended := params.get("filename*")) is not None:
        name = _decode_extended(extended)
    if not name and (plain := params.get("filename")) is not None:
        name = _decode_plain(plain)
    if not name:
        return None
    name = re.split(r"[/\\]", name)[-1].strip()
    return name or None


def _parameters(header: str) -> dict[str, str]:
    # Prefix a ';' so the disposition type itself (attachment / inline) is skipped uniformly.
    params: dict[str, str] = {}
    for found in _PARAM.finditer(";" + header.split(";", 1)[1] if ";" in header else ""):
        key = found.group("name").lower()
        if found.group("quoted") is not None:
            value = re.sub(r"\\(.)", r"\1", found.group("quoted"))
        else:
            value = (found.group("token") or "").strip()
        params.setdefault(key, value)
    return params


def _decode_extended(value: str) -> str | None:
    match = _EXTENDED.match(value.strip().strip('"'))
    if match is None:
        return None
    charset = match.group("charset").lower() or "utf-8"
    try:
        return unquote(match.group("value"), encoding=charset, errors="strict")
    except (LookupError, UnicodeDecodeError):
        return unquote(match.group("value"), encoding="utf-8", errors="replace")


def _decode_plain(value: str) -> str:
    if _PERCENT.search(value):
        with contextlib.suppress(UnicodeDecodeError):
            value = unquote(value, encoding="utf-8", errors="strict")
    return repair_mojibake(value)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 bytes that were decoded as latin-1 (``"ã\\x83\\x9f"`` → ``"ミ"``); other text is returned
    unchanged. HTTP header values arrive as latin-1, so a raw UTF-8 file name always looks like this."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
