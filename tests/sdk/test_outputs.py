"""Typed outputs: a finished workflow's images, videos, audio, texts and tags, found through the spec's output
schema of each step type; unknown step types keep their raw output; output blobs download atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitai_kit.result import Success
from civitai_kit.sdk import Workflow, spec_inputs
from civitai_kit.sdk.outputs import output_schema
from tests.support.sdk_minimal import minimal
from tests.support.sdk_openapi import v2
from tests.support.sdk_support import SDXL, resolve
from tests.support.spec_strategies import object_values


def blob(blob_id: str, kind: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"id": blob_id, "available": True, "url": f"https://blobs.example/{blob_id}"}
    return found if kind is None else {**found, "type": kind}


def finished(*steps: dict[str, Any]) -> Workflow:
    return Workflow.model_validate({"id": "wf", "status": "succeeded", "steps": list(steps)})


def test_each_kind_of_output_is_typed() -> None:
    workflow = finished(
        {"$type": "imageGen", "name": "a", "output": {"images": [blob("i1", "image")]}},
        {"$type": "imageUpscaler", "name": "b", "output": {"blob": blob("i2", "image")}},
        {"$type": "videoGen", "name": "c", "output": {"video": blob("v1"), "additionalVideos": [blob("v2")]}},
        {"$type": "textToSpeech", "name": "d", "output": {"audioBlob": blob("a1"), "speaker": "x"}},
        {"$type": "comfy", "name": "e", "output": {"blobs": [blob("c1", "Image"), blob("c2", "video")]}},
        {"$type": "chatCompletion", "name": "f", "output": {"choices": [{"message": {"content": "hello"}}]}},
        {"$type": "mediaCaptioning", "name": "g", "output": {"caption": "a red door"}},
        {"$type": "wdTagging", "name": "h", "output": {"tags": {"door": 0.9, "red": 0.75}}},
        {"$type": "brandNewStep", "name": "i", "output": {"whatever": [1, 2], "images": []}},
    )
    assert [image.id for image in workflow.images] == ["i1", "i2", "c1"]
    assert [video.id for video in workflow.videos] == ["v1", "v2", "c2"]
    assert [clip.id for clip in workflow.audio] == ["a1"]
    assert workflow.texts == ["hello", "a red door"]
    assert workflow.output_tags == {"door": 0.9, "red": 0.75}
    unknown = workflow.step("i")
    assert unknown is not None and unknown.raw_output == {"whatever": [1, 2], "images": []}
    assert unknown.blobs() == []


STEP_TYPES = sorted(t for t in spec_inputs.shape("WorkflowStep").discriminator[1] if output_schema(t))  # type: ignore[index]


@pytest.mark.parametrize("step_type", STEP_TYPES)
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_spec_output_parses_and_keeps_its_fields(step_type: str, data: st.DataObject) -> None:
    output = data.draw(object_values(output_schema(step_type) or ""))
    workflow = finished({"$type": step_type, "name": "s", "output": output})
    step = workflow.steps[0]
    assert step.raw_output.keys() >= output.keys()
    for found in step.blobs():
        assert isinstance(found.id, str)
    assert all(isinstance(text, str) for text in workflow.texts)


async def test_a_video_output_downloads_atomically(client: Any, tmp_path: Path) -> None:
    produced = await resolve(
        client.workflows.text_to_image().with_model(SDXL).with_prompt("x").with_size(512, 512).submit(wait=30)
    )
    assert isinstance(produced, Success)
    served = produced.value.images[0].model_dump(mode="json", by_alias=True, exclude_none=True)
    video = finished({"$type": "videoGen", "name": "v", "output": {"video": served}}).videos[0]
    saved = await resolve(client.blobs.download(video, tmp_path / "clip.bin"))
    assert isinstance(saved, Success)
    assert (tmp_path / "clip.bin").stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["clip.bin"]


def _blob_shaped(value: Any) -> int:
    """How many blobs a spec instance holds, counted by shape (``id`` and ``available``), not by schema."""
    if isinstance(value, dict):
        if {"id", "available"} <= value.keys():
            return 1
        return sum(_blob_shaped(item) for item in value.values())
    if isinstance(value, list):
        return sum(_blob_shaped(item) for item in value)
    return 0


OUTPUT_LEAVES = [
    (step_type, leaf)
    for step_type in STEP_TYPES
    for leaf in spec_inputs.concrete_schemas(output_schema(step_type) or "")
]


@pytest.mark.parametrize(("step_type", "leaf"), OUTPUT_LEAVES, ids=[f"{t}-{leaf}" for t, leaf in OUTPUT_LEAVES])
def test_every_blob_of_every_spec_output_is_found(step_type: str, leaf: str) -> None:
    output = minimal(leaf)
    v2().assert_valid(leaf, output)
    step = finished({"$type": step_type, "name": "s", "output": output}).steps[0]
    assert len(step.blobs()) == _blob_shaped(output)


def test_compose_media_and_transcode_outputs_are_found_with_their_kind() -> None:
    workflow = finished(
        {"$type": "composeMedia", "name": "v", "output": {"type": "video", "elements": [], "videoBlob": blob("v1")}},
        {"$type": "composeMedia", "name": "a", "output": {"type": "audio", "elements": [], "audioBlob": blob("a1")}},
        {"$type": "transcode", "name": "t", "output": {**blob("t1"), "jobId": "j1"}},
        {"$type": "composeMedia", "name": "n", "output": {"type": "hologram", "elements": [], "holo": blob("h1")}},
    )
    assert [video.id for video in workflow.videos] == ["v1", "t1"]
    assert [clip.id for clip in workflow.audio] == ["a1"]
    assert [found.id for found in workflow.blobs()] == ["v1", "a1", "t1"]  # an unknown kind of output: no guess
