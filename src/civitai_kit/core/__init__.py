"""The public REST API: clients, immutable query builders, typed models and open enums.

Names are imported lazily so the lower modules (models, AIR, enums), which tools and the SDK import, never
pull in the HTTP clients.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civitai_kit._lazy import lazy_exports

if TYPE_CHECKING:
    from civitai_kit.core.async_client import (
        AsyncCivitaiClient,
        AsyncCreatorQuery,
        AsyncImageQuery,
        AsyncModelQuery,
        AsyncTagQuery,
    )
    from civitai_kit.core.calls import StrictParsingError, parse
    from civitai_kit.core.enums import (
        Availability,
        BaseModelType,
        BrowsingLevel,
        CheckpointType,
        CommercialUse,
        FileFormat,
        ImageSort,
        MediaType,
        ModelFileType,
        ModelMode,
        ModelSort,
        ModelType,
        NsfwLevel,
        OpenEnum,
        PeriodMode,
        ScanResult,
        TimePeriod,
        UploadType,
        UsageControl,
    )
    from civitai_kit.core.models import (
        CivitaiResource,
        Creator,
        FileHashes,
        FileMetadata,
        Image,
        ImageMeta,
        ImageResource,
        ImageStats,
        Model,
        ModelFile,
        ModelImage,
        ModelStats,
        ModelVersion,
        ModelVersionStats,
        Page,
        PageMetadata,
        Tag,
        VersionIdByHash,
        VersionModel,
    )
    from civitai_kit.core.sync_client import CivitaiClient, CreatorQuery, ImageQuery, ModelQuery, TagQuery

# public name -> module that defines it
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        ("AsyncCivitaiClient", "AsyncCreatorQuery", "AsyncImageQuery", "AsyncModelQuery", "AsyncTagQuery"),
        "civitai_kit.core.async_client",
    ),
    **dict.fromkeys(
        (
            "Availability",
            "BaseModelType",
            "BrowsingLevel",
            "CheckpointType",
            "CommercialUse",
            "FileFormat",
            "ImageSort",
            "MediaType",
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
        ),
        "civitai_kit.core.enums",
    ),
    **dict.fromkeys(
        (
            "CivitaiResource",
            "Creator",
            "FileHashes",
            "FileMetadata",
            "Image",
            "ImageMeta",
            "ImageResource",
            "ImageStats",
            "Model",
            "ModelFile",
            "ModelImage",
            "ModelStats",
            "ModelVersion",
            "ModelVersionStats",
            "Page",
            "PageMetadata",
            "Tag",
            "VersionIdByHash",
            "VersionModel",
        ),
        "civitai_kit.core.models",
    ),
    **dict.fromkeys(("StrictParsingError", "parse"), "civitai_kit.core.calls"),
    **dict.fromkeys(
        ("CivitaiClient", "CreatorQuery", "ImageQuery", "ModelQuery", "TagQuery"), "civitai_kit.core.sync_client"
    ),
}

__all__ = [
    "AsyncCivitaiClient",
    "AsyncCreatorQuery",
    "AsyncImageQuery",
    "AsyncModelQuery",
    "AsyncTagQuery",
    "Availability",
    "BaseModelType",
    "BrowsingLevel",
    "CheckpointType",
    "CivitaiClient",
    "CivitaiResource",
    "CommercialUse",
    "Creator",
    "CreatorQuery",
    "FileFormat",
    "FileHashes",
    "FileMetadata",
    "Image",
    "ImageMeta",
    "ImageQuery",
    "ImageResource",
    "ImageSort",
    "ImageStats",
    "MediaType",
    "Model",
    "ModelFile",
    "ModelFileType",
    "ModelImage",
    "ModelMode",
    "ModelQuery",
    "ModelSort",
    "ModelStats",
    "ModelType",
    "ModelVersion",
    "ModelVersionStats",
    "NsfwLevel",
    "OpenEnum",
    "Page",
    "PageMetadata",
    "PeriodMode",
    "ScanResult",
    "StrictParsingError",
    "Tag",
    "TagQuery",
    "TimePeriod",
    "UploadType",
    "UsageControl",
    "VersionIdByHash",
    "VersionModel",
    "parse",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
