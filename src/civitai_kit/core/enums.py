"""Civitai's enumerations, as the API spells them, and *open*.

Civitai adds values all the time (``DoRA``, ``Wildcards``, ``LLM``… appeared after clients shipped closed
enums and broke on them), so every enum here derives from [`OpenEnum`][]: a value the library does not
know yet becomes a *pseudo-member* of the same class instead of an error. It still compares equal to its
text, hashes like it, serialises as it, and says ``is_known == False``:

    >>> ModelType("LORA") is ModelType.LORA
    True
    >>> ModelType("Wildcards2")            # tomorrow's type
    <ModelType.Wildcards2: 'Wildcards2'>
    >>> ModelType("lora") is ModelType.LORA  # user input is matched leniently
    True

Lenient matching ignores case, spaces, underscores and hyphens, and accepts member names as well as wire
values (``ModelSort("highest_rated")``), so builders can take strings from users and config files.
"""

from __future__ import annotations

from enum import IntFlag, StrEnum
from typing import Self

__all__ = [
    "Availability",
    "BaseModelType",
    "BrowsingLevel",
    "CheckpointType",
    "CommercialUse",
    "ImageSort",
    "MediaType",
    "ModelFileFormat",
    "ModelFileType",
    "ModelMode",
    "ModelSort",
    "ModelType",
    "NsfwLevel",
    "OpenEnum",
    "PeriodMode",
    "ScanResult",
    "TimePeriod",
    "UploadType",
    "UsageControl",
]


def _fold(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch not in " _-")


