"""What the fake server receives (`FakeRequest`) and what a route answers (`FakeResponse`).

Both are plain immutable values so a test can keep them, compare them and read them from any thread.
"""

from __future__ import annotations

import builtins
import json as _json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeAlias, TypeVar, overload
from urllib.parse import parse_qsl, urlsplit

HeadersLike: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]] | None

_T = TypeVar("_T")
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})


class Headers(Mapping[str, str]):
    """Case-insensitive, multi-valued HTTP headers in their original order.

    `headers["content-type"]` gives the first value; `get_all(name)` gives every value; iterating gives
    the lower-cased names. The repr hides credentials so a failing test never prints a key.
    """

    __slots__ = ("_index", "_items")

    def __init__(self, items: HeadersLike = None) -> None:
        if not items:
            pairs: tuple[tuple[str, str], ...] = ()
        elif isinstance(items, Mapping):
            pairs = tuple((str(k), str(v)) for k, v in items.items())
        else:
            pairs = tuple((str(k), str(v)) for k, v in items)
        index: dict[str, list[str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in index:
                index[key].append(value)
            else:
                index[key] = [value]
        self._items = pairs
        self._index = index

    def __getitem__(self, name: str) -> str:
        return self._index[name.lower()][0]

    @overload
    def get(self, name: str) -> str | None: ...
    @overload
    def get(self, name: str, default: _T) -> str | _T: ...
    def get(self, name: str, default: object = None) -> object:
        """First value of `name`, else `default` (without Mapping.get's KeyError round trip)."""
        values = self._index.get(name.lower())
        return default if values is None else values[0]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def get_all(self, name: str) -> list[str]:
        """Every value of `name`, in the order received (empty if absent)."""
        return list(self._index.get(name.lower(), ()))

    def raw(self) -> tuple[tuple[str, str], ...]:
        """The (name, value) pairs exactly as received or given, duplicates included."""
        return self._items

    def with_defaults(self, defaults: Iterable[tuple[str, str]]) -> Headers:
        """These headers plus each default whose name is not already present."""
        extra = [(k, v) for k, v in defaults if k.lower() not in self._index]
        return Headers([*self._items, *extra]) if extra else self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._items == other._items
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        shown = [(k, "<redacted>" if k.lower() in _SECRET_HEADERS else v) for k, v in self._items]
        return f"Headers({shown!r})"


@dataclass(frozen=True, eq=False)
class FakeRequest:
    """One request as the fake server received it.

    `path` is the raw (still percent-encoded) path and `query_string` the raw query, so tests can assert
    the exact bytes a client sent. `path_params` are decoded values of the matched route's `{name}`s.
    """

    method: str
    path: str
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    body: builtins.bytes = b""
    path_params: Mapping[str, str] = field(default_factory=dict)
    http_version: str = "HTTP/1.1"

    @cached_property
    def query_items(self) -> tuple[tuple[str, str], ...]:
        """Decoded (name, value) pairs in the order sent; blank values kept."""
        return tuple(parse_qsl(self.query_string, keep_blank_values=True))

    @cached_property
    def query(self) -> Mapping[str, str]:
        """Each query parameter's first value (use `query_all` for repeated keys like `types=A&types=B`)."""
        first: dict[str, str] = {}
        for name, value in self.query_items:
            first.setdefault(name, value)
        return first

    def query_all(self, name: str) -> list[str]:
        """Every value sent for `name`, in order."""
        return [v for k, v in self.query_items if k == name]

    @property
    def target(self) -> str:
        """The request target as sent: path plus `?query` when there is one."""
        return f"{self.path}?{self.query_string}" if self.query_string else self.path

    @property
    def host(self) -> str:
        """The host name the client addressed (the `Host` header without port), e.g. `localhost`."""
        return urlsplit("//" + self.headers.get("host", "")).hostname or ""

    @property
    def url(self) -> str:
        """The absolute URL the client asked for, rebuilt from `Host` and the target."""
        return f"http://{self.headers.get('host', '')}{self.target}"

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8")

    def json(self) -> Any:
        """The body parsed as JSON (raises `ValueError` if it is not JSON)."""
        return _json.loads(self.body)

    def __repr__(self) -> str:
        return f"FakeRequest({self.method} {self.target})"


def _content_type_with_charset(content_type: str) -> str:
    if content_type.startswith("text/") and "charset" not in content_type:
        return f"{content_type}; charset=utf-8"
    return content_type


class FakeResponse:
    """What a route (or a fault) answers. The constructors (`FakeResponse.json(...)`, ...) are the
    convenient way to build one.

    A response has either a complete `content` or, for `stream`, an iterable of `chunks` that the server
    sends as they are produced (chunked, or raw when `content_length` is known). `Content-Length` is
    added by the server unless the headers already carry one (which lets a route lie about it).
    """

    __slots__ = ("chunks", "content", "content_length", "headers", "status")

    def __init__(
        self,
        status: int = 200,
        headers: HeadersLike = None,
        content: builtins.bytes = b"",
        chunks: Iterable[builtins.bytes] | None = None,
        content_length: int | None = None,
    ) -> None:
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status code (100-599), got {status!r}")
        self.status = status
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.content = content
        self.chunks = chunks
        self.content_length = content_length

    def __repr__(self) -> str:
        kind = "stream" if self.chunks is not None else f"{len(self.content)} bytes"
        return f"FakeResponse({self.status}, {self.headers.get('content-type')!r}, {kind})"

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: HeadersLike = None) -> FakeResponse:
        """A JSON body, serialised compactly like Civitai does."""
        body = _json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status, _headers(headers, "application/json; charset=utf-8"), body)

    @classmethod
    def text(
        cls, text: str, status: int = 200, content_type: str = "text/plain", headers: HeadersLike = None
    ) -> FakeResponse:
        """A text body (UTF-8; `charset` added to `text/*` types)."""
        return cls(status, _headers(headers, _content_type_with_charset(content_type)), text.encode())

    @classmethod
    def html(cls, html: str, status: int = 200, headers: HeadersLike = None) -> FakeResponse:
        """An HTML page (what Civitai and Cloudflare send for unknown paths and edge errors)."""
        return cls.text(html, status, "text/html", headers)

    @classmethod
    def bytes(
        cls,
        data: builtins.bytes,
        content_type: str = "application/octet-stream",
        status: int = 200,
        headers: HeadersLike = None,
    ) -> FakeResponse:
        """A binary body sent in one piece with its `Content-Length`."""
        return cls(status, _headers(headers, content_type), builtins.bytes(data))

    @classmethod
    def stream(
        cls,
        chunks: Iterable[builtins.bytes] | builtins.bytes,
        content_type: str = "application/octet-stream",
        headers: HeadersLike = None,
        status: int = 200,
        content_length: int | None = None,
    ) -> FakeResponse:
        """A body produced while it is sent: chunked, or with `content_length` when given.

        The iterable is consumed on the connection's thread, so a generator may sleep between chunks
        to simulate a slow download. If it raises, the connection is cut mid-body. A single `bytes`
        object is sent as one chunk (not iterated byte by byte).
        """
        if content_length is not None and content_length < 0:
            raise ValueError(f"content_length must be >= 0, got {content_length!r}")
        if isinstance(chunks, builtins.bytes | bytearray | memoryview):
            chunks = (builtins.bytes(chunks),)
        return cls(status, _headers(headers, content_type), chunks=chunks, content_length=content_length)

    @classmethod
    def redirect(cls, location: str, status: int = 307, headers: HeadersLike = None) -> FakeResponse:
        """A redirect to `location` (absolute URL or path) with an empty body."""
        if not 300 <= status <= 399:
            raise ValueError(f"status must be a 3xx redirect status, got {status!r}")
        return cls(status, Headers([("Location", location), *Headers(headers).raw()]))

    @classmethod
    def empty(cls, status: int = 204, headers: HeadersLike = None) -> FakeResponse:
        """No body at all (e.g. 204, or Civitai's bare 499)."""
        return cls(status, Headers(headers))

    def read_all(self) -> builtins.bytes:
        """The whole body, consuming `chunks` for a stream."""
        return self.content if self.chunks is None else b"".join(self.chunks)


def _headers(headers: HeadersLike, content_type: str) -> Headers:
    if not headers:
        return Headers((("Content-Type", content_type),))
    return Headers(headers).with_defaults([("Content-Type", content_type)])
