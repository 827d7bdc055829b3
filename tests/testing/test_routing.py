"""Route patterns and the route table, without a network."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitai_kit.testing import FakeResponse
from civitai_kit.testing.routing import RoutePattern, RouteTable, path_filter


def ok(_request: object) -> FakeResponse:
    return FakeResponse.empty(204)


def test_params_are_captured_and_decoded() -> None:
    pattern = RoutePattern.compile("/api/v1/models/{id}/files/{name}")
    assert pattern.match("/api/v1/models/12/files/my%20lora.safetensors") == {
        "id": "12",
        "name": "my lora.safetensors",
    }
    assert pattern.match("/api/v1/models/12/files") is None
    assert pattern.match("/api/v1/models/12/files/a/b") is None


def test_path_param_takes_the_rest() -> None:
    pattern = RoutePattern.compile("/blobs/{key:path}")
    assert pattern.match("/blobs/a/b/c.png") == {"key": "a/b/c.png"}
    assert pattern.match("/blobs/") is None


def test_param_inside_a_segment() -> None:
    pattern = RoutePattern.compile("/images/{id}.{ext}")
    assert pattern.match("/images/42.jpeg") == {"id": "42", "ext": "jpeg"}


@pytest.mark.parametrize("bad", ["api/v1", "/a/{", "/a/}", "/a/{x}/{x}", "/a/{x:int}", "/a/{1x}", "/a/{}"])
def test_malformed_patterns_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="pattern"):
        RoutePattern.compile(bad)


def test_most_specific_pattern_wins_regardless_of_order() -> None:
    table = RouteTable()
    patterns = ["/{a:path}", "/api/{x}/models", "/api/v1/{x}", "/api/v1/models", "/{a}/v1/models"]
    handlers: dict[object, str] = {}
    for pattern in patterns:

        def handler(_request: object) -> FakeResponse:
            return FakeResponse.empty(204)

        handlers[handler] = pattern
        table.add("GET", pattern, handler)

    def winner(path: str) -> str:
        return handlers[table.lookup("GET", path).handler]

    assert winner("/api/v1/models") == "/api/v1/models"
    assert winner("/api/v1/images") == "/api/v1/{x}"
    assert winner("/api/v2/models") == "/api/{x}/models"
    assert winner("/web/v1/models") == "/{a}/v1/models"
    assert winner("/anything/else/here") == "/{a:path}"
    assert table.patterns()[0] == "/api/v1/models"
    assert table.patterns()[-1] == "/{a:path}"


def test_re_adding_a_route_replaces_it_and_other_patterns_serve_other_methods() -> None:
    table = RouteTable()
    table.add("GET", "/api/v1/models/{id}", ok)
    replacement = lambda _r: FakeResponse.text("new")  # noqa: E731
    table.add("get", "/api/v1/models/{id}", replacement)
    assert table.lookup("GET", "/api/v1/models/3").handler is replacement
    fallback = lambda _r: FakeResponse.text("any")  # noqa: E731
    table.add("POST", "/api/{rest:path}", fallback)
    assert table.lookup("POST", "/api/v1/models/3").handler is fallback  # less specific, but serves POST


def test_wrong_method_lists_allowed_methods_and_head_falls_back_to_get() -> None:
    table = RouteTable()
    table.add("GET", "/api/v1/models", ok)
    table.add("POST", "/api/v1/models", ok)
    assert table.lookup("HEAD", "/api/v1/models").handler is ok
    missing = table.lookup("DELETE", "/api/v1/models")
    assert missing.handler is None
    assert missing.allowed == ("GET", "POST", "HEAD")
    unknown = table.lookup("GET", "/api/v1/nothing")
    assert unknown.handler is None and unknown.allowed == ()


@pytest.mark.parametrize("method", ["", "G T", "GET/1"])
def test_bad_methods_are_refused(method: str) -> None:
    with pytest.raises(ValueError, match="method"):
        RouteTable().add(method, "/x", ok)


def test_path_filter_forms() -> None:
    prefix = path_filter("/api/v1/models")
    assert prefix("/api/v1/models") and prefix("/api/v1/models/5")
    assert not prefix("/api/v1/models-versions/5") and not prefix("/api/v1")
    glob = path_filter("/api/*/images")
    assert glob("/api/v1/images") and not glob("/api/v1/models")
    pattern = path_filter("/api/v1/models/{id}")
    assert pattern("/api/v1/models/7") and not pattern("/api/v1/models/7/x")
    assert path_filter(None)("/whatever")
    with pytest.raises(ValueError, match="path"):
        path_filter("api/v1")


segment = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N"], include_characters="-_.~"), min_size=1, max_size=12
)


@settings(max_examples=60, deadline=None)
@given(st.lists(segment, min_size=1, max_size=5))
def test_a_literal_pattern_matches_exactly_its_own_path(segments: list[str]) -> None:
    path = "/" + "/".join(segments)
    pattern = RoutePattern.compile(path)
    assert pattern.match(path) == {}
    assert pattern.match(path + "/x") is None


@settings(max_examples=60, deadline=None)
@given(st.lists(segment, min_size=1, max_size=5), st.data())
def test_a_param_captures_any_single_segment(segments: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(segments) - 1))
    templated = [*segments]
    templated[index] = "{p}"
    pattern = RoutePattern.compile("/" + "/".join(templated))
    assert pattern.match("/" + "/".join(segments)) == {"p": segments[index]}