class OpenEnum(StrEnum):
    """A string enum that keeps values it does not know (see the module docstring)."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        wanted = _fold(value)
        for member in cls:
            if _fold(member.value) == wanted or _fold(member.name) == wanted:
                return member
        # Not cached on purpose: a server sending garbage must not grow a class-level table forever.
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        return pseudo

    @property
    def is_known(self) -> bool:
        """``False`` for a value this version of the library has no constant for."""
        return type(self)._value2member_map_.get(self._value_) is self


class ModelType(OpenEnum):
    """``model.type`` / the ``types`` filter."""

    CHECKPOINT = "Checkpoint"
    TEXTUAL_INVERSION = "TextualInversion"
    HYPERNETWORK = "Hypernetwork"
    AESTHETIC_GRADIENT = "AestheticGradient"
    LORA = "LORA"
    LOCON = "LoCon"
    DORA = "DoRA"
    CONTROLNET = "Controlnet"
    UPSCALER = "Upscaler"
    MOTION_MODULE = "MotionModule"
    VAE = "VAE"
    TEXT_ENCODER = "TextEncoder"
    UNET = "UNet"
    CLIP_VISION = "CLIPVision"
    POSES = "Poses"
    WILDCARDS = "Wildcards"
    WORKFLOWS = "Workflows"
    COMFY_WORKFLOWS = "ComfyWorkflows"
    DETECTION = "Detection"
    VISION_LANGUAGE = "VisionLanguage"
    CLIP = "CLIP"
    LLM = "LLM"
    OTHER = "Other"


class ModelSort(OpenEnum):
    """``sort`` on ``/models``."""

    HIGHEST_RATED = "Highest Rated"
    MOST_DOWNLOADED = "Most Downloaded"
    MOST_LIKED = "Most Liked"
    MOST_DISCUSSED = "Most Discussed"
    MOST_COLLECTED = "Most Collected"
    MOST_IMAGES = "Most Images"
    NEWEST = "Newest"
    OLDEST = "Oldest"


class ImageSort(OpenEnum):
    """``sort`` on ``/images``."""

    MOST_REACTIONS = "Most Reactions"
    MOST_COMMENTS = "Most Comments"
    MOST_COLLECTED = "Most Collected"
    NEWEST = "Newest"
    OLDEST = "Oldest"
    RANDOM = "Random"


class TimePeriod(OpenEnum):
    """``period`` (Civitai's ``MetricTimeframe``)."""

    ALL_TIME = "AllTime"
    YEAR = "Year"
    MONTH = "Month"
    WEEK = "Week"
    DAY = "Day"


class PeriodMode(OpenEnum):
    """``periodMode`` on ``/models``: rank by stats gathered in the period, or by publication in it."""

    STATS = "stats"
    PUBLISHED = "published"


class NsfwLevel(OpenEnum):
    """The coarse NSFW label: ``nsfw`` filter on ``/images`` and ``nsfwLevel`` of an ``/images`` item.

    As a filter it is cumulative ("up to"): ``MATURE`` means PG, PG-13 and R. As a label it is lossy: both X
    and XXX read ``X``. [`BrowsingLevel`][] is the exact form.
    """

    NONE = "None"
    SOFT = "Soft"
    MATURE = "Mature"
    X = "X"
    BLOCKED = "Blocked"

    @property
    def browsing_level(self) -> int | None:
        """The single [`BrowsingLevel`][] bit this label stands for (``X`` → X; XXX is lost)."""
        return _LABEL_LEVELS.get(self._value_)

    @classmethod
    def from_browsing_level(cls, level: int) -> NsfwLevel:
        """The label Civitai shows for a numeric level (the highest bit set decides)."""
        if level & BrowsingLevel.BLOCKED:
            return cls.BLOCKED
        if level & (BrowsingLevel.X | BrowsingLevel.XXX):
            return cls.X
        if level & BrowsingLevel.R:
            return cls.MATURE
        if level & BrowsingLevel.PG13:
            return cls.SOFT
        return cls.NONE


class BrowsingLevel(IntFlag):
    """Civitai's numeric NSFW levels (a bitmask: a model's ``nsfwLevel`` 31 means PG through XXX)."""

    PG = 1
    PG13 = 2
    R = 4
    X = 8
    XXX = 16
    BLOCKED = 32


_LABEL_LEVELS: dict[str, int] = {"None": 1, "Soft": 2, "Mature": 4, "X": 8, "Blocked": 32}


class CommercialUse(OpenEnum):
    """``allowCommercialUse`` permissions."""

    NONE = "None"
    IMAGE = "Image"
    RENT_CIVIT = "RentCivit"
    RENT = "Rent"
    SELL = "Sell"


class ModelMode(OpenEnum):
    """``model.mode``; absent when the model is healthy."""

    ARCHIVED = "Archived"
    TAKEN_DOWN = "TakenDown"


class Availability(OpenEnum):
    """``availability`` of a model, version or image."""

    PUBLIC = "Public"
    UNSEARCHABLE = "Unsearchable"
    PRIVATE = "Private"
    EARLY_ACCESS = "EarlyAccess"
    ARCHIVED = "Archived"


class MediaType(OpenEnum):
    """An image item's ``type`` and the ``type`` filter on ``/images``."""

    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


class CheckpointType(OpenEnum):
    """``checkpointType`` filter on ``/models``."""

    TRAINED = "Trained"
    MERGE = "Merge"


class ScanResult(OpenEnum):
    """``pickleScanResult`` / ``virusScanResult`` of a file."""

    PENDING = "Pending"
    SUCCESS = "Success"
    DANGER = "Danger"
    ERROR = "Error"


class ModelFileType(OpenEnum):
    """A file's ``type``. The primary file is not always a ``Model``."""

    MODEL = "Model"
    PRUNED_MODEL = "Pruned Model"
    TRAINING_DATA = "Training Data"
    VAE = "VAE"
    CONFIG = "Config"
    ARCHIVE = "Archive"
    NEGATIVE = "Negative"
    TEXT_ENCODER = "Text Encoder"
    VISION_ENCODER = "Vision Encoder"
    UNET = "UNet"
    DIFFUSION_MODEL = "Diffusion Model"
    CLIP_VISION = "CLIPVision"


class ModelFileFormat(OpenEnum):
    """``files[].metadata.format``."""

    SAFE_TENSOR = "SafeTensor"
    PICKLE_TENSOR = "PickleTensor"
    GGUF = "GGUF"
    DIFFUSERS = "Diffusers"
    CORE_ML = "Core ML"
    ONNX = "ONNX"
    OTHER = "Other"


class BaseModelType(OpenEnum):
    """A version's ``baseModelType``."""

    STANDARD = "Standard"
    INPAINTING = "Inpainting"
    REFINER = "Refiner"


class UploadType(OpenEnum):
    """A version's ``uploadType``."""

    CREATED = "Created"
    TRAINED = "Trained"


class UsageControl(OpenEnum):
    """A version's ``usageControl``: what the creator allows people to do with it."""

    DOWNLOAD = "Download"
    GENERATION = "Generation"
    INTERNAL_GENERATION = "InternalGeneration"
    EXTERNAL_GENERATION = "ExternalGeneration"
