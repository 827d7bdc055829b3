"""Blobs (308 URL, refresh, HEAD, streaming download) and resources, over loopback, sync and async."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sdk_support import PNG_MAGIC, SDXL, collect, resolve

from civitai_kit.result import ErrorCode, Failure, Success
from civitai_kit.sdk import Blob, Workflow
from civitai_kit.testing import FakeCivitai, Fault
from civitai_kit.testing.orchestration import FakeOrchestrator


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
