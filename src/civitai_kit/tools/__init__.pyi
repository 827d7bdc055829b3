# Written by scripts/export_stubs.py from _EXPORTS in __init__.py: edit the table there, then rerun it.
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit.core.html import html_to_markdown, html_to_plain_text
from civitai_kit.tools.download_batch import BatchEntry, BatchReport
from civitai_kit.tools.download_landed import LandedFile
from civitai_kit.tools.download_targets import DownloadTarget
from civitai_kit.tools.download_types import DownloadedFile, DownloadProgress
from civitai_kit.tools.downloads import AsyncDownloadService, DownloadService
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
from civitai_kit.tools.layouts import Layout
from civitai_kit.tools.library import AsyncLibraryScanner, IdentifiedFile, LibraryIndex, LibraryScanner
from civitai_kit.tools.path_patterns import render_pattern, sanitize_filename, validate_pattern
from civitai_kit.tools.sidecars import SidecarKind, SidecarReport

__all__ = [
    "CIVITAI_ALGORITHMS",
    "AsyncDownloadService",
    "AsyncFileHashingService",
    "AsyncLibraryScanner",
    "BatchEntry",
    "BatchReport",
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
    "LandedFile",
    "Layout",
    "LibraryIndex",
    "LibraryScanner",
    "MultiHasher",
    "SidecarKind",
    "SidecarReport",
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
