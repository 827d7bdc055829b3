"""The Generator / Orchestration SDK: v2 workflows (primary), v1 jobs (legacy), AIR identifiers.

Names are imported on first use, so ``from civitai_kit.sdk import AirIdentifier`` (defined in
``civitai_kit.core.air``) never pulls in the HTTP clients.
"""

from __future__ import annotations

from civitai_kit._lazy import exports

_EXPORTS = {
    "civitai_kit.core.air": ("AirBuilder", "AirIdentifier"),
    "civitai_kit.sdk.client": ("AsyncSdkClient", "SdkClient"),
    "civitai_kit.sdk.builders": ("SpecStepBuilder", "StepBuilder", "TextToImageBuilder", "WorkflowBuilder"),
    "civitai_kit.sdk.image_gen": ("ImageGenBuilder",),
    "civitai_kit.sdk.jobs": ("JobQueryBuilder", "TextToImageJobBuilder"),
    "civitai_kit._runtime": ("Async", "Sync"),
    "civitai_kit.sdk.templates": ("Callback", "StepTemplate", "WorkflowTemplate"),
    "civitai_kit.sdk.enums": (
        "AssetAvailability",
        "AssetType",
        "BuzzAccount",
        "CallbackEvent",
        "ComfySampler",
        "ComfyScheduler",
        "ImageTransformer",
        "JobEventType",
        "OutputFormat",
        "Priority",
        "Scheduler",
        "SdCppSampleMethod",
        "SdCppSchedule",
        "UpgradeMode",
        "WorkflowNsfwLevel",
        "WorkflowStatus",
    ),
    "civitai_kit.sdk.patches": ("Patch",),
    "civitai_kit.sdk.services": ("ServiceInfo", "ServicePage"),
    "civitai_kit.sdk.blobs": ("BlobUploadUrl", "ResourcePage", "UploadedBlob"),
    "civitai_kit.sdk.webhooks": (
        "UnknownWebhookEvent",
        "WebhookEvent",
        "WorkflowEvent",
        "WorkflowStepEvent",
        "WorkflowStepJobEvent",
        "parse_webhook_event",
    ),
    "civitai_kit.sdk.job_models": (
        "ConsumptionDetails",
        "JobEvent",
        "JobResult",
        "JobStatus",
        "JobStatusCollection",
        "ProviderAssetAvailability",
        "QueryJobsResult",
        "TaintJobsResult",
    ),
    "civitai_kit.sdk.models": (
        "Blob",
        "ImageBlob",
        "ResourceAvailability",
        "ResourceInfo",
        "Workflow",
        "WorkflowPage",
        "WorkflowStep",
        "WorkflowStepJob",
    ),
}
"""Each public name once, with its module (``__init__.pyi`` is written from it by ``scripts/export_stubs.py``)."""

__getattr__, __dir__, __all__ = exports(__name__, _EXPORTS)
