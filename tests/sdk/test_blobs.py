"""Blobs (308 URL, refresh, HEAD, streaming download) and resources, over loopback, sync and async."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from civitai_kit._http import AsyncHttpClient, HttpClient
from civitai_kit.errors import ApiTimeoutError, ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.sdk import AsyncSdkClient, Blob, SdkClient, Workflow
from civitai_kit.sdk.file_download import PartFile
from civitai_kit.testing import FakeCivitai, FakeResponse, Fault
from civitai_kit.testing.orchestration import FakeOrchestrator
from tests.support.sdk_support import PNG_MAGIC, SDXL, collect, resolve, settings_for


async def finished(client: Any) -> Workflow:
    builder = client.workflows.text_to_image().with_model(SDXL).with_prompt("a red fox").with_quantity(2)
    result = await resolve(builder.submit(wait=10))
    assert isinstance(result, Success) and result.value.succeeded
    workflow: Workflow = result.value
    return workflow


async def test_download_an_output_image_from_its_signed_url(client: Any, server: FakeCivitai, tmp_path: Path) -> None:
    image = (await finished(client)).images[0]
    target = tmp_path / "out" / "fox.png"
    result = await resolve(client.blobs.download(image, target))
    assert result == Success(target)
    data = target.read_bytes()
    assert data.startswith(PNG_MAGIC) and b"IEND" in data[-12:]
    fetch = server.requests.snapshot()[-1]
    assert fetch.host == "localhost" and "authorization" not in fetch.headers  # the key stays home
    assert list(target.parent.iterdir()) == [target]  # no temporary file left behind


async def test_download_by_id_follows_the_308(client: Any, server: FakeCivitai, tmp_path: Path) -> None:
    image = (await finished(client)).images[1]
    result = await resolve(client.blobs.download(image.id, tmp_path))
    assert isinstance(result, Success) and result.value == tmp_path / image.id
    assert result.value.read_bytes().startswith(PNG_MAGIC)
    first, second = server.requests.snapshot()[-2:]
    assert first.path == f"/v2/consumer/blobs/{image.id}" and first.headers["authorization"].startswith("Bearer ")
    assert second.host == "localhost" and "authorization" not in second.headers


async def test_download_refuses_to_overwrite_and_leaves_nothing_on_a_cut(
    client: Any, server: FakeCivitai, tmp_path: Path
) -> None:
    image = (await finished(client)).images[0]
    target = tmp_path / "a.png"
    target.write_bytes(b"keep me")
    refused = await resolve(client.blobs.download(image, target))
    assert isinstance(refused, Failure) and "overwrite=True" in refused.error.message
    assert target.read_bytes() == b"keep me"

    server.faults.add(Fault.truncate(20), path="/v2/consumer/blobs/content/")
    cut = await resolve(client.blobs.download(image, target, overwrite=True))
    assert isinstance(cut, Failure)
    assert target.read_bytes() == b"keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]

    replaced = await resolve(client.blobs.download(image, target, overwrite=True))
    assert isinstance(replaced, Success) and target.read_bytes().startswith(PNG_MAGIC)


async def test_get_url_refresh_and_exists(client: Any, server: FakeCivitai, orchestrator: FakeOrchestrator) -> None:
    image = (await finished(client)).images[0]
    url = await resolve(client.blobs.get_url(image.id, nsfw_level="r"))
    assert isinstance(url, Success) and "/v2/consumer/blobs/content/" in url.value
    request = server.requests.snapshot()[-1]
    assert request.query == {"nsfwLevel": "r"}  # and the 308 was not followed

    refreshed = await resolve(client.blobs.refresh(image.id))
    assert isinstance(refreshed, Success) and isinstance(refreshed.value, Blob)
    assert refreshed.value.url and refreshed.value.url != image.url and refreshed.value.available

    assert (await resolve(client.blobs.exists(image.id))) == Success(True)
    assert (await resolve(client.blobs.exists("NOPE.png"))) == Success(False)
    missing = await resolve(client.blobs.get_url("NOPE.png"))
    assert isinstance(missing, Failure) and missing.error.code == ErrorCode.NOT_FOUND


async def test_resources_get(client: Any, server: FakeCivitai) -> None:
    found = await resolve(client.resources.get(SDXL))
    assert isinstance(found, Success) and found.value.is_available and found.value.resource_name == "SD XL 1.0"
    assert server.requests.snapshot()[-1].path == f"/v2/resources/{SDXL}"
    loading = await resolve(client.resources.get("urn:air:sdxl:lora:civitai:328553@368189"))
    assert loading.value.availability.status == "loading" and not loading.value.is_available
    missing = await resolve(client.resources.get("urn:air:sd1:lora:civitai:1@2"))
    assert isinstance(missing, Failure) and missing.error.code == ErrorCode.NOT_FOUND
    assert "urn:air:sd1:lora:civitai:1@2 was not found" in missing.error.message


async def test_expired_blob_urls_fall_back_to_the_api(client: Any, tmp_path: Path) -> None:
    image = (await finished(client)).images[0]
    assert image.url_expires_at is not None
    stale = image.model_copy(update={"url_expires_at": image.url_expires_at.replace(year=2000)})
    assert stale.is_expired()
    result = await resolve(client.blobs.download(stale, tmp_path / "x.png"))
    assert isinstance(result, Success)
    assert await collect(client.workflows.query(max_items=1))


def slow_blob(server: FakeCivitai, started: threading.Event) -> Blob:
    """A blob whose content trickles: one chunk, then a pause long enough to interrupt the download."""

    def chunks() -> Iterator[bytes]:
        yield PNG_MAGIC * 1024
        started.set()
        time.sleep(0.6)
        yield b"rest"

    server.add_route("GET", "/slow/blob.png", lambda request: FakeResponse.stream(chunks(), "image/png"))
    return Blob(id="slow.png", url=server.url_for_host("localhost") + "/slow/blob.png")


async def test_a_cancelled_async_download_leaves_no_temporary_file(server: FakeCivitai, tmp_path: Path) -> None:
    started = threading.Event()
    blob = slow_blob(server, started)
    async with AsyncHttpClient(settings_for(server)) as ahttp:
        sdk = AsyncSdkClient(http_client=ahttp)
        task = asyncio.create_task(sdk.blobs.download(blob, tmp_path / "out.png"))
        while not started.is_set() or not list(tmp_path.iterdir()):
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_sync_download_leaves_no_temporary_file(
    server: FakeCivitai, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = slow_blob(server, threading.Event())

    def interrupt(self: PartFile, chunk: bytes) -> None:  # Ctrl-C cannot come from a loopback server
        raise KeyboardInterrupt

    monkeypatch.setattr(PartFile, "write", interrupt)
    with HttpClient(settings_for(server)) as http, pytest.raises(KeyboardInterrupt):
        SdkClient(http_client=http).blobs.download(blob, tmp_path / "out.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_stalled_download_is_a_timeout_failure(server: FakeCivitai, tmp_path: Path, mode: str) -> None:
    blob = slow_blob(server, threading.Event())
    settings = replace(settings_for(server), timeout=0.3)
    if mode == "sync":
        with HttpClient(settings) as http:
            stalled = SdkClient(http_client=http).blobs.download(blob, tmp_path / "out.png")
    else:
        async with AsyncHttpClient(settings) as ahttp:
            stalled = await AsyncSdkClient(http_client=ahttp).blobs.download(blob, tmp_path / "out.png")
    assert isinstance(stalled, Failure) and stalled.error.code == ErrorCode.TIMEOUT
    assert isinstance(stalled.error.cause, ApiTimeoutError)
    assert list(tmp_path.iterdir()) == []


async def test_an_existing_file_is_refused_before_any_request(client: Any, server: FakeCivitai, tmp_path: Path) -> None:
    target = tmp_path / "a.png"
    target.write_bytes(b"keep me")
    refused = await resolve(client.blobs.download("some-blob.png", target))
    assert isinstance(refused, Failure) and refused.error.code == ErrorCode.FILE_WRITE_FAILED
    assert server.requests.snapshot() == [] and target.read_bytes() == b"keep me"
