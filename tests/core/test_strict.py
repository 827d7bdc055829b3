"""StrictJsonParsing: the same models, unknown fields reported by JSON path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from civitai_kit.core import CivitaiClient, Model, Page, StrictParsingError, parse
from civitai_kit.errors import ErrorCode, ResponseParseError
from civitai_kit.testing import FakeCivitai, FakeResponse
from tests.support.core_support import error_of, load_fixture, options_for


def _with_unknowns() -> Any:
    raw = copy.deepcopy(load_fixture("models/bun-civitai-browser-models-res-2025.json"))
    raw["items"][0]["sparkles"] = 3
    raw["items"][0]["modelVersions"][1]["files"][0]["hashes"]["SHA3"] = "AB"
    raw["metadata"]["cursorKind"] = "v2"
    return raw


def test_lenient_keeps_unknown_fields() -> None:
    page = parse(Page[Model], _with_unknowns())
    assert page.items[0].model_extra == {"sparkles": 3}
    assert page.items[0].model_versions[1].files[0].hashes.model_extra == {"SHA3": "AB"}


def test_strict_names_every_unknown_field_by_path() -> None:
    with pytest.raises(StrictParsingError) as caught:
        parse(Page[Model], _with_unknowns(), strict=True)
    assert caught.value.paths == [
        "$.items[0].modelVersions[1].files[0].hashes.SHA3",
        "$.items[0].sparkles",
        "$.metadata.cursorKind",
    ]
    assert isinstance(caught.value, ValueError)


def test_open_containers_are_never_strict() -> None:
    raw = {"id": 1, "modelVersions": [{"id": 2, "images": [{"meta": {"anything": 1}}], "trainingDetails": {"x": 1}}]}
    parse(Model, raw, strict=True)


def test_strict_client_returns_a_parse_failure(fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/api/v1/models", lambda request: FakeResponse.json(_with_unknowns()))
    with CivitaiClient(options_for(fake_civitai.url, strict_json_parsing=True)) as client:
        result = client.models.execute()
        assert error_of(result).code is ErrorCode.DESERIALIZATION_FAILED
        assert "sparkles" in error_of(result).message
        with pytest.raises(ResponseParseError):
            result.unwrap()
    with CivitaiClient(options_for(fake_civitai.url)) as lenient:
        assert lenient.models.execute().unwrap().items[0].model_extra == {"sparkles": 3}
