"""Read JSON the way .NET reads ``appsettings.json``: ``//`` and ``/* */`` comments and trailing commas
are allowed, so files ported from a .NET project load unchanged."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from civitai_kit._json import JsonDecodeError, loads
from civitai_kit.errors import ConfigurationError, Error, ErrorCode

MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024
"""A configuration file larger than this is refused unread (it can only be a mistake or an attack)."""

_STRING_OR_INTEGER = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.+-])(-?)(\d+)(?![\w.])')
"""A string (skipped whole) or an integer that is not part of a fraction or exponent."""


def strip_jsonc(text: str) -> str:
    """Blank out comments and trailing commas, keeping every line and column where it was."""
    out: list[str] = []
    last_significant = -1  # index in ``out`` of the last character that is not whitespace
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            end = _string_end(text, i)
            out.append(text[i:end])
            last_significant = len(out) - 1
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("".join(c if c in "\r\n" else " " for c in text[i:end]))
            i = end
        else:
            if char in "}]" and last_significant >= 0 and out[last_significant] == ",":
                out[last_significant] = " "
            out.append(char)
            if not char.isspace():
                last_significant = len(out) - 1
            i += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """Index just past the string literal opening at ``start`` (or the end of text if unterminated)."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i + 1
        else:
            i += 1
    return len(text)


def parse_jsonc(data: str | bytes | bytearray) -> Any:
    """Decode JSON-with-comments with the shared bounded decoder. A document with no value (empty, only
    whitespace, a BOM or comments) is an empty object; anything unreadable is a ``ValueError`` whose message
    says where, never what."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes | bytearray) else data.removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise JsonDecodeError(f"the document is not UTF-8 (byte {exc.start})") from None
    stripped = _widen_huge_integers(strip_jsonc(text))
    if not stripped.strip():
        return {}
    return loads(stripped)


def _widen_huge_integers(text: str) -> str:
    """Rewrite each integer too long for Python's int parser as an exponent of the same length (so positions
    are kept): it decodes as infinity, which every numeric option refuses by name, instead of failing the
    whole file with a bare ``ValueError``."""
    limit = sys.get_int_max_str_digits()
    if not limit or len(text) <= limit:
        return text

    def widen(match: re.Match[str]) -> str:
        sign, digits = match.group(1, 2)
        if digits is None or len(digits) <= limit:
            return match.group(0)
        return sign + "1e" + "9" * (len(digits) - 2)

    return _STRING_OR_INTEGER.sub(widen, text)


def load_jsonc(path: Path, what: str) -> Any:
    """Parse a JSON-with-comments file; a broken file is a [`ConfigurationError`][] naming it."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_FILE_BYTES + 1)
    except OSError as exc:
        raise _error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_FILE_BYTES:
        raise _error(f"{what} {path} is larger than {MAX_CONFIG_FILE_BYTES} bytes")
    try:
        return parse_jsonc(data)
    except ValueError as exc:  # JsonDecodeError, or anything else the decoder lets through
        # the message describes the syntax only; never echo the document (it may hold a key)
        raise _error(f"{what} {path} is not valid JSON: {exc}") from None


def _error(message: str) -> ConfigurationError:
    return ConfigurationError(Error(ErrorCode.CONFIGURATION_INVALID, message))
