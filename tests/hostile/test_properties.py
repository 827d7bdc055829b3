"""Property tests at the HTTP boundary: hypothesis makes up whole answers (status, headers, body bytes), the
hostile server sends them verbatim (then closes), and every client mode must keep the same promises:
a typed outcome, no more than 1 + MaxRetries attempts, the key nowhere.

Deterministic for CI: ``derandomize=True``, no example database, no shrinking (a failure prints the example
as generated), a modest ``max_examples``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import Phase as HypothesisPhase
from hypothesis import strategies as st

from civitai_kit.testing.hostile import ClientMode, Harness, Misbehaviour, core_operations, sdk_operations

CORE = core_operations()
SDK = sdk_operations()
PROFILE = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(HypothesisPhase.explicit, HypothesisPhase.generate),
    suppress_health_check=(HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large),
)

ABSURD_VALUES = [
    "1e15", "inf", "-inf", "nan", "-5", "0", "86400000000000", "1e308", "0x1F", "", " ", "\t",
    "Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "Sat, 01 Jan 10000 00:00:00 GMT",
    "gzip", "deflate", "br", "identity", "chunked", "application/json", "text/html", "application/problem+json",
    "é", "\x7f", "9" * 400,
]  # fmt: skip
HEADER_NAMES = [
    "Retry-After", "retry-after-ms", "Content-Type", "Content-Encoding", "X-Request-Id", "cf-ray",
    "Location", "ETag", "Content-Length", "Transfer-Encoding", "Connection", "WWW-Authenticate",
]  # fmt: skip
header_value = st.one_of(
    st.sampled_from(ABSURD_VALUES),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\r\n\x7f"), max_size=60),
)
headers = st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_value), max_size=6)

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)  # fmt: skip
json_value = st.recursive(
    json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "error",
                    "message",
                    "items",
                    "metadata",
                    "nextCursor",
                    "nextPage",
                    "code",
                    "detail",
                    "title",
                    "errors",
                    "traceId",
                    "status",
                    "name",
                    "x",
                ]
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=20,
)
bodies = st.one_of(
    st.binary(max_size=400),
    json_value.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(
        [
            b"",
            b"[" * 3000 + b"]" * 3000,
            b'{"items": [',
            b"<html><title>Error 522</title>cloudflare</html>",
            b"\x1f\x8b\x08\x00garbage",
            b'{"id": 1' + b"1" * 5000 + b"}",
            b'{"error": "Unauthorized"}',
        ]
    ),
)
statuses = st.one_of(st.sampled_from([200, 204, 304, 400, 401, 404, 408, 429, 500, 502, 503]), st.integers(200, 599))


def _answer(status: int, header_list: list[tuple[str, str]], body: bytes) -> Misbehaviour:
    return Misbehaviour.respond(status, body, header_list, close=True, name="hypothesis")


def _serve_and_check(hostile: Harness, mode: ClientMode, answer: Misbehaviour, operation: Any, api: str) -> None:
    hostile.server.clear()
    hostile.server.always("*", answer)
    outcome = hostile.run(mode, operation, api=api, hard_timeout=20, max_items=200)  # type: ignore[arg-type]
    hostile.check(outcome)


@pytest.mark.parametrize("operation", ["get_by_id", "iterate"])
@PROFILE
@given(status=statuses, header_list=headers, body=bodies)
@example(status=429, header_list=[("Retry-After", "1e15")], body=b'{"error": "slow down"}')
@example(status=200, header_list=[("Content-Type", "application/json")], body=b"[" * 5000 + b"]" * 5000)
@example(status=401, header_list=[], body=b'{"error": "bad key Bearer civitai-kit-test-key-7f3a9c"}')
def test_any_answer_keeps_the_promises(
    hostile: Harness, mode: ClientMode, operation: str, status: int, header_list: list[tuple[str, str]], body: bytes
) -> None:
    _serve_and_check(hostile, mode, _answer(status, header_list, body), CORE[operation], "core")


@settings(PROFILE, max_examples=30)
@given(status=statuses, header_list=headers, body=bodies)
def test_any_answer_to_a_workflow_submission(
    hostile: Harness, mode: ClientMode, status: int, header_list: list[tuple[str, str]], body: bytes
) -> None:
    _serve_and_check(hostile, mode, _answer(status, header_list, body), SDK["workflows.submit"], "sdk")
    posts = hostile.server.attempts("/v2/consumer/workflows", method="POST")
    assert posts == 1, f"an unkeyed workflow POST reached the server {posts} times"


@settings(PROFILE, max_examples=40)
@given(raw=st.binary(min_size=0, max_size=300))
def test_any_bytes_at_all(hostile: Harness, mode: ClientMode, raw: bytes) -> None:
    """Not even HTTP: whatever bytes, then the connection closes."""
    _serve_and_check(hostile, mode, Misbehaviour.raw(raw, then="close"), CORE["get_by_id"], "core")
