"""Hostile bodies: JSON nested thousands of levels deep, huge JSON, invalid JSON, JSON of the wrong type, on
200 and on error statuses; compression bombs (gzip, deflate, br when brotli is installed).

Besides the common promises (typed outcome, bounded attempts, no key anywhere), a body larger than
``max_response_bytes`` (default 64 MiB, measured after decompression) must be refused, never returned. The
default limit meets a bomb of each encoding and huge plain JSON on every client; the rest of the bomb matrix
(operations, statuses, retries, the orchestrator) runs under a 4 MiB limit: the same bounded inflater and the
same check, without inflating 64 MiB per attempt (which was a third of this file's CPU time).
"""

from __future__ import annotations

import pytest

from civitai_kit.testing.hostile import (
    ClientMode,
    Harness,
    Misbehaviour,
    OutcomeKind,
    brotli_available,
    core_operations,
    sdk_operations,
)

CORE = core_operations()
SDK = sdk_operations()
SMALL_LIMIT = {"max_response_bytes": 4 << 20}
ENCODINGS = [
    "gzip",
    "deflate",
    pytest.param("br", marks=pytest.mark.skipif(not brotli_available(), reason="brotli is not installed")),
]


def _refused(hostile: Harness, mode: ClientMode, operation: str, **options: object) -> None:
    outcome = hostile.run(mode, CORE[operation], options=options or None)
    hostile.check(outcome)
    assert outcome.kind in (OutcomeKind.FAILURE, OutcomeKind.RAISED), (
        f"an oversized body was accepted: {outcome.summary()}"
    )


# ---------------------------------------------------------------------------------------------- nesting


@pytest.mark.parametrize("operation", ["get_by_id", "execute", "iterate", "first_or_none"])
@pytest.mark.parametrize("status", [200, 400, 503])
@pytest.mark.parametrize("kind", ["array", "object"])
def test_deeply_nested_json(hostile: Harness, mode: ClientMode, kind: str, status: int, operation: str) -> None:
    hostile.server.always("*", Misbehaviour.nested_json(5000, kind=kind, status=status))
    hostile.check(hostile.run(mode, CORE[operation]))


@pytest.mark.parametrize("depth", [900, 1500, 100_000])
def test_nesting_depths_around_the_recursion_limit(hostile: Harness, mode: ClientMode, depth: int) -> None:
    hostile.server.always("*", Misbehaviour.nested_json(depth))
    hostile.check(hostile.run(mode, CORE["get_by_id"]))


@pytest.mark.parametrize("operation", list(SDK))
def test_deeply_nested_json_from_the_orchestrator(hostile: Harness, mode: ClientMode, operation: str) -> None:
    hostile.server.always("*", Misbehaviour.nested_json(5000, kind="object", status=500))
    hostile.check(hostile.run(mode, SDK[operation], api="sdk"))


# ---------------------------------------------------------------------------------------------- size


@pytest.mark.parametrize("operation", ["get_by_id", "first_or_none"])
def test_huge_json_over_the_default_limit_is_refused(hostile: Harness, mode: ClientMode, operation: str) -> None:
    """100 MB of valid JSON (one object with a huge string: cheap to parse, so only a size limit refuses it)
    against the default ``max_response_bytes`` of 64 MiB."""
    hostile.server.always("*", Misbehaviour.huge_json(100_000_000, shape="object"))
    _refused(hostile, mode, operation)


@pytest.mark.parametrize("operation", ["get_by_id", "execute", "iterate"])
def test_json_over_a_configured_limit_is_refused(hostile: Harness, mode: ClientMode, operation: str) -> None:
    hostile.server.always("*", Misbehaviour.huge_json(5_000_000, shape="object"))
    _refused(hostile, mode, operation, max_response_bytes=1 << 20)


def test_json_under_the_limit_is_fine(hostile: Harness, mode: ClientMode) -> None:
    hostile.server.always("*", Misbehaviour.huge_json(2_000_000, shape="object"))
    outcome = hostile.run(mode, CORE["get_by_id"])
    hostile.check(outcome)
    assert outcome.label == "Success", outcome.summary()


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("operation", ["get_by_id", "iterate"])
@pytest.mark.parametrize("valid_json", [True, False], ids=["valid-json", "zeros"])
def test_compression_bomb_is_refused(
    hostile: Harness, mode: ClientMode, encoding: str, operation: str, valid_json: bool
) -> None:
    """~100 KB on the wire, 100 MB inflated: over the limit."""
    hostile.server.always("*", Misbehaviour.compression_bomb(encoding, 100_000_000, valid_json=valid_json))
    _refused(hostile, mode, operation, **SMALL_LIMIT)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_300_megabyte_bomb_is_refused_by_the_default_limit(hostile: Harness, mode: ClientMode, encoding: str) -> None:
    hostile.server.always("*", Misbehaviour.compression_bomb(encoding, 300_000_000))
    _refused(hostile, mode, "get_by_id")


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compression_bomb_on_a_retried_error_status(hostile: Harness, mode: ClientMode, encoding: str) -> None:
    """A 503 whose error body is a bomb: each of the 1 + MaxRetries attempts may inflate it."""
    hostile.server.always("*", Misbehaviour.compression_bomb(encoding, 100_000_000, status=503))
    _refused(hostile, mode, "get_by_id", **SMALL_LIMIT)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_small_bomb_under_a_configured_limit_is_refused(hostile: Harness, mode: ClientMode, encoding: str) -> None:
    hostile.server.always("*", Misbehaviour.compression_bomb(encoding, 8_000_000))
    _refused(hostile, mode, "get_by_id", max_response_bytes=1 << 20)


