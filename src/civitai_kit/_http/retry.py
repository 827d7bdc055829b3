"""When to retry and how long to wait: pure maths shared by the sync and async clients."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from civitai_kit.errors import Error, ErrorCode

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

# 429s that waiting will not cure: Civitai caps page-based paging at page*limit <= 1000, and the download
# limiter's message asks the user to come back much later.
_PERMANENT_429_PHRASES = ("too many pages", "use cursors", "unusual amount of downloading")
_MAX_DOUBLINGS = 64
"""``2.0 ** attempt`` overflows past 1023 doublings; 64 already exceeds any ``max_delay``."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter from ``base_delay`` capped at ``max_delay``; ``Retry-After`` honoured
    up to ``max_retry_after`` (a longer demand is not waited for: the failure is returned instead)."""

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    jitter: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def delay(self, attempt: int, error: Error) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or ``None`` to give up.

        ``attempt`` counts retries already made (0 for the first failure). Only call this for requests that
        are safe to repeat.
        """
        if attempt >= self.max_retries or not is_retryable(error):
            return None
        if error.retry_after is not None:
            wait = error.retry_after.total_seconds()
            return wait if wait <= self.max_retry_after else None
        backoff = min(self.max_delay, self.base_delay * (2.0 ** min(attempt, _MAX_DOUBLINGS)))
        return backoff * (0.75 + 0.25 * self.jitter())  # keep 75-100 %: spreads clients, never near zero


def is_retryable(error: Error) -> bool:
    """Connection trouble and transient statuses; never a permanent 429."""
    if error.code == ErrorCode.CIRCUIT_OPEN:
        return False
    if error.http_status is None:
        return error.code in (ErrorCode.HTTP_ERROR, ErrorCode.TIMEOUT)
    if error.http_status not in RETRYABLE_STATUSES:
        return error.code == ErrorCode.CLOUDFLARE_ERROR and error.http_status >= 500
    if error.http_status == 429:
        text = error.message.lower()
        return not any(phrase in text for phrase in _PERMANENT_429_PHRASES)
    return True
