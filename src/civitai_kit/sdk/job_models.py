"""v1 (legacy jobs API) response models, parsed leniently.

Real responses differ from the v1 OpenAPI document: ``GET /jobs/{id}`` answers one ``JobStatus`` (not a
collection), ``result`` is an object or a list, job ids are GUIDs or 64-hex blob keys, and enum values may
be ones this client has never seen. All of that parses. Costs are exact (``Buzz``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator

from civitai_kit.sdk.enums import AssetAvailability, JobEventType
from civitai_kit.sdk.models import ApiModel
from civitai_kit.sdk.schema_model import Buzz


class JobResult(ApiModel):
    """An image job's output blob; ``blob_url`` (signed, ~1 h) appears once ``available``."""

    blob_key: str | None = None
    available: bool = False
    blob_url: str | None = None
    blob_url_expiration_date: datetime | None = None


class JobEvent(ApiModel):
    job_id: str | None = None
    type: str | None = None
    date_time: datetime | None = None
    provider: str | None = None
    service_provider: str | None = None
    worker_id: str | None = None
    context: dict[str, Any] | None = None
    claim_duration: str | None = None
    job_duration: str | None = None
    retry_attempt: int | None = None
    cost: Buzz | None = None
    job_properties: dict[str, Any] | None = None
    job_type: str | None = None
    job_priority: int | None = None
    claim_has_completed: bool | None = None
    job_has_completed: bool | None = None


class ProviderJobStatus(ApiModel):
    support: str | None = None
    queue_position: dict[str, Any] | None = None


class JobStatus(ApiModel):
    """One job. ``results`` holds its output blobs whether the server sent one object or a list."""

    job_id: str | None = None
    cost: Buzz | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    results: list[JobResult] = Field(default_factory=list, alias="result")
    last_event: JobEvent | None = None
    service_providers: dict[str, ProviderJobStatus] = Field(default_factory=dict)
    scheduled: bool | None = None
    job: dict[str, Any] | None = None

    @field_validator("job_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return None if value is None else str(value)

    @field_validator("results", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [item for item in items if isinstance(item, dict)]

    @field_validator("properties", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def result(self) -> JobResult | None:
        return self.results[0] if self.results else None

    @property
    def is_complete(self) -> bool:
        """Every result is available with a URL (what the official SDKs wait for)."""
        return bool(self.results) and all(r.available and r.blob_url for r in self.results)

    @property
    def failed(self) -> bool:
        last = self.last_event.type if self.last_event else None
        return last in (JobEventType.FAILED, JobEventType.REJECTED, JobEventType.EXPIRED, JobEventType.CANCELED)


class JobStatusCollection(ApiModel):
    """``{token, jobs}``; the token fetches the status of every job submitted together."""

    token: str | None = None
    jobs: list[JobStatus] = Field(default_factory=list)

    @field_validator("jobs", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class QueryJobsResult(ApiModel):
    """A page of ``POST /v1/consumer/jobs/query``; pass ``cursor`` back for the next page."""

    cursor: str | None = None
    jobs: list[JobStatus] = Field(default_factory=list)


class ProviderAssetAvailability(ApiModel):
    availability: str = AssetAvailability.UNKNOWN
    workers: int = 0

    @property
    def is_available(self) -> bool:
        return self.availability == AssetAvailability.AVAILABLE


class ConsumptionDetails(ApiModel):
    images: int = 0
    total_cost: Buzz = Decimal(0)
    start_date: datetime | None = None
    end_date: datetime | None = None


class TaintJobsResult(ApiModel):
    jobs: int = 0


def job_status_collection(payload: Any) -> JobStatusCollection:
    """A collection from ``{token, jobs}``, a bare ``JobStatus`` or a list of them."""
    if isinstance(payload, list):
        return JobStatusCollection(jobs=[JobStatus.model_validate(item) for item in payload])
    if isinstance(payload, dict) and "jobs" not in payload and "jobId" in payload:
        return JobStatusCollection(jobs=[JobStatus.model_validate(payload)])
    return JobStatusCollection.model_validate(payload)


def job_status(payload: Any) -> JobStatus:
    """One ``JobStatus`` from what ``GET /jobs/{id}`` really returns (or from the documented collection)."""
    if isinstance(payload, dict) and "jobs" in payload and "jobId" not in payload:
        jobs = payload.get("jobs") or []
        if len(jobs) != 1:
            raise ValueError(f"expected one job in the response, got {len(jobs)}")
        return JobStatus.model_validate(jobs[0])
    return JobStatus.model_validate(payload)
