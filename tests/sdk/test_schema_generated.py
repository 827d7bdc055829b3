"""``civitai_kit.sdk.schema``: one class per component schema of the v2 document, and for every step type and
every discriminator mapping (imageGen and videoGen engines, their models and operations, blobs, messages...) a
minimal instance built from the generated class serialises to a body the real spec accepts."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

import civitai_kit.sdk.schema as schema
from civitai_kit.core.enums import OpenEnum
from civitai_kit.sdk.schema_model import SchemaModel, SchemaRoot
from tests.support.schema_values import (
    constants,
    constructor_arguments,
    discriminator,
    leaves,
    mapping,
    minimal,
    minimal_object,
    schemas,
    union_root,
)
from tests.support.sdk_openapi import v2

STEP_TYPES = sorted(mapping("WorkflowStep"))
UNION_LEAVES = sorted({leaf for name in schemas() if discriminator(name) for leaf in leaves(name)})


def test_every_component_schema_has_a_class_of_the_same_name() -> None:
    names = set(schemas())
    assert len(names) == 765
    assert set(schema.__all__) == names
    enums = {name for name in names if "enum" in schemas()[name]}
    for name in names:
        cls = getattr(schema, name)
        assert cls.__name__ == name
        assert issubclass(cls, OpenEnum if name in enums else (SchemaModel, SchemaRoot)), name
    assert len(enums) == 68


def test_the_spec_has_45_step_types_with_a_step_and_a_template_each() -> None:
    assert len(STEP_TYPES) == 45
    assert sorted(mapping("WorkflowStepTemplate")) == STEP_TYPES


def _class(name: str) -> Any:
    return getattr(schema, name)


def _minimal_input(step_class: str) -> tuple[type[SchemaModel] | None, Any]:
    """The leaf input class of a step (the first engine for a polymorphic input) and a minimal input for it."""
    input_schema = schemas()[step_class]["allOf"][1]["properties"]["input"]
    if "$ref" not in input_schema:
        return None, minimal(input_schema)
    leaf = leaves(input_schema["$ref"].rsplit("/", 1)[1])[0]
    return _class(leaf), _class(leaf)(**constructor_arguments(leaf))


@pytest.mark.parametrize("step_type", STEP_TYPES)
def test_a_step_template_of_every_type_built_from_its_class_is_a_valid_request(step_type: str) -> None:
    template_class = mapping("WorkflowStepTemplate")[step_type]
    leaf, step_input = _minimal_input(template_class)
    step = _class(template_class)(input=step_input)
    body = step.to_request()
    assert body["$type"] == step_type
    v2().assert_valid("WorkflowStepTemplate", body)
    parsed = schema.WorkflowStepTemplate.model_validate(body)
    assert type(parsed) is _class(template_class)
    if leaf is not None:
        assert type(parsed.input) is leaf  # type: ignore[attr-defined]


@pytest.mark.parametrize("step_type", STEP_TYPES)
def test_a_step_of_every_type_parses_into_its_class_and_serialises_back_valid(step_type: str) -> None:
    data = minimal_object(mapping("WorkflowStep")[step_type])
    step = schema.WorkflowStep.model_validate(data)
    assert type(step) is _class(mapping("WorkflowStep")[step_type])
    v2().assert_valid("WorkflowStep", step.to_request())


@pytest.mark.parametrize("leaf", UNION_LEAVES)
def test_every_discriminated_class_builds_a_body_valid_at_every_level_of_its_union(leaf: str) -> None:
    """``Flux2DevCreateImageInput(prompt=...)`` writes ``engine``, ``model`` and ``operation`` by itself."""
    if schemas()[leaf].get("type") == "array":
        pytest.skip("not an object")
    arguments = constructor_arguments(leaf)
    instance = _class(leaf)(**arguments)
    body = instance.to_request()
    for key, value in constants(leaf).items():
        assert body[key] == value
    root = union_root(leaf)
    v2().assert_valid(root, body)
    assert type(_class(root).model_validate(body)) is _class(leaf)


def test_every_image_and_video_engine_in_the_spec_has_a_class() -> None:
    for base, count in (("ImageGenInput", 12), ("VideoGenInput", 21)):
        assert len(mapping(base)) == count
        for engine, target in mapping(base).items():
            assert _class(target).model_fields["engine"].default == engine


def test_an_image_gen_step_with_every_engine_leaf_is_a_valid_request() -> None:
    for base in ("ImageGenInput", "VideoGenInput"):
        template = schema.ImageGenStepTemplate if base == "ImageGenInput" else schema.VideoGenStepTemplate
        for leaf in leaves(base):
            body = template(input=_class(leaf)(**constructor_arguments(leaf))).to_request()
            v2().assert_valid("WorkflowStepTemplate", body)


# ------------------------------------------------------------------------------------------------- construction


def test_fields_are_snake_case_with_the_spec_names_as_aliases_and_both_construct() -> None:
    by_name = schema.Flux2DevCreateImageInput(prompt="a cat", guidance_scale=3.5, num_inference_steps=20)
    by_alias = schema.Flux2DevCreateImageInput(prompt="a cat", guidanceScale=3.5, numInferenceSteps=20)
    assert by_name == by_alias
    assert by_name.to_request() == {
        "engine": "flux2",
        "model": "dev",
        "operation": "createImage",
        "prompt": "a cat",
        "guidanceScale": 3.5,
        "numInferenceSteps": 20,
    }
    assert schema.ImageGenStepTemplate.model_fields["type"].alias == "$type"


def test_an_out_of_range_value_raises_a_value_error_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="width") as raised:
        schema.Flux2DevCreateImageInput(prompt="x", width=4096)
    assert isinstance(raised.value, ValueError)
    with pytest.raises(ValueError, match="prompt"):
        schema.Flux2DevCreateImageInput(prompt="x" * 1001)
    with pytest.raises(ValueError, match="quantity"):
        schema.Flux2DevCreateImageInput(prompt="x", quantity=0)


def test_a_pattern_from_the_spec_is_enforced() -> None:
    model_field = next(
        name for name, info in schema.ImageGenInputLora.model_fields.items() if info.alias in ("air", None)
    )
    assert model_field == "air"
    with pytest.raises(ValueError, match="air"):
        schema.ImageGenInputLora(air="not an air")
    assert schema.ImageGenInputLora(air="urn:air:sdxl:lora:civitai:328553@368189").air.startswith("urn:air:")


def test_the_constructor_of_a_closed_schema_refuses_an_unknown_keyword() -> None:
    with pytest.raises(ValueError, match="Flux2DevCreateImageInput has no field 'promt'"):
        schema.Flux2DevCreateImageInput(prompt="x", promt="typo")


def test_defaults_come_from_the_spec_and_are_not_written_unless_set_or_required() -> None:
    image = schema.Flux2DevCreateImageInput(prompt="x")
    assert (image.width, image.height, image.quantity, image.guidance_scale) == (1024, 1024, 1, 2.5)
    assert "width" not in image.to_request()
    assert schema.Flux2DevCreateImageInput(prompt="x", width=1024).to_request()["width"] == 1024


def test_none_is_omitted_from_a_request() -> None:
    body = schema.Flux2DevCreateImageInput(prompt="x", seed=None).to_request()
    assert "seed" not in body


def test_a_date_span_stays_the_spec_string_and_a_date_time_is_a_datetime() -> None:
    data = minimal_object("WDTaggingStep") | {"timeout": "00:10:00", "startedAt": "2025-01-02T03:04:05Z"}
    step = schema.WorkflowStep.model_validate(data)
    assert step.timeout == "00:10:00"
    assert step.started_at is not None and step.started_at.year == 2025
    assert step.to_request()["startedAt"] == "2025-01-02T03:04:05Z"


def test_a_parent_serialises_the_fields_of_the_subclass_it_holds() -> None:
    template = schema.ImageGenStepTemplate(input=schema.Flux2DevCreateImageInput(prompt="x", guidance_scale=4))
    assert template.model_dump(by_alias=True)["input"]["guidanceScale"] == 4
    assert template.model_dump_json(by_alias=True).count("guidanceScale") == 1
    assert template.to_request()["input"]["guidanceScale"] == 4


def test_a_root_schema_is_a_root_model() -> None:
    patch = schema.JsonPatchDocument([schema.JsonPatchOperation(op="remove", path="/tags/0")])
    assert patch.to_request() == [{"op": "remove", "path": "/tags/0"}]
    v2().assert_valid("JsonPatchDocument", patch.to_request())
    # ``value`` is ``{"type": "null", "anyOf": [...]}`` in the spec (a .NET JsonElement): any JSON value is kept
    replace = schema.JsonPatchDocument.model_validate([{"op": "replace", "path": "/priority", "value": "high"}])
    assert replace.to_request() == [{"op": "replace", "path": "/priority", "value": "high"}]
