"""pytest fixtures for testing code that talks to Civitai, against `FakeCivitai` on loopback.

Registered through the `pytest11` entry point, so it loads in every pytest run of an environment where
civitai-kit is installed: it imports only the standard library (and the fake server's own modules). The
clients and options come through the package's lazy exports (`civitai_kit.CivitaiClient`), which import
them when a fixture first needs them.

    def test_lookup(fake_civitai):
        fake_civitai.add_route("GET", "/api/v1/models/{id}", lambda r: {"id": int(r.path_params["id"])})
        ...

    def test_search(civitai_client):            # a CivitaiClient wired to the full sandbox
        assert civitai_client.models.where_name("anime").execute(limit=3).is_success

A test that provokes a handler crash on purpose must `fake_civitai.errors.clear()` after asserting on it;
otherwise the fixture fails the test at teardown, because an unnoticed 500 from the fake usually hides a
bug in a route.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

import civitai_kit
from civitai_kit.testing.sandbox import Sandbox, install_sandbox
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


@pytest.fixture
def civitai_sandbox(fake_civitai: FakeCivitai) -> Sandbox:
    """`fake_civitai` with every area installed: REST catalogue, downloads and the Generator API."""
    return install_sandbox(fake_civitai)


@pytest.fixture
def civitai_options(civitai_sandbox: Sandbox) -> civitai_kit.CivitaiApiOptions:
    """Options pointing every client at the sandbox, isolated from the machine's own configuration."""
    return civitai_kit.CivitaiApiOptions.isolated(**civitai_sandbox.option_values())


@pytest.fixture
def civitai_client(civitai_options: civitai_kit.CivitaiApiOptions) -> Iterator[civitai_kit.CivitaiClient]:
    """A `CivitaiClient` talking to the sandbox over real loopback HTTP."""
    with civitai_kit.CivitaiClient(civitai_options) as client:
        yield client


@pytest.fixture
async def async_civitai_client(
    civitai_options: civitai_kit.CivitaiApiOptions,
) -> AsyncIterator[civitai_kit.AsyncCivitaiClient]:
    """An `AsyncCivitaiClient` talking to the sandbox (needs an async test runner such as pytest-asyncio)."""
    async with civitai_kit.AsyncCivitaiClient(civitai_options) as client:
        yield client


@pytest.fixture
def civitai_sdk_client(civitai_options: civitai_kit.CivitaiApiOptions) -> Iterator[civitai_kit.SdkClient]:
    """An `SdkClient` (Generator API) talking to the sandbox's fake orchestrator."""
    with civitai_kit.SdkClient(civitai_options) as client:
        yield client
