"""The synchronous session: an ``httpx.Client``, the ``HttpCore`` and a blocking ``Driver`` whose
network it is (``_transmit`` performs a ``Send``).

The call's deadline is held during a body read by lowering the read timeout to the time left when the body
starts, checking the deadline between chunks and, once a single blocked read could overrun the deadline by
more than ``DEADLINE_SLACK``, by a timer that shuts the connection's socket at the deadline. Worst case
past the deadline: ``DEADLINE_SLACK`` on a plain httpx transport; one read timeout on a transport that
exposes no socket (a mock, the HTTP cache). Waiting for the response headers is bounded by the read timeout,
lowered to the time left at the send; that bound is per read, so headers dripped byte by byte are cut only
by httpcore's 100 KiB header limit (no socket is exposed before the headers are complete).
"""

from __future__ import annotations

import contextlib
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from civitai_kit._http.core import BodyBuffer, DeadlineReached, HttpCore, Outcome, Received, Send, parse_json
from civitai_kit._http.request import ApiRequest
from civitai_kit._http.response import Response, StreamingResponse
from civitai_kit._http.settings import ClientSettings
from civitai_kit._http.transports import build_sync_client
from civitai_kit._runtime import Driver
from civitai_kit.result import Failure, Result, Success

T = TypeVar("T")
DEADLINE_SLACK = 0.25
"""Seconds a body read may overrun the call's deadline before a timer is armed to cut it at the deadline."""


class HttpClient:
    """A configured HTTP session (connection pool, auth scoped to the API's origin, retries, circuit breaker,
    pacing) that several clients can share: build one from ``ClientSettings.for_core(options)`` or
    ``ClientSettings.for_sdk(options)`` and pass it as ``http_client=``; a client does not close a session it
    was given. Sends ``ApiRequest``s and returns ``Result``s, never raising for network or server trouble;
    ``driver`` runs the library's operations over it."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.core = HttpCore(settings, clock=clock)
        self._owns_client = http_client is None
        self._client = http_client or build_sync_client(settings, transport)
        self._direct = http_client is None and transport is None and settings.cache_directory is None
        """Responses come from httpx's own transport (no mock, no cache): a stream's body may be read directly."""
        self._slots = threading.BoundedSemaphore(settings.max_concurrency)
        self.driver = Driver(self, sleep=sleep, clock=clock)

    @property
    def settings(self) -> ClientSettings:
        return self.core.settings

    def send(self, request: ApiRequest) -> Result[Response]:
        return self.driver.run(self.core.call(request))

    def send_json(self, request: ApiRequest, parse: Callable[[Any], T]) -> Result[T]:
        sent = self.send(request)
        return sent if isinstance(sent, Failure) else parse_json(sent.value, parse)

    @contextmanager
    def stream(self, request: ApiRequest) -> Iterator[Result[StreamingResponse]]:
        result = self.driver.run(self.core.exchange(request, stream=True))
        if isinstance(result, Failure):
            yield result
            return
        response = result.value.response
        try:
            yield Success(StreamingResponse(response, direct=result.value.direct))
        finally:
            response.close()

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _transmit(self, action: Send) -> Outcome:
        """Perform ``action``: any exception the transport raises is the outcome; one raised past the
        deadline is the deadline."""
        deadline = time.monotonic() + action.budget
        if not self._slots.acquire(timeout=action.budget):
            return DeadlineReached()
        try:
            response = self._client.send(action.request, stream=True, follow_redirects=action.follow_redirects)
            return self._receive(response, action.body_for(response), deadline)
        except Exception as exc:
            return DeadlineReached() if time.monotonic() >= deadline else exc
        finally:
            self._slots.release()

    def _receive(self, response: httpx.Response, body: BodyBuffer | None, deadline: float) -> Received:
        if body is None or body.loaded:
            return Received(response, None if body is None else body.value(), direct=self._direct)
        with contextlib.closing(response), _Watchdog(response, deadline) as watchdog:
            for chunk in response.iter_raw():
                if not body.add(chunk):
                    break
                if not watchdog.check():
                    raise DeadlineReached
        return Received(response, body.value())


class _Watchdog:
    """Holds a body read to the deadline: lowers the read timeout to the time left, tells the reader when
    the deadline has passed, and arms a timer that shuts the socket at the deadline once a blocked read could
    overrun it by more than ``DEADLINE_SLACK``."""

    def __init__(self, response: httpx.Response, deadline: float) -> None:
        self._response = response
        self._deadline = deadline
        self._read_timeout = _lower_read_timeout(response, deadline - time.monotonic())
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._done = False

    def __enter__(self) -> _Watchdog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._done = True
        if self._timer is not None:
            self._timer.cancel()

    def check(self) -> bool:
        """``False`` once the deadline has passed."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            return False
        if self._timer is None and self._read_timeout - left > DEADLINE_SLACK:
            sock = _socket_of(self._response)
            if sock is not None:
                self._timer = threading.Timer(left, self._cut, (sock,))
                self._timer.daemon = True
                self._timer.start()
        return True

    def _cut(self, sock: socket.socket) -> None:
        with self._lock:
            if not self._done:  # never a connection already back in the pool
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _lower_read_timeout(response: httpx.Response, left: float) -> float:
    """Lower the per-read timeout of the body to come to ``left`` (httpcore reads it when the body starts);
    the timeout now in effect (``inf`` when there is none)."""
    timeouts = response.request.extensions.get("timeout")
    if not isinstance(timeouts, dict):
        return math.inf
    current = timeouts.get("read")
    if current is None or current > left:
        timeouts["read"] = current = max(left, 0.001)
    return float(current)


def _socket_of(response: httpx.Response) -> socket.socket | None:
    stream = response.extensions.get("network_stream")
    get_extra_info = getattr(stream, "get_extra_info", None)
    sock = get_extra_info("socket") if callable(get_extra_info) else None
    return sock if isinstance(sock, socket.socket) else None
