"""A raw-socket loopback server for hostile wire behaviour: each accepted connection runs a *behaviour* that
reads requests and writes exact bytes (or resets, closes, stalls), and the server counts the requests it saw.

No HTTP library sits in between, so what the client receives is exactly what the test wrote.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable

from civitai_kit.testing._listener import Listener

_JOIN_SECONDS = 10.0


class Peer:
    """The server's side of one accepted connection."""

    def __init__(self, sock: socket.socket, server: RawServer) -> None:
        self.sock = sock
        self.server = server
        self._buffer = b""

    def read_request(self) -> bytes | None:
        """The next request head (its body, if any, is read and dropped); ``None`` when the client closed."""
        while b"\r\n\r\n" not in self._buffer:
            chunk = self._recv()
            if not chunk:
                return None
            self._buffer += chunk
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        length = _content_length(head)
        while len(self._buffer) < length:
            chunk = self._recv()
            if not chunk:
                return None
            self._buffer += chunk
        self._buffer = self._buffer[length:]
        self.server.record(head)
        return head

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN (SO_LINGER with a zero timeout)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self) -> None:
        self.sock.close()

    def stall(self) -> None:
        """Keep the connection open, silent, until the server shuts down."""
        self.server.stopping.wait(_JOIN_SECONDS * 3)

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``, less if the server shuts down (which also makes the next write fail)."""
        self.server.stopping.wait(seconds)

    def _recv(self) -> bytes:
        try:
            return self.sock.recv(65536)
        except OSError:
            return b""


Behaviour = Callable[[Peer], None]
"""Runs once per accepted connection; the socket is closed (if still open) when it returns."""


def answering(script: Behaviour) -> Behaviour:
    """A behaviour that reads the connection's request, then runs ``script`` (whose answer ends the exchange)."""

    def behaviour(peer: Peer) -> None:
        if peer.read_request() is not None:
            script(peer)

    return behaviour


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


class RawServer:
    """Listens on 127.0.0.1 (a free port) and runs ``behaviour`` for every connection, each in its own thread.

    Accepting is the kit's own [`Listener`][civitai_kit.testing._listener.Listener], so ``close()`` returns as
    soon as the behaviours have (it shuts every open connection down, which ends a behaviour blocked reading)."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.requests: list[bytes] = []
        self.connections = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._listener = Listener("127.0.0.1", 0, self._accepted, name="raw-server")
        self.port: int = self._listener.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def record(self, head: bytes) -> None:
        with self._lock:
            self.requests.append(head)

    def close(self) -> None:
        self.stopping.set()
        self._listener.stop(_JOIN_SECONDS)
        with self._lock:
            open_sockets, threads = list(self._open), list(self._threads)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(_JOIN_SECONDS)

    def _accepted(self, sock: socket.socket, _address: object) -> None:
        thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        with self._lock:
            self.connections += 1
            self._open.add(sock)
            self._threads.append(thread)
        thread.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(_JOIN_SECONDS)
        try:
            self.behaviour(Peer(sock, self))
        except OSError:
            pass
        finally:
            sock.close()
            with self._lock:
                self._open.discard(sock)


RawServerFactory = Callable[[Behaviour], RawServer]
