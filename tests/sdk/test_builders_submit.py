"""Spec-checked builders and typed models submitted over loopback to the sandbox, sync and async: the body the
server received is the spec's, and bad arguments raise ``ValueError`` naming the field before any request."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from civitai_kit.result import Success
from civitai_kit.sdk import Workflow
from civitai_kit.testing import FakeCivitai
from tests.support.sdk_openapi import v2
from tests.support.sdk_support import resolve

IMAGE = "https://images.example/input.png"


def last_body(server: FakeCivitai) -> Any:
    submitted = [r for r in server.requests.snapshot() if r.method == "POST" and r.path == "/v2/consumer/workflows"]
    return json.loads(submitted[-1].body)


async def submitted(value: Any) -> Workflow:
    result = await resolve(value)
    assert isinstance(result, Success), result
    workflow: Workflow = result.value
    return workflow


def flux2(client: Any) -> Any:
    return client.workflows.image_gen_for(
        "flux2", model="dev", operation="createImage", prompt="a lighthouse", width=1024, height=768
    )


async def test_an_image_gen_engine_runs_to_typed_images(client: Any, server: FakeCivitai, tmp_path: Path) -> None:
    workflow = await submitted(flux2(client).with_tags("demo").submit(wait=30))
    body = last_body(server)
    v2().assert_valid("WorkflowTemplate", body)
    assert body["steps"][0]["input"] == {
        "engine": "flux2",
        "model": "dev",
        "operation": "createImage",
        "prompt": "a lighthouse",
        "width": 1024,
        "height": 768,
    }
    assert workflow.succeeded and workflow.images
    saved = await resolve(client.blobs.download(workflow.images[0], tmp_path / "out.png"))
    assert isinstance(saved, Success) and (tmp_path / "out.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("step_type", "fields"),
    [
        ("videoGen", {"engine": "kling", "prompt": "a fox in snow", "duration": "5"}),
        ("videoGen", {"engine": "veo3", "prompt": "waves", "images": [IMAGE], "generate_audio": False}),
        ("imageUpscaler", {"image": IMAGE}),
        ("wdTagging", {"media_url": IMAGE}),
        ("mediaCaptioning", {"media_url": IMAGE}),
        ("imageBackgroundRemoval", {"image": IMAGE}),
        ("textToSpeech", {"engine": "vllm-omni", "ecosystem": "omnivoice", "text": "hello there"}),
        (
            "chatCompletion",
            {"model": "gpt", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},
        ),
    ],
)
async def test_other_step_types_submit_spec_valid_bodies(
    client: Any, server: FakeCivitai, step_type: str, fields: dict[str, Any]
) -> None:
    await submitted(client.workflows.submit(client.workflows.run(step_type, **fields)))
    body = last_body(server)
    v2().assert_valid("WorkflowTemplate", body)
    assert body["steps"][0]["$type"] == step_type


class WDTaggingInput(BaseModel):
    """Shaped and named like the spec's (as the generated ``civitai_kit.sdk.schema`` classes are)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)
    media_url: str
    threshold: float | None = Field(default=None, ge=0, le=1)


class EchoStep(BaseModel):
    type: str = Field(default="echo", alias="$type")
    input: dict[str, Any]
    name: str | None = None


async def test_typed_models_submit_as_one_step_workflows(client: Any, server: FakeCivitai) -> None:
    await submitted(client.workflows.submit(WDTaggingInput(media_url=IMAGE)))
    assert last_body(server) == {"steps": [{"$type": "wdTagging", "input": {"mediaUrl": IMAGE}}], "currencies": []}
    await submitted(client.workflows.submit_and_wait(EchoStep(input={"message": "hi"})))
    assert last_body(server) == {"steps": [{"$type": "echo", "input": {"message": "hi"}}], "currencies": []}
    v2().assert_valid("WorkflowTemplate", last_body(server))


def test_a_model_that_is_no_step_is_refused(client: Any) -> None:
    class Elsewhere(BaseModel):
        value: int = 1

    with pytest.raises(TypeError, match="Elsewhere"):
        client.workflows.submit(Elsewhere())


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda w: w.image_gen_for("flux2", model="dev", operation="createImage", prompt="x", width=64), "width"),
        (lambda w: w.image_gen_for("flux2", model="nope"), "model"),
        (lambda w: w.image_gen_for("no-such-engine"), "engine"),
        (lambda w: w.video_gen("kling", prompt="x", duration="7"), "duration"),
        (lambda w: w.video_gen("kling", prompt="x", wrong_field=1), "wrong_field"),
        (lambda w: w.video_gen("kling", prompt=3), "prompt"),
        (lambda w: w.run("wdTagging", media_url=IMAGE, threshold="high"), "threshold"),
        (lambda w: w.run("no-such-step"), "step type"),
        (lambda w: w.run("chatCompletion", model="m", messages=[{"role": "user"}]).build(), "messages[0].content"),
        (lambda w: w.image_gen_for("flux2", model="dev", operation="createImage").build(), "prompt"),
    ],
)
def test_bad_arguments_raise_naming_the_field(client: Any, server: FakeCivitai, make: Any, field: str) -> None:
    before = len(server.requests.snapshot())
    with pytest.raises(ValueError, match="^" + re.escape(field)):
        make(client.workflows)
    assert len(server.requests.snapshot()) == before
