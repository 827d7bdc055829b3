"""The fast parse (bytes straight to models, collector paused) agrees with the plain one everywhere.

The plain path is ``_json.loads`` then ``model_validate``: what every body was parsed with before. Agreement
means the same models (equal, same ``model_dump``, unknown keys kept) on every real body, lenient and strict,
and the very same ``Failure`` on every body the plain path refuses.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic_core import from_json

from civitai_kit._http import Response
from civitai_kit._json import loads
from civitai_kit.core import Model, Page, StrictParsingError, parse
from civitai_kit.core.calls import _parsed_plainly, page_of, parse_bytes, parsed
from civitai_kit.core.collector import collector_paused
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.testing.rest_data import load_templates
from tests.support.core_support import TARGETS, fixture_files

BODIES = [f for f in fixture_files() if f.parent.name in TARGETS]


def _response(content: bytes) -> Response:
    return Response(status=200, headers={"content-type": "application/json"}, content=content, url="loopback")


def _models(value: Any) -> Iterator[BaseModel]:
    if isinstance(value, BaseModel):
        yield value
        for name in type(value).model_fields:
            yield from _models(getattr(value, name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _models(item)


def _assert_same(fast: Any, plain: Any) -> None:
    assert fast == plain
    assert fast.model_dump() == plain.model_dump()
    assert fast.model_dump(mode="json", by_alias=True) == plain.model_dump(mode="json", by_alias=True)
    extras = [(type(m).__name__, m.model_extra) for m in _models(plain)]
    assert [(type(m).__name__, m.model_extra) for m in _models(fast)] == extras


@pytest.mark.parametrize("path", BODIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_real_body_parses_the_same_lenient_and_strict(path: Path) -> None:
    content = path.read_bytes()
    target = TARGETS[path.parent.name]
    plain = parse(target, loads(content))
    _assert_same(parse_bytes(target, content), plain)
    for strict in (False, True):
        fast_result = parsed(_response(content), target, strict=strict)
        plain_result = _parsed_plainly(_response(content), target, strict=strict)
        assert type(fast_result) is type(plain_result)
        if isinstance(plain_result, Success):
            assert isinstance(fast_result, Success)
            _assert_same(fast_result.value, plain_result.value)
        else:
            assert fast_result == plain_result


def _bench_page() -> bytes:
    items = [dict(body, id=1_000_000 + index) for index, body in enumerate(load_templates() * 2)]
    return json.dumps({"items": items, "metadata": {"nextCursor": "40|1"}}, ensure_ascii=False).encode()


def test_the_mixed_page_of_every_template_parses_the_same() -> None:
    content = _bench_page()
    target = page_of(Model)
    fast = parsed(_response(content), target, strict=False)
    assert isinstance(fast, Success) and isinstance(fast.value, Page)
    assert len(fast.value.items) == 2 * len(load_templates())
    _assert_same(fast.value, parse(target, json.loads(content)))


def test_strict_mode_names_the_same_unknown_fields_as_before() -> None:
    body = json.loads(_bench_page())
    body["items"][3]["surpriseField"] = {"nested": 1}
    body["items"][5]["modelVersions"][0]["alsoNew"] = [1, 2]
    content = json.dumps(body).encode()
    target = page_of(Model)
    fast = parsed(_response(content), target, strict=True)
    assert isinstance(fast, Failure)
    assert fast == _parsed_plainly(_response(content), target, strict=True)
    assert fast.error.code is ErrorCode.DESERIALIZATION_FAILED
    assert isinstance(fast.error.cause, StrictParsingError)
    assert set(fast.error.cause.paths) == {"$.items[5].modelVersions[0].alsoNew", "$.items[3].surpriseField"}
    lenient = parsed(_response(content), target, strict=False)
    assert isinstance(lenient, Success)
    assert lenient.value.items[3].model_extra == {"surpriseField": {"nested": 1}}


HOSTILE = {
    "empty": b"",
    "blank": b" \r\n\t ",
    "deeply nested": b"[" * 5000 + b"]" * 5000,
    "nested past the fast reader, under the plain limit": b'{"items":' + b"[" * 300 + b"]" * 300 + b"}",
    "invalid UTF-8": b'{"items": [], "x": "\xff\xfe"}',
    "truncated": b'{"items": [{"id": 1',
    "huge integer": b'{"items": [], "metadata": {"n": ' + b"9" * 5000 + b"}}",
    "huge integer in a typed field": b'{"id": ' + b"7" * 4400 + b', "name": "x"}',
    "BOM then a page": b'\xef\xbb\xbf{"items": [], "metadata": {}}',
    "lone surrogate": b'{"items": [], "metadata": {"s": "\\ud800"}}',
    "NaN": b'{"items": [], "metadata": {"n": NaN}}',
    "trailing garbage": b'{"items": []} x',
    "wrong shape": b'{"items": {"not": "a list"}}',
    "wrong item": b'{"items": [{"id": "not an id"}]}',
    "a list where an object goes": b"[1, 2, 3]",
    "oversized, many items, one bad": b'{"items": [' + b",".join([b'{"id": 1, "name": "m"}'] * 20_000) + b", 5]}",
}


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("strict", [False, True])
def test_hostile_bodies_fail_or_pass_exactly_as_before(name: str, strict: bool) -> None:
    content = HOSTILE[name]
    for target in (page_of(Model), Model):
        fast = parsed(_response(content), target, strict=strict)
        plain = _parsed_plainly(_response(content), target, strict=strict)
        if isinstance(plain, Success):  # NaN is not equal to itself: the reprs say the values are the same
            assert isinstance(fast, Success)
            assert repr(fast.value) == repr(plain.value)
        else:
            assert fast == plain
            assert plain.error.code in {ErrorCode.DESERIALIZATION_FAILED, ErrorCode.EMPTY_RESPONSE}


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300)
@given(documents, st.booleans())
def test_the_fast_reader_decodes_what_json_reads_to_the_same_values(document: Any, ascii_only: bool) -> None:
    content = json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    try:
        expected = json.loads(content)
    except ValueError:
        return
    try:
        found = from_json(content)
    except ValueError:
        return  # refused: the plain path decides
    assert found == expected
    assert json.dumps(found) == json.dumps(expected)  # floats and ints alike, -0.0 kept


def test_the_collector_is_restored_after_success_error_and_when_it_was_off() -> None:
    assert gc.isenabled()
    parse_bytes(Model, b'{"id": 1, "name": "m"}')
    assert gc.isenabled()
    with pytest.raises(ValueError):
        parse_bytes(Model, b"[" * 5000)
    assert gc.isenabled()
    gc.disable()
    try:
        parse_bytes(Model, b'{"id": 1, "name": "m"}')
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_pause_is_shared_by_threads_and_ends_with_the_last() -> None:
    inside, release = threading.Barrier(3), threading.Event()

    def hold() -> None:
        with collector_paused():
            inside.wait()
            release.wait()

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait()
    assert not gc.isenabled()
    with collector_paused():
        pass
    assert not gc.isenabled()  # the two holders are still inside
    release.set()
    for thread in threads:
        thread.join()
    assert gc.isenabled()
