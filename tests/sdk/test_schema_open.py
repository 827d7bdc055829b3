"""Open parsing: whatever the server adds (a step type, an engine, a model, an enum value, a key) parses into a
fallback that keeps every field and writes it back; nothing the server sends fails on novelty alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

import civitai_kit.sdk.schema as schema
from tests.support.schema_values import minimal_object
from tests.support.sdk_openapi import v2


def _step(**changes: Any) -> dict[str, Any]:
    return minimal_object("WDTaggingStep") | changes


def test_an_unknown_step_type_parses_into_the_base_step_with_every_field() -> None:
    data = _step(**{"$type": "holography", "input": {"depth": 3}, "output": {"hologram": "blob"}, "newField": [1]})
    step = schema.WorkflowStep.model_validate(data)
    assert type(step) is schema.WorkflowStep
    assert step.type == "holography"
    assert step.model_extra == {"input": {"depth": 3}, "output": {"hologram": "blob"}, "newField": [1]}
    assert step.to_request() == data


def test_a_workflow_with_an_unknown_step_parses_and_serialises_back() -> None:
    known = minimal_object("ImageGenStep") | {"name": "known"}
    unknown = _step(**{"$type": "holography", "name": "new", "input": {"depth": 3}})
    data = minimal_object("Workflow") | {"steps": [known, unknown]}
    workflow = schema.Workflow.model_validate_json(json.dumps(data))
    assert [type(s).__name__ for s in workflow.steps] == ["ImageGenStep", "WorkflowStep"]
    written = workflow.to_request()
    assert written["steps"][1] == unknown
    assert written["steps"][0]["input"] == known["input"]


def test_an_unknown_engine_parses_into_the_input_base_with_every_field() -> None:
    data = {"engine": "zeta", "model": "z1", "prompt": "a cat", "width": 99999}
    image = schema.ImageGenInput.model_validate(data)
    assert type(image) is schema.ImageGenInput
    assert image.engine == "zeta"
    assert image.model_extra == {"model": "z1", "prompt": "a cat", "width": 99999}
    assert image.to_request() == data
    step = schema.ImageGenStepTemplate.model_validate({"$type": "imageGen", "input": data})
    assert step.to_request() == {"$type": "imageGen", "input": data}


def test_an_unknown_value_of_a_nested_discriminator_falls_back_one_level_down() -> None:
    """engine known, model unknown -> the engine's class; model known, operation unknown -> the model's class."""
    model = schema.ImageGenInput.model_validate({"engine": "flux2", "model": "ultra", "prompt": "x", "new": 1})
    assert type(model) is schema.Flux2ImageGenInput
    assert model.model_extra == {"new": 1}
    operation = schema.ImageGenInput.model_validate(
        {"engine": "flux2", "model": "dev", "operation": "paint", "prompt": "x", "brush": "round"}
    )
    assert type(operation) is schema.Flux2DevImageGenInput
    assert operation.to_request()["brush"] == "round"
    assert operation.to_request()["operation"] == "paint"


def test_a_known_discriminator_dispatches_through_every_level_from_any_base() -> None:
    data = {"engine": "flux2", "model": "dev", "operation": "createImage", "prompt": "x"}
    for base in (schema.ImageGenInput, schema.Flux2ImageGenInput, schema.Flux2DevImageGenInput):
        assert type(base.model_validate(data)) is schema.Flux2DevCreateImageInput
    assert type(schema.ImageGenInput.model_validate_json(json.dumps(data))) is schema.Flux2DevCreateImageInput


def test_constructing_a_base_builds_the_base_not_a_subclass() -> None:
    """Python cannot return a subclass from ``Base(...)``: construct the concrete class, or ``model_validate``."""
    base = schema.ImageGenInput(engine="flux2")
    assert type(base) is schema.ImageGenInput
    with pytest.raises(ValueError, match="ImageGenInput has no field 'model'"):
        schema.ImageGenInput(engine="flux2", model="dev")
    data = {"engine": "flux2", "model": "dev", "operation": "createImage", "prompt": "x"}
    assert type(schema.ImageGenInput.model_validate(data)) is schema.Flux2DevCreateImageInput


def test_an_unknown_enum_value_is_kept_as_a_pseudo_member() -> None:
    step = schema.WorkflowStep.model_validate(_step(priority="urgent", status="hibernating"))
    assert isinstance(step.priority, schema.Priority)
    assert step.priority == "urgent"
    assert not step.priority.is_known
    assert schema.WorkflowStep.model_validate(_step(priority="high")).priority is schema.Priority.HIGH
    assert step.to_request()["priority"] == "urgent"
    assert step.to_request()["status"] == "hibernating"


def test_an_unknown_value_of_an_inline_enum_is_kept() -> None:
    data = {"engine": "flux2", "model": "klein", "operation": "createImage", "prompt": "x", "modelVersion": "9b"}
    image = schema.ImageGenInput.model_validate(data)
    assert image.to_request()["modelVersion"] == "9b"


def test_unknown_keys_in_a_closed_schema_are_kept_on_parse_and_written_back() -> None:
    data = minimal_object("ImageBlob") | {"thumbnailUrl": "https://example.com/t.png"}
    blob = schema.Blob.model_validate(data)
    assert type(blob) is schema.ImageBlob
    assert blob.model_extra == {"thumbnailUrl": "https://example.com/t.png"}
    assert blob.to_request() == data


def test_a_request_never_has_a_key_the_user_did_not_set_or_the_spec_does_not_require() -> None:
    body = schema.ImageGenStepTemplate(input=schema.Flux2DevCreateImageInput(prompt="x")).to_request()
    assert body == {
        "$type": "imageGen",
        "input": {"engine": "flux2", "model": "dev", "operation": "createImage", "prompt": "x"},
    }
    v2().assert_valid("WorkflowStepTemplate", body)
