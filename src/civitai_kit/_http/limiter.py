"""Client-side pacing: requests per second (a reservation-based token bucket) plus a concurrency cap.

The bucket only computes how long a caller must wait; the sync client sleeps with ``time.sleep`` and the
async client with ``asyncio.sleep``, each holding its own semaphore for the concurrency cap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RequestPacer:
    """Hands out send times spaced ``1 / rate`` apart, allowing a burst of ``burst`` requests."""

    def __init__(self, requests_per_second: float, burst: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        if requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive")
        self._interval = 1.0 / requests_per_second
        self._capacity = max(1, burst) * self._interval
        self._clock = clock
        self._lock = threading.Lock()
        self._next_free = float("-inf")

    def reserve(self) -> float:
        """Claim the next slot; returns how many seconds to wait before sending (0 when free now)."""
        with self._lock:
            now = self._clock()
            start = max(self._next_free, now - self._capacity + self._interval)
            self._next_free = start + self._interval
            return max(0.0, start - now)
