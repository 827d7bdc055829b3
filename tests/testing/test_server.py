"""FakeCivitai over real loopback HTTP: routing, request details, response kinds, Civitai's error pages."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse
from tests.support.raw_http import RawHttp


def test_route_with_params_query_and_headers(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    seen: list[FakeRequest] = []

    @fake_civitai.route("GET", "/api/v1/models/{id}")
    def model(request: FakeRequest) -> FakeResponse:
        seen.append(request)
        return FakeResponse.json({"id": int(request.path_params["id"])}, headers={"X-Trace": "t1"})

    conn.request(
        "GET",
        "/api/v1/models/42?types=LORA&types=Checkpoint&nsfw=&q=a%20b",
        headers={"Authorization": "Bearer k", "X-Mixed-Case": "v"},
    )
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("content-type") == "application/json; charset=utf-8"
    assert response.getheader("x-trace") == "t1"
    assert json.loads(response.read()) == {"id": 42}

    (request,) = seen
    assert request.method == "GET"
    assert request.path == "/api/v1/models/42"
    assert request.query_string == "types=LORA&types=Checkpoint&nsfw=&q=a%20b"
    assert request.query == {"types": "LORA", "nsfw": "", "q": "a b"}
    assert request.query_all("types") == ["LORA", "Checkpoint"]
    assert request.query_all("absent") == []
    assert request.headers["authorization"] == "Bearer k"
    assert request.headers["X-MIXED-CASE"] == "v"
    assert "x-mixed-case" in request.headers
    assert "Bearer k" not in repr(request.headers)
    assert request.host == "127.0.0.1"
    assert request.url == f"{fake_civitai.url}/api/v1/models/42?types=LORA&types=Checkpoint&nsfw=&q=a%20b"
    assert fake_civitai.requests.last is request


def test_post_body_and_json(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.add_route(
        "POST", "/api/v1/model-versions/by-hash/ids", lambda r: FakeResponse.json({"got": r.json()}, status=201)
    )
    conn.request(
        "POST", "/api/v1/model-versions/by-hash/ids", body=b'["AB12"]', headers={"Content-Type": "application/json"}
    )
    response = conn.getresponse()
    assert (response.status, json.loads(response.read())) == (201, {"got": ["AB12"]})
    assert fake_civitai.requests.last.body == b'["AB12"]'


def test_chunked_request_body_is_decoded(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    fake_civitai.add_route("PUT", "/upload", lambda r: FakeResponse.text(str(len(r.body))))
    request = (
        b"PUT /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"
    )
    reply = raw.exchange(request)
    assert reply.startswith(b"HTTP/1.1 200 ")
    assert reply.endswith(b"\r\n\r\n11")
    assert fake_civitai.requests.last.body == b"hello world"


def test_broken_content_length_is_a_400(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    fake_civitai.add_route("POST", "/x", lambda r: FakeResponse.empty(204))
    reply = raw.exchange(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in reply


def test_handler_may_return_plain_json_values(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.add_route("GET", "/list", lambda r: [1, 2])
    conn.request("GET", "/list")
    assert json.loads(conn.getresponse().read()) == [1, 2]


def test_unknown_path_is_civitais_html_404(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.add_route("GET", "/api/v1/model-versions/{id}", lambda r: {})
    conn.request("GET", "/api/v1/models-versions/1")  # the wiki's own typo
    response = conn.getresponse()
    body = response.read().decode()
    assert response.status == 404
    assert response.getheader("content-type", "").startswith("text/html")
    assert "<!DOCTYPE html>" in body and "__NEXT_DATA__" in body and "This page could not be found" in body


def test_wrong_method_is_a_json_405(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.add_route("GET", "/api/v1/models", lambda r: {"items": []})
    conn.request("DELETE", "/api/v1/models")
    response = conn.getresponse()
    assert response.status == 405
    assert json.loads(response.read()) == {"error": "Method not allowed"}
    assert response.getheader("allow") == "GET, HEAD"


def test_handler_crash_is_civitais_500_and_recorded(
    fake_civitai: FakeCivitai, conn: http.client.HTTPConnection
) -> None:
    def broken(_request: FakeRequest) -> FakeResponse:
        raise KeyError("modelVersions")

    fake_civitai.add_route("GET", "/api/v1/models", broken)
    conn.request("GET", "/api/v1/models?limit=1")
    response = conn.getresponse()
    assert response.status == 500
    assert json.loads(response.read()) == {"message": "An unexpected error occurred", "error": "'modelVersions'"}
    (crash,) = fake_civitai.errors
    assert isinstance(crash.exception, KeyError)
    assert crash.request is not None and crash.request.query_string == "limit=1"
    assert "broken" in crash.traceback
    fake_civitai.errors.clear()  # deliberate crash: don't let the fixture fail the test


def test_wrong_handler_return_type_is_a_500(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.add_route("GET", "/bad", lambda r: "not a response")  # type: ignore[arg-type, return-value]
    conn.request("GET", "/bad")
    assert conn.getresponse().status == 500
    assert "FakeResponse" in str(fake_civitai.errors[0].exception)
    fake_civitai.errors.clear()


def test_response_kinds(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.add_route("GET", "/text", lambda r: FakeResponse.text("héllo", status=202))
    fake_civitai.add_route("GET", "/html", lambda r: FakeResponse.html("<p>x</p>"))
    fake_civitai.add_route("GET", "/bin", lambda r: FakeResponse.bytes(b"\x00\x01", "image/png"))
    fake_civitai.add_route("GET", "/none", lambda r: FakeResponse.empty(204))
    fake_civitai.add_route("GET", "/go", lambda r: FakeResponse.redirect("https://example.invalid/f", 302))
    expected = {
        "/text": (202, "text/plain; charset=utf-8", "héllo".encode()),
        "/html": (200, "text/html; charset=utf-8", b"<p>x</p>"),
        "/bin": (200, "image/png", b"\x00\x01"),
        "/none": (204, None, b""),
        "/go": (302, None, b""),
    }
    for path, (status, content_type, body) in expected.items():
        conn.request("GET", path)
        response = conn.getresponse()
        assert (response.status, response.getheader("content-type"), response.read()) == (status, content_type, body)
    conn.request("GET", "/go")
    response = conn.getresponse()
    response.read()
    assert response.getheader("location") == "https://example.invalid/f"
    assert response.getheader("content-length") == "0"


def test_response_constructors_validate() -> None:
    with pytest.raises(ValueError, match="status"):
        FakeResponse.json({}, status=1000)
    with pytest.raises(ValueError, match="status"):
        FakeResponse.redirect("/x", status=200)
    with pytest.raises(ValueError, match="content_length"):
        FakeResponse.stream([], content_length=-1)


def test_stream_chunked_and_with_length(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    def slow_chunks() -> Iterator[bytes]:
        for part in (b"ab", b"", b"cd", b"e"):
            time.sleep(0.01)
            yield part

    fake_civitai.add_route("GET", "/chunked", lambda r: FakeResponse.stream(slow_chunks()))
    fake_civitai.add_route("GET", "/sized", lambda r: FakeResponse.stream(iter([b"12", b"345"]), content_length=5))
    conn.request("GET", "/chunked")
    response = conn.getresponse()
    assert response.getheader("transfer-encoding") == "chunked"
    assert response.read() == b"abcde"
    conn.request("GET", "/sized")
    response = conn.getresponse()
    assert response.getheader("content-length") == "5"
    assert response.getheader("transfer-encoding") is None
    assert response.read() == b"12345"


def test_stream_that_raises_cuts_the_connection_and_is_recorded(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    def failing() -> Iterator[bytes]:
        yield b"first"
        raise OSError("disk gone")

    fake_civitai.add_route("GET", "/f", lambda r: FakeResponse.stream(failing()))
    reply = raw.exchange(b"GET /f HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.endswith(b"5\r\nfirst\r\n")  # no terminating 0-chunk: the client sees a broken body
    assert isinstance(fake_civitai.errors[0].exception, OSError)
    fake_civitai.errors.clear()


def test_head_uses_get_route_without_body(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    consumed: list[bytes] = []

    def never_read() -> Iterator[bytes]:
        consumed.append(b"x")
        yield b"x"

    fake_civitai.add_route("GET", "/file", lambda r: FakeResponse.bytes(b"0123456789"))
    fake_civitai.add_route("GET", "/stream", lambda r: FakeResponse.stream(never_read(), content_length=1))
    reply = raw.exchange(
        b"HEAD /file HTTP/1.1\r\nHost: x\r\n\r\nHEAD /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    first, second = reply.split(b"\r\n\r\n")[:2]
    assert b"Content-Length: 10" in first
    assert second.startswith(b"HTTP/1.1 200 ") and b"Content-Length: 1" in second
    assert reply.endswith(b"\r\n\r\n")
    assert consumed == []
    assert [r.method for r in fake_civitai.requests] == ["HEAD", "HEAD"]


def test_a_route_may_set_its_own_content_length(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    fake_civitai.add_route("GET", "/lie", lambda r: FakeResponse.bytes(b"abc", headers={"Content-Length": "10"}))
    reply = raw.exchange(b"GET /lie HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.count(b"Content-Length") == 1 and b"Content-Length: 10" in reply
    assert reply.endswith(b"\r\n\r\nabc")


def test_http10_client_gets_a_closed_stream(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    fake_civitai.add_route("GET", "/s", lambda r: FakeResponse.stream([b"a", b"b"]))
    reply = raw.exchange(b"GET /s HTTP/1.0\r\n\r\n")
    assert b"Transfer-Encoding" not in reply and b"Connection: close" in reply
    assert reply.endswith(b"\r\n\r\nab")


def test_keep_alive_serves_many_requests_on_one_connection(
    fake_civitai: FakeCivitai, conn: http.client.HTTPConnection
) -> None:
    fake_civitai.add_route("GET", "/n/{n}", lambda r: FakeResponse.text(r.path_params["n"]))
    conn.connect()
    local = conn.sock.getsockname()
    for n in range(20):
        conn.request("GET", f"/n/{n}")
        assert conn.getresponse().read() == str(n).encode()
    assert conn.sock.getsockname() == local
    assert fake_civitai.requests[0].http_version == "HTTP/1.1"


def test_url_for_host_reaches_the_same_server(fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/who", lambda r: FakeResponse.text(r.host))
    other = fake_civitai.url_for_host("localhost")
    assert other == f"http://localhost:{fake_civitai.port}"
    with httpx.Client() as client:
        assert client.get(other + "/who").text == "localhost"
        assert client.get(fake_civitai.url + "/who").text == "127.0.0.1"
    assert FakeCivitai.__name__ in repr(fake_civitai)


def test_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        server = FakeCivitai(host="::1").start()
    except OSError:
        pytest.skip("::1 not available")
    with server:
        server.add_route("GET", "/", lambda r: FakeResponse.text(r.host))
        assert server.url == f"http://[::1]:{server.port}"
        with httpx.Client() as client:
            assert client.get(server.url + "/").text == "::1"


def test_redirect_across_hosts_keeps_loopback(fake_civitai: FakeCivitai) -> None:
    storage = fake_civitai.url_for_host("localhost")
    fake_civitai.add_route(
        "GET", "/api/download/models/{id}", lambda r: FakeResponse.redirect(f"{storage}/blob/{r.path_params['id']}")
    )
    fake_civitai.add_route("GET", "/blob/{id}", lambda r: FakeResponse.bytes(b"weights"))
    with httpx.Client(follow_redirects=True) as client:
        response = client.get(fake_civitai.url + "/api/download/models/7", headers={"Authorization": "Bearer s"})
    assert response.content == b"weights"
    first, second = fake_civitai.requests
    assert (first.host, second.host) == ("127.0.0.1", "localhost")
    assert "authorization" in first.headers and "authorization" not in second.headers  # httpx strips it


def test_not_started_and_restart_errors() -> None:
    server = FakeCivitai()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url
    assert not server.running
    server.stop()  # harmless
    with server:
        assert server.running
        with pytest.raises(RuntimeError, match="once"):
            server.start()
    assert not server.running
    with pytest.raises(RuntimeError, match="once"):
        server.start()


def test_stream_accepts_one_bytes_object_and_refuses_non_bytes_chunks(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    fake_civitai.add_route("GET", "/one", lambda r: FakeResponse.stream(b"whole", content_length=5))
    fake_civitai.add_route("GET", "/ints", lambda r: FakeResponse.stream(iter([b"ok", 7])))  # type: ignore[arg-type]
    with raw.connected() as conn:
        conn.request("GET", "/one")
        assert conn.getresponse().read() == b"whole"
    reply = raw.exchange(b"GET /ints HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.endswith(b"2\r\nok\r\n")  # cut right there, no final chunk
    (crash,) = fake_civitai.errors
    assert isinstance(crash.exception, TypeError) and "must yield bytes" in str(crash.exception)
    fake_civitai.errors.clear()
