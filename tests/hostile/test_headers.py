"""Absurd and malformed response heads: Retry-After / retry-after-ms values no sane server sends, huge and
numerous headers, conflicting or non-numeric Content-Length, garbage status lines, HTTP/0.9 answers.

Promise checked every time (``Harness.check``): the outcome is Success, Failure or an iterator's
CivitaiError — never another exception, never a hang; attempts <= 1 + MaxRetries; the key shows nowhere.
"""

from __future__ import annotations

import pytest

from civitai_kit.testing.hostile import UNIVERSAL_BODY, ClientMode, Harness, Misbehaviour, core_operations

CORE = core_operations()
RETRY_AFTER_VALUES = [
    "1e15",
    "inf",
    "-inf",
    "nan",
    "-5",
    "86400000000000",
    "1e308",
    "0x10",
    "garbage, not a number",
    "",
    pytest.param(Misbehaviour.http_date(10**9), id="31-years-ahead"),  # ids fixed: xdist workers collect apart
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sat, 01 Jan 10000 00:00:00 GMT",
    pytest.param(Misbehaviour.http_date(-(10**9)), id="31-years-ago"),
    "Thu, 01 Jan 1970 00:00:00 GMT",
]


@pytest.mark.parametrize("value", RETRY_AFTER_VALUES)
@pytest.mark.parametrize("status", [429, 503, 200])
@pytest.mark.parametrize("header", ["Retry-After", "retry-after-ms"])
def test_retry_after(hostile: Harness, mode: ClientMode, header: str, status: int, value: str) -> None:
    hostile.server.always("*", Misbehaviour.retry_after(value, status=status, header=header, body=UNIVERSAL_BODY))
    outcome = hostile.run(mode, CORE["get_by_id"])
    hostile.check(outcome)
    if status == 200:
        assert outcome.label == "Success", outcome.describe()


@pytest.mark.parametrize("value", ["1e15", "inf", "nan", "86400000000000", "Sat, 01 Jan 10000 00:00:00 GMT"])
@pytest.mark.parametrize("operation", ["execute", "first_or_none", "iterate", "pages"])
def test_retry_after_on_list_calls_and_walks(hostile: Harness, mode: ClientMode, operation: str, value: str) -> None:
    hostile.server.always("*", Misbehaviour.retry_after(value, status=429))
    hostile.check(hostile.run(mode, CORE[operation]))


@pytest.mark.parametrize("value", ["1e15", "nan", "-5"])
@pytest.mark.parametrize("operation", ["workflows.get", "workflows.submit(externalId)"])
def test_retry_after_on_the_sdk(hostile: Harness, mode: ClientMode, operation: str, value: str) -> None:
    from civitai_kit.testing.hostile import sdk_operations

    hostile.server.always("*", Misbehaviour.retry_after(value, status=503))
    hostile.check(hostile.run(mode, sdk_operations()[operation], api="sdk"))


@pytest.mark.parametrize("size", [70_000, 1 << 20, 16 << 20])
def test_huge_header_value(hostile: Harness, mode: ClientMode, size: int) -> None:
    hostile.server.always("*", Misbehaviour.huge_header(size, body=UNIVERSAL_BODY))
    hostile.check(hostile.run(mode, CORE["get_by_id"]))


@pytest.mark.parametrize("status", [200, 503])
def test_ten_thousand_headers(hostile: Harness, mode: ClientMode, status: int) -> None:
    hostile.server.always("*", Misbehaviour.many_headers(10_000, status=status))
    hostile.check(hostile.run(mode, CORE["get_by_id"]))


@pytest.mark.parametrize("operation", list(CORE))
@pytest.mark.parametrize(("first", "second"), [(None, None), (5, 5), (0, 100)], ids=["true+5", "same", "0+100"])
def test_duplicate_content_length(
    hostile: Harness, mode: ClientMode, operation: str, first: int | None, second: int | None
) -> None:
    hostile.server.always("*", Misbehaviour.duplicate_content_length(first, second))
    hostile.check(hostile.run(mode, CORE[operation]))


@pytest.mark.parametrize("value", ["abc", "-1", "1e3", "0x10", " 12 ", "99999999999999999999999", "5, 5", ""])
@pytest.mark.parametrize("operation", ["get_by_id", "iterate"])
def test_non_numeric_content_length(hostile: Harness, mode: ClientMode, operation: str, value: str) -> None:
    hostile.server.always("*", Misbehaviour.content_length(value))
    hostile.check(hostile.run(mode, CORE[operation]))


GARBAGE_STATUS_LINES = [
    b"HTTP/1.1 abc Garbage",
    b"HTTP/1.1 999999999999999999999 Big",
    b"HTTP/1.1 -200 Negative",
    b"HTTP/1.1 200",
    b"HTTP/9.9 200 OK",
    b"ICY 200 OK",
    b"\x00\xff\xfe\xfd garbage",
    b"HTTP/1.1 200 OK\x00\x01",
    b"",
]


@pytest.mark.parametrize("line", GARBAGE_STATUS_LINES, ids=lambda line: repr(line)[2:24])
@pytest.mark.parametrize("operation", ["get_by_id", "execute", "iterate", "pages"])
def test_garbage_status_line(hostile: Harness, mode: ClientMode, operation: str, line: bytes) -> None:
    hostile.server.always("*", Misbehaviour.garbage_status_line(line))
    hostile.check(hostile.run(mode, CORE[operation]))


@pytest.mark.parametrize("operation", list(CORE))
def test_http09_answer(hostile: Harness, mode: ClientMode, operation: str) -> None:
    hostile.server.always("*", Misbehaviour.http09())
    hostile.check(hostile.run(mode, CORE[operation]))


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n Folded: header\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nNo-Colon-Here\r\nContent-Length: 2\r\n\r\n{}",
        b'HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 9\n\n{"id": 1}',
        b"HTTP/1.1 100 Continue\r\n\r\n" * 50 + b'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{"id": 1}',
        b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\n{"id": 1}',
        b'HTTP/1.1 200 OK\r\nContent-Encoding: zstd-of-the-future\r\nContent-Length: 9\r\n\r\n{"id": 1}',
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=klingon\r\nContent-Length: 9\r\n\r\n{"id": 1}',
    ],
    ids=[
        "bad-chunk-size",
        "chunked-and-length",
        "obsolete-line-folding",
        "header-without-colon",
        "bare-LF",
        "fifty-100-continue",
        "gzip-label-on-plain-body",
        "unknown-encoding",
        "unknown-charset",
    ],
)
def test_malformed_framing(hostile: Harness, mode: ClientMode, raw: bytes) -> None:
    hostile.server.always("*", Misbehaviour.raw(raw, then="close"))
    hostile.check(hostile.run(mode, CORE["get_by_id"]))
