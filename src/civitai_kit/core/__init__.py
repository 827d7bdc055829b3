"""The public REST API: clients, immutable query builders, typed models and open enums.

Names are imported lazily so the lower modules (models, AIR, enums), which tools and the SDK import, never
pull in the HTTP clients.
"""

from __future__ import annotations

from civitai_kit._lazy import exports

_EXPORTS = {
    "civitai_kit.core.sync_client": ("CivitaiClient", "CreatorQuery", "ImageQuery", "ModelQuery", "TagQuery"),
    "civitai_kit.core.async_client": (
        "AsyncCivitaiClient",
        "AsyncCreatorQuery",
        "AsyncImageQuery",
        "AsyncModelQuery",
        "AsyncTagQuery",
    ),
    "civitai_kit.core.enums": (
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
    ),
    "civitai_kit.core.models": (
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
    "civitai_kit.core.calls": ("StrictParsingError", "parse"),
    "civitai_kit.core.enum_lists": ("BUNDLED_BASE_MODELS", "CivitaiEnums", "UnknownBaseModelWarning"),
    "civitai_kit.core.mini_version": ("MiniModelVersion",),
    "civitai_kit.core.current_user": ("CurrentUser",),
}
"""Each public name once, with its module (``__init__.pyi`` is written from it by ``scripts/export_stubs.py``)."""

__getattr__, __dir__, __all__ = exports(__name__, _EXPORTS)
