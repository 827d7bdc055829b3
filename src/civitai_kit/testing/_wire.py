"""The HTTP/1.1 wire layer of the fake server: one `Connection` per accepted socket (keep-alive), and the
worker threads that serve them.

Parsing of the request line and headers is the stdlib's (`BaseHTTPRequestHandler`); writing is ours, so a
response goes out in as few `send` calls as possible and faults can cut it wherever they like.
"""

from __future__ import annotations

import queue
import socket
import struct
import threading
from collections.abc import Callable, Generator, Iterable
from contextlib import suppress
from http.server import BaseHTTPRequestHandler
from typing import Any

from civitai_kit.testing.messages import FakeResponse

_MAX_LINE = 65536
_NO_BODY_STATUSES = frozenset({204, 304})


class BadRequestError(Exception):
    """The request's framing is broken (bad Content-Length or chunk size): answer 400 and close."""


class BodyIteratorError(Exception):
    """A streamed response body raised while being sent; the cause is the handler's exception."""


class Connection(BaseHTTPRequestHandler):
    """Serves the requests of one keep-alive connection, handing each to `dispatch`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = None  # idle keep-alive connections wait; stopping the server shuts their sockets down

    def __init__(self, sock: socket.socket, address: Any, dispatch: Callable[[Connection], None]) -> None:
        # Not BaseRequestHandler.__init__: it wants a socketserver; we only need the socket.
        self.request = sock
        self.client_address = address
        self._dispatch = dispatch
        self.setup()
        try:
            self.handle()
        finally:
            self.finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a test server must not write to stderr for every request."""

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(_MAX_LINE + 1)
        except OSError:  # reset by the client, or shut down by stop()
            self.close_connection = True
            return
        if len(self.raw_requestline) > _MAX_LINE:
            self.requestline, self.request_version, self.command = "", "HTTP/1.1", ""
            self.send_error(414)
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():  # it has already answered 400/505
            return
        self._dispatch(self)

    def read_body(self) -> bytes:
        """The request body, de-chunked if needed. Raises BadRequestError on broken framing."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.strip().isdigit():
            raise BadRequestError(f"invalid Content-Length {length!r}")
        body = self.rfile.read(int(length))
        if len(body) != int(length):
            raise BadRequestError("request body shorter than its Content-Length")
        return body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = self.rfile.readline(_MAX_LINE + 1).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise BadRequestError(f"invalid chunk size {size_line!r}") from None
            if size == 0:
                while self.rfile.readline(_MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
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
        elif self.request_version == "HTTP/1.0":
            close = True  # no chunked encoding in 1.0: the end of the body is the end of the connection
        elif may_have_body:
            headers.append(("Transfer-Encoding", "chunked"))
            chunked = True
        if truncate_at is not None:
            close = True
        if "date" not in given:
            headers.append(("Date", self.date_time_string()))
        if close and "connection" not in given:
            headers.append(("Connection", "close"))
        elif not close and self.request_version == "HTTP/1.0":
            headers.append(("Connection", "keep-alive"))
        self.close_connection = close

        reason = self.responses.get(status, ("Unknown Status",))[0]
        lines = [f"HTTP/1.1 {status} {reason}\r\n", *(f"{k}: {v}\r\n" for k, v in headers), "\r\n"]
        head_bytes = "".join(lines).encode("latin-1")
        if head or not may_have_body:
            _close_iterable(response.chunks)
            self.wfile.write(head_bytes)
        elif response.chunks is None:
            body = response.content if truncate_at is None else response.content[:truncate_at]
            self.wfile.write(head_bytes + body)
        else:
            self.wfile.write(head_bytes)
            self._send_chunks(response.chunks, chunked, truncate_at)

    def _send_chunks(self, chunks: Iterable[bytes], chunked: bool, budget: int | None) -> None:
        guarded = _guarded(chunks, self)
        try:
            for chunk in guarded:
                if budget is not None:
                    chunk = chunk[:budget]
                    budget -= len(chunk)
                if chunk:
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
                if budget == 0:
                    return
        finally:
            guarded.close()
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def reset(self) -> None:
        """Drop the connection with a TCP RST (SO_LINGER 0) and no response at all."""
        self.close_connection = True
        with suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # The socket only really closes once its file objects are closed too.
        self.rfile.close()
        self.wfile.close()
        self.connection.close()


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
            yield bytes(chunk)
    finally:
        _close_iterable(iterator)


def _close_iterable(chunks: object) -> None:
    close = getattr(chunks, "close", None)
    if callable(close):
        with suppress(Exception):
            close()


class ConnectionWorkers:
    """Threads that serve accepted connections. An idle thread is reused before a new one is started,
    and `close()` shuts every open connection down so no thread outlives the server."""

    def __init__(self, serve: Callable[[socket.socket, Any], None], name: str) -> None:
        self._serve = serve
        self._name = name
        self._queue: queue.SimpleQueue[tuple[socket.socket, Any] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._closed = False

    def submit(self, sock: socket.socket, address: Any) -> None:
        with self._lock:
            if self._closed:
                sock.close()
                return
            self._open.add(sock)
            if self._idle:
                self._idle -= 1
            else:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}-conn-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        self._queue.put((sock, address))

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            sock, address = item
            try:
                self._serve(sock, address)
            finally:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_WR)
                sock.close()
                with self._lock:
                    self._open.discard(sock)
                    self._idle += 1

    def close(self, timeout: float) -> list[threading.Thread]:
        """Stop serving; returns the threads that did not finish within `timeout` seconds."""
        with self._lock:
            self._closed = True
            open_sockets, threads = list(self._open), list(self._threads)
        for sock in open_sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout)
        return [thread for thread in threads if thread.is_alive()]

    @property
    def thread_count(self) -> int:
        return len(self._threads)
