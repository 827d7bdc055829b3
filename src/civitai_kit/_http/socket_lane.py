"""The async large-body read off the event loop: ``recv_into`` on a worker thread, a whole buffer per trip.

Under asyncio, httpcore's stream hands a body over as ``bytes`` of at most 256 KiB, each one a round of the
event loop (the transport's read, anyio's queue, a pause and a resume of reading) and then a copy into the
caller's buffer: ~5 000 rounds for 512 MiB. Once nothing of the body is held above the socket, the caller's
buffer can be filled straight from the socket instead, by a worker thread, one trip per buffer.

Only where that is verifiably sound (``SocketLane.open`` checks each condition, else the caller reads the ordinary
way): asyncio's selector event loop runs; the stream (under ``network``'s wrapper) is anyio's asyncio
``SocketStream`` over plain TCP (TLS is decrypted above the socket); its receive queue is empty, it has seen no end
or error, and the transport is not reading (anyio pauses it between receives, so nothing else takes bytes off the
socket while the thread reads). The thread reads a duplicate of the socket's descriptor: it stays valid whoever
closes the transport, and is closed only once no thread reads it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from asyncio.trsock import TransportSocket
from collections import deque
from typing import Any

from civitai_kit._http.network import SocketCachingStream

_NO_TIMEOUT_STEP = 60.0
"""With no read timeout, the thread waits in steps of this long (the descriptor must stay non-blocking: it is
shared with the transport)."""


class SocketLane:
    """A duplicate of a quiet connection's socket, read by one worker thread at a time."""

    def __init__(self, sock: socket.socket, timeout: float | None) -> None:
        self._sock = sock
        self._forever = timeout is None
        sock.settimeout(_NO_TIMEOUT_STEP if timeout is None else timeout)  # > 0: stays non-blocking
        self._lock = threading.Lock()
        self._busy = False
        self._closed = False
        self._error: OSError | None = None
        """What broke a fill after it had read some bytes: raised by the next one."""

    @classmethod
    def open(cls, stream: Any, timeout: float | None) -> SocketLane | None:
        """A lane for httpcore's network ``stream`` when nothing of the body is held above its socket; ``None``:
        read it the ordinary way (for now: a queue that still holds bytes empties with the next ordinary read)."""
        raw = _quiet_socket(stream)
        if raw is None:
            return None
        return cls(raw.dup(), timeout)

    def fill(self, view: memoryview) -> int:
        """Fill ``view`` from the socket (run on a worker thread): fewer bytes only at the stream's end or when
        it broke (the failure then comes with the next call). Raises ``OSError`` (``TimeoutError`` for a stall)."""
        with self._lock:
            if self._closed:
                raise ConnectionAbortedError("the response was closed")
            self._busy = True
        got = 0
        try:
            if self._error is not None:
                raise self._error
            while got < len(view):
                try:
                    count = self._sock.recv_into(view[got:])
                except TimeoutError:
                    if self._forever:
                        continue
                    raise
                if not count:
                    break
                got += count
        except OSError as exc:
            if not got:
                raise
            self._error = exc
        finally:
            self._release()
        return got

    def close(self) -> None:
        """Close the duplicate now, or, while a thread reads it, wake that thread (its read ends) and let it
        close the duplicate when it leaves. Idempotent; safe from any thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if not self._busy:
                self._sock.close()
                return
            with contextlib.suppress(OSError):  # under the lock: the reading thread cannot close it meanwhile
                self._sock.shutdown(socket.SHUT_RDWR)  # the connection is closing anyway

    def _release(self) -> None:
        with self._lock:
            self._busy = False
            if self._closed:
                self._sock.close()


def _quiet_socket(stream: Any) -> TransportSocket | None:
    """The transport's socket when every condition of the module docstring holds, else ``None``."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # another event loop (trio)
        return None
    if not isinstance(loop, asyncio.SelectorEventLoop):  # a proactor may hold a read in flight; uvloop: unknown
        return None
    if type(stream) is SocketCachingStream:  # the async pool's own backend wraps httpcore's stream
        stream = stream.inner
    inner = getattr(stream, "_stream", None)  # httpcore's AnyIOStream wraps anyio's stream
    if not (
        _is(stream, "httpcore._backends.anyio", "AnyIOStream")
        and _is(inner, "anyio._backends._asyncio", "SocketStream")
    ):
        return None
    protocol, transport = getattr(inner, "_protocol", None), getattr(inner, "_transport", None)
    queue = getattr(protocol, "read_queue", None)
    if not (isinstance(queue, deque) and isinstance(transport, asyncio.Transport)):
        return None
    if queue or getattr(protocol, "exception", True) is not None or getattr(protocol, "is_at_eof", True) is not False:
        return None
    if transport.is_closing() or transport.is_reading() or transport.get_extra_info("sslcontext") is not None:
        return None
    raw = transport.get_extra_info("socket")
    if type(raw) is not TransportSocket:
        return None
    return raw if raw.family in (socket.AF_INET, socket.AF_INET6) and raw.type == socket.SOCK_STREAM else None


def _is(value: object, module: str, name: str) -> bool:
    """``value``'s class is exactly that one: internals of a version or backend not known here are not relied on."""
    kind = type(value)
    return kind.__module__ == module and kind.__qualname__ == name
