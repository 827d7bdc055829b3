"""Local tools: hashing, format detection, HTML conversion, downloads, library identification.

Names are imported on first use, so ``import civitai_kit.tools`` never requires the optional ``blake3`` /
``html-to-markdown`` packages until a tool is used.
"""

from __future__ import annotations

from civitai_kit._lazy import exports

_EXPORTS = {
    "civitai_kit._vocabulary.hash_algorithm": ("HashAlgorithm",),
    "civitai_kit.tools.hashing": (
        "CIVITAI_ALGORITHMS",
        "AsyncFileHashingService",
        "FileHashingService",
        "HashVerification",
        "MultiHasher",
        "hash_file",
        "hash_stream",
        "normalize_hash",
        "read_embedded_hash",
    ),
    "civitai_kit.tools.hash_cache": ("HashCache",),
    "civitai_kit.tools.formats": ("FileFormat", "detect_format", "fix_extension"),
    "civitai_kit.core.html": ("html_to_markdown", "html_to_plain_text"),
    "civitai_kit.tools.downloads": ("AsyncDownloadService", "DownloadService"),
    "civitai_kit.tools.download_targets": ("DownloadTarget",),
    "civitai_kit.tools.download_batch": ("BatchEntry", "BatchReport"),
    "civitai_kit.tools.download_landed": ("LandedFile",),
    "civitai_kit.tools.layouts": ("Layout",),
    "civitai_kit.tools.download_types": ("DownloadProgress", "DownloadedFile"),
    "civitai_kit.tools.library": ("AsyncLibraryScanner", "IdentifiedFile", "LibraryIndex", "LibraryScanner"),
    "civitai_kit.tools.sidecars": ("SidecarKind", "SidecarReport"),
    "civitai_kit.tools.path_patterns": ("render_pattern", "sanitize_filename", "validate_pattern"),
}
"""Each public name once, with its module (``__init__.pyi`` is written from it by ``scripts/export_stubs.py``)."""

__getattr__, __dir__, __all__ = exports(__name__, _EXPORTS)
