"""`FakeCivitai`: a real HTTP/1.1 server on loopback that answers like Civitai, for tests and the sandbox.

    with FakeCivitai() as server:
        @server.route("GET", "/api/v1/models/{id}")
        def model(request: FakeRequest) -> FakeResponse:
            return FakeResponse.json({"id": int(request.path_params["id"])})
        ...  # point a client at server.url; assert on server.requests

Routes are added by the area helpers (`install_rest_routes(server)`, ...) or by a test. Unknown paths get
Civitai's HTML 404, a known path with the wrong method a JSON 405, and a crashing handler Civitai's 500
body (the crash is kept in `server.errors`). `server.faults` injects failures before the routes run.

It is not built on `http.server.ThreadingHTTPServer`: an own accept loop woken by a socket pair makes
`stop()` immediate (no poll interval), worker threads are reused across connections, and every open
connection is shut down on stop so no thread outlives the server.
"""

from __future__ import annotations

import socket
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from civitai_kit.testing._loopback import LoopbackServer
from civitai_kit.testing._wire import BadRequestError, BodyIteratorError, Connection, RequestHead
from civitai_kit.testing._workers import ConnectionWorkers
from civitai_kit.testing.faults import Fault, FaultKind, FaultPlan
from civitai_kit.testing.logs import ErrorLog, HandlerError, RequestLog
from civitai_kit.testing.messages import FakeRequest, FakeResponse
from civitai_kit.testing.pages import not_found_page
from civitai_kit.testing.routing import Handler, RouteMatch, RouteTable

H = TypeVar("H", bound=Handler)


class FakeCivitai(LoopbackServer):
    """A fake Civitai on `127.0.0.1` (or `::1`) and a free port, served from background threads."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port, name="fake-civitai")
        self._routes = RouteTable()
        self.requests = RequestLog()
        self.errors = ErrorLog()
        self.faults = FaultPlan()
        self._workers: ConnectionWorkers | None = None

    def _before_accepting(self, port: int) -> None:
        self._workers = ConnectionWorkers(self._serve_connection, name=f"fake-civitai-{port}")

    def _close_connections(self, timeout: float) -> None:
        """Raises RuntimeError if a handler is still busy after ``timeout`` seconds."""
        assert self._workers is not None
        stuck = self._workers.close(timeout)
        if stuck:
            names = ", ".join(thread.name for thread in stuck)
            raise RuntimeError(f"FakeCivitai: handler threads still running after stop (blocked handler?): {names}")

    # -- routes ----------------------------------------------------------------------------------------

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        """Serve `method pattern` with `handler`; re-adding the same pair replaces the handler."""
        self._routes.add(method, pattern, handler)

    def route(self, method: str, pattern: str) -> Callable[[H], H]:
        """Decorator form of `add_route`; returns the function unchanged."""

        def register(handler: H) -> H:
            self.add_route(method, pattern, handler)
            return handler

        return register

    @property
    def routes(self) -> list[str]:
        """Registered path patterns, most specific first."""
        return self._routes.patterns()

    # -- serving ---------------------------------------------------------------------------------------

    def _accepted(self, sock: socket.socket, address: Any) -> None:
        assert self._workers is not None
        self._workers.submit(sock, address)

    def _serve_connection(self, sock: socket.socket, address: Any) -> None:
        try:
            Connection(sock, self._dispatch).serve()
        except OSError:
            pass  # the client went away (or stop() shut the socket down)
        except Exception as exc:  # a bug in the fake itself: keep it visible
            self.errors.append(HandlerError(None, exc, traceback.format_exc()))

    def _dispatch(self, connection: Connection, head: RequestHead) -> None:
        try:
            body = connection.read_body(head)
        except BadRequestError as exc:
            connection.close_connection = True
            connection.send(FakeResponse.json({"error": str(exc)}, status=exc.status))
            return
        path, _, query = head.target.partition("?")
        match = self._routes.lookup(head.method, path)
        request = FakeRequest(head.method, path, query, head.headers, body, match.params, head.version)
        self.requests.append(request)
        headers_only = request.method == "HEAD"
        fault = self.faults.take(request)
        if fault is not None and self._apply_fault(fault, connection, headers_only):
            return
        response = self._answer(request, match)
        truncate_at = fault.n_bytes if fault is not None and fault.kind is FaultKind.TRUNCATE else None
        try:
            if truncate_at is not None and response.chunks is not None and response.content_length is None:
                response = FakeResponse(response.status, response.headers, response.read_all())
            connection.send(response, head=headers_only, truncate_at=truncate_at)
        except BodyIteratorError as exc:
            cause = exc.__cause__ or exc
            self.errors.append(HandlerError(request, cause, _format(cause)))
        except Exception as exc:  # read_all() of a failing stream
            connection.close_connection = True
            self.errors.append(HandlerError(request, exc, _format(exc)))

    def _apply_fault(self, fault: Fault, connection: Connection, headers_only: bool) -> bool:
        """Apply what happens before the route; True if the exchange is over."""
        if fault.kind is FaultKind.RESET:
            connection.reset()
            return True
        if fault.kind is FaultKind.RESPOND:
            assert fault.response is not None
            connection.send(fault.response, head=headers_only)
            return True
        if fault.kind is FaultKind.DELAY and self._stopping.wait(fault.seconds):
            connection.close_connection = True
            return True
        return False

    def _answer(self, request: FakeRequest, match: RouteMatch) -> FakeResponse:
        if match.handler is None:
            if match.allowed:
                allow = {"Allow": ", ".join(match.allowed)}
                return FakeResponse.json({"error": "Method not allowed"}, status=405, headers=allow)
            return not_found_page()
        try:
            return _as_response(match.handler(request))
        except Exception as exc:
            self.errors.append(HandlerError(request, exc, _format(exc)))
            message = str(exc) or type(exc).__name__
            return FakeResponse.json({"message": "An unexpected error occurred", "error": message}, status=500)

    def __repr__(self) -> str:
        return f"FakeCivitai({self.state}, {len(self._routes.patterns())} routes)"


def _as_response(result: object) -> FakeResponse:
    if isinstance(result, FakeResponse):
        return result
    if isinstance(result, dict | list):
        return FakeResponse.json(result)
    raise TypeError(f"route handler must return a FakeResponse (or a dict/list for JSON), got {result!r}")


def _format(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))
