"""The orchestration client under fire: a workflow POST without an idempotency key reaches the server at
most once whatever happens (a paid generation must never be submitted twice); with an ``externalId`` it is
retried like a GET, at most 1 + MaxRetries times, always with the same ``Idempotency-Key``.
"""

from __future__ import annotations

import pytest

from civitai_kit.testing.hostile import (
    WORKFLOW_BODY,
    ClientMode,
    Harness,
    Misbehaviour,
    OutcomeKind,
    Phase,
    in_sequence,
    sdk_operations,
)

SDK = sdk_operations()
WORKFLOWS = "/v2/consumer/workflows"
FAULTS = {
    **{f"rst-{phase.value}": Misbehaviour.reset(phase, body=WORKFLOW_BODY) for phase in Phase},
    **{
        f"fin-{phase.value}": Misbehaviour.reset(phase, graceful=True, body=WORKFLOW_BODY)
        for phase in Phase
        if phase is not Phase.ON_REUSE
    },
    "500": Misbehaviour.status(500),
    "502": Misbehaviour.status(502),
    "503-retry-after-0": Misbehaviour.status(503, retry_after="0"),
    "429-retry-after-0.01": Misbehaviour.status(429, retry_after=0.01),
    "408": Misbehaviour.status(408),
    "short-body": Misbehaviour.short_body(2000, 20),
    "stall-past-the-timeout": Misbehaviour.stall(1.5, Misbehaviour.json(WORKFLOW_BODY)),
    "garbage-status-line": Misbehaviour.garbage_status_line(),
    "cloudflare-522": Misbehaviour.respond(
        522, b"<html><title>Error 522: Connection timed out</title>cloudflare</html>", [("Content-Type", "text/html")]
    ),
}


def _after_a_get(operation: str) -> object:
    """A ``workflows.get`` first, so that a fault which bites the next request on the pooled connection
    (after-body, on-reuse) bites the submission."""
    return in_sequence(SDK["workflows.get"], SDK[operation])


@pytest.mark.parametrize("fault", list(FAULTS))
def test_unkeyed_submit_reaches_the_server_at_most_once(hostile: Harness, mode: ClientMode, fault: str) -> None:
    hostile.server.always(WORKFLOWS, FAULTS[fault])
    hostile.server.always(f"{WORKFLOWS}/*", Misbehaviour.json(WORKFLOW_BODY))
    outcome = hostile.run(mode, _after_a_get("workflows.submit"), api="sdk")  # type: ignore[arg-type]
    hostile.check(outcome)
    posts = hostile.server.attempts(WORKFLOWS, method="POST")
    assert posts == 1, f"a workflow POST without an idempotency key reached the server {posts} times ({fault})"


@pytest.mark.parametrize("fault", list(FAULTS))
def test_keyed_submit_is_retried_within_the_budget(hostile: Harness, mode: ClientMode, fault: str) -> None:
    hostile.server.always(WORKFLOWS, FAULTS[fault])
    hostile.server.always(f"{WORKFLOWS}/*", Misbehaviour.json(WORKFLOW_BODY))
    outcome = hostile.run(mode, _after_a_get("workflows.submit(externalId)"), api="sdk")  # type: ignore[arg-type]
    hostile.check(outcome)
    posts = [r for r in hostile.server.requests if r.method == "POST"]
    assert 1 <= len(posts) <= 3, f"{len(posts)} keyed POSTs (allowed 1 + MaxRetries = 3)"
    assert {r.header("idempotency-key") for r in posts} == {"hostile-ext-1"}


@pytest.mark.parametrize(
    "fault", ["rst-before-status", "rst-mid-body", "fin-mid-headers", "503-retry-after-0", "short-body"]
)
def test_keyed_submit_recovers(hostile: Harness, mode: ClientMode, fault: str) -> None:
    hostile.server.sequence(WORKFLOWS, [FAULTS[fault]] * 2, then=Misbehaviour.json(WORKFLOW_BODY))
    outcome = hostile.run(mode, SDK["workflows.submit(externalId)"], api="sdk")
    hostile.check(outcome)
    assert outcome.label == "Success", outcome.summary()
    assert hostile.server.attempts(WORKFLOWS, method="POST") == 3


@pytest.mark.parametrize("fault", ["rst-before-status", "503-retry-after-0", "stall-past-the-timeout"])
def test_workflow_get_recovers(hostile: Harness, mode: ClientMode, fault: str) -> None:
    hostile.server.sequence(f"{WORKFLOWS}/*", [FAULTS[fault]] * 2, then=Misbehaviour.json(WORKFLOW_BODY))
    outcome = hostile.run(mode, SDK["workflows.get"], api="sdk")
    hostile.check(outcome)
    assert outcome.label == "Success", outcome.summary()


@pytest.mark.parametrize(
    "behaviour",
    [
        Misbehaviour.retry_after("1e15", status=503),
        Misbehaviour.nested_json(5000, status=500),
        Misbehaviour.http09(),
        Misbehaviour.huge_header(70_000),
        Misbehaviour.duplicate_content_length(),
        Misbehaviour.wrong_type_json([1, 2]),
        Misbehaviour.invalid_json('{"id": '),
        Misbehaviour.respond(201, b"", [("Content-Type", "application/json")]),
    ],
    ids=lambda behaviour: behaviour.name[:28],
)
@pytest.mark.parametrize("operation", list(SDK))
def test_sdk_calls_stay_typed(hostile: Harness, mode: ClientMode, operation: str, behaviour: Misbehaviour) -> None:
    hostile.server.always("*", behaviour)
    outcome = hostile.run(mode, SDK[operation], api="sdk")
    hostile.check(outcome)
    if operation == "workflows.submit":
        assert hostile.server.attempts(WORKFLOWS, method="POST") == 1
    assert outcome.kind is not OutcomeKind.RAISED, "a Result-returning call raised"
