"""Threads that serve the fake server's connections: reused when idle, all unblocked on close."""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any


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
            with self._lock:  # only a thread that survived its connection counts as idle
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

    @property
    def idle_count(self) -> int:
        """Threads waiting for a connection (a finished connection's thread counts once it is back)."""
        with self._lock:
            return self._idle
