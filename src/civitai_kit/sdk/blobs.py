"""``sdk.blobs`` (v2 produced files) and ``sdk.resources`` (what the orchestrator knows about a model)."""

from __future__ import annotations

from pathlib import Path
from typing import Generic
from urllib.parse import quote

from civitai_kit._http import ApiRequest, Response, encode_query
from civitai_kit.core.air import AirIdentifier
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk._runtime import Bound, Call, Download, M, Operation, Program, Runner, call, detached
from civitai_kit.sdk.enums import WorkflowNsfwLevel, member
from civitai_kit.sdk.models import Blob, ResourceInfo

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
    blob_id: str, *, workflow_id: str | None = None, nsfw_level: WorkflowNsfwLevel | str | None = None
) -> Program[Result[str]]:
    """The blob's content URL: ``GET /v2/consumer/blobs/{id}`` answers 308 with it in ``Location``."""
    params = encode_query(
        {
            "workflowId": workflow_id,
            "nsfwLevel": None if nsfw_level is None else member(WorkflowNsfwLevel, nsfw_level, "nsfw_level").value,
        }
    )
    request = ApiRequest("GET", _blob_path(blob_id), params=params, follow_redirects=False)
    result: Result[str] = yield Call.raw(request, _location)
    return result


def exists(blob_id: str) -> Program[Result[bool]]:
    """``HEAD`` the blob: ``True`` when it exists, ``False`` on 404."""
    result: Result[None] = yield Call.empty(ApiRequest("HEAD", _blob_path(blob_id)))
    if isinstance(result, Failure) and result.error.code == ErrorCode.NOT_FOUND:
        return Success(False)
    return result.map(lambda _: True)


def refresh(blob_id: str) -> Program[Result[Blob]]:
    """A fresh signed URL (and a reset retention) for a blob: ``POST …/blobs/{id}/refresh``."""
    return call(ApiRequest("POST", _blob_path(blob_id, "refresh")), Blob.model_validate)


def download(blob: Blob | str, destination: str | Path, *, overwrite: bool = False) -> Program[Result[Path]]:
    """Stream a blob to ``destination`` (a file, or an existing directory to put ``<blob id>`` in).

    A [`Blob`][] with an unexpired URL is fetched from that URL; otherwise through
    ``/v2/consumer/blobs/{id}``, whose redirect is followed (the key is never sent to another host).
    The file appears only when complete.
    """
    blob_id = blob.id if isinstance(blob, Blob) else check.text("blob", blob)
    target = Path(destination)
    if target.is_dir():
        target = target / Path(blob_id).name
    if isinstance(blob, Blob) and not blob.is_expired() and blob.url:
        request = ApiRequest("GET", blob.url)
    else:
        request = ApiRequest("GET", _blob_path(blob_id))
    result: Result[Path] = yield Download(request, target, overwrite)
    return result


def get_resource(air: AirIdentifier | str) -> Program[Result[ResourceInfo]]:
    """``GET /v2/resources/{air}``: size, hashes, whether it can generate and its availability."""
    path = "/v2/resources/" + quote(check.air("air", air), safe=":@")
    return call(ApiRequest("GET", path), ResourceInfo.model_validate)


class Blobs(Bound[M], Generic[M]):
    _runner: Runner[M]

    def __init__(self, runner: Runner[M]) -> None:
        self._runner = runner

    get_url = Operation(detached(get_url))
    exists = Operation(detached(exists))
    refresh = Operation(detached(refresh))
    download = Operation(detached(download))


class Resources(Bound[M], Generic[M]):
    _runner: Runner[M]

    def __init__(self, runner: Runner[M]) -> None:
        self._runner = runner

    get = Operation(detached(get_resource))
