"""Fault injection: make the next matching requests fail the way the real service (or network) does.

    server.faults.add(Fault.status(429, retry_after=2), path="/api/v1/models", times=2)
    server.faults.sequence("/api/v1/images", [Fault.status(503), Fault.reset()])  # then normal answers

A fault is taken before the route runs. `respond`-type faults replace the answer; `delay` waits and then
lets the route answer; `truncate` lets the route answer but cuts its body short; `reset` drops the
connection without a word.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from civitai_kit.testing.messages import FakeRequest, FakeResponse, Headers, HeadersLike
from civitai_kit.testing.pages import cloudflare_page
from civitai_kit.testing.routing import path_filter


class FaultKind(enum.Enum):
    RESPOND = "respond"  # answer with `Fault.response` instead of the route
    RESET = "reset"  # close the connection abruptly (RST), no response
    TRUNCATE = "truncate"  # the route's headers (full Content-Length), then only `n_bytes` of its body
    DELAY = "delay"  # wait `seconds`, then the route answers normally


@dataclass(frozen=True)
class Fault:
    """One injected failure. Build with the constructors (`Fault.status(503)`, `Fault.reset()`, ...)."""

    kind: FaultKind
    response: FakeResponse | None = None
    seconds: float = 0.0
    n_bytes: int = 0

    @staticmethod
    def status(
        code: int,
        body: Any = None,
        headers: HeadersLike = None,
        retry_after: str | float | None = None,
    ) -> Fault:
        """Answer `code`. `body`: dict/list → JSON, str → text, bytes → raw; None → Civitai's usual
        `{"error": "<reason phrase>"}`. `retry_after` sets the `Retry-After` header (seconds or a date)."""
        extra = Headers(headers).raw()
        if retry_after is not None:
            extra = (*extra, ("Retry-After", _retry_after_text(retry_after)))
        if body is None:
            body = {"error": _reason(code)}
        if isinstance(body, str):
            return Fault.respond(FakeResponse.text(body, status=code, headers=extra))
        if isinstance(body, bytes | bytearray):
            return Fault.respond(FakeResponse.bytes(bytes(body), status=code, headers=extra))
        return Fault.respond(FakeResponse.json(body, status=code, headers=extra))

    @staticmethod
    def json(status: int, body: Any, headers: HeadersLike = None) -> Fault:
        """Answer with a JSON body, e.g. `Fault.json(200, {"error": "..."})` (an error behind a 200)."""
        return Fault.respond(FakeResponse.json(body, status=status, headers=headers))

    @staticmethod
    def html(status: int, text: str, headers: HeadersLike = None) -> Fault:
        """Answer with an HTML page (`content-type: text/html`)."""
        return Fault.respond(FakeResponse.html(text, status=status, headers=headers))

    @staticmethod
    def cloudflare(status: int = 522, ray_id: str | None = None) -> Fault:
        """Cloudflare's HTML error page for `status` (522 timed out, 1015 page for 429, ...)."""
        return Fault.respond(cloudflare_page(status, ray_id=ray_id))

    @staticmethod
    def empty(status: int, headers: HeadersLike = None) -> Fault:
        """Answer `status` with no body at all."""
        return Fault.respond(FakeResponse.empty(status, headers=headers))

    @staticmethod
    def respond(response: FakeResponse) -> Fault:
        """Answer with any `FakeResponse` instead of the route. A streamed body must be re-iterable (a
        list of chunks, not a generator), because one fault may answer several requests."""
        if response.chunks is not None and iter(response.chunks) is response.chunks:
            raise ValueError("response: a fault's streamed body must be a list of chunks, not an iterator")
        return Fault(FaultKind.RESPOND, response=response)

    @staticmethod
    def reset() -> Fault:
        """Drop the connection without sending anything (a TCP RST where the OS allows it)."""
        return Fault(FaultKind.RESET)

    @staticmethod
    def truncate(n_bytes: int) -> Fault:
        """Send the route's headers with the full `Content-Length`, then only `n_bytes` of the body, then
        close: what a download cut off mid-way looks like."""
        if isinstance(n_bytes, bool) or not isinstance(n_bytes, int) or n_bytes < 0:
            raise ValueError(f"n_bytes must be an int >= 0, got {n_bytes!r}")
        return Fault(FaultKind.TRUNCATE, n_bytes=n_bytes)

    @staticmethod
    def delay(seconds: float) -> Fault:
        """Wait `seconds` before the route answers (to trip client timeouts)."""
        if not seconds >= 0:
            raise ValueError(f"seconds must be >= 0, got {seconds!r}")
        return Fault(FaultKind.DELAY, seconds=float(seconds))


def _reason(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def _retry_after_text(value: str | float) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass
class _Rule:
    fault: Fault
    matches_path: Callable[[str], bool]
    method: str | None
    remaining: int | None  # None: until cleared

    def applies_to(self, request: FakeRequest) -> bool:
        return (
            self.remaining != 0
            and (self.method is None or self.method == request.method)
            and self.matches_path(request.path)
        )


class FaultPlan:
    """The faults waiting for requests (`server.faults`). Rules apply in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._injected: list[tuple[FakeRequest, Fault]] = []

    def add(self, fault: Fault, path: str | None = None, method: str | None = None, times: int | None = 1) -> None:
        """Apply `fault` to the next `times` requests matching `path` and `method` (None: any;
        `times=None`: every match until `clear()`). See `routing.path_filter` for `path` forms."""
        if not isinstance(fault, Fault):
            raise TypeError(f"fault must be a Fault (e.g. Fault.status(503)), got {fault!r}")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise ValueError(f"times must be an int >= 1 or None, got {times!r}")
        rule = _Rule(fault, path_filter(path), method.upper() if method else None, times)
        with self._lock:
            self._rules.append(rule)

    def sequence(self, path: str | None, faults: Iterable[Fault], method: str | None = None) -> None:
        """The next matching requests get these faults one after another; later ones are served normally."""
        for fault in faults:
            self.add(fault, path=path, method=method, times=1)

    def clear(self) -> None:
        """Forget every pending fault (the `injected` history is kept)."""
        with self._lock:
            self._rules.clear()

    @property
    def pending(self) -> int:
        """How many rules still have injections left (a `times=None` rule counts once)."""
        with self._lock:
            return sum(1 for rule in self._rules if rule.remaining != 0)

    @property
    def injected(self) -> list[tuple[FakeRequest, Fault]]:
        """Every (request, fault) applied so far, oldest first."""
        with self._lock:
            return list(self._injected)

    def take(self, request: FakeRequest) -> Fault | None:
        """The fault for `request`, if any, consuming one use of its rule (called by the server)."""
        if not self._rules:  # fast path; a racing add() is simply seen by the next request
            return None
        with self._lock:
            for rule in self._rules:
                if rule.applies_to(request):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    self._rules = [r for r in self._rules if r.remaining != 0]
                    self._injected.append((request, rule.fault))
                    return rule.fault
        return None
