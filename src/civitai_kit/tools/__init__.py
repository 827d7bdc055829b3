"""Local tools: hashing, format detection, HTML conversion, downloads.

Names are imported lazily so ``import civitai_kit.tools`` never requires the
optional ``blake3`` / ``html-to-markdown`` packages until a tool is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civitai_kit._lazy import lazy_exports
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm

if TYPE_CHECKING:
    from civitai_kit.core.html import html_to_markdown, html_to_plain_text
    from civitai_kit.tools.download_targets import DownloadTarget
    from civitai_kit.tools.downloads import AsyncDownloadService, DownloadedFile, DownloadProgress, DownloadService
    from civitai_kit.tools.formats import FileFormat, detect_format, fix_extension
    from civitai_kit.tools.hash_cache import HashCache
    from civitai_kit.tools.hashing import (
        CIVITAI_ALGORITHMS,
        AsyncFileHashingService,
        FileHashingService,
        HashVerification,
        MultiHasher,
        hash_file,
        hash_stream,
        normalize_hash,
        read_embedded_hash,
    )
    from civitai_kit.tools.library import AsyncLibraryScanner, IdentifiedFile, LibraryIndex, LibraryScanner
    from civitai_kit.tools.path_patterns import render_pattern, sanitize_filename, validate_pattern

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "MultiHasher": "civitai_kit.tools.hashing",
    "hash_file": "civitai_kit.tools.hashing",
    "hash_stream": "civitai_kit.tools.hashing",
    "normalize_hash": "civitai_kit.tools.hashing",
    "CIVITAI_ALGORITHMS": "civitai_kit.tools.hashing",
    "read_embedded_hash": "civitai_kit.tools.hashing",
    "FileHashingService": "civitai_kit.tools.hashing",
    "AsyncFileHashingService": "civitai_kit.tools.hashing",
    "HashVerification": "civitai_kit.tools.hashing",
    "HashCache": "civitai_kit.tools.hash_cache",
    "FileFormat": "civitai_kit.tools.formats",
    "detect_format": "civitai_kit.tools.formats",
    "fix_extension": "civitai_kit.tools.formats",
    "html_to_markdown": "civitai_kit.core.html",
    "html_to_plain_text": "civitai_kit.core.html",
    "DownloadService": "civitai_kit.tools.downloads",
    "DownloadTarget": "civitai_kit.tools.download_targets",
    "AsyncDownloadService": "civitai_kit.tools.downloads",
    "DownloadedFile": "civitai_kit.tools.downloads",
    "DownloadProgress": "civitai_kit.tools.downloads",
    "LibraryScanner": "civitai_kit.tools.library",
    "AsyncLibraryScanner": "civitai_kit.tools.library",
    "IdentifiedFile": "civitai_kit.tools.library",
    "LibraryIndex": "civitai_kit.tools.library",
    "validate_pattern": "civitai_kit.tools.path_patterns",
    "render_pattern": "civitai_kit.tools.path_patterns",
    "sanitize_filename": "civitai_kit.tools.path_patterns",
}

__all__ = [
    "CIVITAI_ALGORITHMS",
    "AsyncDownloadService",
    "AsyncFileHashingService",
    "AsyncLibraryScanner",
    "DownloadProgress",
    "DownloadService",
    "DownloadTarget",
    "DownloadedFile",
    "FileFormat",
    "FileHashingService",
    "HashAlgorithm",
    "HashCache",
    "HashVerification",
    "IdentifiedFile",
    "LibraryIndex",
    "LibraryScanner",
    "MultiHasher",
    "detect_format",
    "fix_extension",
    "hash_file",
    "hash_stream",
    "html_to_markdown",
    "html_to_plain_text",
    "normalize_hash",
    "read_embedded_hash",
    "render_pattern",
    "sanitize_filename",
    "validate_pattern",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
