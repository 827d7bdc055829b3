"""The listening half of the kit's loopback servers: bind, accept in a background thread, stop at once.

`FakeCivitai` and `HostileServer` differ in how they serve a connection, not in how they accept one: both
hand each accepted socket (blocking, Nagle off) to a callback. The accept loop sleeps in ``select`` and is
woken by a socket pair, so `stop()` returns without a poll interval.
"""

from __future__ import annotations

import selectors
import socket
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

Accepted = Callable[[socket.socket, Any], None]
"""Called on the accept thread with each new connection (already blocking) and the peer's address."""


class Listener:
    """A listening socket on ``host:port`` (``0``: a free port) whose accept thread is named
    ``{name}-{port}-accept``. Start once, stop once (stopping twice is harmless)."""

    def __init__(self, host: str, port: int, accepted: Accepted, *, name: str) -> None:
        self._bind = (host, port)
        self._accepted = accepted
        self._name = name
        self._socket: socket.socket | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.port = 0

    @property
    def started(self) -> bool:
        return self._socket is not None

    @property
    def running(self) -> bool:
        return self._socket is not None and not self._stopping.is_set()

    def bind(self) -> int:
        """Bind and listen (connections wait in the backlog until `start()`); returns the port."""
        if self._socket is not None or self._stopping.is_set():
            raise RuntimeError("a listener can be started once")
        host, port = self._bind
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listening = socket.create_server((host, port), family=family, backlog=128)
        listening.setblocking(False)
        self._socket = listening
        self.port = listening.getsockname()[1]
        return self.port

    def start(self) -> int:
        """Bind (unless `bind()` was called) and start accepting; returns the port."""
        if self._socket is None:
            self.bind()
        if self._thread is not None:
            raise RuntimeError("a listener can be started once")
        self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._loop, name=f"{self._name}-{self.port}-accept", daemon=True)
        self._thread.start()
        return self.port

    def stop(self, timeout: float) -> bool:
        """Stop accepting and close the listening socket. ``False`` if it was not running (never started,
        or already stopped)."""
        if self._socket is None or self._stopping.is_set():
            return False
        self._stopping.set()
        if self._wake is not None and self._thread is not None:
            with suppress(OSError):
                self._wake[1].send(b"x")
            self._thread.join(timeout)
        for sock in (self._socket, *(self._wake or ())):
            sock.close()
        return True

    def discard_pending(self) -> int:
        """Accept and close every connection waiting in the backlog; returns how many. Used between tests
        that share a server, so that a connection a client made and gave up on is never served later."""
        if self._socket is None:
            return 0
        discarded = 0
        while True:
            try:
                sock, _ = self._socket.accept()
            except OSError:  # nothing pending (BlockingIOError), or the socket was closed
                return discarded
            sock.close()
            discarded += 1

    def _loop(self) -> None:
        assert self._socket is not None and self._wake is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._socket, selectors.EVENT_READ)
            selector.register(self._wake[0], selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self._wake[0]:
                        return
                    self._accept_pending()

    def _accept_pending(self) -> None:
        assert self._socket is not None
        while True:
            try:
                sock, address = self._socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. EMFILE, or a connection aborted before accept: keep serving others
                return
            sock.setblocking(True)
            with suppress(OSError):  # the client may already be gone
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._accepted(sock, address)
