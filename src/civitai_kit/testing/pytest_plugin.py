"""pytest fixtures for testing code that talks to Civitai, against `FakeCivitai` on loopback.

Registered through the `pytest11` entry point, so it loads in every pytest run of an environment where
civitai-kit is installed: it imports only the standard library (and the fake server's own modules).

    def test_lookup(fake_civitai):
        fake_civitai.add_route("GET", "/api/v1/models/{id}", lambda r: {"id": int(r.path_params["id"])})
        ...

A test that provokes a handler crash on purpose must `fake_civitai.errors.clear()` after asserting on it;
otherwise the fixture fails the test at teardown, because an unnoticed 500 from the fake usually hides a
bug in a route.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from civitai_kit.testing.server import FakeCivitai


@pytest.fixture
def fake_civitai() -> Iterator[FakeCivitai]:
    """A started `FakeCivitai` (no routes installed), stopped after the test."""
    with FakeCivitai() as server:
        yield server
        crashes = server.errors.snapshot()
    if crashes:
        details = "\n\n".join(str(crash) for crash in crashes)
        pytest.fail(f"FakeCivitai route handlers raised during the test:\n{details}", pytrace=False)


@pytest.fixture
def fake_civitai_url(fake_civitai: FakeCivitai) -> str:
    """The base URL of the `fake_civitai` server, e.g. `http://127.0.0.1:54321`."""
    return fake_civitai.url


# Client fixtures (a `CivitaiClient` / `AsyncCivitaiClient` / SDK client configured with
# `base_url=fake_civitai.url`) belong here; they are added once those clients exist.
