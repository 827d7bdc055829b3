"""The large-body read path: a streamed body read straight into the caller's buffers (downloads).

httpx reads a body 64 KiB at a time and hands each piece through several layers as a new ``bytes``; for a
file of gigabytes that per-piece work, not the network, is the limit. Here the caller lends a buffer (a
``memoryview``, typically 1 MiB reused over and over) and it is filled in place.

httpx still does everything up to the body: connecting, TLS, the request, redirects (a 307 to a storage host gets no
token: ``HttpCore`` scopes auth), the headers. The first piece of the body comes through httpx as usual, which also
empties h11's buffer (it hands over everything it holds of a ``Content-Length`` body at once). The rest is read from
the connection's network stream (httpcore's ``network_stream`` extension): ``recv_into`` on its socket when that
socket is the whole story (plain TCP, or an ``SSLSocket``), otherwise its ``read``; async, ``recv_into`` on a worker
thread once nothing is held above the socket ([`socket_lane`][civitai_kit._http.socket_lane]), otherwise its
``read``. Never past ``Content-Length``. The connection then leaves with the response: h11 has not seen the body
end, so closing the response closes the connection instead of pooling it.

Only where that is sound: HTTP/1.1, a ``Content-Length`` and no transfer or content coding, a response from
httpx's own transport (``direct``: not a mock's, not the HTTP cache's, which must see every byte); everything
else goes the ordinary way, through the same buffers. Either way, a broken body raises what
``StreamingResponse.iter_bytes`` raises: an ``ApiConnectionError`` (``ApiTimeoutError`` for a stall).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import httpcore
import httpx

from civitai_kit._http.socket_lane import SocketLane
from civitai_kit._runtime import run_blocking

_INCOMPLETE = "peer closed connection without sending complete message body"


class BodyReader:
    """Fills the caller's buffers with one response's body, in order; sync or async (one or the other)."""

    def __init__(self, response: httpx.Response, *, direct: bool) -> None:
        self._response = response
        self._pending = memoryview(b"")
        """The part of a piece from httpx that did not fit the buffer it came for."""
        self._chunks: Iterator[bytes] | AsyncIterator[bytes] | None = None
        self._left = _direct_length(response) if direct else None
        """Bytes of the body still to read from the network stream; ``None``: the ordinary way."""
        self._stream: Any = response.extensions.get("network_stream") if self._left is not None else None
        self._timeout = _read_timeout(response)
        self._socket: socket.socket | None = None
        self._lane: SocketLane | None = None
        """Async: the socket read on a worker thread, once nothing is held above it (``socket_lane``)."""
        self._failure: Exception | None = None

    def readinto(self, view: memoryview) -> int:
        """Fill ``view``; fewer bytes only at the body's end (0 once it is over). Raises httpx's exceptions,
        but only once the bytes read before the failure have been returned (a resume starts after them)."""
        filled = self._start(view)
        try:
            while filled < len(view):
                if self._chunks is not None and self._left is not None:
                    got = self._direct(view[filled:])
                else:
                    if self._chunks is None:
                        self._chunks = self._response.iter_bytes()
                    assert isinstance(self._chunks, Iterator)
                    got = self._keep(view[filled:], next(self._chunks, b""))
                if not got:
                    break
                filled += got
        except Exception as exc:
            return self._broke(exc, filled)
        return filled

    async def areadinto(self, view: memoryview) -> int:
        """The async twin of ``readinto``."""
        filled = self._start(view)
        try:
            while filled < len(view):
                if self._chunks is not None and self._left is not None:
                    got = await self._adirect(view[filled:])
                else:
                    if self._chunks is None:
                        self._chunks = self._response.aiter_bytes()
                    assert isinstance(self._chunks, AsyncIterator)
                    got = self._keep(view[filled:], await anext(self._chunks, b""))
                if not got:
                    break
                filled += got
        except Exception as exc:
            return self._broke(exc, filled)
        return filled

    def _start(self, view: memoryview) -> int:
        """Raise the failure an earlier call deferred; else begin ``view`` with what is pending."""
        if self._failure is not None:
            raise self._failure
        return self._from_pending(view)

    def _broke(self, exc: Exception, filled: int) -> int:
        """Return the bytes read before ``exc`` first; ``exc`` comes with the next call."""
        if not filled:
            raise exc
        self._failure = exc
        return filled

    def _from_pending(self, view: memoryview) -> int:
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _keep(self, view: memoryview, piece: bytes) -> int:
        """Copy what fits of an httpx ``piece`` into ``view``, keep the rest; count it against the body."""
        if self._left is not None:
            self._left -= len(piece)
            if self._left < 0:  # more than Content-Length through httpx: h11 would have refused it
                self._left = None
        self._pending = memoryview(piece)
        return self._from_pending(view)

    def _direct(self, view: memoryview) -> int:
        assert self._left is not None
        if self._left <= 0:
            return 0
        view = view[: self._left]
        with _as_httpx_errors():
            sock = self._socket or self._direct_socket()
            got = (
                sock.recv_into(view)
                if sock is not None
                else self._copy(view, self._stream.read(len(view), self._timeout))
            )
        return self._count(got)

    async def _adirect(self, view: memoryview) -> int:
        assert self._left is not None
        if self._left <= 0:
            return 0
        try:
            with _as_httpx_errors():
                lane = self._lane = self._lane or SocketLane.open(self._stream, self._timeout)
                if lane is None:
                    piece = await self._stream.read(min(len(view), self._left), self._timeout)
                    return self._count(self._copy(view, piece))
            return await run_blocking(partial(self._lane_read, lane, view), lane.close)
        except BaseException:
            self.close()
            raise

    def readinto_off_loop(self, view: memoryview) -> int | None:
        """``areadinto`` on a thread that is not the event loop's (the worker of an operation run with
        ``offload=True``), possible once the body comes through the socket lane: the lane's reads block that
        thread only. ``None``: this read needs the loop (no lane yet, bytes pending above it, a failure to
        raise)."""
        lane = self._lane
        if lane is None or self._pending or self._failure is not None:
            return None
        filled = 0
        try:
            while filled < len(view) and self._left:
                got = self._lane_read(lane, view[filled:])
                filled += got
        except Exception as exc:
            return self._broke(exc, filled)
        return filled

    def _lane_read(self, lane: SocketLane, view: memoryview) -> int:
        """One fill of ``view`` from the socket lane, on a worker thread (blocking)."""
        assert self._left is not None
        try:
            with _as_httpx_errors():
                return self._count(lane.fill(view[: self._left]))
        except BaseException:
            self.close()
            raise

    def _count(self, got: int) -> int:
        if not got:
            raise httpx.RemoteProtocolError(_INCOMPLETE)
        assert self._left is not None
        self._left -= got
        if not self._left:
            self.close()
        return got

    def close(self) -> None:
        """Let go of what the direct path holds (the lane's duplicate socket); the response closes the rest."""
        if self._lane is not None:
            self._lane.close()

    @staticmethod
    def _copy(view: memoryview, piece: bytes) -> int:
        view[: len(piece)] = piece
        return len(piece)

    def _direct_socket(self) -> socket.socket | None:
        """The socket to ``recv_into`` when reading it yields the body's bytes (plain TCP, or an ``SSLSocket``
        that decrypts), its timeout set to the read timeout; ``None``: use the stream's ``read``."""
        get_extra_info = getattr(self._stream, "get_extra_info", None)
        if not callable(get_extra_info):
            return None
        sock, tls = get_extra_info("socket"), get_extra_info("ssl_object")
        plain = tls is None and type(sock) is socket.socket
        decrypting = isinstance(sock, ssl.SSLSocket) and not isinstance(tls, ssl.SSLObject)  # not TLS in TLS
        if not (plain or decrypting):
            return None
        sock.settimeout(self._timeout)
        self._socket = sock
        return self._socket


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """A direct read's failures as the exceptions httpx raises for the same failures through its own path."""
    try:
        yield
    except TimeoutError as exc:
        raise httpx.ReadTimeout(str(exc) or "timed out") from exc
    except OSError as exc:
        raise httpx.ReadError(f"{type(exc).__name__}: {exc}") from exc
    except httpcore.TimeoutException as exc:
        raise httpx.ReadTimeout(str(exc) or "timed out") from exc
    except httpcore.NetworkError as exc:
        raise httpx.ReadError(str(exc)) from exc


def _direct_length(response: httpx.Response) -> int | None:
    """The body's length when it may be read from the network stream, else ``None``."""
    headers = response.headers
    if response.http_version != "HTTP/1.1" or "transfer-encoding" in headers:
        return None
    if response.request.method == "HEAD" or response.status_code in (204, 304):
        return None  # no body, whatever Content-Length says
    if headers.get("content-encoding", "identity").strip().lower() not in ("", "identity"):
        return None
    if not callable(getattr(response.extensions.get("network_stream"), "read", None)):
        return None
    lengths = set(headers.get_list("content-length"))
    if len(lengths) != 1 or not ((text := lengths.pop().strip()).isascii() and text.isdigit()):  # not "²"
        return None
    return int(text)


def _read_timeout(response: httpx.Response) -> float | None:
    """The read timeout httpcore applies to this response's reads."""
    timeouts = response.request.extensions.get("timeout")
    read = timeouts.get("read") if isinstance(timeouts, dict) else None
    return float(read) if read is not None else None
