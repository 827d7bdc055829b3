"""Route patterns (`/api/v1/models/{id}`, `/blobs/{key:path}`) and the table that picks a handler.

The most specific pattern wins, segment by segment from the left: a literal segment beats one with a
parameter, which beats a `{name:path}` tail. A method that no matching pattern serves is a 405.
"""

from __future__ import annotations

import fnmatch
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import unquote

from civitai_kit.testing.messages import FakeRequest, FakeResponse

HandlerResult: TypeAlias = FakeResponse | dict[str, Any] | list[Any]
Handler: TypeAlias = Callable[[FakeRequest], HandlerResult]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\}")
_LITERAL, _MIXED, _PARAMETER, _TAIL = 3, 2, 1, 0


@dataclass(frozen=True)
class RoutePattern:
    """A compiled path pattern; `{name}` matches one segment, `{name:path}` the rest of the path."""

    text: str
    regex: re.Pattern[str]
    specificity: tuple[int, ...]

    @classmethod
    def compile(cls, text: str) -> RoutePattern:
        if not text.startswith("/"):
            raise ValueError(f"pattern must start with '/', got {text!r}")
        regex: list[str] = []
        names: set[str] = set()
        position = 0
        for found in _PARAM.finditer(text):
            name, converter = found.group(1), found.group(2)
            if converter not in (None, "path"):
                raise ValueError(f"pattern {text!r}: unknown converter {converter!r} (only ':path')")
            if name in names:
                raise ValueError(f"pattern {text!r}: parameter {name!r} appears twice")
            names.add(name)
            regex.append(re.escape(text[position : found.start()]))
            regex.append(f"(?P<{name}>{'.+' if converter else '[^/]+'})")
            position = found.end()
        leftover = _PARAM.sub("", text)
        if "{" in leftover or "}" in leftover:
            raise ValueError(f"pattern {text!r}: malformed '{{name}}' parameter")
        regex.append(re.escape(text[position:]))
        return cls(text, re.compile("".join(regex)), _specificity(text))

    def match(self, path: str) -> dict[str, str] | None:
        """Decoded path parameters if `path` (raw, percent-encoded) matches, else None."""
        found = self.regex.fullmatch(path)
        if found is None:
            return None
        params = found.groupdict()
        for name, value in params.items():
            if "%" in value:
                params[name] = unquote(value)
        return params


def _specificity(text: str) -> tuple[int, ...]:
    ranks = []
    for segment in text.split("/")[1:]:
        params = list(_PARAM.finditer(segment))
        if not params:
            ranks.append(_LITERAL)
        elif any(p.group(2) for p in params):
            ranks.append(_TAIL)
        elif len(params) == 1 and params[0].group(0) == segment:
            ranks.append(_PARAMETER)
        else:
            ranks.append(_MIXED)
    return tuple(ranks)


@dataclass(frozen=True)
class RouteMatch:
    """The outcome of a lookup: a handler with its params, or why there is none."""

    handler: Handler | None
    params: Mapping[str, str]
    allowed: tuple[str, ...]  # methods the matching patterns do serve (for 405 + Allow)


_NO_MATCH = RouteMatch(None, {}, ())


class RouteTable:
    """Thread-safe handlers by (pattern, method). Registering the same pair again replaces the handler,
    so a test can override one route of an installed set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, tuple[RoutePattern, dict[str, Handler]]] = {}
        self._ordered: tuple[tuple[RoutePattern, dict[str, Handler]], ...] = ()

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        if not callable(handler):
            raise TypeError(f"handler must be callable, got {handler!r}")
        method = _normalise_method(method)
        with self._lock:
            entry = self._routes.get(pattern)
            if entry is None:
                entry = (RoutePattern.compile(pattern), {})
                self._routes[pattern] = entry
            entry[1][method] = handler
            # Stable sort: among equally specific patterns the first registered wins.
            self._ordered = tuple(sorted(self._routes.values(), key=lambda e: e[0].specificity, reverse=True))

    def lookup(self, method: str, path: str) -> RouteMatch:
        allowed: list[str] = []
        for pattern, handlers in self._ordered:
            params = pattern.match(path)
            if params is None:
                continue
            handler = handlers.get(method) or (handlers.get("GET") if method == "HEAD" else None)
            if handler is not None:
                return RouteMatch(handler, params, ())
            allowed.extend(m for m in handlers if m not in allowed)
        if not allowed:
            return _NO_MATCH
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.append("HEAD")
        return RouteMatch(None, {}, tuple(allowed))

    def patterns(self) -> list[str]:
        """Registered patterns, most specific first."""
        return [pattern.text for pattern, _ in self._ordered]


def _normalise_method(method: str) -> str:
    if not method or not method.isalpha():
        raise ValueError(f"method must be an HTTP method name like 'GET', got {method!r}")
    return method.upper()


def path_filter(spec: str | None) -> Callable[[str], bool]:
    """A predicate on raw paths, used by faults and log queries.

    `None` matches everything; a route pattern (`/api/v1/models/{id}`) matches like a route; a glob
    (`/api/v1/*`, `*` also crosses `/`) matches with fnmatch; anything else matches that path and every
    path below it (`/api/v1/models` matches `/api/v1/models/5` but not `/api/v1/models-versions`).
    """
    if spec is None:
        return lambda _path: True
    if not spec.startswith("/") and not spec.startswith("*"):
        raise ValueError(f"path must start with '/' (or be a glob starting with '*'), got {spec!r}")
    if "{" in spec:
        pattern = RoutePattern.compile(spec)
        return lambda path: pattern.regex.fullmatch(path) is not None
    if any(c in spec for c in "*?["):
        return lambda path: fnmatch.fnmatchcase(path, spec)
    below = spec.rstrip("/") + "/"
    return lambda path: path == spec or path.startswith(below)
