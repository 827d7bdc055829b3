"""``sdk.blobs`` (v2 produced files) and ``sdk.resources`` (what the orchestrator knows about a model)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Generic, Literal
from urllib.parse import quote

from pydantic import Field

from civitai_kit._http import ApiRequest, HttpCore, Response, encode_query
from civitai_kit._runtime import M, Operation
from civitai_kit.core.air import AirIdentifier
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk.calls import call, call_empty
from civitai_kit.sdk.enums import WorkflowNsfwLevel, member
from civitai_kit.sdk.file_download import download_to, target_in
from civitai_kit.sdk.models import ApiModel, Blob, ResourceInfo
from civitai_kit.sdk.service import Service, over_http

BLOBS = "/v2/consumer/blobs"


def _blob_path(blob_id: str, *rest: str) -> str:
    return "/".join((BLOBS, quote(check.text("blob_id", blob_id), safe=""), *rest))


def _location(response: Response) -> Result[str]:
    location = response.headers.get("location")
    if response.status in (301, 302, 303, 307, 308) and location:
        return Success(location)
    return Failure.of(
        ErrorCode.UNEXPECTED_CONTENT_TYPE,
        f"Expected a redirect to the blob's content, got HTTP {response.status} without a Location.",
        http_status=response.status,
    )


def get_url(
    http: HttpCore, blob_id: str, *, workflow_id: str | None = None, nsfw_level: WorkflowNsfwLevel | str | None = None
) -> Operation[Result[str]]:
    """The blob's content URL: ``GET /v2/consumer/blobs/{id}`` answers 308 with it in ``Location``."""
    params = encode_query(
        {
            "workflowId": workflow_id,
            "nsfwLevel": None if nsfw_level is None else member(WorkflowNsfwLevel, nsfw_level, "nsfw_level").value,
        }
    )
    return _redirect(http, ApiRequest("GET", _blob_path(blob_id), params=params, follow_redirects=False))


def _redirect(http: HttpCore, request: ApiRequest) -> Operation[Result[str]]:
    sent = yield from http.call(request)
    return sent.bind(_location)


def exists(http: HttpCore, blob_id: str) -> Operation[Result[bool]]:
    """``HEAD`` the blob: ``True`` when it exists, ``False`` on 404."""
    return _found(call_empty(http, ApiRequest("HEAD", _blob_path(blob_id))))


def _found(head: Operation[Result[None]]) -> Operation[Result[bool]]:
    result = yield from head
    if isinstance(result, Failure) and result.error.code == ErrorCode.NOT_FOUND:
        return Success(False)
    return result.map(lambda _: True)


def refresh(http: HttpCore, blob_id: str) -> Operation[Result[Blob]]:
    """A fresh signed URL (and a reset retention) for a blob: ``POST …/blobs/{id}/refresh``."""
    return call(http, ApiRequest("POST", _blob_path(blob_id, "refresh")), Blob.model_validate)


def download(
    http: HttpCore, blob: Blob | str, destination: str | Path, *, overwrite: bool = False
) -> Operation[Result[Path]]:
    """Stream a blob to ``destination`` (a file, or a directory — existing or ending in ``/`` — for ``<blob id>``).

    A ``Blob`` with an unexpired URL is fetched from that URL; otherwise through
    ``/v2/consumer/blobs/{id}``, whose redirect is followed (the key is never sent to another host).
    The file appears only when complete.
    """
    blob_id = blob.id if isinstance(blob, Blob) else check.text("blob", blob)
    target = target_in(destination, blob_id)
    if isinstance(blob, Blob) and not blob.is_expired() and blob.url:
        request = ApiRequest("GET", blob.url)
    else:
        request = ApiRequest("GET", _blob_path(blob_id))
    return download_to(http, request, target, overwrite=overwrite)


class BlobUploadUrl(ApiModel):
    """Where to ``PUT`` a file (``ConsumerBlobPresignResponse``): a signed URL, valid until ``expires_at``."""

    upload_url: str
    expires_at: datetime


def upload_url(http: HttpCore) -> Operation[Result[BlobUploadUrl]]:
    """``GET /v2/consumer/blobs/upload``: a presigned URL to upload one file to."""
    return call(http, ApiRequest("GET", BLOBS + "/upload"), BlobUploadUrl.model_validate)


TokenLink = Literal["content", "blocked", "archive"]


def download_link(
    http: HttpCore, token: str, destination: str | Path, *, kind: TokenLink = "content", overwrite: bool = False
) -> Operation[Result[Path]]:
    """Stream a signed-token link to ``destination``: ``content`` (a blob), ``blocked`` (its placeholder
    image) or ``archive`` (the zip/tar a ``blobArchive`` step made): ``GET /v2/consumer/blobs/{kind}/{token}``."""
    if kind not in ("content", "blocked", "archive"):
        raise ValueError(f"kind must be content, blocked or archive, not {kind!r}")
    path = "/".join((BLOBS, kind, quote(check.text("token", token), safe="")))
    return download_to(http, ApiRequest("GET", path), Path(destination), overwrite=overwrite)


def download_streaming(
    http: HttpCore, blob_key: str, destination: str | Path, *, overwrite: bool = False
) -> Operation[Result[Path]]:
    """Stream a streaming blob (``GET /v2/consumer/streaming-blobs/{blobKey}``) to ``destination``."""
    path = "/v2/consumer/streaming-blobs/" + quote(check.text("blob_key", blob_key), safe="")
    return download_to(http, ApiRequest("GET", path), Path(destination), overwrite=overwrite)


def get_resource(http: HttpCore, air: AirIdentifier | str) -> Operation[Result[ResourceInfo]]:
    """``GET /v2/resources/{air}``: size, hashes, whether it can generate and its availability."""
    path = "/v2/resources/" + quote(check.air("air", air), safe=":@")
    return call(http, ApiRequest("GET", path), ResourceInfo.model_validate)


class ResourcePage(ApiModel):
    """One page of ``GET /v2/resources`` (``CursedArrayOfStringAndResourceInfo``)."""

    next: str | None = None
    items: list[ResourceInfo] = Field(default_factory=list)


def query_resources(
    http: HttpCore, *, view: str = "queue", cursor: str | None = None, take: int = 100
) -> Operation[Result[ResourcePage]]:
    """``GET /v2/resources?view=queue``: the resources being loaded; ``next`` continues the listing."""
    params = encode_query(
        {"view": check.text("view", view), "cursor": cursor or None, "take": check.integer("take", take, 1, 1000)}
    )
    return call(http, ApiRequest("GET", "/v2/resources", params=params), ResourcePage.model_validate)


class Blobs(Service[M], Generic[M]):
    """``sdk.blobs``: the files workflows produce."""

    get_url = over_http(get_url)
    exists = over_http(exists)
    refresh = over_http(refresh)
    upload_url = over_http(upload_url)

    download = over_http(download, offload=True)
    download_link = over_http(download_link, offload=True)
    download_streaming = over_http(download_streaming, offload=True)


class Resources(Service[M], Generic[M]):
    """``sdk.resources``: what the orchestrator knows about a model."""

    get = over_http(get_resource)
    query = over_http(query_resources)
