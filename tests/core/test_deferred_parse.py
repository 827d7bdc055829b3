"""The client's parse leaves versions and images raw until read, and only the clock can tell.

On every real body, the client path (``parse_bytes``: deferred) and the plain path (``parse``: everything
built at once) give models that read the same attribute by attribute, compare, print, dump, iterate, copy
and pickle the same, each view taken from a freshly parsed, still pending value. Strict mode's raw-key
shortcut never calls a body clean that the built models would refuse.
"""

from __future__ import annotations

import copy
import json
import pickle
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic.alias_generators import to_snake

from civitai_kit._http import Response
from civitai_kit._json import loads
from civitai_kit.core import Model, ModelVersion, Page, parse
from civitai_kit.core.calls import StrictParsingError, _parsed_plainly, page_of, parse_bytes, parsed
from civitai_kit.core.deferred import Pending
from civitai_kit.errors import ErrorCode, ResponseParseError
from civitai_kit.result import Failure, Success
from civitai_kit.testing.rest_data import load_templates
from tests.support.core_support import TARGETS, fixture_files, read_everything

BODIES = [f for f in fixture_files() if f.parent.name in TARGETS]


def _response(content: bytes) -> Response:
    return Response(status=200, headers={"content-type": "application/json"}, content=content, url="loopback")


def _pending(value: Any) -> int:
    """Deferred lists not yet read, counted without reading any."""
    if type(value) is Pending:  # copies share one; once settled it is just a value
        return int(value.raw is not None)
    if isinstance(value, BaseModel):
        return sum(_pending(held) for held in value.__dict__.values())
    if isinstance(value, tuple):
        return sum(_pending(item) for item in value)
    return 0


def _deferrable(value: Any) -> bool:
    """Whether the eager value has a non-empty list the client path defers."""
    if isinstance(value, Model | ModelVersion) and (value.model_versions if isinstance(value, Model) else value.images):
        return True
    if isinstance(value, BaseModel):
        return any(_deferrable(getattr(value, name)) for name in type(value).model_fields)
    return isinstance(value, tuple) and any(_deferrable(item) for item in value)


def _assert_reads_same(fast: Any, plain: Any) -> None:
    assert type(fast) is type(plain)
    if isinstance(plain, BaseModel):
        assert fast.model_extra == plain.model_extra
        assert fast.model_fields_set == plain.model_fields_set
        for name in type(plain).model_fields:
            _assert_reads_same(getattr(fast, name), getattr(plain, name))
    elif isinstance(plain, tuple):
        assert len(fast) == len(plain)
        for one, other in zip(fast, plain, strict=True):
            _assert_reads_same(one, other)
    else:
        assert fast == plain


def _hash_or_error(value: Any) -> Any:
    try:
        return hash(value)
    except TypeError as exc:  # an open ``meta`` mapping is not hashable, eager or not
        return type(exc)


VIEWS: dict[str, Callable[[Any], Any]] = {
    "repr": repr,
    "str": str,
    "model_dump": lambda value: value.model_dump(),
    "model_dump by alias, json": lambda value: value.model_dump(mode="json", by_alias=True),
    "model_dump_json": lambda value: value.model_dump_json(),
    "to_dict": lambda value: value.to_dict(),
    "dict()": lambda value: dict(value),
    "hash": _hash_or_error,
    "pickle": lambda value: pickle.loads(pickle.dumps(value)),
    "deepcopy": copy.deepcopy,
    "copy": copy.copy,
    "model_copy": lambda value: value.model_copy(),
}


