"""``parse_webhook_event``: the spec's three callback payloads typed, unknown kinds kept, bad bodies a
``ValueError`` that says what is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from civitai_kit.sdk.webhooks import (
    UnknownWebhookEvent,
    WorkflowEvent,
    WorkflowStepEvent,
    WorkflowStepJobEvent,
    parse_webhook_event,
)
from tests.support.sdk_openapi import v2

WORKFLOW = {"$type": "workflow", "workflowId": "wf-1", "status": "succeeded", "timestamp": "2026-01-01T00:00:00Z"}
STEP = {"$type": "step", "workflowId": "wf-1", "name": "s0", "status": "processing"}
JOB = {"$type": "job", "workflowId": "wf-1", "stepName": "s0", "jobId": "j1", "status": "processing", "progress": 0.5}


@pytest.mark.parametrize(
    ("payload", "schema", "kind"),
    [
        (WORKFLOW, "WorkflowEvent", WorkflowEvent),
        (STEP, "WorkflowStepEvent", WorkflowStepEvent),
        (JOB, "WorkflowStepJobEvent", WorkflowStepJobEvent),
    ],
)
@pytest.mark.parametrize("form", ["bytes", "str", "mapping"])
def test_each_spec_event_is_typed(payload: dict[str, Any], schema: str, kind: type, form: str) -> None:
    v2().assert_valid(schema, payload)  # the fixtures are what the spec says a callback carries
    text = json.dumps(payload)
    body: Any = {"bytes": text.encode(), "str": text, "mapping": payload}[form]
    event = parse_webhook_event(body)
    assert isinstance(event, kind)
    assert not isinstance(event, UnknownWebhookEvent)
    assert event.workflow_id == "wf-1" and event.status == payload["status"]


def test_a_job_event_carries_its_progress() -> None:
    event = parse_webhook_event(json.dumps(JOB))
    assert isinstance(event, WorkflowStepJobEvent)
    assert (event.step_name, event.job_id, event.progress) == ("s0", "j1", 0.5)


def test_an_unknown_event_kind_is_kept_whole() -> None:
    event = parse_webhook_event(b'{"$type": "budget", "left": 3}')
    assert event == UnknownWebhookEvent(type="budget", body={"$type": "budget", "left": 3})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "must be a JSON object, not list"),
        (json.dumps({"$type": "workflow", "status": "failed"}), "workflowId"),
        (json.dumps({**JOB, "progress": "half"}), "progress"),
    ],
)
def test_a_bad_body_is_a_value_error_saying_what_is_wrong(body: bytes | str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        parse_webhook_event(body)
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None or raised.value.__suppress_context__  # no deep traceback


def test_a_body_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not int"):
        parse_webhook_event(3)  # type: ignore[arg-type]
