"""`HostileServer`: a threaded raw-socket HTTP/1.1 server on loopback that misbehaves on purpose.

    with HostileServer() as server:
        server.always("/api/v1/models/1", Misbehaviour.retry_after("1e15"))
        server.sequence("/api/v1/models", [Misbehaviour.reset(Phase.MID_HEADERS)] * 2,
                        then=Misbehaviour.json({"items": [], "metadata": {}}))
        ...  # point a client at server.url
        assert server.attempts("/api/v1/models/1") <= 4
        assert all(r.authorization is None for r in server.requests if r.host.startswith("localhost"))

Requests are read properly (keep-alive, Content-Length or chunked bodies, request lines up to 1 MiB);
answers are whatever the scripted [`Misbehaviour`][] writes to the socket — any bytes at all. Scripts
match a request's path exactly, by a prefix pattern ending in ``*``, or ``"*"`` for everything; a path
with no script gets a JSON 404. Every request is logged (method, target, headers, body, which connection).
"""

from __future__ import annotations

import collections
import socket
import threading
import traceback
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, BinaryIO

from civitai_kit.testing._loopback import STOP_TIMEOUT_SECONDS, LoopbackServer
from civitai_kit.testing.hostile._exchange import Exchange, HostileRequest, LinkState
from civitai_kit.testing.hostile.misbehaviours import Misbehaviour

Chooser = Callable[[HostileRequest], Misbehaviour]

MAX_LINE = 1 << 20
MAX_HEADERS = 200


@dataclass(frozen=True, slots=True)
class KitError:
    """A misbehaviour that crashed (a bug in the kit or in a custom play, not in the client)."""

    request: HostileRequest | None
    error: BaseException
    traceback: str

    def __str__(self) -> str:
        return f"{self.request!r}: {self.traceback}"


class _Script:
    def __init__(self) -> None:
        self.queue: collections.deque[Misbehaviour] = collections.deque()
        self.standing: Chooser | None = None