@pytest.mark.parametrize("operation", ["workflows.get", "workflows.submit"])
def test_compression_bomb_from_the_orchestrator(hostile: Harness, mode: ClientMode, operation: str) -> None:
    hostile.server.always("*", Misbehaviour.compression_bomb("gzip", 100_000_000))
    outcome = hostile.run(mode, SDK[operation], api="sdk", options=SMALL_LIMIT)
    hostile.check(outcome)
    assert outcome.kind is OutcomeKind.FAILURE, f"an oversized body was accepted: {outcome.summary()}"


# ---------------------------------------------------------------------------------------------- invalid


INVALID = [
    '{"items": [',
    "{",
    "[1,]",
    "NaN",
    '{"id": 1} trailing',
    '{"id": 1' + "1" * 5000 + "}",  # over Python's 4300-digit int limit
    '{"id": 1e999999}',
    '"\\ud800"',
    "\x00\x00\x00",
    "<<<<>>>>",
]


@pytest.mark.parametrize("text", INVALID, ids=lambda text: repr(text[:14]))
@pytest.mark.parametrize("status", [200, 400, 503])
@pytest.mark.parametrize("operation", ["get_by_id", "iterate"])
def test_invalid_json(hostile: Harness, mode: ClientMode, operation: str, status: int, text: str) -> None:
    hostile.server.always("*", Misbehaviour.invalid_json(text, status=status))
    hostile.check(hostile.run(mode, CORE[operation]))


@pytest.mark.parametrize("status", [200, 401, 500])
def test_invalid_utf8_in_json(hostile: Harness, mode: ClientMode, status: int) -> None:
    body = b'{"id": 1, "name": "\xff\xfe\xc3\x28", "error": "\xed\xa0\x80"}'
    hostile.server.always("*", Misbehaviour.respond(status, body, [("Content-Type", "application/json")]))
    hostile.check(hostile.run(mode, CORE["get_by_id"]))


WRONG_TYPES = [[1, 2], "text", None, 42, True, 1.5, {}, [], [{"id": 1}], {"items": {"a": 1}, "metadata": []}]


@pytest.mark.parametrize("value", WRONG_TYPES, ids=lambda value: repr(value)[:24])
@pytest.mark.parametrize("status", [200, 500])
@pytest.mark.parametrize("operation", list(CORE))
def test_wrong_top_level_type(hostile: Harness, mode: ClientMode, operation: str, status: int, value: object) -> None:
    hostile.server.always("*", Misbehaviour.wrong_type_json(value, status=status))
    hostile.check(hostile.run(mode, CORE[operation], max_items=100))


NASTY_PAGES = [
    {"items": [None, 1, "x", []], "metadata": {}},
    {"items": [{"id": "not-a-number"}], "metadata": {}},
    {"items": [{"id": 1, "modelVersions": "none", "tags": {"a": 1}, "stats": [1]}], "metadata": {}},
    {"items": [{"id": 1}], "metadata": {"nextCursor": 12345, "nextPage": None}},
    {"items": [{"id": 1}], "metadata": {"nextCursor": ["a"], "totalItems": "many"}},
    {"items": [{"id": 1}], "metadata": "none"},
    {"items": [{"id": 2**70}], "metadata": {}},
    {"error": None, "items": [{"id": 1}], "metadata": {}},
    {"error": {"issues": "not-a-list"}},
    {"error": [1, {"message": 2}], "code": {"x": 1}},
]


@pytest.mark.parametrize("body", NASTY_PAGES, ids=lambda body: repr(body)[:30])
@pytest.mark.parametrize("operation", ["execute", "iterate", "pages", "first_or_none"])
def test_nasty_field_types_in_pages(hostile: Harness, mode: ClientMode, operation: str, body: object) -> None:
    hostile.server.always("*", Misbehaviour.json(body))
    hostile.check(hostile.run(mode, CORE[operation], max_items=100))
