"""civitai-kit: a typed, resilient client for Civitai — REST API, Generator SDK and tools.

Importing the package is cheap: results and errors are loaded at once, everything else on first use.
"""

from __future__ import annotations

from civitai_kit import errors, result
from civitai_kit._lazy import exports
from civitai_kit._redact import install_log_redaction

_EXPORTS = {
    "civitai_kit._version": ("__version__",),
    "civitai_kit.errors": errors.__all__,
    "civitai_kit.result": result.__all__,
    "civitai_kit.options": ("CivitaiApiOptions", "ConfigDirectoryWarning", "UnknownConfigKeyWarning", "UserSecrets"),
    "civitai_kit._http": (
        "ApiRequest",
        "AsyncHttpClient",
        "ClientSettings",
        "HttpClient",
        "InsecureTransportWarning",
        "RequestBody",
        "Response",
        "RetryPolicy",
        "StreamingResponse",
    ),
    "civitai_kit.container": ("CivitaiContainer", "add_civitai_api"),
    "civitai_kit.core": ("AsyncCivitaiClient", "CivitaiClient", "FileHashes", "Image", "Model", "ModelVersion", "Page"),
    "civitai_kit.sdk": ("AirBuilder", "AirIdentifier", "AsyncSdkClient", "SdkClient"),
    "civitai_kit.tools": (
        "AsyncDownloadService",
        "AsyncLibraryScanner",
        "DownloadService",
        "FileHashingService",
        "HashAlgorithm",
        "LibraryScanner",
        "hash_file",
    ),
}
"""The public surface, each name once with the module it comes from (``__init__.pyi`` is written from it by
``scripts/export_stubs.py``).

``HttpClient`` / ``AsyncHttpClient`` are a configured HTTP session (connection pool, auth scoping, retries,
circuit breaker, pacing) that several clients can share: build one from ``ClientSettings.for_core(options)`` or
``ClientSettings.for_sdk(options)`` (or take the container's ``http_client``) and pass it as ``http_client=`` to
``CivitaiClient``, ``SdkClient`` or ``DownloadService``; a client does not close a session it was given.
``send(ApiRequest(...))`` on one returns a ``Result[Response]`` for a call the typed clients do not cover."""

__getattr__, __dir__, __all__ = exports(__name__, _EXPORTS)
install_log_redaction()
