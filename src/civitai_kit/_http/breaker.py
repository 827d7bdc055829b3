"""A small circuit breaker: after N consecutive failures stop calling for a while, then let one probe through.

The probe must always resolve: with its outcome (``record_success`` / ``record_failure``) or, when it
ends without one (cancelled, interrupted, raised), with ``release_probe`` — else the breaker would stay
open for good. Off by default. Thread-safe; the same instance serves sync and async clients (its critical sections never
await).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class BreakerState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether a call may go ahead (``wait is None``), and whether it is the half-open probe."""

    wait: float | None = None
    """Seconds until the breaker half-opens, when the call may not go ahead."""
    probe: bool = False


ADMITTED = Admission()


class CircuitBreaker:
    def __init__(
        self, failure_threshold: int, reset_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self._threshold = failure_threshold
        self._reset = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state_locked()

    def _state_locked(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at >= self._reset:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> float | None:
        """``None`` when a call may go ahead, else the seconds until the breaker half-opens."""
        return self.admit().wait

    def admit(self) -> Admission:
        """Let a call through (the one probe, when half-open) or say how long until one may go."""
        with self._lock:
            state = self._state_locked()
            if state is BreakerState.CLOSED:
                return ADMITTED
            if state is BreakerState.HALF_OPEN and not self._probing:
                self._probing = True
                return Admission(probe=True)
            assert self._opened_at is not None
            return Admission(wait=max(0.0, self._reset - (self._clock() - self._opened_at)))

    def release_probe(self) -> None:
        """The probe ended without an outcome: the next call may probe instead."""
        with self._lock:
            self._probing = False

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._probing or self._failures >= self._threshold:
                self._opened_at = self._clock()
            self._probing = False
