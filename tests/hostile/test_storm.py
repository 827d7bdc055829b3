"""Fault storms: 1 000 seeded calls per client (REST core and SDK) × mode (sync httpx, async httpx, async
aiohttp) against a server whose every answer is drawn from a mix of 500/502/503/429 (Retry-After ≤ 0.05 s),
cuts at random phases, truncated bodies and short stalls.

Each storm prints its totals (run with ``-s`` to see them) and must show: no untyped exception, no call
over 1 + MaxRetries attempts, no unkeyed POST seen twice, no call past the total deadline, no key leak.
"""

from __future__ import annotations

import threading

import pytest

from civitai_kit.testing.hostile import ClientMode, StormReport, report_json, run_storm

SEED = 20240611
CALLS = 1000
HARD_BOUND = 300.0


@pytest.mark.slow
@pytest.mark.parametrize("api", ["core", "sdk"])
def test_storm(mode: ClientMode, api: str) -> None:
    factory = mode.client_class(api)  # type: ignore[arg-type]
    box: list[StormReport | BaseException] = []

    def storm() -> None:
        try:
            box.append(run_storm(factory, seed=SEED, calls=CALLS, backend=mode.backend, name=f"{api} {mode.value}"))
        except BaseException as exc:  # reported below
            box.append(exc)

    thread = threading.Thread(target=storm, name=f"storm-{api}-{mode.value}", daemon=True)
    thread.start()
    thread.join(HARD_BOUND)
    assert not thread.is_alive(), f"the storm did not finish within {HARD_BOUND:.0f} s (a call hung)"
    (result,) = box
    if isinstance(result, BaseException):
        raise result
    report = result
    print()
    print(report.summary())
    print(report_json(report))
    assert sum(report.outcomes.values()) == CALLS
    assert report.ok, report.summary()
    assert report.deadline_seconds is not None, (
        "the options have no Resilience.TotalTimeoutSeconds: per-call wall time could not be held to a deadline"
    )
