"""The spec-checked builders (``image_gen_for``, ``video_gen``, ``run``) on every step type and every engine:
whatever the spec allows is accepted and sent as a body the spec validates (property tests over values drawn
from the spec itself); what it refuses raises ``ValueError`` naming the field, before any request."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic.alias_generators import to_camel, to_snake

from civitai_kit.sdk import spec_inputs
from civitai_kit.sdk.builders import SpecStepBuilder
from tests.support.sdk_openapi import v2
from tests.support.spec_strategies import object_values

EXAMPLES = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
STEP_TYPES = [
    step_type
    for step_type in sorted(spec_inputs.shape("WorkflowStepTemplate").discriminator[1])  # type: ignore[index]
    if step_type != "imageUpload"  # the spec gives it no typed input
]
LEAVES = [
    (step_type, leaf)
    for step_type in STEP_TYPES
    for leaf in spec_inputs.concrete_schemas(spec_inputs.step_input_schema(step_type))
]


def as_arguments(values: dict[str, Any]) -> dict[str, Any]:
    """snake_case where the name round-trips, the wire name otherwise (both are accepted)."""
    return {to_snake(key) if to_camel(to_snake(key)) == key else key: value for key, value in values.items()}


def test_every_engine_of_image_gen_and_video_gen_is_covered() -> None:
    assert set(spec_inputs.engines("ImageGenInput")) == {
        "comfy",
        "fal",
        "flux1-kontext",
        "flux2",
        "gemini",
        "google",
        "grok",
        "openai",
        "qwen",
        "sdcpp",
        "seedream",
        "wan",
    }
    assert len(spec_inputs.engines("VideoGenInput")) == 21
    covered = {leaf for _, leaf in LEAVES}
    for base in ("ImageGenInput", "VideoGenInput"):
        for engine_schema in spec_inputs.engines(base).values():
            assert set(spec_inputs.concrete_schemas(engine_schema)) <= covered


@pytest.mark.parametrize(("step_type", "leaf"), LEAVES, ids=[f"{t}-{leaf}" for t, leaf in LEAVES])
@EXAMPLES
@given(data=st.data())
def test_built_bodies_validate_against_the_spec(step_type: str, leaf: str, data: st.DataObject) -> None:
    values = data.draw(object_values(leaf))
    builder: SpecStepBuilder[Any] = SpecStepBuilder(type=step_type).with_input(**as_arguments(values))
    body = builder.build().to_json()
    v2().assert_valid("WorkflowTemplate", body)
    assert body["steps"][0]["$type"] == step_type
