"""Helpers for the blob-upload tests: one upload through the sync or the async SDK client against any loopback
server, with retries that do not wait, and a PNG-looking payload larger than several body chunks."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from civitai_kit._http import AsyncHttpClient, ClientSettings, HttpClient, RetryPolicy
from civitai_kit._http.body import CHUNK_SIZE
from civitai_kit.result import Result
from civitai_kit.sdk import AsyncSdkClient, SdkClient, UploadedBlob

TOKEN = "sk-upload-test-token-5a1e0c7d9b"
BLOBS = "/v2/consumer/blobs"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BIG_PNG = PNG_MAGIC + bytes(range(256)) * ((3 * CHUNK_SIZE) // 256 + 7)
"""More than three body chunks, so a source can change between chunks of one attempt."""
SMALL_PNG = PNG_MAGIC + b"small-image-bytes"


def blob_answer(blob_id: str = "UP1.png", kind: str = "image") -> dict[str, Any]:
    """A 201 body as the spec's ``Blob`` (``ImageBlob`` for images)."""
    return {
        "type": kind,
        "id": blob_id,
        "available": True,
        "url": f"https://orchestration.civitai.test/v2/consumer/blobs/{blob_id}?sig=abc&exp=1",
        "urlExpiresAt": "2030-01-01T00:00:00Z",
        "nsfwLevel": "pg",
    }


def settings(url: str, *, retries: int = 2, timeout: float = 5.0) -> ClientSettings:
    return ClientSettings(
        base_url=url,
        token=SecretStr(TOKEN),
        token_source="test",
        timeout=timeout,
        total_timeout=timeout * 4,
        retry=RetryPolicy(max_retries=retries, base_delay=0.0, max_delay=0.0),
        service="Civitai orchestration API",
    )


async def upload(mode: str, url: str, source: Any, *, retries: int = 2, **kwargs: Any) -> Result[UploadedBlob]:
    """``sdk.blobs.upload(source, **kwargs)`` on a fresh ``mode`` ("sync"/"async") client for ``url``."""
    configured = settings(url, retries=retries)
    if mode == "sync":
        with HttpClient(configured) as http:
            result: Result[UploadedBlob] = SdkClient(http_client=http).blobs.upload(source, **kwargs)
            return result
    async with AsyncHttpClient(configured) as ahttp:
        return await AsyncSdkClient(http_client=ahttp).blobs.upload(source, **kwargs)
