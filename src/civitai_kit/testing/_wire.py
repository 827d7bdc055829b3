"""The HTTP/1.1 wire layer of the fake server: one `Connection` per accepted socket, serving its requests
one after another (keep-alive) and handing each to the server's dispatch function.

Parsing and writing are done here rather than by `http.server.BaseHTTPRequestHandler`: its email-based
header parser cost more than everything else per request, and writing ourselves lets a response leave in
one `send` and lets faults cut it (or the connection) exactly where they want.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable, Generator, Iterable
from contextlib import suppress
from dataclasses import dataclass
from http import HTTPStatus

from civitai_kit.testing.messages import FakeResponse, Headers

_MAX_LINE = 65536
_MAX_HEADERS = 100
_NO_BODY_STATUSES = frozenset({204, 304})
_REASONS = {status.value: status.phrase for status in HTTPStatus}
_BLANK = (b"\r\n", b"\n")


class BadRequestError(Exception):
    """The request's framing is broken: answer `status` and close the connection."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class BodyIteratorError(Exception):
    """A streamed response body raised while being sent; the cause is the handler's exception."""


@dataclass(frozen=True, slots=True)
class RequestHead:
    method: str
    target: str
    version: str
    headers: Headers


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_date_cache: tuple[int, str] = (0, "")


