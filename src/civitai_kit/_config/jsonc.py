"""Read JSON the way .NET reads ``appsettings.json``: ``//`` and ``/* */`` comments and trailing commas
are allowed, so files ported from a .NET project load unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from civitai_kit.result import ConfigurationError, Error, ErrorCode


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


def load_jsonc(path: Path, what: str) -> Any:
    """Parse a JSON-with-comments file; a broken file is a :class:`ConfigurationError` naming it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise _error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _error(f"{what} {path} is not UTF-8 text") from None
    if not text.strip():
        return {}
    try:
        return json.loads(strip_jsonc(text))
    except json.JSONDecodeError as exc:
        # exc.msg describes the syntax only; never echo the document (it may hold a key)
        raise _error(f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _error(message: str) -> ConfigurationError:
    return ConfigurationError(Error(ErrorCode.CONFIGURATION_INVALID, message))
