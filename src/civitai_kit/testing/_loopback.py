"""`LoopbackServer`: the lifecycle and addresses the kit's servers share, so each keeps only how it serves.

`FakeCivitai` answers like Civitai and `HostileServer` misbehaves on purpose, but both start once, stop once,
work as context managers and name themselves by URL the same way. A subclass supplies `_accepted` (called on
the accept thread with each connection) and `_close_connections` (cut and join whatever is still serving).
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Any, Self

from civitai_kit.testing._listener import Listener

STOP_TIMEOUT_SECONDS = 5.0


class LoopbackServer:
    """A server on ``host:port`` (``0``: a free port) of the loopback interface; start once, stop once."""

    def __init__(self, host: str, port: int, *, name: str) -> None:
        self._bind_host = host
        self._listener = Listener(host, port, self._accepted, name=name)
        self._stopping = threading.Event()

    # -- hooks -----------------------------------------------------------------------------------------

    def _accepted(self, sock: socket.socket, address: Any) -> None:
        raise NotImplementedError

    def _before_accepting(self, port: int) -> None:
        """Called once the port is known and before the first connection is accepted."""

    def _close_connections(self, timeout: float) -> None:
        """Cut every open connection and join the threads serving them."""

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind, listen and serve in the background. Returns the server (so ``s = Server().start()``)."""
        name = type(self).__name__
        if self._listener.started:
            raise RuntimeError(f"{name} can be started once; create a new one")
        self._before_accepting(self._listener.bind())
        self._listener.start()
        return self

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Stop accepting, cut open connections (waking any that sleep), join every thread. Safe twice."""
        if not self._listener.stop(timeout):
            return
        self._stopping.set()
        self._close_connections(timeout)

    def __enter__(self) -> Self:
        """Start (unless `start()` was already called) and stop on exit."""
        return self if self.running else self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._listener.running

    @property
    def state(self) -> str:
        """The URL while running, else ``"stopped"`` or ``"not started"`` (for reprs)."""
        return self.url if self.running else "stopped" if self._stopping.is_set() else "not started"

    # -- addresses -------------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._bind_host

    @property
    def port(self) -> int:
        if not self._listener.port:
            name = type(self).__name__
            raise RuntimeError(f"{name} is not started; use `with {name}() as server:` or start()")
        return self._listener.port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        return self.url_for_host(self._bind_host)

    def url_for_host(self, host: str) -> str:
        """This server's base URL under another name for the same address (e.g. ``localhost``), so a test
        can make a redirect cross hosts (another origin for a client) without leaving loopback."""
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"
