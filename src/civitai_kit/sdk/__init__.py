"""The Generator / Orchestration SDK: v2 workflows (primary), v1 jobs (legacy), AIR identifiers.

Names are imported lazily so ``from civitai_kit.sdk.air import AirIdentifier`` (used by core models) never
pulls in the HTTP clients.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civitai_kit._lazy import lazy_exports
from civitai_kit.sdk.air import AirBuilder, AirIdentifier

if TYPE_CHECKING:
    from civitai_kit._runtime import Async, Sync
    from civitai_kit.sdk.builders import StepBuilder, TextToImageBuilder, WorkflowBuilder
    from civitai_kit.sdk.client import AsyncSdkClient, SdkClient
    from civitai_kit.sdk.enums import (
        AssetAvailability,
        AssetType,
        BuzzAccount,
        CallbackEvent,
        ComfySampler,
        ComfyScheduler,
        ImageTransformer,
        JobEventType,
        NsfwLevel,
        OutputFormat,
        Priority,
        Scheduler,
        SdCppSampleMethod,
        SdCppSchedule,
        UpgradeMode,
        WorkflowStatus,
    )
    from civitai_kit.sdk.image_gen import ImageGenBuilder
    from civitai_kit.sdk.job_models import (
        ConsumptionDetails,
        JobEvent,
        JobResult,
        JobStatus,
        JobStatusCollection,
        ProviderAssetAvailability,
        QueryJobsResult,
        TaintJobsResult,
    )
    from civitai_kit.sdk.jobs import JobQueryBuilder, TextToImageJobBuilder
    from civitai_kit.sdk.models import (
        Blob,
        ImageBlob,
        ResourceAvailability,
        ResourceInfo,
        Workflow,
        WorkflowPage,
        WorkflowStep,
        WorkflowStepJob,
    )
    from civitai_kit.sdk.templates import Callback, StepTemplate, WorkflowTemplate

_LAZY: dict[str, str] = {
    **dict.fromkeys(("SdkClient", "AsyncSdkClient"), "civitai_kit.sdk.client"),
    **dict.fromkeys(("Sync", "Async"), "civitai_kit._runtime"),
    **dict.fromkeys(("StepBuilder", "TextToImageBuilder", "WorkflowBuilder"), "civitai_kit.sdk.builders"),
    "ImageGenBuilder": "civitai_kit.sdk.image_gen",
    **dict.fromkeys(("JobQueryBuilder", "TextToImageJobBuilder"), "civitai_kit.sdk.jobs"),
    **dict.fromkeys(("Callback", "StepTemplate", "WorkflowTemplate"), "civitai_kit.sdk.templates"),
    **dict.fromkeys(
        (
            "AssetAvailability",
            "AssetType",
            "BuzzAccount",
            "CallbackEvent",
            "ComfySampler",
            "ComfyScheduler",
            "ImageTransformer",
            "JobEventType",
            "NsfwLevel",
            "OutputFormat",
            "Priority",
            "Scheduler",
            "SdCppSampleMethod",
            "SdCppSchedule",
            "UpgradeMode",
            "WorkflowStatus",
        ),
        "civitai_kit.sdk.enums",
    ),
    **dict.fromkeys(
        (
            "ConsumptionDetails",
            "JobEvent",
            "JobResult",
            "JobStatus",
            "JobStatusCollection",
            "ProviderAssetAvailability",
            "QueryJobsResult",
            "TaintJobsResult",
        ),
        "civitai_kit.sdk.job_models",
    ),
    **dict.fromkeys(
        (
            "Blob",
            "ImageBlob",
            "ResourceAvailability",
            "ResourceInfo",
            "Workflow",
            "WorkflowPage",
            "WorkflowStep",
            "WorkflowStepJob",
        ),
        "civitai_kit.sdk.models",
    ),
}

__all__ = [
    "AirBuilder",
    "AirIdentifier",
    "AssetAvailability",
    "AssetType",
    "Async",
    "AsyncSdkClient",
    "Blob",
    "BuzzAccount",
    "Callback",
    "CallbackEvent",
    "ComfySampler",
    "ComfyScheduler",
    "ConsumptionDetails",
    "ImageBlob",
    "ImageGenBuilder",
    "ImageTransformer",
    "JobEvent",
    "JobEventType",
    "JobQueryBuilder",
    "JobResult",
    "JobStatus",
    "JobStatusCollection",
    "NsfwLevel",
    "OutputFormat",
    "Priority",
    "ProviderAssetAvailability",
    "QueryJobsResult",
    "ResourceAvailability",
    "ResourceInfo",
    "Scheduler",
    "SdCppSampleMethod",
    "SdCppSchedule",
    "SdkClient",
    "StepBuilder",
    "StepTemplate",
    "Sync",
    "TaintJobsResult",
    "TextToImageBuilder",
    "TextToImageJobBuilder",
    "UpgradeMode",
    "Workflow",
    "WorkflowBuilder",
    "WorkflowPage",
    "WorkflowStatus",
    "WorkflowStep",
    "WorkflowStepJob",
    "WorkflowTemplate",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
