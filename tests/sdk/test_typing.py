"""Static types of the twin clients (checked by ``mypy --strict``; the calls also run against the fake)."""

from __future__ import annotations

from typing import assert_type

from civitai_kit.result import Result
from civitai_kit.sdk import (
    AirIdentifier,
    AsyncSdkClient,
    JobStatus,
    ProviderAssetAvailability,
    SdkClient,
    Workflow,
)
from civitai_kit.sdk.coverage import CoverageMap
from tests.support.sdk_support import SDXL


def test_sync_types(client: SdkClient | AsyncSdkClient) -> None:
    if not isinstance(client, SdkClient):
        return
    assert_type(client.workflows.get("1"), Result[Workflow])
    assert_type(client.workflows.text_to_image().with_model(SDXL).with_prompt("x").submit(), Result[Workflow])
    assert_type(client.jobs.query.get_by_id("00000000-0000-0000-0000-000000000000"), Result[JobStatus])
    assert_type(client.coverage.get(SDXL), Result[ProviderAssetAvailability])
    assert_type(client.coverage.get([AirIdentifier.parse(SDXL)]), Result[CoverageMap])
    for workflow in client.workflows.query(max_items=1):
        assert_type(workflow, Workflow)


async def test_async_types(client: SdkClient | AsyncSdkClient) -> None:
    if not isinstance(client, AsyncSdkClient):
        return
    assert_type(await client.workflows.get("1"), Result[Workflow])
    assert_type(await client.workflows.image_gen().with_model(SDXL).with_prompt("x").submit(), Result[Workflow])
    assert_type(await client.jobs.query.get_by_id("00000000-0000-0000-0000-000000000000"), Result[JobStatus])
    assert_type(await client.coverage.get(SDXL), Result[ProviderAssetAvailability])
    async for workflow in client.workflows.query(max_items=1):
        assert_type(workflow, Workflow)
