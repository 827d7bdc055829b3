"""``sdk.blobs`` (v2 files: uploaded inputs and produced outputs) and ``sdk.resources`` (what the
orchestrator knows about a model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, Literal, TypeAlias
from urllib.parse import quote

from civitai_kit._http import ApiRequest, HttpCore, Progress, Response, encode_query
from civitai_kit._runtime import M, Operation
from civitai_kit.core.air import AirIdentifier
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk.calls import call, call_empty
from civitai_kit.sdk.enums import WorkflowNsfwLevel, member
from civitai_kit.sdk.file_download import download_to, target_in
from civitai_kit.sdk.models import Blob, ResourceInfo
from civitai_kit.sdk.schema import Blob as SpecBlob
from civitai_kit.sdk.schema import ConsumerBlobPresignResponse, CursedArrayOfStringAndResourceInfo
from civitai_kit.sdk.service import Service, over_http
from civitai_kit.sdk.upload_source import UploadSource, request_body

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


BlobUploadUrl: TypeAlias = ConsumerBlobPresignResponse
"""Where to ``PUT`` a file (the spec's ``ConsumerBlobPresignResponse``): ``upload_url``, valid until
``expires_at``."""


def upload_url(http: HttpCore) -> Operation[Result[BlobUploadUrl]]:
    """``GET /v2/consumer/blobs/upload``: a presigned URL to upload one file to."""
    return call(http, ApiRequest("GET", BLOBS + "/upload"), BlobUploadUrl.model_validate)


@dataclass(frozen=True, slots=True)
class UploadedBlob:
    """A file stored by ``POST /v2/consumer/blobs``: ``blob`` is the spec's ``Blob`` as the server answered
    it (an [`ImageBlob`][civitai_kit.sdk.schema.ImageBlob] or [`VideoBlob`][civitai_kit.sdk.schema.VideoBlob]
    for those types); ``content_type`` and ``size`` are what was sent."""

    blob: SpecBlob
    content_type: str
    size: int | None

    @property
    def id(self) -> str:
        return self.blob.id

    @property
    def url(self) -> str | None:
        """The signed URL of the content (it expires at ``url_expires_at``; ``sdk.blobs.refresh`` renews it)."""
        return self.blob.url

    @property
    def url_expires_at(self) -> datetime | None:
        return self.blob.url_expires_at

    def as_input(self) -> str:
        """What a step input takes for this file: the blob's URL. Image and video inputs (``images``,
        ``image``, ``sourceImage``, ``startImage``, ``mediaUrl``…) are typed "a URL, a data URL or Base64"
        in the spec; the URL is the one form every such field accepts. Use it before it expires."""
        if not self.blob.url:
            reason = f": {self.blob.blocked_reason}" if self.blob.blocked_reason else ""
            raise ValueError(f"blob {self.blob.id} has no URL to use as an input (blocked or not available{reason})")
        return self.blob.url


def upload(
    http: HttpCore,
    source: UploadSource,
    *,
    content_type: str | None = None,
    progress: Progress | None = None,
) -> Operation[Result[UploadedBlob]]:
    """Upload a file as a blob, to use as a step's input: ``POST /v2/consumer/blobs`` with the raw bytes.

    ``source``: a path, bytes or a binary stream, sent in chunks (never read whole into memory).
    ``content_type``: the media type; by default from the path's suffix or the first bytes.
    ``progress(sent, total)``: called after each chunk (``total`` is ``None`` for a stream of unknown size).
    A path or bytes is sent again when a retry is due; a stream only if not a byte of it was read. A file
    that changes while it is sent stops the upload (``IO_ERROR``). The server's refusals come back as its
    ``ProblemDetails``: 413 (too large; civitai.com's uploader allows 64 MiB), 415 (a type it does not take).
    """
    body = request_body(source, content_type, progress)
    request = ApiRequest("POST", BLOBS, body=body, resendable=True)
    return _uploaded(
        call(http, request, lambda payload: _spec_blob(payload, body.content_type)), body.content_type, body.length
    )


def _spec_blob(payload: Any, content_type: str) -> SpecBlob:
    """The answer as the spec's ``Blob``; a ``type`` the server left out is the content type's family."""
    if isinstance(payload, dict) and "type" not in payload:
        payload = {"type": content_type.split("/")[0], **payload}
    return SpecBlob.model_validate(payload)


def _uploaded(
    sent: Operation[Result[SpecBlob]], content_type: str, size: int | None
) -> Operation[Result[UploadedBlob]]:
    result = yield from sent
    return result.map(lambda blob: UploadedBlob(blob, content_type, size))


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


ResourcePage = CursedArrayOfStringAndResourceInfo
"""One page of ``GET /v2/resources``: ``items`` and the ``next`` cursor (``None`` on the last page)."""


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
    upload = over_http(upload)

    download = over_http(download, offload=True)
    download_link = over_http(download_link, offload=True)
    download_streaming = over_http(download_streaming, offload=True)


class Resources(Service[M], Generic[M]):
    """``sdk.resources``: what the orchestrator knows about a model."""

    get = over_http(get_resource)
    query = over_http(query_resources)
