"""Workflow callbacks from the sandbox: real POSTs of the spec's event bodies to a loopback receiver as the
workflow progresses, retried when the receiver fails, each read back by ``parse_webhook_event``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from civitai_kit.result import Success
from civitai_kit.sdk import parse_webhook_event
from civitai_kit.sdk.webhooks import WorkflowEvent, WorkflowStepEvent, WorkflowStepJobEvent
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.messages import FakeRequest, FakeResponse
from civitai_kit.testing.orchestration import FakeOrchestrator
from civitai_kit.testing.orchestration_callbacks import CallbackSender, StepState, WorkflowState, events
from tests.support.sdk_openapi import v2
from tests.support.sdk_support import SDXL, resolve


class Receiver:
    """A loopback webhook receiver: answers ``failures`` 500s first, then 204, and keeps every body."""

    def __init__(self, server: FakeCivitai, failures: int = 0) -> None:
        self.failures = failures
        self.bodies: list[bytes] = []
        self.content_types: list[str] = []
        self.lock = threading.Lock()
        server.add_route("POST", "/hooks/civitai", self.receive)
        self.url = f"{server.url}/hooks/civitai?source=sandbox"

    def receive(self, request: FakeRequest) -> FakeResponse:
        with self.lock:
            if self.failures:
                self.failures -= 1
                return FakeResponse.json({"error": "down"}, 500)
            self.bodies.append(request.body)
            self.content_types.append(request.headers.get("content-type") or "")
        return FakeResponse.empty(204)


@pytest.fixture
def receiver_server() -> Iterator[FakeCivitai]:
    with FakeCivitai() as server:
        yield server


async def _run(client: Any, url: str, events_wanted: list[str], *, detailed: bool | None = None) -> str:
    builder = (
        client.workflows.text_to_image()
        .with_model(SDXL)
        .with_prompt("a lighthouse")
        .with_quantity(5)
        .with_callback(url, events_wanted, detailed=detailed)
    )
    submitted = await resolve(builder.submit())
    assert isinstance(submitted, Success), submitted
    done = await resolve(client.workflows.wait_for(submitted.value.id, timeout=600))
    assert isinstance(done, Success) and done.value.succeeded
    workflow_id: str = submitted.value.id
    return workflow_id


async def test_every_status_change_is_posted_and_parses(
    client: Any, orchestrator: FakeOrchestrator, receiver_server: FakeCivitai
) -> None:
    receiver = Receiver(receiver_server)
    workflow_id = await _run(client, receiver.url, ["workflow:*", "step:succeeded", "job:*"], detailed=True)
    deliveries = orchestrator.callbacks.drain()
    assert all(d.delivered and d.attempts == 1 and d.status == 204 for d in deliveries)
    assert receiver.bodies == [d.body for d in deliveries]
    assert set(receiver.content_types) == {"application/json"}
    parsed = [parse_webhook_event(body) for body in receiver.bodies]
    workflow_events = [e for e in parsed if isinstance(e, WorkflowEvent)]
    assert [e.status for e in workflow_events] == ["unassigned", "scheduled", "processing", "succeeded"]
    assert all(e.workflow_id == workflow_id and e.details and e.details.steps for e in workflow_events)
    steps = [e for e in parsed if isinstance(e, WorkflowStepEvent)]
    assert [(e.name, e.status) for e in steps] == [("$0", "succeeded")]  # only step:succeeded was asked for
    jobs = [e for e in parsed if isinstance(e, WorkflowStepJobEvent)]
    assert len({e.job_id for e in jobs}) == 2 and {e.status for e in jobs} >= {"processing", "succeeded"}
    for delivery in deliveries:
        body = delivery.json()
        v2().assert_valid(
            {"workflow": "WorkflowEvent", "step": "WorkflowStepEvent", "job": "WorkflowStepJobEvent"}[body["$type"]],
            body,
        )
    assert orchestrator.callbacks.drain() == []  # drained once


@pytest.mark.parametrize(("failures", "delivered"), [(2, True), (10, False)])
async def test_a_failing_receiver_gets_retries_until_the_last_attempt(
    client: Any, orchestrator: FakeOrchestrator, receiver_server: FakeCivitai, failures: int, delivered: bool
) -> None:
    orchestrator.callbacks.backoff = 0.0
    receiver = Receiver(receiver_server, failures=failures)
    await _run(client, receiver.url, ["workflow:succeeded"])
    (delivery,) = orchestrator.callbacks.drain()
    assert (delivery.delivered, delivery.attempts) == (delivered, 3)
    if not delivered:  # given up on: the last failure is kept
        assert (delivery.status, delivery.error, receiver.bodies) == (500, "HTTP 500", [])
        return
    assert delivery.error is None
    event = parse_webhook_event(receiver.bodies[0])
    assert isinstance(event, WorkflowEvent) and event.status == "succeeded" and event.details is None


def test_a_connection_failure_is_kept_on_the_delivery() -> None:
    calls: list[str] = []

    def refuse(url: str, body: bytes, timeout: float) -> int:
        calls.append(url)
        raise ConnectionRefusedError("refused")

    sender = CallbackSender(attempts=2, backoff=0.0, post=refuse)
    state = WorkflowState(
        workflow_id="w1",
        status="canceled",
        callbacks=[{"url": "http://127.0.0.1:9/h", "type": ["workflow:canceled", "step:processing"]}],
        steps=[StepState("$0", ("j1",))],
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    sender.workflow_changed(state)
    (delivery,) = sender.drain()
    assert calls == ["http://127.0.0.1:9/h"] * 2
    assert delivery.error == "ConnectionRefusedError: refused" and delivery.status is None


def test_callback_types_filter_the_events() -> None:
    base = WorkflowState(
        workflow_id="w1",
        status="processing",
        callbacks=[{"url": "http://x/a", "type": ["job:processing"]}, {"url": "http://x/b", "type": ["step:*"]}],
        steps=[StepState("a", ("j1", "j2")), StepState("b", ("j3",))],
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    made = events(base)
    assert [(d.url, d.event_type) for d in made] == [("http://x/a", "job:processing")] * 3 + [
        ("http://x/b", "step:processing")
    ] * 2


@pytest.mark.parametrize(("attempts", "backoff", "timeout"), [(0, 0.1, 1.0), (1, -1.0, 1.0), (1, 0.1, 0.0)])
def test_bad_sender_settings_are_refused(attempts: int, backoff: float, timeout: float) -> None:
    with pytest.raises(ValueError, match=r"attempts|backoff"):
        CallbackSender(attempts=attempts, backoff=backoff, timeout=timeout)
