"""Property tests: objects drawn from the spec's own constraints (every step template type, every engine, every
discriminated union) parse into the generated classes, serialise to bodies the spec accepts, and parse back equal."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import civitai_kit.sdk.schema as schema
from tests.support.hypothesis_profiles import examples
from tests.support.schema_values import discriminator, leaves, mapping, objects, schemas, union_root
from tests.support.sdk_openapi import v2

EXAMPLES = settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
TEMPLATES = sorted(mapping("WorkflowStepTemplate").values())
UNIONS = sorted(name for name in schemas() if discriminator(name) and union_root(name) == name)


def _round_trip(name: str, data: dict[str, Any]) -> None:
    cls = getattr(schema, name)
    instance = cls.model_validate(data)
    body = instance.to_request()
    v2().assert_valid(name, body)
    again = cls.model_validate(body)
    assert type(again) is type(instance)
    assert again == instance
    assert again.to_request() == body


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_generated_step_template_of_every_type_round_trips_through_a_valid_body(template: str) -> None:
    @EXAMPLES
    @given(objects(template))
    def check(data: dict[str, Any]) -> None:
        _round_trip("WorkflowStepTemplate", data)

    check()


@pytest.mark.parametrize("union", UNIONS)
def test_every_leaf_of_every_union_round_trips_through_a_valid_body(union: str) -> None:
    """``ImageGenInput`` (all engines, models, operations), ``VideoGenInput``, blobs, messages, ..."""

    @EXAMPLES
    @given(st.sampled_from(leaves(union)).flatmap(objects))
    def check(data: dict[str, Any]) -> None:
        _round_trip(union, data)

    check()
