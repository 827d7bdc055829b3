"""Workflow callbacks of the fake orchestrator: real HTTP POSTs of the spec's event bodies to each URL a
workflow's ``callbacks`` name, sent from a background thread with retries.

    fake = install_orchestration_routes(server)
    sdk.workflows.submit(builder, callbacks=[{"url": receiver_url, "type": ["workflow:*", "job:succeeded"]}])
    ...
    for delivery in fake.callbacks.drain():        # waits until everything queued so far was sent
        event = parse_webhook_event(delivery.body)

Each status change of a workflow (submitted, scheduled, processing, then succeeded/failed/canceled) raises a
``WorkflowEvent``, one ``WorkflowStepEvent`` per step and one ``WorkflowStepJobEvent`` per job; a callback
receives those its ``type`` list asks for (``workflow:*``, ``step:succeeded``…, ``*`` matching any status).
A ``detailed`` callback's workflow events carry ``details`` (times and each step's status and cost).
A delivery that fails (connection refused, timeout, a status outside 2xx) is retried ``attempts`` times in
all, after ``backoff`` seconds and then twice as long each time; the last failure is kept on the delivery.
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from civitai_kit.testing.orchestration_data import timestamp

DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF = 0.05
DEFAULT_TIMEOUT = 5.0


@dataclass
class Delivery:
    """One event for one callback URL: its JSON ``body`` (bytes, as sent), and how sending it went."""

    url: str
    event_type: str  # "workflow:succeeded", "job:processing"…
    body: bytes
    attempts: int = 0
    status: int | None = None  # the receiver's last HTTP status; None when it could not be reached
    error: str | None = None  # the last failure, None once delivered
    delivered: bool = False

    def json(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.body)
        return decoded


@dataclass(frozen=True)
class StepState:
    """What the events of one step need to know: its name, its jobs and (for detailed events) its cost."""

    name: str
    job_ids: Sequence[str]
    cost: float | None = None


@dataclass(frozen=True)
class WorkflowState:
    """A workflow at one status, as its events describe it."""

    workflow_id: str
    status: str
    callbacks: Sequence[Mapping[str, Any]]
    steps: Sequence[StepState]
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    at: datetime | None = None  # when the change happened (the fake clock); created_at if not given
    extra: Mapping[str, Any] = field(default_factory=dict)


Post = Callable[[str, bytes, float], int]
"""Sends one body to a URL and answers the HTTP status (raises ``OSError`` when the URL cannot be reached)."""


def post_json(url: str, body: bytes, timeout: float) -> int:
    """POST ``body`` as ``application/json`` with the standard library (``http``/``https`` URLs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OSError(f"not an http(s) URL: {parts.scheme}://{parts.hostname or ''}")
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(parts.hostname, parts.port, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    try:
        connection.request(
            "POST", target, body=body, headers={"Content-Type": "application/json", "User-Agent": "civitai-sandbox"}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wanted(types: Sequence[str], kind: str, status: str) -> bool:
    """Whether a callback asking for ``types`` receives a ``kind`` event (``workflow``/``step``/``job``) at
    ``status``."""
    return any(entry in (f"{kind}:*", f"{kind}:{status}") for entry in types)


def events(state: WorkflowState) -> list[Delivery]:
    """The deliveries one status change makes, in order: per callback, the workflow event, then per step
    its step event and its jobs' events, each only if the callback's ``type`` asks for it."""
    at = timestamp(state.at or state.created_at)
    deliveries: list[Delivery] = []
    for callback in state.callbacks:
        url, types = str(callback.get("url", "")), [str(entry) for entry in callback.get("type") or []]
        bodies: list[tuple[str, dict[str, Any]]] = []
        if wanted(types, "workflow", state.status):
            workflow: dict[str, Any] = {
                "$type": "workflow",
                "workflowId": state.workflow_id,
                "status": state.status,
                "timestamp": at,
            }
            if callback.get("detailed"):
                workflow["details"] = _details(state)
            bodies.append(("workflow", workflow))
        for step in state.steps:
            if wanted(types, "step", state.status):
                bodies.append(
                    (
                        "step",
                        {"$type": "step", "workflowId": state.workflow_id, "name": step.name, "status": state.status},
                    )
                )
            if wanted(types, "job", state.status):
                bodies.extend(
                    (
                        "job",
                        {
                            "$type": "job",
                            "workflowId": state.workflow_id,
                            "stepName": step.name,
                            "jobId": job_id,
                            "status": state.status,
                            "progress": 1.0 if state.status == "succeeded" else 0.0,
                        },
                    )
                    for job_id in step.job_ids
                )
        deliveries.extend(
            Delivery(url, f"{kind}:{state.status}", json.dumps(body, separators=(",", ":")).encode())
            for kind, body in bodies
        )
    return deliveries


def _details(state: WorkflowState) -> dict[str, Any]:
    details: dict[str, Any] = {
        "createdAt": timestamp(state.created_at),
        "steps": [
            {"name": step.name, "status": state.status} | ({"cost": step.cost} if step.cost is not None else {})
            for step in state.steps
        ],
    }
    if state.started_at:
        details["startedAt"] = timestamp(state.started_at)
    if state.completed_at:
        details["completedAt"] = timestamp(state.completed_at)
    return details


class CallbackSender:
    """Sends deliveries in order from one background thread, started when there is something to send and
    ending when there is nothing left (so a sandbox never leaves a thread behind).

    ``attempts``, ``backoff`` (seconds before the first retry, doubled after each) and ``timeout`` (per
    POST) may be changed by a test before it submits; ``post`` replaces the HTTP client.
    """

    def __init__(
        self,
        *,
        attempts: int = DEFAULT_ATTEMPTS,
        backoff: float = DEFAULT_BACKOFF,
        timeout: float = DEFAULT_TIMEOUT,
        post: Post = post_json,
    ) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        if backoff < 0 or timeout <= 0:
            raise ValueError(f"backoff must be >= 0 and timeout > 0 (got backoff={backoff}, timeout={timeout})")
        self.attempts, self.backoff, self.timeout, self.post = attempts, backoff, timeout, post
        self._condition = threading.Condition()
        self._pending: deque[Delivery] = deque()
        self._sent: list[Delivery] = []
        self._drained = 0
        self._busy = False
        self._stopped = threading.Event()

    def workflow_changed(self, state: WorkflowState) -> None:
        """Queue the events of ``state`` (nothing when the workflow has no callbacks)."""
        deliveries = events(state) if state.callbacks else []
        if not deliveries:
            return
        with self._condition:
            self._pending.extend(deliveries)
            if not self._busy:
                self._busy = True
                threading.Thread(target=self._run, name="sandbox-callbacks", daemon=True).start()

    def drain(self, timeout: float = 30.0) -> list[Delivery]:
        """Wait until everything queued so far was sent (or given up on), then answer the deliveries
        finished since the last ``drain``. Raises ``TimeoutError`` if sending takes longer than ``timeout``."""
        with self._condition:
            if not self._condition.wait_for(lambda: not self._busy, timeout=timeout):
                raise TimeoutError(f"callbacks still sending after {timeout} s ({len(self._pending)} queued)")
            finished, self._drained = self._sent[self._drained :], len(self._sent)
            return finished

    @property
    def sent(self) -> list[Delivery]:
        """Every delivery finished so far (delivered or given up on), in the order they were sent."""
        with self._condition:
            return list(self._sent)

    def close(self) -> None:
        """Stop waiting between retries: what is left is tried once more at most, then given up on."""
        self._stopped.set()

    def _run(self) -> None:
        while True:
            with self._condition:
                if not self._pending:
                    self._busy = False
                    self._condition.notify_all()
                    return
                delivery = self._pending.popleft()
            self._send(delivery)
            with self._condition:
                self._sent.append(delivery)

    def _send(self, delivery: Delivery) -> None:
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            delivery.attempts = attempt
            try:
                delivery.status = self.post(delivery.url, delivery.body, self.timeout)
            except OSError as exc:
                delivery.status, delivery.error = None, f"{type(exc).__name__}: {exc}"
            else:
                if 200 <= delivery.status < 300:
                    delivery.delivered, delivery.error = True, None
                    return
                delivery.error = f"HTTP {delivery.status}"
            if attempt < self.attempts and not self._stopped.wait(delay):
                delay *= 2
            elif self._stopped.is_set():
                return
