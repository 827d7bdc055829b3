"""Fixtures: the fake orchestrator on loopback and SDK clients wired to it (sync and async), with an
injected clock and sleep so polling runs instantly and its schedule can be asserted."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic import SecretStr

from civitai_kit._http import AsyncHttpClient, ClientSettings, HttpClient, RetryPolicy
from civitai_kit.sdk import AsyncSdkClient, SdkClient
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import FakeOrchestrator, install_orchestration_routes

TOKEN = "sk-test-orchestration-0123456789"


class FakeTime:
    """A clock that only moves when something sleeps; remembers every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def server(fake_civitai: FakeCivitai) -> FakeCivitai:
    return fake_civitai


@pytest.fixture
def orchestrator(server: FakeCivitai) -> FakeOrchestrator:
    return install_orchestration_routes(server)


def settings_for(server: FakeCivitai, token: str | None = TOKEN) -> ClientSettings:
    return ClientSettings(
        base_url=server.url,
        token=SecretStr(token) if token else None,
        token_source="test",
        timeout=10.0,
        retry=RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.05),
        service="Civitai orchestration API",
    )


@pytest.fixture
def sdk(server: FakeCivitai, orchestrator: FakeOrchestrator, fake_time: FakeTime) -> Iterator[SdkClient]:
    http = HttpClient(settings_for(server), sleep=lambda s: None)
    with SdkClient(http_client=http, sleep=fake_time.sleep, clock=fake_time.clock) as client:
        yield client
    http.close()


@pytest.fixture
async def async_sdk(
    server: FakeCivitai, orchestrator: FakeOrchestrator, fake_time: FakeTime
) -> AsyncIterator[AsyncSdkClient]:
    async def no_sleep(seconds: float) -> None:
        return None

    http = AsyncHttpClient(settings_for(server), sleep=no_sleep)
    async with AsyncSdkClient(http_client=http, sleep=fake_time.asleep, clock=fake_time.clock) as client:
        yield client
    await http.aclose()
