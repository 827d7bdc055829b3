"""The fake orchestrator's memory: workflows and v1 jobs with a lifecycle, and the blobs they produce.

The lifecycle is driven by requests, never by wall time: each status read of an unfinished workflow (or
job) moves it one stage on (``polls_per_stage`` reads per stage), ``wait`` fast-forwards it, and tests can
call [`FakeOrchestrator.advance`][] / [`finish`][FakeOrchestrator.finish] directly. Dates come from an
injectable clock.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from civitai_kit.testing.keys import bearer_accepted
from civitai_kit.testing.messages import FakeRequest
from civitai_kit.testing.orchestration_callbacks import CallbackSender, StepState, WorkflowState
from civitai_kit.testing.orchestration_data import timestamp
from civitai_kit.testing.orchestration_outputs import STEP_TYPES, estimate_cost, image_size, quantity

LIFECYCLE = ("unassigned", "scheduled", "processing")
TERMINAL = frozenset({"succeeded", "failed", "expired", "canceled"})
IMAGE_STEPS = frozenset({"textToImage", "imageGen"})
FAIL_MARKER = "[fail]"
URL_LIFETIME = timedelta(hours=1)
PREVIEW_SIDE = 64  # the PNG served for a blob with no stored content (step outputs store theirs)


@dataclass
class FakeBlob:
    id: str
    job_id: str
    width: int
    height: int
    seed: int
    nsfw_level: str = "pg"
    token: str = ""
    expires_at: datetime | None = None
    content: bytes = b""  # a stored file (recipe output); empty: a generated PNG preview is served
    content_type: str = "image/png"


@dataclass
class FakeWorkflow:
    id: str
    body: dict[str, Any]
    created_at: datetime
    outcome: str = "succeeded"
    stage: int = 0
    polls: int = 0
    canceled: bool = False
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    allow_mature_content: bool | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    jobs: list[list[str]] = field(default_factory=list)
    blobs: list[list[FakeBlob]] = field(default_factory=list)
    outputs: dict[int, dict[str, Any]] = field(default_factory=dict)  # finished non-image steps, made once

    @property
    def status(self) -> str:
        if self.canceled:
            return "canceled"
        return self.outcome if self.stage >= len(LIFECYCLE) else LIFECYCLE[self.stage]

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def image_count(self) -> int:
        return sum(len(blobs) for blobs in self.blobs) if self.status == "succeeded" else 0


@dataclass
class FakeJob:
    id: str
    token: str
    body: dict[str, Any]
    created_at: datetime
    blob: FakeBlob
    cost: float
    failed: bool = False
    done: bool = False
    polls: int = 0
    canceled: bool = False
    taint: dict[str, Any] | None = None


class FakeOrchestrator:
    """State behind the fake orchestration routes; thread-safe (the server answers from many threads)."""

    def __init__(
        self,
        *,
        polls_per_stage: int = 1,
        clock: Callable[[], datetime] | None = None,
        content_base_url: str = "",
    ) -> None:
        self.polls_per_stage = polls_per_stage
        self.clock = clock or (lambda: datetime.now(UTC))
        self.content_base_url = content_base_url
        self.lock = threading.RLock()
        self.workflows: dict[str, FakeWorkflow] = {}
        self.jobs: dict[str, FakeJob] = {}
        self.blobs: dict[str, FakeBlob] = {}
        self.content_tokens: dict[str, tuple[str, datetime]] = {}
        self.callbacks = CallbackSender()  # POSTs each workflow's callback events; tests drain() it
        self.accepts: Callable[[FakeRequest], bool] = lambda request: bearer_accepted(request, None)
        """Whether a request's key may use the API (read on every request; the sandbox shares the REST keys)."""
        self._sequence = 9_005_769

    # -- workflows -----------------------------------------------------------------------------------

    def create_workflow(self, body: dict[str, Any]) -> FakeWorkflow:
        now = self.clock()
        self._sequence += 1
        workflow = FakeWorkflow(
            id=f"{self._sequence}-{now.strftime('%Y%m%d%H%M%S')}{now.microsecond // 1000:03d}",
            body=body,
            created_at=now,
            outcome="failed" if FAIL_MARKER in str(body.get("steps")) else "succeeded",
            tags=list(body.get("tags") or []),
            metadata=dict(body.get("metadata") or {}),
            allow_mature_content=body.get("allowMatureContent"),
        )
        for step in body["steps"]:
            data = step.get("input") if isinstance(step.get("input"), dict) else {}
            count = quantity(data) if step["$type"] in IMAGE_STEPS else 0  # the images output_for will make
            job_ids = [str(uuid.uuid4()) for _ in range(max(1, (count + 3) // 4))]
            width, height = image_size(data)
            workflow.jobs.append(job_ids)
            workflow.blobs.append([self.new_blob(job_ids[index // 4], width, height) for index in range(count)])
        return workflow

    def new_blob(self, job_id: str, width: int, height: int) -> FakeBlob:
        blob = FakeBlob(secrets.token_hex(16).upper() + ".png", job_id, width, height, secrets.randbits(24))
        self.blobs[blob.id] = blob
        return blob

    def store_media(self, kind: str, content: bytes, content_type: str, extension: str) -> dict[str, Any]:
        """Keep a produced file as a blob and answer its common ``Blob`` JSON (signed URL included)."""
        blob = FakeBlob(secrets.token_hex(16).upper() + f".{extension}", str(uuid.uuid4()), 0, 0, 0)
        blob.content, blob.content_type = content, content_type
        self.blobs[blob.id] = blob
        body = self.blob_json(blob, available=True)
        return {key: body[key] for key in ("id", "available", "jobId", "nsfwLevel", "url", "urlExpiresAt")}

    def poll(self, workflow: FakeWorkflow) -> None:
        """One status read: move an unfinished workflow along every ``polls_per_stage`` reads."""
        if workflow.terminal:
            return
        workflow.polls += 1
        if workflow.polls >= self.polls_per_stage:
            workflow.polls = 0
            self.advance(workflow)

    def advance(self, workflow: FakeWorkflow, stages: int = 1) -> None:
        for _ in range(stages):
            if workflow.terminal:
                return
            workflow.stage += 1
            now = self.clock()
            if workflow.status == "processing":
                workflow.started_at = now
            if workflow.terminal:
                workflow.completed_at = now
            self.notify(workflow)

    def notify(self, workflow: FakeWorkflow) -> None:
        """Queue the callback events of the workflow's current status (sent from a background thread)."""
        callbacks = workflow.body.get("callbacks") or []
        if not callbacks:
            return
        steps = [
            StepState(step.get("name") or f"${index}", tuple(job_ids), float(cost))
            for index, (step, job_ids, cost) in enumerate(
                zip(workflow.body["steps"], workflow.jobs, step_costs(workflow.body), strict=True)
            )
        ]
        self.callbacks.workflow_changed(
            WorkflowState(
                workflow_id=workflow.id,
                status=workflow.status,
                callbacks=callbacks,
                steps=steps,
                created_at=workflow.created_at,
                started_at=workflow.started_at,
                completed_at=workflow.completed_at,
                at=self.clock(),
            )
        )

    def finish(self, workflow: FakeWorkflow) -> None:
        self.advance(workflow, len(LIFECYCLE))

    def cancel(self, workflow: FakeWorkflow) -> None:
        if not workflow.terminal:
            workflow.canceled = True
            workflow.completed_at = self.clock()
            self.notify(workflow)

    # -- blobs ---------------------------------------------------------------------------------------

    def signed_url(self, blob: FakeBlob, *, fresh: bool = False) -> str:
        """The blob's signed URL (valid one hour by the fake clock); ``fresh`` mints a new one.

        Earlier URLs keep working until they expire, like presigned URLs.
        """
        if fresh or not blob.token or self._expired(blob.expires_at):
            blob.token = secrets.token_urlsafe(18)
            blob.expires_at = self.clock() + URL_LIFETIME
            self.content_tokens[blob.token] = (blob.id, blob.expires_at)
        assert blob.expires_at is not None
        return f"{self.content_base_url}/v2/consumer/blobs/content/{blob.token}?exp={int(blob.expires_at.timestamp())}"

    def blob_json(self, blob: FakeBlob, *, available: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "image",
            "id": blob.id,
            "available": available,
            "jobId": blob.job_id,
            "nsfwLevel": blob.nsfw_level,
            "width": blob.width,
            "height": blob.height,
        }
        if available:
            url = self.signed_url(blob)
            assert blob.expires_at is not None
            expires = timestamp(blob.expires_at)
            body.update(url=url, urlExpiresAt=expires, previewUrl=url, previewUrlExpiresAt=expires)
        return body

    def _expired(self, expires_at: datetime | None) -> bool:
        return expires_at is None or expires_at <= self.clock()

    def blob_for_token(self, token: str) -> FakeBlob | None:
        """The blob a signed URL token stands for, unless unknown or expired."""
        blob_id, expires_at = self.content_tokens.get(token, ("", None))
        return None if self._expired(expires_at) else self.blobs.get(blob_id)


def step_costs(body: dict[str, Any]) -> list[int]:
    """Each step's Buzz cost, known from its input before it runs (the finished step costs the same)."""
    return [
        estimate_cost(step["$type"], step.get("input")) if step["$type"] in STEP_TYPES else 1 for step in body["steps"]
    ]