class HostileServer(LoopbackServer):
    """A loopback HTTP server that plays scripted misbehaviours. Thread-safe; start once, stop once."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, fallback: Misbehaviour | None = None) -> None:
        super().__init__(host, port, name="hostile")
        self._fallback = fallback or Misbehaviour.answer(
            lambda request: {"error": f"Not found (the hostile server has no script for {request.path})"},
            404,
            name="no-script-404",
        )
        self._scripts: dict[str, _Script] = {}
        self._lock = threading.Lock()
        self._requests: list[HostileRequest] = []
        self._played: list[tuple[int, str]] = []
        self.errors: list[KitError] = []
        """Crashes of misbehaviours (not of clients): a test of the kit expects this to stay empty."""
        self._threads: set[threading.Thread] = set()
        self._sockets: set[socket.socket] = set()
        self._connections = 0
        self._cutting = threading.Event()
        """Set when the open connections are cut (`stop`, `reset`): wakes their misbehaviours' pauses."""

    def _close_connections(self, timeout: float) -> None:
        self._cutting.set()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout)

    # -- scripting -----------------------------------------------------------------------------------------

    def always(self, path: str, behaviour: Misbehaviour) -> None:
        """Answer every request to ``path`` (after any queued ones) with ``behaviour``."""
        self.choose(path, lambda _request: behaviour)

    def choose(self, path: str, chooser: Chooser) -> None:
        """Answer requests to ``path`` with ``chooser(request)`` (e.g. drawn from a seeded RNG)."""
        with self._lock:
            self._scripts.setdefault(path, _Script()).standing = chooser

    def sequence(self, path: str, behaviours: Iterable[Misbehaviour], then: Misbehaviour | None = None) -> None:
        """The next requests to ``path`` get ``behaviours`` one each, in order; later ones ``then`` (if
        given; otherwise the path's standing script, or the 404 fallback)."""
        with self._lock:
            script = self._scripts.setdefault(path, _Script())
            script.queue.extend(behaviours)
        if then is not None:
            self.always(path, then)

    def clear(self) -> None:
        """Forget every script and the request log."""
        with self._lock:
            self._scripts.clear()
            self._requests.clear()
            self._played.clear()

    def reset(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """As good as new on the same port, so a test suite can share one server between tests: close the
        connections still waiting to be accepted, cut every open one (waking a stalled or dripping
        misbehaviour), then forget the scripts, the log and the kit errors, and number connections from 0."""
        if not self.running:
            raise RuntimeError(f"only a running server can be reset ({self.state})")
        self._listener.discard_pending()  # a client that gave up before it was accepted is not served later
        self._close_connections(timeout)
        with self._lock:
            self._cutting = threading.Event()
            self._connections = 0
            self.errors.clear()
        self.clear()

    def _pick(self, request: HostileRequest) -> Misbehaviour:
        with self._lock:
            script = self._match(request.path)
            if script is not None and script.queue:
                return script.queue.popleft()
            chooser = script.standing if script is not None else None
        return chooser(request) if chooser is not None else self._fallback

    def _match(self, path: str) -> _Script | None:
        if path in self._scripts:
            return self._scripts[path]
        prefixes = [p for p in self._scripts if p.endswith("*") and path.startswith(p[:-1])]
        return self._scripts[max(prefixes, key=len)] if prefixes else None

    # -- the log -------------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[HostileRequest]:
        """Every request received so far, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def played(self) -> list[tuple[int, str]]:
        """(request index, misbehaviour name) for every request answered so far."""
        with self._lock:
            return list(self._played)

    def attempts(self, path: str | None = None, *, method: str | None = None) -> int:
        """How many requests reached ``path`` (any path if None) with ``method`` (any if None)."""
        return sum(
            1
            for r in self.requests
            if (path is None or r.path == path) and (method is None or r.method == method.upper())
        )

    def max_attempts_per_request(self) -> int:
        """The most times one identical request (method, target, body) was received: the attempts a
        client made for one logical request, when each logical request differs (0 if none)."""
        counts = collections.Counter((r.method, r.target, r.body) for r in self.requests)
        return max(counts.values(), default=0)

    # -- serving -------------------------------------------------------------------------------------------

    def _accepted(self, sock: socket.socket, _address: Any) -> None:
        with self._lock:
            number = self._connections
            self._connections += 1
            thread = threading.Thread(
                target=self._serve, args=(sock, number), name=f"hostile-{self.port}-conn-{number}", daemon=True
            )
            self._threads.add(thread)
            self._sockets.add(sock)
            thread.start()  # under the lock: a concurrent stop or reset joins only started threads

    def _serve(self, sock: socket.socket, number: int) -> None:
        link = LinkState(number)
        rfile = sock.makefile("rb")
        try:
            while not link.closed and not self._stopping.is_set():
                if not self._serve_one(sock, rfile, link):
                    break
        except OSError:
            pass  # the client went away, or stop() cut the connection
        finally:
            with suppress(OSError):
                rfile.close()
            with suppress(OSError):
                sock.close()
            with self._lock:
                self._sockets.discard(sock)
                self._threads.discard(threading.current_thread())

    def _serve_one(self, sock: socket.socket, rfile: BinaryIO, link: LinkState) -> bool:
        parsed = _read_request(rfile)
        if parsed is None:
            return False
        method, target, version, headers, body = parsed
        with self._lock:
            request = HostileRequest(
                index=len(self._requests),
                connection=link.number,
                position=link.requests,
                method=method,
                target=target,
                version=version,
                headers=headers,
                body=body,
                dropped=link.drop_next,
            )
            self._requests.append(request)
        link.requests += 1
        exchange = Exchange(sock, request, link, self.url, self._cutting, rfile.close)
        if link.drop_next:
            with self._lock:
                self._played.append((request.index, "dropped-on-reuse"))
            exchange.reset()
            return False
        behaviour = self._pick(request)
        with self._lock:
            self._played.append((request.index, behaviour.name))
        try:
            behaviour.play(exchange)
        except OSError:
            raise
        except Exception as exc:
            self.errors.append(KitError(request, exc, traceback.format_exc()))
            exchange.reset()
            return False
        if not link.closed and "close" in (request.header("connection") or "").lower():
            exchange.close()
        return not link.closed

    def __repr__(self) -> str:
        return f"HostileServer({self.state}, {len(self.requests)} requests)"


def _read_request(rfile: BinaryIO) -> tuple[str, str, str, tuple[tuple[str, str], ...], bytes] | None:
    line = rfile.readline(MAX_LINE + 1)
    while line in (b"\r\n", b"\n"):
        line = rfile.readline(MAX_LINE + 1)
    if not line or len(line) > MAX_LINE:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3:
        return None
    method, target, version = parts
    headers: list[tuple[str, str]] = []
    while True:
        raw = rfile.readline(MAX_LINE + 1)
        if raw in (b"\r\n", b"\n"):
            break
        if not raw or len(raw) > MAX_LINE or len(headers) >= MAX_HEADERS:
            return None
        name, _, value = raw.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    lowered = {name.lower(): value for name, value in headers}
    body = b""
    if "chunked" in lowered.get("transfer-encoding", "").lower():
        body = _read_chunked(rfile)
    elif (length := lowered.get("content-length", "").strip()).isdigit():
        body = rfile.read(int(length))
    return method, target, version, tuple(headers), body


def _read_chunked(rfile: BinaryIO) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = rfile.readline(MAX_LINE + 1).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            return b"".join(parts)
        if size == 0:
            while rfile.readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        parts.append(rfile.read(size))
        rfile.readline(MAX_LINE + 1)
