"""Orchestration enums with the values the server really sends and accepts.

v2 spells values camelCase (``eulerA``); the legacy v1 jobs API spells the same enums PascalCase (``EulerA``).
One Python enum serves both: the v1 builder translates with [`v1_scheduler`][] / [`v1_transformer`][].
Response fields stay plain strings (compare them with these members, which are ``str``), so a value added by
the server never breaks parsing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class WorkflowStatus(StrEnum):
    UNASSIGNED = "unassigned"
    PREPARING = "preparing"
    SCHEDULED = "scheduled"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELED = "canceled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset(
    {WorkflowStatus.SUCCEEDED, WorkflowStatus.FAILED, WorkflowStatus.EXPIRED, WorkflowStatus.CANCELED}
)


class Priority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Scheduler(StrEnum):
    """The ``textToImage`` sampler (v2 wire values; v1 jobs get the PascalCase form)."""

    EULER_A = "eulerA"
    EULER = "euler"
    LMS = "lms"
    HEUN = "heun"
    DPM2 = "dpM2"
    DPM2_A = "dpM2A"
    DPM2_SA = "dpM2SA"
    DPM2_M = "dpM2M"
    DPM_SDE = "dpmsde"
    DPM_FAST = "dpmFast"
    DPM_ADAPTIVE = "dpmAdaptive"
    LMS_KARRAS = "lmsKarras"
    DPM2_KARRAS = "dpM2Karras"
    DPM2_A_KARRAS = "dpM2AKarras"
    DPM2_SA_KARRAS = "dpM2SAKarras"
    DPM2_M_KARRAS = "dpM2MKarras"
    DPM_SDE_KARRAS = "dpmsdeKarras"
    DDIM = "ddim"
    PLMS = "plms"
    UNI_PC = "uniPC"
    UNDEFINED = "undefined"
    LCM = "lcm"
    DDPM = "ddpm"
    DEIS = "deis"
    DPM3_M_SDE = "dpM3MSDE"


class ImageTransformer(StrEnum):
    """A ControlNet preprocessor."""

    CANNY = "canny"
    MLSD = "mlsd"
    DEPTH_ZOE = "depthZoe"
    DEPTH_ANYTHING = "depthAnything"
    DEPTH_ANYTHING_V2 = "depthAnythingV2"
    ZOE_DEPTH_ANYTHING = "zoeDepthAnything"
    ZOE_DEPTH = "zoeDepth"
    MIDAS_DEPTH = "midasDepth"
    LERES_DEPTH = "leresDepth"
    METRIC3D_DEPTH = "metric3dDepth"
    SOFTEDGE_PIDINET = "softedgePidinet"
    HED = "hed"
    TEED = "teed"
    MIDAS_NORMAL = "midasNormal"
    BAE_NORMAL = "baeNormal"
    DSINE_NORMAL = "dsineNormal"
    METRIC3D_NORMAL = "metric3dNormal"
    LINEART_REALISTIC = "lineartRealistic"
    LINEART_STANDARD = "lineartStandard"
    LINEART_ANIME = "lineartAnime"
    LINEART_MANGA = "lineartManga"
    ANYLINE = "anyline"
    SCRIBBLE = "scribble"
    SCRIBBLE_XDOG = "scribbleXdog"
    SCRIBBLE_PIDINET = "scribblePidinet"
    FAKE_SCRIBBLE = "fakeScribble"
    OPENPOSE = "openpose"
    DWPOSE = "dwpose"
    ONEFORMER_COCO = "oneformerCoco"
    ONEFORMER_ADE20K = "oneformerAde20k"
    UNIFORMER = "uniformer"
    SHUFFLE = "shuffle"
    TILE = "tile"
    GRAY = "gray"
    REMBG = "rembg"
    INPAINT = "inpaint"


class OutputFormat(StrEnum):
    PNG = "png"
    JPEG = "jpeg"
    WEBP = "webP"


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


class SdCppSampleMethod(StrEnum):
    EULER = "euler"
    HEUN = "heun"
    DPM2 = "dpm2"
    DPMPP_2S_A = "dpm++2s_a"
    DPMPP_2M = "dpm++2m"
    DPMPP_2M_V2 = "dpm++2mv2"
    IPNDM = "ipndm"
    IPNDM_V = "ipndm_v"
    DDIM_TRAILING = "ddim_trailing"
    EULER_A = "euler_a"
    LCM = "lcm"
    RES_MULTISTEP = "res_multistep"
    RES_2S = "res_2s"
    TCD = "tcd"
    ER_SDE = "er_sde"


class SdCppSchedule(StrEnum):
    SIMPLE = "simple"
    DISCRETE = "discrete"
    KARRAS = "karras"
    EXPONENTIAL = "exponential"
    AYS = "ays"
    BONG_TANGENT = "bong_tangent"
    GITS = "gits"
    SGM_UNIFORM = "sgm_uniform"
    SMOOTHSTEP = "smoothstep"
    KL_OPTIMAL = "kl_optimal"
    LCM = "lcm"


class ComfySampler(StrEnum):
    EULER = "euler"
    EULER_ANCESTRAL = "euler_ancestral"
    EULER_CFG_PP = "euler_cfg_pp"
    EULER_ANCESTRAL_CFG_PP = "euler_ancestral_cfg_pp"
    HEUN = "heun"
    HEUNPP2 = "heunpp2"
    DPM_2 = "dpm_2"
    DPM_2_ANCESTRAL = "dpm_2_ancestral"
    LMS = "lms"
    DPM_FAST = "dpm_fast"
    DPM_ADAPTIVE = "dpm_adaptive"
    DPMPP_2S_ANCESTRAL = "dpmpp_2s_ancestral"
    DPMPP_2S_ANCESTRAL_CFG_PP = "dpmpp_2s_ancestral_cfg_pp"
    DPMPP_SDE = "dpmpp_sde"
    DPMPP_SDE_GPU = "dpmpp_sde_gpu"
    DPMPP_2M = "dpmpp_2m"
    DPMPP_2M_CFG_PP = "dpmpp_2m_cfg_pp"
    DPMPP_2M_SDE = "dpmpp_2m_sde"
    DPMPP_2M_SDE_GPU = "dpmpp_2m_sde_gpu"
    DPMPP_3M_SDE = "dpmpp_3m_sde"
    DPMPP_3M_SDE_GPU = "dpmpp_3m_sde_gpu"
    DDPM = "ddpm"
    LCM = "lcm"
    IPNDM = "ipndm"
    IPNDM_V = "ipndm_v"
    DEIS = "deis"
    DDIM = "ddim"
    UNI_PC = "uni_pc"
    UNI_PC_BH2 = "uni_pc_bh2"
    RES_MULTISTEP = "res_multistep"
    ER_SDE = "er_sde"


class ComfyScheduler(StrEnum):
    NORMAL = "normal"
    KARRAS = "karras"
    EXPONENTIAL = "exponential"
    SGM_UNIFORM = "sgm_uniform"
    SIMPLE = "simple"
    DDIM_UNIFORM = "ddim_uniform"
    BETA = "beta"


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
