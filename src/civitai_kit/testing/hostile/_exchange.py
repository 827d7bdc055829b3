"""What a misbehaviour works with: the request it answers (`HostileRequest`) and the raw socket it may
write anything to, cut, reset or stall (`Exchange`)."""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

HeaderValue = str | bytes
HeaderList = Sequence[tuple[str, HeaderValue]]

_REASONS = {status.value: status.phrase for status in HTTPStatus}


@dataclass(frozen=True, slots=True)
class HostileRequest:
    """One request as the hostile server read it off the wire (kept in ``HostileServer.requests``).

    ``index`` counts requests across the server; ``connection`` numbers TCP connections and ``position``
    is the request's place on its connection (0 = first, >0 = a reused keep-alive connection).
    ``dropped`` is true when the server read the request and cut the connection without answering it
    (see [`Misbehaviour.drop_on_reuse`][]).
    """

    index: int
    connection: int
    position: int
    method: str
    target: str
    version: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    dropped: bool = False

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    @property
    def query_items(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    def query_value(self, name: str) -> str | None:
        """The first value of query parameter ``name`` (None when absent)."""
        return next((value for key, value in self.query_items if key == name), None)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def header_all(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]

    @property
    def host(self) -> str:
        return self.header("host") or ""

    @property
    def authorization(self) -> str | None:
        return self.header("authorization")

    @property
    def url(self) -> str:
        """``http://<Host header><target>``: the URL the client asked for."""
        return f"http://{self.host}{self.target}"

    def json(self) -> Any:
        """The body decoded as JSON (ValueError if it is not)."""
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self) -> str:
        flag = " dropped" if self.dropped else ""
        where = f"conn={self.connection}:{self.position}{flag}"
        return f"HostileRequest(#{self.index} {self.method} {self.target[:120]!r} {where})"


@dataclass(slots=True)
class LinkState:
    """Per-connection state shared by the exchanges of one TCP connection."""

    number: int
    requests: int = 0
    closed: bool = False
    drop_next: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def encode_header_value(value: HeaderValue) -> bytes:
    if isinstance(value, bytes):
        return value
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def status_line(status: int, reason: str | None = None) -> bytes:
    text = reason if reason is not None else _REASONS.get(status, "Unknown")
    return b"HTTP/1.1 %d %s\r\n" % (status, text.encode("latin-1", errors="replace"))


def response_head(status: int, headers: HeaderList, *, reason: str | None = None) -> bytes:
    """A status line and exactly ``headers`` (nothing added), ending with the blank line."""
    parts = [status_line(status, reason)]
    parts.extend(name.encode("latin-1") + b": " + encode_header_value(value) + b"\r\n" for name, value in headers)
    parts.append(b"\r\n")
    return b"".join(parts)


def has_header(headers: HeaderList, name: str) -> bool:
    lowered = name.lower()
    return any(key.lower() == lowered for key, _ in headers)


def response_bytes(
    status: int,
    body: bytes = b"",
    headers: HeaderList = (),
    *,
    reason: str | None = None,
    content_length: bool = True,
    close: bool = False,
) -> bytes:
    """A complete HTTP/1.1 response. ``Content-Length`` is added unless ``headers`` has one or
    ``content_length`` is false; ``Connection: close`` is added when ``close``."""
    full = list(headers)
    if content_length and not has_header(full, "content-length"):
        full.append(("Content-Length", str(len(body))))
    if close and not has_header(full, "connection"):
        full.append(("Connection", "close"))
    return response_head(status, full, reason=reason) + body


class Exchange:
    """One request/response turn on a raw connection, handed to a misbehaviour's ``play``.

    A play writes whatever bytes it wants (``send``), may wait (``pause``/``drip``, both cut short when the
    server stops or is reset), and ends the connection with ``reset`` (TCP RST) or ``close`` (FIN). If it does
    neither, the connection stays open for the next request (keep-alive) unless the client asked to close.
    Writing to a client that went away raises ``OSError``; the server treats that as the end of the
    connection, never as a failure of the kit.
    """

    def __init__(
        self,
        sock: socket.socket,
        request: HostileRequest,
        link: LinkState,
        base_url: str,
        cutting: threading.Event,
        close_file: Any,
    ) -> None:
        self._sock = sock
        self.request = request
        self._link = link
        self._base_url = base_url
        self._cutting = cutting
        self._close_file = close_file
        self.bytes_sent = 0

    # -- addresses ---------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The server's base URL (``http://127.0.0.1:<port>``)."""
        return self._base_url

    def url_for_host(self, host: str) -> str:
        """The server's base URL under another host name (e.g. ``localhost``): still loopback, but another
        origin for the client, so it must not send its credentials there."""
        port = self._base_url.rsplit(":", 1)[1]
        return f"http://{host}:{port}"

    # -- writing -----------------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._link.closed

    def send(self, data: bytes) -> None:
        """Write ``data`` as is (``OSError`` if the client went away)."""
        if data:
            self._sock.sendall(data)
            self.bytes_sent += len(data)

    def send_chunks(self, chunks: Iterable[bytes]) -> None:
        """Write a streamed body piece by piece; stops early (without error) when the connection is cut (the
        server stops or is reset)."""
        for chunk in chunks:
            if self._cutting.is_set():
                return
            self.send(chunk)

    def respond(
        self,
        status: int,
        body: bytes = b"",
        headers: HeaderList = (),
        *,
        reason: str | None = None,
        close: bool = False,
    ) -> None:
        """A well-formed response (Content-Length added); with ``close``, a FIN follows."""
        self.send(response_bytes(status, body, headers, reason=reason, close=close))
        if close:
            self.close()

    def pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False (early) if the connection is being cut (the server stops or is reset)."""
        if seconds <= 0:
            return not self._cutting.is_set()
        return not self._cutting.wait(seconds)

    def drip(self, data: bytes, *, interval: float, chunk: int = 1) -> bool:
        """Send ``data`` ``chunk`` bytes at a time, waiting ``interval`` seconds before each piece.
        False if the connection was cut first."""
        for start in range(0, len(data), max(1, chunk)):
            if not self.pause(interval):
                return False
            self.send(data[start : start + max(1, chunk)])
        return True

    # -- ending ------------------------------------------------------------------------------------------

    def reset(self, *, after: float = 0.0) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), after waiting ``after`` seconds so that bytes
        already sent reach the client first."""
        if self._link.closed:
            return
        if after > 0:
            self.pause(after)
        self._link.closed = True
        with suppress(OSError):
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._release()

    def close(self) -> None:
        """Close the connection cleanly (FIN): what a server does after a close-delimited body."""
        if self._link.closed:
            return
        self._link.closed = True
        with suppress(OSError):
            self._sock.shutdown(socket.SHUT_WR)
        self._release()

    def drop_next_request(self) -> None:
        """Keep the connection open, but read the next request that arrives on it and cut the connection
        without answering: the keep-alive race a server's idle timeout causes."""
        self._link.drop_next = True

    def _release(self) -> None:
        with suppress(OSError):
            self._close_file()
        with suppress(OSError):
            self._sock.close()
