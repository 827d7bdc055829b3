"""Retry delays, the circuit breaker and the request pacer: pure maths with injected clocks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from civitai_kit._http.breaker import BreakerState, CircuitBreaker
from civitai_kit._http.limiter import RequestPacer
from civitai_kit._http.retry import RetryPolicy, is_retryable
from civitai_kit.errors import Error, ErrorCode


def _status(code: ErrorCode, status: int | None, message: str = "x", retry_after: float | None = None) -> Error:
    after = timedelta(seconds=retry_after) if retry_after is not None else None
    return Error(code, message, http_status=status, retry_after=after)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_is_exponential_capped_and_jittered_within_bounds() -> None:
    policy = RetryPolicy(max_retries=10, base_delay=0.5, max_delay=4.0, jitter=lambda: 1.0)
    error = _status(ErrorCode.SERVICE_UNAVAILABLE, 503)
    assert [policy.delay(n, error) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    low = RetryPolicy(max_retries=10, base_delay=0.5, max_delay=4.0, jitter=lambda: 0.0)
    assert low.delay(2, error) == pytest.approx(1.5)  # 75 % of 2.0


def test_retry_after_is_honoured_and_capped() -> None:
    policy = RetryPolicy(max_retries=3, max_retry_after=60)
    assert policy.delay(0, _status(ErrorCode.RATE_LIMITED, 429, retry_after=7)) == 7
    assert policy.delay(0, _status(ErrorCode.RATE_LIMITED, 429, retry_after=61)) is None


def test_gives_up_after_max_retries() -> None:
    policy = RetryPolicy(max_retries=2)
    error = _status(ErrorCode.BAD_GATEWAY, 502)
    assert policy.delay(1, error) is not None
    assert policy.delay(2, error) is None


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (_status(ErrorCode.TIMEOUT, 408), True),
        (_status(ErrorCode.RATE_LIMITED, 429), True),
        (_status(ErrorCode.SERVER_ERROR, 500), True),
        (_status(ErrorCode.BAD_GATEWAY, 502), True),
        (_status(ErrorCode.SERVICE_UNAVAILABLE, 503), True),
        (_status(ErrorCode.GATEWAY_TIMEOUT, 504), True),
        (_status(ErrorCode.HTTP_ERROR, None), True),  # connection reset, refused
        (_status(ErrorCode.TIMEOUT, None), True),
        (_status(ErrorCode.CLOUDFLARE_ERROR, 522), True),
        (_status(ErrorCode.BAD_REQUEST, 400), False),
        (_status(ErrorCode.UNAUTHORIZED, 401), False),
        (_status(ErrorCode.NOT_FOUND, 404), False),
        (_status(ErrorCode.NOT_IMPLEMENTED, 501), False),
        (_status(ErrorCode.CIRCUIT_OPEN, None), False),
        (_status(ErrorCode.HTTP_ERROR, 200), False),  # an error body with 200 is an answer, not a glitch
        (_status(ErrorCode.RATE_LIMITED, 429, "You've requested too many pages, please use cursors instead"), False),
        (
            _status(ErrorCode.RATE_LIMITED, 429, "We've noticed an unusual amount of downloading from your account."),
            False,
        ),
    ],
)
def test_what_is_retryable(error: Error, retryable: bool) -> None:
    assert is_retryable(error) is retryable


def _state(breaker: CircuitBreaker) -> BreakerState:
    """The state read fresh (mypy would keep ``breaker.state`` narrowed across the calls that change it)."""
    return breaker.state


def test_breaker_opens_after_threshold_then_half_opens_for_one_probe() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, reset_seconds=10, clock=clock)
    for _ in range(2):
        assert breaker.allow() is None
        breaker.record_failure()
    assert _state(breaker) is BreakerState.CLOSED
    breaker.record_failure()
    assert _state(breaker) is BreakerState.OPEN
    assert breaker.allow() == pytest.approx(10)
    clock.now += 4
    assert breaker.allow() == pytest.approx(6)
    clock.now += 6
    assert _state(breaker) is BreakerState.HALF_OPEN
    assert breaker.allow() is None  # the probe
    assert breaker.allow() is not None  # only one probe at a time
    breaker.record_failure()  # probe failed: open again
    assert _state(breaker) is BreakerState.OPEN
    clock.now += 10
    assert breaker.allow() is None
    breaker.record_success()
    assert _state(breaker) is BreakerState.CLOSED and breaker.allow() is None


def test_breaker_success_resets_the_count() -> None:
    breaker = CircuitBreaker(failure_threshold=2, reset_seconds=1, clock=FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert _state(breaker) is BreakerState.CLOSED


def test_pacer_spaces_requests_and_allows_a_burst() -> None:
    clock = FakeClock()
    pacer = RequestPacer(requests_per_second=4, burst=2, clock=clock)
    assert [pacer.reserve() for _ in range(4)] == pytest.approx([0, 0, 0.25, 0.5])
    clock.now += 10  # idle time refills the bucket, but never beyond the burst
    assert [pacer.reserve() for _ in range(3)] == pytest.approx([0, 0, 0.25])


def test_pacer_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="requests_per_second"):
        RequestPacer(0)
