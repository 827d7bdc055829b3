"""The pytest plugin's client fixtures, used exactly as a user's own test suite would use them."""

from __future__ import annotations

from civitai_kit import AsyncCivitaiClient, CivitaiClient, SdkClient
from civitai_kit.testing.sandbox import Sandbox


def test_civitai_client_talks_to_the_sandbox(civitai_client: CivitaiClient, civitai_sandbox: Sandbox) -> None:
    page = civitai_client.models.execute(limit=2).unwrap()
    assert len(page.items) == 2
    assert civitai_sandbox.server.requests[-1].path == "/api/v1/models"


async def test_async_civitai_client(async_civitai_client: AsyncCivitaiClient) -> None:
    first = (await async_civitai_client.models.first_or_none()).unwrap()
    assert first is not None and first.id > 0


def test_sdk_client_fixture(civitai_sdk_client: SdkClient, civitai_sandbox: Sandbox) -> None:
    assert list(civitai_sdk_client.workflows.query(max_items=5)) == []  # a fresh orchestrator has none
    assert civitai_sandbox.server.requests[-1].headers["authorization"].startswith("Bearer ")
