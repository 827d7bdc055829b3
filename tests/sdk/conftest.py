"""Fixtures: the fake orchestrator on loopback and SDK clients wired to it. ``client`` is parametrized so
integration tests run against both the sync and the async client; polling uses an injected clock/sleep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from civitai_kit._http import AsyncHttpClient, HttpClient
from civitai_kit.sdk import AsyncSdkClient, SdkClient
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import FakeOrchestrator, install_orchestration_routes
from tests.support.sdk_support import FakeTime, settings_for


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def server(fake_civitai: FakeCivitai) -> FakeCivitai:
    return fake_civitai


@pytest.fixture
def orchestrator(server: FakeCivitai) -> FakeOrchestrator:
    return install_orchestration_routes(server)


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.fixture(params=["sync", "async"])
async def client(
    request: pytest.FixtureRequest, server: FakeCivitai, orchestrator: FakeOrchestrator, fake_time: FakeTime
) -> AsyncIterator[Any]:
    """An ``SdkClient`` or an ``AsyncSdkClient`` on the fake orchestrator (retries without real waits)."""
    if request.param == "sync":
        http = HttpClient(settings_for(server), sleep=lambda seconds: None)
        with SdkClient(http_client=http, sleep=fake_time.sleep, clock=fake_time.clock) as sdk:
            yield sdk
        http.close()
    else:
        ahttp = AsyncHttpClient(settings_for(server), sleep=_no_sleep)
        async with AsyncSdkClient(http_client=ahttp, sleep=fake_time.asleep, clock=fake_time.clock) as asdk:
            yield asdk
        await ahttp.aclose()
