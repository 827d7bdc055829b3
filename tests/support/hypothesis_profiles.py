"""The suite's hypothesis profiles, chosen by ``HYPOTHESIS_PROFILE`` (loaded by ``tests/conftest.py``).

``ci`` (the default, ``make test``): deterministic (the same examples on every run and in every xdist worker),
no example database, no timing health check on a loaded machine. ``fast`` (``make test-fast``): ``ci`` with
each property test on a fifth of its examples. ``explore``: fresh random examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FAST_EXAMPLE_SHARE = 5

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("fast", parent=settings.get_profile("ci"))
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")


def examples(count: int) -> int:
    """How many of a property test's ``count`` examples this run draws: all, or a fifth (at least 2) under
    ``fast``. Tests call it only where ``tests/conftest.py`` cannot scale them (``@given`` inside a test)."""
    return max(2, count // FAST_EXAMPLE_SHARE) if PROFILE == "fast" else count
