"""Public SDK names that are the generated spec classes (plus mixed-in behaviour), not hand-written twins."""

from __future__ import annotations

from typing import Any

import pytest

from civitai_kit import sdk
from civitai_kit.result import Success
from civitai_kit.sdk import models, schema
from tests.support.sdk_openapi import v2
from tests.support.sdk_support import SDXL, resolve

AIR = "urn:air:sdxl:checkpoint:civitai:1@2"


def resource(**availability: Any) -> dict[str, Any]:
    body = {"air": AIR, "size": 7, "hashes": {"SHA256": "AB"}, "downloadUrls": [], "fileFormat": "safeTensor"}
    body |= {"canGenerate": True, "checkPermission": False, "hasMatureContentRestriction": False}
    return body | {"hasNSFWContentRestriction": False, "availability": availability}


def test_the_public_resource_names_are_the_generated_classes() -> None:
    assert sdk.ResourceInfo is schema.ResourceInfo and sdk.ResourcePage is schema.CursedArrayOfStringAndResourceInfo
    assert sdk.ResourceAvailability is schema.ResourceAvailability


@pytest.mark.parametrize(
    ("availability", "kind", "available", "workers"),
    [
        ({"status": "available", "workers": 3}, schema.AvailableResourceAvailability, True, 3),
        ({"status": "loading", "workers": 1, "progress": 0.5}, schema.LoadingResourceAvailability, False, 1),
        ({"status": "unavailable", "queuePosition": 4}, schema.UnavailableResourceAvailability, False, None),
        ({"status": "hibernating", "workers": 9}, schema.ResourceAvailability, False, 9),  # unknown: kept
    ],
)
def test_availability_is_the_spec_variant(
    availability: dict[str, Any], kind: type, available: bool, workers: Any
) -> None:
    if kind is not schema.ResourceAvailability:
        v2().assert_valid("ResourceInfo", resource(**availability))
    info = sdk.ResourceInfo.model_validate(resource(**availability))
    assert type(info.availability) is kind and info.is_available is available
    # the spec gives ``workers`` only to available and loading resources (unknown statuses keep theirs as extras)
    assert getattr(info.availability, "workers", None) == workers


async def test_a_page_of_resources_over_loopback(client: Any) -> None:
    page = await resolve(client.resources.query(take=5))
    assert isinstance(page, Success) and isinstance(page.value, sdk.ResourcePage)
    assert all(isinstance(item, schema.ResourceInfo) for item in page.value.items)


async def test_a_resource_over_loopback(client: Any) -> None:
    found = await resolve(client.resources.get(SDXL))
    assert isinstance(found, Success) and isinstance(found.value, schema.ResourceInfo) and found.value.is_available
    assert isinstance(found.value.availability, schema.AvailableResourceAvailability)


def test_the_workflow_cost_and_job_models_are_the_generated_classes() -> None:
    assert (models.WorkflowCost, models.CostTips) == (schema.WorkflowCost, schema.WorkflowCostTips)
    assert (sdk.WorkflowStepJob, models.QueuePosition) == (schema.WorkflowStepJob, schema.WorkflowStepJobQueuePosition)
