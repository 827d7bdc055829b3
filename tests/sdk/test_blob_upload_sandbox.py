"""Upload a file to the sandbox, then use it: img2img (``textToImage.sourceImage``) and image-to-video
(``videoGen`` on kling and sora) run to completion, sync and async; the stored blob is the exact file and
the submitted bodies are valid against the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from civitai_kit.result import Success
from civitai_kit.sdk import UploadedBlob, Workflow
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.media import solid_png
from civitai_kit.testing.orchestration import FakeOrchestrator
from tests.support.sdk_openapi import v2
from tests.support.sdk_support import SD1, resolve

SOURCE = solid_png(96, 64, (200, 40, 10))


def _submitted_step(server: FakeCivitai) -> Any:
    posted = [r for r in server.requests.snapshot() if r.method == "POST" and r.path == "/v2/consumer/workflows"]
    body = json.loads(posted[-1].body)
    v2().assert_valid("WorkflowTemplate", body)
    return body["steps"][0]


async def _uploaded(client: Any, source: Any, **kwargs: Any) -> UploadedBlob:
    result = await resolve(client.blobs.upload(source, **kwargs))
    assert isinstance(result, Success), result
    blob: UploadedBlob = result.value
    return blob


async def _finished(value: Any) -> Workflow:
    result = await resolve(value)
    assert isinstance(result, Success), result
    workflow: Workflow = result.value
    assert workflow.status == "succeeded", workflow.status
    return workflow


async def test_an_upload_is_stored_exactly_and_can_be_fetched_back(
    client: Any, orchestrator: FakeOrchestrator, tmp_path: Path
) -> None:
    file = tmp_path / "input.png"
    file.write_bytes(SOURCE)
    seen: list[tuple[int, int | None]] = []
    blob = await _uploaded(client, file, progress=lambda sent, total: seen.append((sent, total)))
    assert orchestrator.blobs[blob.id].content == SOURCE
    assert (blob.content_type, blob.size, seen[-1]) == ("image/png", len(SOURCE), (len(SOURCE), len(SOURCE)))
    assert await resolve(client.blobs.exists(blob.id)) == Success(True)
    fetched = await resolve(client.blobs.download(blob.id, tmp_path / "back.png"))
    assert isinstance(fetched, Success) and fetched.value.read_bytes() == SOURCE


async def test_an_uploaded_image_is_an_img2img_source(client: Any, server: FakeCivitai) -> None:
    blob = await _uploaded(client, SOURCE)
    builder = (
        client.workflows.text_to_image()
        .with_model(SD1)
        .with_prompt("the same scene at night")
        .with_size(512, 512)
        .with_source_image(blob.as_input(), denoise_strength=0.6)
    )
    workflow = await _finished(client.workflows.submit_and_wait(builder))
    assert len(workflow.images) == 1
    step = _submitted_step(server)
    assert step["input"]["sourceImage"] == blob.url


async def test_an_uploaded_image_starts_an_image_to_video_run(client: Any, server: FakeCivitai) -> None:
    blob = await _uploaded(client, SOURCE)
    kling = client.workflows.video_gen("kling", prompt="the smoke rises", source_image=blob.as_input(), duration="5")
    workflow = await _finished(client.workflows.submit_and_wait(kling))
    assert len(workflow.videos) == 1
    assert _submitted_step(server)["input"]["sourceImage"] == blob.url
    sora = client.workflows.video_gen("sora", operation="image-to-video", prompt="waves", images=[blob.as_input()])
    workflow = await _finished(client.workflows.submit_and_wait(sora))
    assert len(workflow.videos) == 1
    assert _submitted_step(server)["input"]["images"] == [blob.url]


async def test_a_video_upload_is_a_video_blob(client: Any, orchestrator: FakeOrchestrator) -> None:
    video = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 2048
    blob = await _uploaded(client, video)
    assert blob.content_type == "video/mp4" and blob.blob.type == "video"
    assert orchestrator.blobs[blob.id].content == video
