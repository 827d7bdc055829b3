"""The one JSON decoder for everything civitai-kit reads: API bodies, error bodies, configuration files.

``json.loads`` alone lets hostile input escape as ``RecursionError`` (a few thousand ``[`` suffice) or as a
``UnicodeDecodeError``; here every way a document can be unreadable is one ``JsonDecodeError``, a
``ValueError`` whose message says what was wrong without quoting the document.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

__all__ = ["JsonDecodeError", "loads"]


class JsonDecodeError(ValueError):
    """The bytes are not a JSON document this library will read."""


MAX_DEPTH = 1000
"""The deepest nesting read, whatever the interpreter's recursion limit (a program, or a test runner, may
raise it; the decoder's C stack must not follow a hostile document there)."""
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def loads(data: bytes | str, *, max_bytes: int | None = None) -> Any:
    """Decode ``data`` (UTF-8, an optional BOM tolerated); raise ``JsonDecodeError`` for anything else.

    ``max_bytes`` refuses a larger document before decoding it.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise JsonDecodeError(f"the document is {len(data)} bytes, over the limit of {max_bytes}")
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes | bytearray) else data.removeprefix("\ufeff")
        if sys.getrecursionlimit() > MAX_DEPTH and text.count("[") + text.count("{") > MAX_DEPTH:
            _check_depth(text)
        return json.loads(text)
    except RecursionError:
        raise JsonDecodeError("the document is nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise JsonDecodeError(f"the document is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise JsonDecodeError(f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # an integer past Python's digit limit
        raise JsonDecodeError(f"the document holds an unreadable number: {str(exc)[:80]}") from None


def _check_depth(text: str) -> None:
    """Refuse nesting past ``MAX_DEPTH`` (only looked for when the recursion limit would not refuse it)."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise RecursionError
        elif token in "]}":
            depth -= 1
