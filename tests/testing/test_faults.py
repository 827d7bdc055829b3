"""Every fault kind, observed on the wire with sockets and http.client."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator

import pytest

from civitai_kit.testing import FakeCivitai, FakeResponse, Fault, FaultKind
from tests.support.raw_http import RawHttp

MODELS = "/api/v1/models"


@pytest.fixture(autouse=True)
def models_route(fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", MODELS, lambda r: FakeResponse.json({"items": [], "metadata": {}}))
    fake_civitai.add_route("GET", "/api/v1/models/{id}", lambda r: {"id": int(r.path_params["id"])})
    fake_civitai.add_route("POST", MODELS, lambda r: FakeResponse.empty(201))


def get(conn: http.client.HTTPConnection, path: str = MODELS, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn.request(method, path)
    response = conn.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def test_status_with_retry_after_then_normal(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.faults.add(Fault.status(429, retry_after=2), path=MODELS, times=2)
    for _ in range(2):
        status, headers, body = get(conn)
        assert (status, headers["retry-after"], json.loads(body)) == (429, "2", {"error": "Too Many Requests"})
    assert get(conn)[0] == 200
    assert fake_civitai.faults.pending == 0
    assert [fault.kind for _, fault in fake_civitai.faults.injected] == [FaultKind.RESPOND] * 2


@pytest.mark.parametrize(
    ("body", "content_type", "wire"),
    [
        (
            {"error": "Model search is temporarily overloaded — please retry."},
            "application/json; charset=utf-8",
            '{"error":"Model search is temporarily overloaded — please retry."}'.encode(),
        ),
        ("Server busy", "text/plain; charset=utf-8", b"Server busy"),
        (b"\x00raw", "application/octet-stream", b"\x00raw"),
    ],
)
def test_status_body_forms(
    fake_civitai: FakeCivitai, conn: http.client.HTTPConnection, body: object, content_type: str, wire: bytes
) -> None:
    fake_civitai.faults.add(Fault.status(503, body=body, headers={"Cache-Control": "no-store"}, retry_after=1.5))
    status, headers, received = get(conn)
    assert (status, headers["content-type"], received) == (503, content_type, wire)
    assert headers["cache-control"] == "no-store" and headers["retry-after"] == "1.5"


def test_json_error_behind_200(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.faults.add(Fault.json(200, {"error": "Model not found"}))
    assert get(conn)[::2] == (200, b'{"error":"Model not found"}')


def test_html_and_cloudflare_pages(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.faults.sequence(
        MODELS,
        [
            Fault.html(502, "<h1>Bad gateway</h1>"),
            Fault.cloudflare(522, ray_id="8f00aa11bb22cc33-FRA"),
            Fault.cloudflare(429),
        ],
    )
    status, headers, body = get(conn)
    assert (status, headers["content-type"], body) == (502, "text/html; charset=utf-8", b"<h1>Bad gateway</h1>")
    status, headers, body = get(conn)
    page = body.decode()
    assert status == 522 and headers["content-type"].startswith("text/html")
    assert headers["server"] == "cloudflare" and headers["cf-ray"] == "8f00aa11bb22cc33-FRA"
    assert "Error 522" in page and "Connection timed out" in page and "8f00aa11bb22cc33-FRA" in page
    assert "cloudflare" in page.lower()
    status, headers, body = get(conn)
    assert status == 429 and "Error 1015" in body.decode() and "cf-ray" in headers
    assert get(conn)[0] == 200


def test_empty(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.faults.add(Fault.empty(499))
    status, headers, body = get(conn)
    assert (status, headers["content-length"], body) == (499, "0", b"")
    assert "content-type" not in headers


def test_reset_drops_the_connection_without_a_response(fake_civitai: FakeCivitai) -> None:
    fake_civitai.faults.add(Fault.reset(), path=MODELS)
    with socket.create_connection(("127.0.0.1", fake_civitai.port), timeout=5) as sock:
        sock.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            while sock.recv(4096):
                pass  # pragma: no cover - the server must not send anything
    with RawHttp(fake_civitai).connected() as conn:
        assert get(conn)[0] == 200  # the server itself carries on


def test_reset_seen_by_http_client(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.faults.add(Fault.reset())
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        get(conn)


def test_truncate_sends_full_length_then_part_of_the_body(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    fake_civitai.add_route("GET", "/blob", lambda r: FakeResponse.bytes(b"0123456789"))
    fake_civitai.faults.add(Fault.truncate(4), path="/blob")
    reply = raw.exchange(b"GET /blob HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"Content-Length: 10" in head and body == b"0123"
    with raw.connected() as conn:
        conn.request("GET", "/blob")
        assert conn.getresponse().read() == b"0123456789"


@pytest.mark.parametrize("content_length", [None, 10])
def test_truncate_a_stream(fake_civitai: FakeCivitai, raw: RawHttp, content_length: int | None) -> None:
    def chunks() -> Iterator[bytes]:
        yield from (b"012", b"345", b"6789")

    fake_civitai.add_route("GET", "/s", lambda r: FakeResponse.stream(chunks(), content_length=content_length))
    fake_civitai.faults.add(Fault.truncate(5))
    with raw.connected() as conn:
        conn.request("GET", "/s")
        response = conn.getresponse()
        assert response.getheader("content-length") == "10"
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
    assert cut.value.partial == b"01234"


def test_delay_then_normal_answer(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    fake_civitai.faults.add(Fault.delay(0.3))
    with raw.connected(timeout=0.1) as conn, pytest.raises(TimeoutError):
        get(conn)
    with raw.connected() as conn:
        started = time.monotonic()
        assert get(conn)[0] == 200
        assert time.monotonic() - started < 0.25  # only the first request was delayed
    fake_civitai.faults.add(Fault.delay(0.2))
    with raw.connected() as conn:
        started = time.monotonic()
        assert get(conn)[0] == 200
        assert time.monotonic() - started >= 0.2


def test_matching_by_method_and_path_forms(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    faults = fake_civitai.faults
    faults.add(Fault.status(500), path=MODELS, method="post")
    faults.add(Fault.status(502), path="/api/v1/models/{id}")
    faults.add(Fault.status(503), path="/api/*/models")
    assert get(conn, "/api/v1/models/5")[0] == 502
    assert get(conn)[0] == 503  # the POST-only rule does not match a GET
    assert get(conn, method="POST")[0] == 500
    assert get(conn, "/api/v1/models/5")[0] == 200
    assert faults.pending == 0


def test_prefix_path_does_not_match_a_sibling(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.faults.add(Fault.status(500), path="/api/v1/model")
    assert get(conn)[0] == 200
    assert get(conn, "/api/v1/model/3")[0] == 500  # below the prefix: matched
    assert fake_civitai.faults.pending == 0


def test_unlimited_fault_until_cleared(fake_civitai: FakeCivitai, conn: http.client.HTTPConnection) -> None:
    fake_civitai.faults.add(Fault.status(503), times=None)
    assert [get(conn)[0] for _ in range(4)] == [503] * 4
    assert fake_civitai.faults.pending == 1
    fake_civitai.faults.clear()
    assert get(conn)[0] == 200
    assert len(fake_civitai.faults.injected) == 4


def test_sequence_mixes_kinds_then_serves_normally(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    fake_civitai.faults.sequence(MODELS, [Fault.status(503), Fault.reset(), Fault.status(504)])
    with raw.connected() as conn:
        assert get(conn)[0] == 503
        with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
            get(conn)
    with raw.connected() as conn:
        assert [get(conn)[0] for _ in range(3)] == [504, 200, 200]
    assert len(fake_civitai.requests) == 5  # faulted requests are logged too


def test_faults_apply_to_head_without_body(fake_civitai: FakeCivitai, raw: RawHttp) -> None:
    fake_civitai.faults.add(Fault.status(429, body={"error": "slow down"}))
    reply = raw.exchange(b"HEAD /api/v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 429 ") and reply.endswith(b"\r\n\r\n")
    assert b"Content-Length: 21" in reply


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Fault.truncate(-1), "n_bytes"),
        (lambda: Fault.truncate(True), "n_bytes"),
        (lambda: Fault.delay(-0.1), "seconds"),
        (lambda: Fault.delay(float("nan")), "seconds"),
        (lambda: Fault.status(42), "status"),
    ],
)
def test_bad_fault_arguments(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_bad_plan_arguments(fake_civitai: FakeCivitai) -> None:
    with pytest.raises(ValueError, match="times"):
        fake_civitai.faults.add(Fault.reset(), times=0)
    with pytest.raises(TypeError, match="Fault"):
        fake_civitai.faults.add(FakeResponse.empty(500))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="path"):
        fake_civitai.faults.add(Fault.reset(), path="api/v1")


def test_a_fault_can_stream_a_reusable_body_but_not_a_one_shot_iterator(
    fake_civitai: FakeCivitai, conn: http.client.HTTPConnection
) -> None:
    fake_civitai.faults.add(Fault.respond(FakeResponse.stream([b"par", b"tial"], status=206)), times=2)
    assert get(conn)[::2] == (206, b"partial")
    assert get(conn)[::2] == (206, b"partial")
    with pytest.raises(ValueError, match="list of chunks"):
        Fault.respond(FakeResponse.stream(iter([b"x"])))
