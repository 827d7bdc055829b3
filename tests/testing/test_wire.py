"""The request parser and response framing, byte for byte."""

from __future__ import annotations

import socket

import pytest

from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse
from tests.support.raw_http import RawHttp


@pytest.fixture(autouse=True)
def echo(fake_civitai: FakeCivitai) -> None:
    def describe(request: FakeRequest) -> FakeResponse:
        return FakeResponse.json({"headers": list(request.headers.raw()), "body": request.text})

    fake_civitai.add_route("GET", "/echo", describe)
    fake_civitai.add_route("POST", "/echo", describe)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /echo\r\n\r\n", b"400"),
        (b"GET /echo HTTP/1.1 extra\r\n\r\n", b"400"),
        (b"GET /echo HTTP/2.0\r\n\r\n", b"505"),
        (b"GET /echo HTTP/1.1\r\nNo colon here\r\n\r\n", b"400"),
        (b"GET /echo HTTP/1.1\r\n folded: x\r\n\r\n", b"400"),
        (b"GET /echo HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n", b"431"),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"414"),
        (b"GET /echo HTTP/1.1\r\n" + b"X: y\r\n" * 101 + b"\r\n", b"431"),
        (b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", b"400"),
        (b"POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", b"400"),
    ],
)
def test_malformed_requests_get_an_error_and_a_closed_connection(
    raw: RawHttp, request_bytes: bytes, status: bytes
) -> None:
    with socket.create_connection(("127.0.0.1", raw.server.port), timeout=5) as sock:
        sock.sendall(request_bytes)
        if request_bytes.endswith(b"ab"):
            sock.shutdown(socket.SHUT_WR)  # the promised body never comes
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 " + status + b" ")
    assert b"Connection: close" in reply


def test_headers_keep_order_case_and_duplicates(raw: RawHttp) -> None:
    reply = raw.exchange(b"GET /echo HTTP/1.1\r\nHost: h\r\nX-A:  1 \r\nx-a: 2\r\nConnection: close\r\n\r\n")
    assert b'"headers":[["Host","h"],["X-A","1"],["x-a","2"],["Connection","close"]]' in reply
    request = raw.server.requests.last
    assert request.headers.get_all("X-a") == ["1", "2"] and request.headers["x-a"] == "1"
    assert request.headers.get("missing") is None and request.headers.get("missing", "d") == "d"
    assert len(request.headers) == 3 and list(request.headers) == ["host", "x-a", "connection"]


def test_expect_100_continue(raw: RawHttp) -> None:
    with socket.create_connection(("127.0.0.1", raw.server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
        )
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"hi")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n") and reply.endswith(b'"body":"hi"}')


def test_pipelined_requests_and_stray_blank_lines(raw: RawHttp) -> None:
    reply = raw.exchange(
        b"GET /echo HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /echo HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n"
    )
    assert reply.count(b"HTTP/1.1 200 OK") == 2
    assert [r.host for r in raw.server.requests] == ["a", "b"]


def test_http10_keep_alive_is_honoured(raw: RawHttp) -> None:
    reply = raw.exchange(b"GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /echo HTTP/1.0\r\n\r\n")
    first, second = reply.split(b"HTTP/1.1 200 OK")[1:]
    assert b"Connection: keep-alive" in first and b"Connection: close" in second


def test_response_head_framing(raw: RawHttp) -> None:
    raw.server.add_route("GET", "/cf", lambda r: FakeResponse.empty(522))
    raw.server.add_route("GET", "/nc", lambda r: FakeResponse.empty(304, headers={"ETag": '"x"'}))
    reply = raw.exchange(b"GET /cf HTTP/1.1\r\n\r\nGET /nc HTTP/1.1\r\nConnection: close\r\n\r\n")
    first, second = reply.split(b"\r\n\r\n")[:2]
    assert first.startswith(b"HTTP/1.1 522 Unknown Status\r\n") and b"Content-Length: 0" in first
    assert b"Date: " in first
    assert second.startswith(b"HTTP/1.1 304 Not Modified\r\n") and b"Content-Length" not in second
    assert b'ETag: "x"' in second


def test_date_header_format_matches_rfc_9110() -> None:
    import email.utils

    from civitai_kit.testing._wire import http_date

    for timestamp in (0, 951782400, 1_700_000_000, 4_102_444_799):
        assert http_date(timestamp) == email.utils.formatdate(timestamp, usegmt=True)
