"""Helpers for the SDK tests: a fake clock, client settings for the loopback server, and ``resolve`` /
``collect`` so one test body runs against the sync and the async client alike."""

from __future__ import annotations

import inspect
from typing import Any

from pydantic import SecretStr

from civitai_kit._http import ClientSettings, RetryPolicy
from civitai_kit.testing import FakeCivitai

TOKEN = "sk-test-orchestration-0123456789"
SDXL = "urn:air:sdxl:checkpoint:civitai:101055@128078"
SD1 = "urn:air:sd1:checkpoint:civitai:4384@128713"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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


def settings_for(server: FakeCivitai, token: str | None = TOKEN) -> ClientSettings:
    return ClientSettings(
        base_url=server.url,
        token=SecretStr(token) if token else None,
        token_source="test",
        timeout=10.0,
        retry=RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.05),
        service="Civitai orchestration API",
    )


async def resolve(value: Any) -> Any:
    """The result of a sync call as is, of an async call awaited."""
    return await value if inspect.isawaitable(value) else value


async def collect(items: Any) -> list[Any]:
    """Every item of a sync or async iteration (``query()``, ``iterate()``)."""
    if hasattr(items, "__aiter__"):
        return [item async for item in items]
    return list(items)
