"""Orchestration enums with the values the server really sends and accepts.

v2 spells values camelCase (``eulerA``); the legacy v1 jobs API spells the same enums PascalCase (``EulerA``).
One Python enum serves both: the v1 builder translates with [`v1_scheduler`][] / [`v1_transformer`][].
Response fields stay plain strings (compare them with these members, which are ``str``), so a value added by
the server never breaks parsing. Enums the v2 document defines are the generated ones (`sdk.schema`), re-exported
here; the rest (v1 and webhook vocabularies, Buzz accounts) are not in that document.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

# the v2 document's own enums, re-exported (``X as X``) under the names this module always had
from civitai_kit.sdk.schema._shared import ComfySampler as ComfySampler
from civitai_kit.sdk.schema._shared import ComfyScheduler as ComfyScheduler
from civitai_kit.sdk.schema._shared import ImageTransformer as ImageTransformer
from civitai_kit.sdk.schema._shared import OutputFormat as OutputFormat
from civitai_kit.sdk.schema._shared import Priority as Priority
from civitai_kit.sdk.schema._shared import Scheduler as Scheduler
from civitai_kit.sdk.schema._shared import SdCppSampleMethod as SdCppSampleMethod
from civitai_kit.sdk.schema._shared import SdCppSchedule as SdCppSchedule
from civitai_kit.sdk.schema._shared import WorkflowStatus as WorkflowStatus

E = TypeVar("E", bound=StrEnum)


#: The statuses a workflow never leaves.
TERMINAL_STATUSES = frozenset(
    {WorkflowStatus.SUCCEEDED, WorkflowStatus.FAILED, WorkflowStatus.EXPIRED, WorkflowStatus.CANCELED}
)


class WorkflowNsfwLevel(StrEnum):
    """The content rating of a workflow or blob (``nsfwLevel``); the REST API's labels are
    [`NsfwLevel`][civitai_kit.core.NsfwLevel]."""

    PG = "pg"
    PG13 = "pg13"
    R = "r"
    X = "x"
    XXX = "xxx"
    NA = "na"


class BuzzAccount(StrEnum):
    """A currency a workflow may be paid with (``currencies``)."""

    YELLOW = "yellow"
    BLUE = "blue"
    GREEN = "green"
    FAKE_RED = "fakeRed"


class UpgradeMode(StrEnum):
    MANUAL = "manual"
    AUTOMATIC = "automatic"


class CallbackEvent(StrEnum):
    """Workflow events a callback can subscribe to."""

    WORKFLOW_ALL = "workflow:*"
    WORKFLOW_UNASSIGNED = "workflow:unassigned"
    WORKFLOW_PROCESSING = "workflow:processing"
    WORKFLOW_SUCCEEDED = "workflow:succeeded"
    WORKFLOW_FAILED = "workflow:failed"
    WORKFLOW_EXPIRED = "workflow:expired"
    WORKFLOW_CANCELED = "workflow:canceled"
    STEP_ALL = "step:*"
    STEP_UNASSIGNED = "step:unassigned"
    STEP_PROCESSING = "step:processing"
    STEP_SUCCEEDED = "step:succeeded"
    STEP_FAILED = "step:failed"
    STEP_EXPIRED = "step:expired"
    STEP_CANCELED = "step:canceled"
    JOB_ALL = "job:*"
    JOB_UNASSIGNED = "job:unassigned"
    JOB_PROCESSING = "job:processing"
    JOB_SUCCEEDED = "job:succeeded"
    JOB_FAILED = "job:failed"
    JOB_EXPIRED = "job:expired"
    JOB_CANCELED = "job:canceled"


# ---------------------------------------------------------------------------------------------- v1 only


class AssetType(StrEnum):
    """The ``type`` of a v1 additional network (v1 wire values are PascalCase)."""

    LORA = "Lora"
    HYPERNETWORK = "Hypernetwork"
    TEXTUAL_INVERSION = "TextualInversion"
    LYCORIS = "Lycoris"
    CHECKPOINT = "Checkpoint"
    VAE = "Vae"
    LOCON = "LoCon"


class JobEventType(StrEnum):
    INITIALIZED = "Initialized"
    CLAIMED = "Claimed"
    REJECTED = "Rejected"
    LATE_REJECTED = "LateRejected"
    CLAIM_EXPIRED = "ClaimExpired"
    UPDATED = "Updated"
    FAILED = "Failed"
    SUCCEEDED = "Succeeded"
    EXPIRED = "Expired"
    DELETED = "Deleted"
    CANCELED = "Canceled"


class AssetAvailability(StrEnum):
    """v1 coverage: whether workers can serve a model."""

    UNKNOWN = "Unknown"
    UNSUPPORTED = "Unsupported"
    UNAVAILABLE = "Unavailable"
    AVAILABLE = "Available"


# v1 spells these enums PascalCase and knows fewer members ([V1] Scheduler, ImageTransformer).
_V1_SCHEDULERS: dict[Scheduler, str] = {
    Scheduler.EULER_A: "EulerA",
    Scheduler.EULER: "Euler",
    Scheduler.LMS: "LMS",
    Scheduler.HEUN: "Heun",
    Scheduler.DPM2: "DPM2",
    Scheduler.DPM2_A: "DPM2A",
    Scheduler.DPM2_SA: "DPM2SA",
    Scheduler.DPM2_M: "DPM2M",
    Scheduler.DPM_SDE: "DPMSDE",
    Scheduler.DPM_FAST: "DPMFast",
    Scheduler.DPM_ADAPTIVE: "DPMAdaptive",
    Scheduler.LMS_KARRAS: "LMSKarras",
    Scheduler.DPM2_KARRAS: "DPM2Karras",
    Scheduler.DPM2_A_KARRAS: "DPM2AKarras",
    Scheduler.DPM2_SA_KARRAS: "DPM2SAKarras",
    Scheduler.DPM2_M_KARRAS: "DPM2MKarras",
    Scheduler.DPM_SDE_KARRAS: "DPMSDEKarras",
    Scheduler.DDIM: "DDIM",
    Scheduler.PLMS: "PLMS",
    Scheduler.UNI_PC: "UniPC",
    Scheduler.UNDEFINED: "Undefined",
    Scheduler.LCM: "LCM",
    Scheduler.DDPM: "DDPM",
    Scheduler.DEIS: "DEIS",
}
_V1_TRANSFORMERS: dict[ImageTransformer, str] = {
    ImageTransformer.CANNY: "Canny",
    ImageTransformer.DEPTH_ZOE: "DepthZoe",
    ImageTransformer.SOFTEDGE_PIDINET: "SoftedgePidinet",
    ImageTransformer.REMBG: "Rembg",
}


def member(enum: type[E], value: E | str, argument: str) -> E:
    """``value`` as a member of ``enum``: the member itself, its wire value, or its name (any case)."""
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        folded = value.strip().lower()
        for item in enum:
            if folded in (item.value.lower(), item.name.lower()):
                return item
    allowed = ", ".join(item.value for item in enum)
    raise ValueError(f"{argument} must be one of {allowed}; got {value!r}")


def v1_scheduler(value: Scheduler | str) -> str:
    scheduler = member(Scheduler, value, "scheduler")
    if scheduler not in _V1_SCHEDULERS:
        raise ValueError(f"scheduler {scheduler.value!r} is not available for v1 jobs; use a v2 workflow")
    return _V1_SCHEDULERS[scheduler]


def v1_transformer(value: ImageTransformer | str) -> str:
    transformer = member(ImageTransformer, value, "preprocessor")
    if transformer not in _V1_TRANSFORMERS:
        allowed = ", ".join(t.value for t in _V1_TRANSFORMERS)
        raise ValueError(f"preprocessor {transformer.value!r} is not available for v1 jobs (only {allowed})")
    return _V1_TRANSFORMERS[transformer]