def http_date(timestamp: float | None = None) -> str:
    """An RFC 9110 `Date` value (English names whatever the locale), cached per second for `now`."""
    global _date_cache
    now = int(time.time() if timestamp is None else timestamp)
    if _date_cache[0] != now:
        t = time.gmtime(now)
        text = f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        _date_cache = (now, text + f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT")
    return _date_cache[1]


class Connection:
    """One client connection. `serve()` runs until the client closes, a response closes, or stop()."""

    def __init__(self, sock: socket.socket, dispatch: Callable[[Connection, RequestHead], None]) -> None:
        self.sock = sock
        self.rfile = sock.makefile("rb")
        self.close_connection = False
        self.version = "HTTP/1.1"
        self._dispatch = dispatch
        self._expects_continue = False

    def serve(self) -> None:
        with suppress(OSError):  # the client went away, or stop() shut the socket down
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while not self.close_connection:
                try:
                    head = self._read_head()
                except BadRequestError as exc:
                    self.close_connection = True
                    self.send(FakeResponse.text(str(exc), status=exc.status))
                    return
                if head is None:
                    return
                self._dispatch(self, head)
        finally:
            self.rfile.close()

    def _read_head(self) -> RequestHead | None:
        line = self.rfile.readline(_MAX_LINE + 1)
        while line in _BLANK:  # tolerate stray CRLFs between requests
            line = self.rfile.readline(_MAX_LINE + 1)
        if not line:
            return None
        if len(line) > _MAX_LINE:
            raise BadRequestError("request line too long", 414)
        parts = line.decode("latin-1").split()
        if len(parts) != 3:
            raise BadRequestError(f"malformed request line {line[:100]!r}")
        method, target, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            raise BadRequestError(f"unsupported version {version[:20]!r}", 505)
        self.version = version
        headers = Headers(self._read_header_lines())
        tokens = headers.get("connection", "").lower()
        self.close_connection = "close" in tokens if version == "HTTP/1.1" else "keep-alive" not in tokens
        self._expects_continue = version == "HTTP/1.1" and headers.get("expect", "").lower() == "100-continue"
        return RequestHead(method, target, version, headers)

    def _read_header_lines(self) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(_MAX_LINE + 1)
            if line in _BLANK:
                return pairs
            if not line:
                raise BadRequestError("connection closed inside the request headers")
            if len(line) > _MAX_LINE or len(pairs) >= _MAX_HEADERS:
                raise BadRequestError("request headers too large", 431)
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or not name or name != name.strip():
                raise BadRequestError(f"malformed header line {line[:100]!r}")
            pairs.append((name, value.strip()))

    def read_body(self, head: RequestHead) -> bytes:
        """The request body, de-chunked if needed (after a `100 Continue` if the client asked for one)."""
        if self._expects_continue:
            self._expects_continue = False
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in head.headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        length = head.headers.get("content-length")
        if length is None:
            return b""
        if not length.isdigit():
            raise BadRequestError(f"invalid Content-Length {length[:40]!r}")
        body = self.rfile.read(int(length))
        if len(body) != int(length):
            raise BadRequestError("request body shorter than its Content-Length")
        return body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_text = self.rfile.readline(_MAX_LINE + 1).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise BadRequestError(f"invalid chunk size {size_text[:40]!r}") from None
            if size == 0:
                while self.rfile.readline(_MAX_LINE + 1) not in (*_BLANK, b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(_MAX_LINE + 1)

    def send(self, response: FakeResponse, *, head: bool = False, truncate_at: int | None = None) -> None:
        """Write `response`. `head`: headers only. `truncate_at`: stop after that many body bytes and close.

        Raises BodyIteratorError if a streamed body fails (the connection is then closed mid-body).
        """
        status, given = response.status, response.headers
        headers = list(given.raw())
        has_length = "content-length" in given
        may_have_body = status >= 200 and status not in _NO_BODY_STATUSES
        chunked = False
        close = self.close_connection or "close" in given.get("connection", "").lower()
        if response.chunks is None:
            if may_have_body and not has_length:
                headers.append(("Content-Length", str(len(response.content))))
        elif response.content_length is not None:
            if not has_length:
                headers.append(("Content-Length", str(response.content_length)))
        elif self.version == "HTTP/1.0":
            close = True  # no chunked encoding in 1.0: the end of the body is the end of the connection
        elif may_have_body:
            headers.append(("Transfer-Encoding", "chunked"))
            chunked = True
        if truncate_at is not None:
            close = True
        if "date" not in given:
            headers.append(("Date", http_date()))
        if close and "connection" not in given:
            headers.append(("Connection", "close"))
        elif not close and self.version == "HTTP/1.0":
            headers.append(("Connection", "keep-alive"))
        self.close_connection = close

        reason = _REASONS.get(status, "Unknown Status")
        lines = [f"HTTP/1.1 {status} {reason}\r\n", *(f"{k}: {v}\r\n" for k, v in headers), "\r\n"]
        head_bytes = "".join(lines).encode("latin-1")
        if head or not may_have_body:
            _close_iterable(response.chunks)
            self.sock.sendall(head_bytes)
        elif response.chunks is None:
            body = response.content if truncate_at is None else response.content[:truncate_at]
            self.sock.sendall(head_bytes + body)
        else:
            self.sock.sendall(head_bytes)
            self._send_chunks(response.chunks, chunked, truncate_at)

    def _send_chunks(self, chunks: Iterable[bytes], chunked: bool, budget: int | None) -> None:
        guarded = _guarded(chunks, self)
        try:
            for chunk in guarded:
                if budget is not None:
                    chunk = chunk[:budget]
                    budget -= len(chunk)
                if chunk:
                    self.sock.sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
                if budget == 0:
                    return
        finally:
            guarded.close()
        if chunked:
            self.sock.sendall(b"0\r\n\r\n")

    def reset(self) -> None:
        """Drop the connection with a TCP RST (SO_LINGER 0) and no response at all."""
        self.close_connection = True
        with suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the socket only really closes once its file object is closed too
        self.sock.close()


def _guarded(chunks: Iterable[bytes], connection: Connection) -> Generator[bytes, None, None]:
    """Iterate a streamed body, turning its failures into BodyIteratorError (and closing it after)."""
    iterator = iter(chunks)
    try:
        while True:
            try:
                chunk = next(iterator)
            except StopIteration:
                return
            except Exception as exc:
                connection.close_connection = True
                raise BodyIteratorError(str(exc)) from exc
            if isinstance(chunk, bytes):
                yield chunk
            elif isinstance(chunk, bytearray | memoryview):
                yield bytes(chunk)
            else:
                connection.close_connection = True
                wrong = TypeError(f"a streamed body must yield bytes, got {type(chunk).__name__}: {chunk!r:.80}")
                raise BodyIteratorError(str(wrong)) from wrong
    finally:
        _close_iterable(iterator)


def _close_iterable(chunks: object) -> None:
    close = getattr(chunks, "close", None)
    if callable(close):
        with suppress(Exception):
            close()
