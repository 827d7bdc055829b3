"""civitai-kit: a typed, resilient client for Civitai — REST API, Generator SDK and tools.

Importing the package is cheap: the results and errors are loaded eagerly, everything else on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civitai_kit._lazy import lazy_exports
from civitai_kit._redact import install_log_redaction
from civitai_kit._version import __version__
from civitai_kit.errors import (
    ApiConnectionError,
    ApiStatusError,
    ApiTimeoutError,
    ArchivedError,
    AuthenticationError,
    BadRequestError,
    CivitaiError,
    ConfigurationError,
    ConflictError,
    DownloadError,
    DownloadLimitError,
    DownloadRefusedError,
    DownloadsDisabledError,
    EarlyAccessError,
    Error,
    ErrorCode,
    HashMismatchError,
    LoginRequiredError,
    NoAccessError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseParseError,
    ServerError,
)
from civitai_kit.result import Failure, Result, Success

if TYPE_CHECKING:
    from civitai_kit._http import InsecureTransportWarning
    from civitai_kit.container import CivitaiContainer, add_civitai_api
    from civitai_kit.core import AsyncCivitaiClient, CivitaiClient, FileHashes, Image, Model, ModelVersion, Page
    from civitai_kit.options import CivitaiApiOptions, ConfigDirectoryWarning, UserSecrets
    from civitai_kit.sdk import AirBuilder, AirIdentifier, AsyncSdkClient, SdkClient
    from civitai_kit.tools import (
        AsyncDownloadService,
        AsyncLibraryScanner,
        DownloadService,
        FileHashingService,
        HashAlgorithm,
        LibraryScanner,
        hash_file,
    )

_LAZY = {
    "CivitaiApiOptions": "civitai_kit.options",
    "UserSecrets": "civitai_kit.options",
    "ConfigDirectoryWarning": "civitai_kit.options",
    "InsecureTransportWarning": "civitai_kit._http",
    "CivitaiContainer": "civitai_kit.container",
    "add_civitai_api": "civitai_kit.container",
    "CivitaiClient": "civitai_kit.core",
    "AsyncCivitaiClient": "civitai_kit.core",
    "Model": "civitai_kit.core",
    "ModelVersion": "civitai_kit.core",
    "Image": "civitai_kit.core",
    "FileHashes": "civitai_kit.core",
    "Page": "civitai_kit.core",
    "SdkClient": "civitai_kit.sdk",
    "AsyncSdkClient": "civitai_kit.sdk",
    "AirIdentifier": "civitai_kit.sdk",
    "AirBuilder": "civitai_kit.sdk",
    "HashAlgorithm": "civitai_kit.tools",
    "hash_file": "civitai_kit.tools",
    "FileHashingService": "civitai_kit.tools",
    "DownloadService": "civitai_kit.tools",
    "AsyncDownloadService": "civitai_kit.tools",
    "LibraryScanner": "civitai_kit.tools",
    "AsyncLibraryScanner": "civitai_kit.tools",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
install_log_redaction()

__all__ = [
    "AirBuilder",
    "AirIdentifier",
    "ApiConnectionError",
    "ApiStatusError",
    "ApiTimeoutError",
    "ArchivedError",
    "AsyncCivitaiClient",
    "AsyncDownloadService",
    "AsyncLibraryScanner",
    "AsyncSdkClient",
    "AuthenticationError",
    "BadRequestError",
    "CivitaiApiOptions",
    "CivitaiClient",
    "CivitaiContainer",
    "CivitaiError",
    "ConfigDirectoryWarning",
    "ConfigurationError",
    "ConflictError",
    "DownloadError",
    "DownloadLimitError",
    "DownloadRefusedError",
    "DownloadService",
    "DownloadsDisabledError",
    "EarlyAccessError",
    "Error",
    "ErrorCode",
    "Failure",
    "FileHashes",
    "FileHashingService",
    "HashAlgorithm",
    "HashMismatchError",
    "Image",
    "InsecureTransportWarning",
    "LibraryScanner",
    "LoginRequiredError",
    "Model",
    "ModelVersion",
    "NoAccessError",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseParseError",
    "Result",
    "SdkClient",
    "ServerError",
    "Success",
    "UserSecrets",
    "__version__",
    "add_civitai_api",
    "hash_file",
]
