"""v2 response models: workflows, steps, jobs, blobs, resources.

Lenient on purpose: every field but an id may be missing, unknown fields are kept (``model_extra``), and
enum-like fields are plain strings that compare equal to the members in [`civitai_kit.sdk.enums`][].
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from civitai_kit.sdk import outputs, schema
from civitai_kit.sdk.enums import TERMINAL_STATUSES, WorkflowStatus
from civitai_kit.sdk.schema import WorkflowCallback


class ApiModel(BaseModel):
    """camelCase on the wire, snake_case in Python, unknown fields kept, immutable."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)


class Blob(ApiModel):
    """A produced file (image, video, …). ``url`` is signed and expires at ``url_expires_at``."""

    id: str
    type: str | None = None
    available: bool = False
    url: str | None = None
    url_expires_at: datetime | None = None
    job_id: str | None = None
    nsfw_level: str | None = None
    blocked_reason: str | None = None
    tier: str | None = None
    width: int | None = None
    height: int | None = None
    preview_url: str | None = None
    preview_url_expires_at: datetime | None = None

    def is_expired(self, now: datetime | None = None) -> bool:
        """Whether the signed ``url`` can no longer be used (no URL counts as expired). Times without a zone
        (from the server or ``now``) are UTC, the orchestrator's clock."""
        if self.url is None:
            return True
        if self.url_expires_at is None:
            return False
        return _utc(self.url_expires_at) <= _utc(now or datetime.now(UTC))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


ImageBlob = Blob
"""Image outputs are blobs with ``type == "image"`` plus width/height/preview."""


class StepOutput(ApiModel):
    """A step's output. Image steps fill ``images``; other keys (``videos``, ``text``…) stay in extras."""

    images: list[Blob] = Field(default_factory=list)
    videos: list[Blob] = Field(default_factory=list)
    errors: list[str] | None = None


class MediaOutputs:
    """``images``, ``videos`` and ``audio`` for whatever lists its produced files by kind (a step, a workflow)."""

    def blobs(self, kind: str | None = None) -> list[Blob]:
        raise NotImplementedError

    @property
    def images(self) -> list[Blob]:
        return self.blobs("image")

    @property
    def videos(self) -> list[Blob]:
        return self.blobs("video")

    @property
    def audio(self) -> list[Blob]:
        return self.blobs("audio")


QueuePosition = schema.WorkflowStepJobQueuePosition
"""Where a job waits: the spec's ``WorkflowStepJobQueuePosition``."""

WorkflowStepJob = schema.WorkflowStepJob
"""A job of a step: the spec's ``WorkflowStepJob`` (``cost`` is exact ``Buzz``)."""


class WorkflowStep(ApiModel, MediaOutputs):
    type: str = Field(alias="$type")
    name: str = ""
    status: str | None = None
    priority: str | None = None
    timeout: str | None = None
    retries: int | None = None
    jobs: list[WorkflowStepJob] | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    estimated_progress_rate: float | None = None
    preparation: dict[str, Any] | None = None
    input: dict[str, Any] | None = None
    output: StepOutput | None = None

    @property
    def raw_output(self) -> dict[str, Any]:
        """The output exactly as the server sent it (any step type, known to the spec or not)."""
        return self.output.model_dump(mode="json", by_alias=True, exclude_unset=True) if self.output else {}

    def blobs(self, kind: str | None = None) -> list[Blob]:
        """Every file this step produced, found through the spec's output schema of its type; ``kind``
        (``image``, ``video``, ``audio``, ``model3d``) keeps one kind."""
        found = outputs.blobs(self.type, self.raw_output)
        return [Blob.model_validate(blob) for blob_kind, blob in found if kind is None or blob_kind == kind]

    @property
    def texts(self) -> list[str]:
        """Chat answers, captions, transcripts, enhanced prompts."""
        return outputs.texts(self.type, self.raw_output)

    @property
    def output_tags(self) -> dict[str, float]:
        """Tag → confidence of a tagging step (``wdTagging``)."""
        return outputs.tags(self.type, self.raw_output)


CostTips = schema.WorkflowCostTips
"""Buzz tipped, in whole amounts: the spec's ``WorkflowCostTips``."""

WorkflowCost = schema.WorkflowCost
"""What a workflow costs, in Buzz: the spec's ``WorkflowCost``. Whole amounts (``base``, ``total``, ``fixed``,
``tips``) are ``int`` (``int32``), licensing ``fees`` exact ``Buzz``; ``factors`` are multipliers."""


class Transaction(ApiModel):
    type: str | None = None
    amount: int | None = None
    id: str | None = None
    account_type: str | None = None


class Transactions(ApiModel):
    items: list[Transaction] = Field(default_factory=list, alias="list")
    insufficient_buzz: bool | None = None


class Workflow(ApiModel, MediaOutputs):
    """A submitted workflow and everything it produced so far."""

    id: str | None = None
    status: str = WorkflowStatus.UNASSIGNED
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    transactions: Transactions | None = None
    cost: WorkflowCost | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    arguments: dict[str, Any] = Field(default_factory=dict)
    steps: list[WorkflowStep] = Field(default_factory=list)
    callbacks: list[WorkflowCallback] = Field(default_factory=list)
    """Where the orchestrator posts this workflow's events (the spec's ``WorkflowCallback``: ``url``, ``type``)."""
    tips: dict[str, Any] | None = None
    nsfw_level: str | None = None
    experimental: bool | None = None
    allow_mature_content: bool | None = None
    upgrade_mode: str | None = None
    currencies: list[str] = Field(default_factory=list)
    force_refunded: bool | None = None
    ephemeral: bool | None = None
    external_id: str | None = None
    lost_blobs_refund: int | None = None
    deleted_at: datetime | None = None

    @property
    def is_terminal(self) -> bool:
        """Succeeded, failed, expired or canceled: polling can stop."""
        return self.status in TERMINAL_STATUSES

    @property
    def succeeded(self) -> bool:
        return self.status == WorkflowStatus.SUCCEEDED

    def blobs(self, kind: str | None = None) -> list[Blob]:
        """Every file of every step (of one ``kind``: ``image``, ``video``, ``audio``…), in step order;
        download with ``sdk.blobs.download``."""
        return [blob for step in self.steps for blob in step.blobs(kind)]

    @property
    def texts(self) -> list[str]:
        """Every text output (chat answers, captions, transcripts, enhanced prompts), in step order."""
        return [text for step in self.steps for text in step.texts]

    @property
    def output_tags(self) -> dict[str, float]:
        """Tag → confidence over every tagging step (a later step's score wins); ``tags`` are the workflow's own."""
        return {tag: score for step in self.steps for tag, score in step.output_tags.items()}

    def step(self, name: str) -> WorkflowStep | None:
        return next((step for step in self.steps if step.name == name), None)


class WorkflowPage(ApiModel):
    """One page of ``GET /v2/consumer/workflows``; ``next`` is the cursor for the following page."""

    next: str | None = None
    items: list[Workflow] = Field(default_factory=list)


ResourceAvailability = schema.ResourceAvailability
"""Whether workers have a resource loaded: the spec's open union on ``status`` (``available``, ``loading``,
``unavailable``, ``unsupported``). Only the variants the spec gives workers have ``workers``
([`AvailableResourceAvailability`][civitai_kit.sdk.schema.AvailableResourceAvailability] and ``Loading…``):
an unavailable resource has no workers to count, and its ``queuePosition`` is what it has instead."""

ResourceInfo = schema.ResourceInfo
"""What the orchestrator knows about a resource (``GET /v2/resources/{air}``): the spec's ``ResourceInfo``,
plus ``is_available``."""
