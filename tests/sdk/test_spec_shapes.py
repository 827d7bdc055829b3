"""The SDK's public response shapes are the generated spec classes (``sdk.schema``): ``ServiceInfo``,
``ServicePage``, ``BlobUploadUrl`` and the webhook events parse a spec-valid payload, keep unknown keys and
unknown enum values, and dump back to the same JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from civitai_kit.sdk import (
    BlobUploadUrl,
    ServiceInfo,
    ServicePage,
    Workflow,
    WorkflowEvent,
    WorkflowStepEvent,
    WorkflowStepJobEvent,
    parse_webhook_event,
    schema,
)
from tests.support.sdk_minimal import minimal
from tests.support.sdk_openapi import v2

SERVICE = {
    "id": "image/flux2/klein/createImage/9b",
    "category": "image",
    "parameters": {"engine": "flux2", "model": "klein"},
    "tags": ["flux"],
    "status": "available",
}
SHAPES: list[tuple[type[BaseModel], str, dict[str, Any]]] = [
    (ServiceInfo, "ServiceResponse", SERVICE),
    (ServicePage, "PaginatedResponseOfServiceResponse", {"items": [SERVICE], "totalCount": 1, "limit": 1, "offset": 0}),
    (
        BlobUploadUrl,
        "ConsumerBlobPresignResponse",
        {"uploadUrl": "https://up.test/x", "expiresAt": "2026-01-01T00:00:00Z"},
    ),
]


@pytest.mark.parametrize(("shape", "name", "payload"), SHAPES, ids=[name for _, name, _ in SHAPES])
def test_a_public_shape_is_the_generated_class_and_round_trips(
    shape: type[BaseModel], name: str, payload: dict[str, Any]
) -> None:
    assert shape is getattr(schema, name)
    v2().assert_valid(name, payload)
    parsed = shape.model_validate(payload)
    dumped = json.loads(parsed.model_dump_json(by_alias=True, exclude_unset=True))
    assert dumped == payload
    assert dumped == json.loads(shape.model_validate(dumped).model_dump_json(by_alias=True, exclude_unset=True))


def test_a_service_keeps_unknown_keys_and_status_values() -> None:
    service = ServiceInfo.model_validate({**SERVICE, "status": "warming", "region": "eu"})
    assert service.status == "warming"
    assert service.model_extra == {"region": "eu"}
    page = ServicePage.model_validate({"items": [{**SERVICE, "gpu": "h100"}], "totalCount": 1, "limit": 1, "offset": 0})
    assert page.items[0].model_extra == {"gpu": "h100"}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("WorkflowEvent", WorkflowEvent),
        ("WorkflowStepEvent", WorkflowStepEvent),
        ("WorkflowStepJobEvent", WorkflowStepJobEvent),
    ],
)
def test_a_webhook_event_is_the_generated_class_keeping_unknowns(name: str, kind: type[BaseModel]) -> None:
    assert kind is getattr(schema, name)
    payload = {**minimal(name), "$type": {"WorkflowEvent": "workflow", "WorkflowStepEvent": "step"}.get(name, "job")}
    v2().assert_valid(name, payload)
    event = parse_webhook_event({**payload, "status": "paused", "traceId": "t-1"})
    assert isinstance(event, kind)
    assert event.status == "paused"
    assert event.model_extra == {"traceId": "t-1"}


def test_a_detailed_workflow_event_types_its_details() -> None:
    payload = {
        "$type": "workflow",
        "workflowId": "wf-1",
        "status": "succeeded",
        "timestamp": "2026-01-01T00:00:00Z",
        "details": {"createdAt": "2026-01-01T00:00:00Z", "steps": [{"name": "s0", "status": "succeeded"}]},
    }
    v2().assert_valid("WorkflowEvent", payload)
    event = parse_webhook_event(payload)
    assert isinstance(event, WorkflowEvent)
    assert event.details is not None and [step.name for step in event.details.steps] == ["s0"]


def test_a_workflows_callbacks_are_the_spec_callback_keeping_unknowns() -> None:
    callback = {"url": "https://hooks.test/a", "type": ["workflow:succeeded", "budget:low"], "detailed": True, "x": 1}
    workflow = Workflow.model_validate({"id": "wf", "status": "succeeded", "callbacks": [callback]})
    [parsed] = workflow.callbacks
    assert isinstance(parsed, schema.WorkflowCallback)
    assert (parsed.url, parsed.type) == ("https://hooks.test/a", ["workflow:succeeded", "budget:low"])
    dumped = workflow.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped["callbacks"] == [callback]
