"""Mutated real payloads never escape as anything but a parse Failure (ResponseParseError)."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitai_kit._http import Response
from civitai_kit.core import Image, Model, ModelVersion, Page
from civitai_kit.core.calls import _parsed_plainly, parsed
from civitai_kit.errors import ErrorCode, ResponseParseError
from civitai_kit.result import Failure, Success
from tests.support.core_support import TARGETS, fixture_files, load_fixture, read_everything

SMALL = [f for f in fixture_files() if f.parent.name in TARGETS and f.stat().st_size < 40_000]
PAYLOADS = [(TARGETS[f.parent.name], load_fixture(f"{f.parent.name}/{f.name}")) for f in SMALL]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _mutate(payload: Any, path: tuple[Any, ...], action: int, new: Any) -> Any:
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == 0:
        parent[last] = new
    elif action == 1:
        del parent[last]
    elif isinstance(parent, dict):
        parent[f"{last}_x"] = new
    else:
        parent.insert(last, new)
    return payload


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Any, Any]:
    target, original = draw(st.sampled_from(PAYLOADS))
    payload = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(payload)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        payload = _mutate(payload, path, draw(st.integers(0, 2)), draw(json_values))
    return target, payload


def _touch(value: Any) -> None:
    """Use the conveniences a caller would: none of them may raise on odd data."""
    models = value.items if isinstance(value, Page) else (value,)
    for item in models:
        if isinstance(item, Model):
            _ = (item.latest_version, item.is_archived, item.tags, item.allow_commercial_use)
            for version in item.model_versions:
                _touch(version)
        elif isinstance(item, ModelVersion):
            _ = (item.primary_file, item.air_identifier, item.is_early_access)
            for file in item.files:
                _ = (file.size_bytes, list(file.hashes.items()), file.is_safe)
            for image in item.images:
                _ = (image.nsfw_level, image.nsfw_label)
                if image.meta is not None:
                    _meta(image.meta)
        elif isinstance(item, Image):
            _ = (item.nsfw_level, item.nsfw_label)
            if item.meta is not None:
                _meta(item.meta)


def _meta(meta: Any) -> None:
    _ = (
        meta.prompt,
        meta.negative_prompt,
        meta.seed,
        meta.steps,
        meta.sampler,
        meta.cfg_scale,
        meta.clip_skip,
        meta.size,
        meta.hashes,
        meta.resources,
        meta.civitai_resources,
        meta.model_hash,
        meta.denoising_strength,
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # deterministic
@given(case=mutated(), strict=st.booleans())
def test_mutated_payloads_parse_or_fail_cleanly(case: tuple[Any, Any], strict: bool) -> None:
    """A failure is the plain parse's; a list the fast parse deferred fails when read, exactly when the plain
    parse refused the body, and only as ``ResponseParseError``."""
    target, payload = case
    body = json.dumps(payload).encode()
    result = parsed(Response(200, {}, body, "http://fake"), target, strict=strict)
    plain = _parsed_plainly(Response(200, {}, body, "http://fake"), target, strict=strict)
    if isinstance(result, Failure):
        assert result.error.code is ErrorCode.DESERIALIZATION_FAILED
        assert isinstance(result.error.to_exception(), ResponseParseError)
        assert result == plain
        return
    assert isinstance(result, Success)
    try:
        _touch(result.value)
        read_everything(result.value)
    except ResponseParseError as exc:
        assert exc.error.code is ErrorCode.DESERIALIZATION_FAILED
        assert isinstance(plain, Failure) and plain.error.code is ErrorCode.DESERIALIZATION_FAILED
    else:
        assert isinstance(plain, Success)
        assert repr(result.value) == repr(plain.value)  # NaN is not equal to itself


@settings(max_examples=60, deadline=None)
@given(junk=json_values)
def test_arbitrary_json_for_every_target(junk: Any) -> None:
    for target in TARGETS.values():
        result = parsed(Response(200, {}, json.dumps(junk).encode(), "http://fake"), target, strict=False)
        assert isinstance(result, Success | Failure)
        if isinstance(result, Success):
            _touch(result.value)