@pytest.mark.parametrize("path", BODIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_real_body_reads_the_same_deferred_and_eager(path: Path) -> None:
    content = path.read_bytes()
    target = TARGETS[path.parent.name]
    plain = parse(target, loads(content))
    assert _pending(plain) == 0
    fast = parse_bytes(target, content)
    if _deferrable(plain):
        assert _pending(fast) > 0
    _assert_reads_same(fast, plain)
    assert _pending(fast) == 0
    assert parse_bytes(target, content) == plain
    assert plain == parse_bytes(target, content)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("path", BODIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_view_of_a_pending_value_is_the_eager_one(path: Path, view: str) -> None:
    content = path.read_bytes()
    target = TARGETS[path.parent.name]
    seen = VIEWS[view](parse_bytes(target, content))
    expected = VIEWS[view](parse(target, loads(content)))
    assert seen == expected
    assert _pending(seen) == 0


def _dict_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        yield path
        for key, child in value.items():
            yield from _dict_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _dict_paths(child, (*path, index))


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _surprise(found: dict[str, Any]) -> None:
    found["surpriseField"] = 1


def _snake_twin(found: dict[str, Any]) -> None:
    """A key's snake_case name beside it: the name is a field name too, but the camel key is read first."""
    for key in list(found):
        if to_snake(key) != key:
            found[to_snake(key)] = found[key]
            return
    found["surprise_field"] = 1


def _second_alias_only(found: dict[str, Any]) -> None:
    """``nsfw`` instead of ``nsfwLevel`` (an alias read second), else a key by its snake_case name."""
    if "nsfwLevel" in found:
        found["nsfw"] = found.pop("nsfwLevel")
        return
    for key in list(found):
        if to_snake(key) != key:
            found[to_snake(key)] = found.pop(key)
            return


MUTATIONS = [_surprise, _snake_twin, _second_alias_only]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("path", BODIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_strict_mode_names_the_same_unknown_fields_at_every_depth(path: Path, mutation: Any) -> None:
    original = json.loads(path.read_bytes())
    target = TARGETS[path.parent.name]
    for where in list(_dict_paths(original)):
        document = copy.deepcopy(original)
        mutation(_at(document, where))
        content = json.dumps(document).encode()
        fast = parsed(_response(content), target, strict=True)
        plain = _parsed_plainly(_response(content), target, strict=True)
        if isinstance(plain, Success):
            assert isinstance(fast, Success), where
            assert repr(fast.value) == repr(plain.value)
        elif isinstance(fast, Success):  # a deferred list of the wrong types: it fails when read
            assert _pending(fast.value) > 0, where
            with pytest.raises(ResponseParseError):
                read_everything(fast.value)
            assert plain.error.code is ErrorCode.DESERIALIZATION_FAILED
            assert not isinstance(plain.error.cause, StrictParsingError), where
        else:
            assert fast == plain, where


def _page(templates: list[dict[str, Any]]) -> bytes:
    items = [dict(body, id=1_000_000 + index) for index, body in enumerate(templates)]
    return json.dumps({"items": items, "metadata": {"nextCursor": "40|1"}}).encode()


def test_a_clean_strict_parse_leaves_the_deferred_lists_unbuilt() -> None:
    result = parsed(_response(_page(load_templates())), page_of(Model), strict=True)
    assert isinstance(result, Success)
    pending = _pending(result.value)
    assert pending == sum(1 for model in load_templates() if model.get("modelVersions"))


def _broken_image_page() -> bytes:
    templates = load_templates()
    broken = copy.deepcopy(next(t for t in templates if t["modelVersions"] and t["modelVersions"][0]["images"]))
    broken["modelVersions"][0]["images"][0]["width"] = "wide"
    return _page([templates[0], broken])


@pytest.mark.parametrize("strict", [False, True])
def test_a_deferred_list_that_does_not_validate_fails_when_read(strict: bool) -> None:
    content = _broken_image_page()
    plain = _parsed_plainly(_response(content), page_of(Model), strict=strict)
    assert isinstance(plain, Failure) and plain.error.code is ErrorCode.DESERIALIZATION_FAILED

    result = parsed(_response(content), page_of(Model), strict=strict)
    assert isinstance(result, Success)
    first, broken = result.value.items
    assert first == parse(Page[Model], json.loads(content)["items"][:1]).items[0]
    version = broken.model_versions[0]
    assert version.files  # the rest of the page reads
    assert "do not validate" in repr(version)  # a repr never raises
    for _ in range(2):  # and the failure is not forgotten after the first read
        with pytest.raises(ResponseParseError) as raised:
            _ = version.images
        assert raised.value.error.code is ErrorCode.DESERIALIZATION_FAILED
        assert "width" in raised.value.error.message
    with pytest.raises(ValueError, match="ResponseParseError: DESERIALIZATION_FAILED"):
        broken.model_dump()  # pydantic wraps what the serialiser raised in its own error


def test_models_callers_validate_themselves_are_built_at_once() -> None:
    for body in load_templates():
        assert _pending(Model.model_validate(body)) == 0
        assert _pending(parse(Model, body)) == 0


def test_threads_reading_one_pending_list_get_the_same_value() -> None:
    page = parse_bytes(page_of(Model), _page(load_templates()))
    model = next(m for m in page.items if _pending(m))
    start, seen = threading.Barrier(4), []

    def read() -> None:
        start.wait()
        seen.append(model.model_versions)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4 and all(value is seen[0] for value in seen)
    assert model.model_versions is seen[0]
