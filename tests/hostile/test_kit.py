"""The hostile kit itself, checked with raw sockets and plain httpx (never through civitai-kit's clients),
so that a failing matrix test means the library misbehaved, not the kit."""

from __future__ import annotations

import gzip
import json
import random
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from civitai_kit.testing._listener import Listener
from civitai_kit.testing.hostile import (
    BrokenLink,
    ChangingFile,
    ClientMode,
    HostileRequest,
    HostileServer,
    Misbehaviour,
    OutcomeKind,
    Phase,
    StormMix,
    brotli_available,
    run_guarded,
)
from civitai_kit.testing.hostile._payloads import compression_bomb, huge_json, inflated_size
from civitai_kit.testing.hostile.probe import Outcome, classify, classify_exception
from civitai_kit.testing.hostile.storm import storm_tag

GET = b"GET /x HTTP/1.1\r\nHost: test\r\n\r\n"


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


def _connect(server: HostileServer, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout)


def _read_all(sock: socket.socket) -> tuple[bytes, str]:
    """Everything until the server ends the connection, and how it ended: "fin", "reset" or "timeout"."""
    chunks: list[bytes] = []
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except ConnectionResetError:
            return b"".join(chunks), "reset"
        except TimeoutError:
            return b"".join(chunks), "timeout"
        if not chunk:
            return b"".join(chunks), "fin"
        chunks.append(chunk)


def _exchange(server: HostileServer, request: bytes = GET, timeout: float = 5.0) -> tuple[bytes, str]:
    with _connect(server, timeout) as sock:
        sock.sendall(request)
        return _read_all(sock)


def _read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """One Content-Length framed response off a kept-alive socket: (head, body + anything read past it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection ended inside the head: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return head, body


# ---------------------------------------------------------------------------------------------- wire


def test_garbage_status_line_is_sent_verbatim(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.garbage_status_line(b"HTTP/1.1 abc Garbage"))
    data, end = _exchange(server)
    assert data.startswith(b"HTTP/1.1 abc Garbage\r\n") and end == "fin"


def test_http09_answer_has_no_status_line(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.http09(b'{"id": 1}'))
    assert _exchange(server) == (b'{"id": 1}', "fin")


def test_raw_sends_any_bytes(server: HostileServer) -> None:
    junk = bytes(range(256)) * 4
    server.always("/x", Misbehaviour.raw(junk, then="close"))
    assert _exchange(server) == (junk, "fin")


@pytest.mark.parametrize("phase", [p for p in Phase if p is not Phase.ON_REUSE], ids=lambda p: p.value)
def test_reset_cuts_at_each_phase(server: HostileServer, phase: Phase) -> None:
    server.always("/x", Misbehaviour.reset(phase))
    data, end = _exchange(server)
    assert end == "reset", (phase, data)
    if phase is Phase.BEFORE_STATUS:
        assert data == b""
    elif phase is Phase.MID_STATUS_LINE:
        assert data == b"HTTP/1.1 2"
    elif phase is Phase.MID_HEADERS:
        assert data.startswith(b"HTTP/1.1 200 OK\r\n") and b"\r\n\r\n" not in data and b"X-Padding" in data
    else:
        head, sep, body = data.partition(b"\r\n\r\n")
        assert sep, data
        length = int(next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Length")).split(b":")[1])
        if phase is Phase.AFTER_HEADERS:
            assert body == b""
        elif phase is Phase.MID_BODY:
            assert 0 < len(body) < length
        else:
            assert len(body) == length


def test_after_body_reset_may_lose_the_tail_to_the_rst_but_never_sends_more(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.reset(Phase.AFTER_BODY))
    data, end = _exchange(server)
    assert end == "reset" and data.count(b"HTTP/1.1") <= 1


def test_graceful_close_ends_with_fin_mid_headers(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.reset(Phase.MID_HEADERS, graceful=True))
    data, end = _exchange(server)
    assert end == "fin" and b"\r\n\r\n" not in data


def test_drop_on_reuse_answers_then_drops_the_next_request_on_that_connection(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.drop_on_reuse())
    with _connect(server) as sock:
        sock.sendall(GET)
        head, body = _read_response(sock)
        assert head.startswith(b"HTTP/1.1 200") and json.loads(body)["id"] == 1
        sock.sendall(GET)
        data, end = _read_all(sock)
    assert (data, end) == (b"", "reset")
    first, second = server.requests
    assert (first.connection, first.position, first.dropped) == (0, 0, False)
    assert (second.connection, second.position, second.dropped) == (0, 1, True)
    # a new connection is answered normally again
    with _connect(server) as sock:
        sock.sendall(GET)
        assert _read_response(sock)[0].startswith(b"HTTP/1.1 200")


def test_short_body_declares_more_than_it_sends(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.short_body(declared=1000, sent=10))
    data, end = _exchange(server)
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Content-Length: 1000" in head and len(body) == 10 and end == "fin"


def test_long_body_trails_extra_bytes_on_the_kept_alive_connection(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.long_body(b"SMUGGLED"))
    with _connect(server, timeout=0.5) as sock:
        sock.sendall(GET)
        head, body = _read_response(sock)
        rest, end = _read_all(sock)
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    assert json.loads(body[:length])["id"] == 1 and body[length:] + rest == b"SMUGGLED" and end == "timeout"


def test_duplicate_and_non_numeric_content_length(server: HostileServer) -> None:
    server.always("/dup", Misbehaviour.duplicate_content_length(5, 10))
    server.always("/nan", Misbehaviour.content_length("abc"))
    dup, _ = _exchange(server, b"GET /dup HTTP/1.1\r\nHost: t\r\n\r\n")
    nan, _ = _exchange(server, b"GET /nan HTTP/1.1\r\nHost: t\r\n\r\n")
    assert b"Content-Length: 5\r\nContent-Length: 10\r\n" in dup
    assert b"Content-Length: abc\r\n" in nan


@pytest.mark.parametrize("value", ["1e15", "inf", "nan", "-5", "86400000000000", "soon-ish"])
def test_retry_after_values_are_sent_verbatim(server: HostileServer, value: str) -> None:
    server.always("/x", Misbehaviour.retry_after(value, status=503, header="retry-after-ms"))
    response = httpx.get(f"{server.url}/x")
    assert response.status_code == 503 and response.headers["retry-after-ms"] == value


def test_http_date_helper_goes_both_ways() -> None:
    future, past = Misbehaviour.http_date(10**9), Misbehaviour.http_date(-(10**9))
    assert future.endswith("GMT") and past.endswith("GMT") and future != past


def test_huge_and_many_headers(server: HostileServer) -> None:
    server.always("/huge", Misbehaviour.huge_header(1 << 20))
    server.always("/many", Misbehaviour.many_headers(5000))
    huge, _ = _exchange(server, b"GET /huge HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    many, _ = _exchange(server, b"GET /many HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert b"X-Hostile: " + b"x" * (1 << 20) + b"\r\n" in huge
    assert many.count(b"\r\nX-Hostile-") == 5000


# ---------------------------------------------------------------------------------------------- bodies


@pytest.mark.slow  # inflates 300 MB
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compression_bomb_really_inflates_to_hundreds_of_megabytes(server: HostileServer, encoding: str) -> None:
    if encoding == "br" and not brotli_available():
        pytest.skip("brotli is not installed")
    server.always("/x", Misbehaviour.compression_bomb(encoding, inflated_bytes=300_000_000))
    with _connect(server, timeout=10) as sock:
        sock.sendall(GET)
        head, body = _read_response(sock)
    assert f"Content-Encoding: {encoding}".encode() in head
    assert len(body) < 1_000_000  # small on the wire...
    decompressor = zlib.decompressobj(31 if encoding == "gzip" else 15)
    total, prefix = 0, b""
    data = decompressor.decompress(body, 1 << 20)
    while data:
        prefix = prefix or data[:64]
        total += len(data)
        data = decompressor.decompress(decompressor.unconsumed_tail, 1 << 20)
    total += len(decompressor.flush())
    assert decompressor.eof and total > 300_000_000  # ...300 MB once inflated
    assert prefix.startswith(b'{"id":1,"items":[],"metadata":{},"padding":"aaaa')


def test_bomb_checksums_are_valid_for_standard_decoders() -> None:
    small = compression_bomb("gzip", 3_000_000, prefix=b"[", suffix=b"]", fill=b" ")
    assert json.loads(gzip.decompress(small.read_all())) == []
    deflated = compression_bomb("deflate", 2_500_001, prefix=b'"', suffix=b'"')
    assert len(json.loads(zlib.decompress(deflated.read_all()))) == 2_500_001
    assert inflated_size(compression_bomb("gzip", 5_000_000), "gzip") == 5_000_000


def test_httpx_itself_inflates_the_bomb(server: HostileServer) -> None:
    """The bomb is no bomb unless an ordinary client really expands it (here: 20 MB, to keep it quick)."""
    server.always("/x", Misbehaviour.compression_bomb("gzip", inflated_bytes=20_000_000))
    with httpx.stream("GET", f"{server.url}/x") as response:
        total = sum(len(chunk) for chunk in response.iter_bytes())
        wire = response.num_bytes_downloaded
    assert total > 20_000_000 and wire < 100_000


def test_nested_and_invalid_json(server: HostileServer) -> None:
    server.always("/deep", Misbehaviour.nested_json(5000))
    server.always("/obj", Misbehaviour.nested_json(3000, kind="object", status=500))
    server.always("/bad", Misbehaviour.invalid_json('{"items": [', status=503))
    server.always("/type", Misbehaviour.wrong_type_json([1, 2], status=404))
    deep = httpx.get(f"{server.url}/deep").content
    assert deep == b"[" * 5000 + b"]" * 5000
    obj = httpx.get(f"{server.url}/obj")
    assert obj.status_code == 500 and obj.content.startswith(b'{"a":{"a":') and obj.content.count(b"}") == 3000
    bad = httpx.get(f"{server.url}/bad")
    assert bad.status_code == 503 and bad.text == '{"items": ['
    assert httpx.get(f"{server.url}/type").json() == [1, 2]


def test_huge_json_is_streamed_with_an_exact_length(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.huge_json(5_000_000))
    response = httpx.get(f"{server.url}/x")
    assert int(response.headers["content-length"]) == len(response.content) >= 4_990_000
    assert response.json()["items"][0]["id"] == 1
    assert len(huge_json(1000, "object").read_all()) == 1000


def test_drip_really_drips(server: HostileServer) -> None:
    interval = 0.3
    server.always("/x", Misbehaviour.drip(b"abcdef", interval=interval))
    with _connect(server, timeout=5) as sock:
        sock.sendall(GET)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        assert data.endswith(b"\r\n\r\n")  # headers at once, no body yet
        started = time.monotonic()
        pieces = [sock.recv(65536) for _ in range(3)]
        elapsed = time.monotonic() - started
    assert pieces == [b"a", b"b", b"c"]  # one byte per read: nothing was sent ahead
    assert elapsed >= 2 * interval  # a lower bound only: the drip cannot be faster than its interval


def test_drip_headers_too(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.drip(b"{}", interval=0.01, headers_too=True))
    with _connect(server, timeout=5) as sock:
        sock.sendall(b"GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert sock.recv(65536) == b"H"
        data, end = _read_all(sock)
    assert data.startswith(b"TTP/1.1 200 OK") and data.endswith(b"\r\n\r\n{}") and end == "fin"


def test_stall_then_answers(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.stall(0.2, Misbehaviour.json({"late": True})))
    started = time.monotonic()
    assert httpx.get(f"{server.url}/x").json() == {"late": True}
    assert time.monotonic() - started >= 0.2


def test_stop_is_prompt_during_a_drip(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.drip(b"x" * 1000, interval=10))
    sock = _connect(server)
    sock.sendall(GET)
    sock.recv(65536)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(5)
    sock.close()
    assert not stopper.is_alive()


def test_reset_cuts_a_drip_and_leaves_the_server_as_good_as_new(server: HostileServer) -> None:
    """What lets the matrices share one server per module: nothing of one test reaches the next."""

    def crash(exchange: object) -> None:
        raise RuntimeError("kit bug")

    server.always("/crash", Misbehaviour.custom("crash", crash))
    assert _exchange(server, b"GET /crash HTTP/1.1\r\nHost: test\r\n\r\n") == (b"", "reset")
    server.always("/x", Misbehaviour.drip(b"x" * 1000, interval=10))
    dripped = _connect(server)
    dripped.sendall(GET)
    dripped.recv(65536)
    port = server.port
    resetter = threading.Thread(target=server.reset)
    resetter.start()
    resetter.join(5)
    assert not resetter.is_alive()  # the drip was woken and its connection cut, not waited out
    assert _read_all(dripped)[1] in ("fin", "reset")
    dripped.close()
    assert (server.requests, server.played, server.errors, server.port) == ([], [], [], port)
    data, _ = _exchange(server, b"GET /x HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    # no script survived: the fallback answers, on connection 0 again
    assert data.startswith(b"HTTP/1.1 404") and server.requests[0].connection == 0
    server.always("/x", Misbehaviour.stall(0.01, Misbehaviour.json({"late": True})))  # pauses pause again
    data, _ = _exchange(server, b"GET /x HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200") and data.endswith(b'{"late": true}'), data
    server.stop()
    with pytest.raises(RuntimeError, match="running"):
        server.reset()


def test_discard_pending_closes_the_connections_nobody_accepted() -> None:
    def never(sock: socket.socket, address: object) -> None:
        raise AssertionError("discarded connections are not handed over")

    listener = Listener("127.0.0.1", 0, never, name="backlog")
    port = listener.bind()  # listening, not accepting: connections wait in the backlog
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(GET)
            assert listener.discard_pending() == 1
            assert _read_all(client)[1] in ("fin", "reset")
        assert listener.discard_pending() == 0
    finally:
        listener.stop(1)


# ---------------------------------------------------------------------------------------------- pagination


def test_endless_pages_give_a_fresh_cursor_every_time(server: HostileServer) -> None:
    server.always("/empty", Misbehaviour.endless_pages(0))
    server.always("/one", Misbehaviour.endless_pages(1))
    pages = [httpx.get(f"{server.url}/empty").json() for _ in range(3)]
    assert all(page["items"] == [] for page in pages)
    assert len({page["metadata"]["nextCursor"] for page in pages}) == 3
    ones = [httpx.get(f"{server.url}/one").json() for _ in range(3)]
    assert [page["items"][0]["id"] for page in ones] == [1, 2, 3]


@pytest.mark.parametrize("link", list(BrokenLink), ids=lambda link: link.value)
def test_broken_links(server: HostileServer, link: BrokenLink) -> None:
    server.always("/api/v1/models", Misbehaviour.broken_next_page(link))
    page = httpx.get(f"{server.url}/api/v1/models").json()
    assert page["items"] == [{"id": 1, "name": "item-1"}]
    metadata = page["metadata"]
    expected: Callable[[dict[str, Any]], bool] = {
        BrokenLink.BAD_IPV6: lambda m: m["nextPage"] == "http://[::1/x",
        BrokenLink.PORT_OVER_65535: lambda m: ":70000/" in m["nextPage"],
        BrokenLink.NUL_BYTE: lambda m: "\x00" in m["nextPage"],
        BrokenLink.LONG_CURSOR: lambda m: len(m["nextCursor"]) == 100_000,
        BrokenLink.LONG_CURSOR_IN_NEXT_PAGE: lambda m: len(m["nextPage"]) > 100_000,
        BrokenLink.OTHER_HOST: lambda m: m["nextPage"].startswith(f"http://localhost:{server.port}/"),
        BrokenLink.OTHER_HOST_WITH_CURSOR: lambda m: "localhost" in m["nextPage"] and "cursor=" in m["nextPage"],
        BrokenLink.NOT_A_URL: lambda m: m["nextPage"] == "::::",
        BrokenLink.WRONG_TYPES: lambda m: m["nextPage"] == 12345 and isinstance(m["nextCursor"], dict),
    }[link]
    assert expected(metadata), metadata


def test_a_100_kb_request_line_is_read_and_logged(server: HostileServer) -> None:
    server.always("/x", Misbehaviour.json({"ok": True}))
    cursor = "c" * 100_000  # longer than httpx accepts in a URL (64 KiB): sent raw
    with _connect(server) as sock:
        sock.sendall(f"GET /x?cursor={cursor} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        assert json.loads(_read_response(sock)[1]) == {"ok": True}
    assert server.requests[0].query_value("cursor") == cursor


# ---------------------------------------------------------------------------------------------- credentials


@pytest.mark.parametrize("form", ["json", "message", "problem", "issues", "text", "html"])
def test_echo_credentials_echoes_the_key_and_url(server: HostileServer, form: str) -> None:
    server.always("/x", Misbehaviour.echo_credentials(401, form=form))
    response = httpx.get(f"{server.url}/x?limit=1", headers={"Authorization": "Bearer sekrit-123"})
    assert response.status_code == 401
    assert "sekrit-123" in response.text and "sekrit-123" in response.headers["www-authenticate"]
    if form in ("json", "message", "text", "html"):
        assert "limit=1&token=sekrit-123" in response.text


# ---------------------------------------------------------------------------------------------- downloads


def test_changing_file_serves_a_then_b_and_honours_range(server: HostileServer) -> None:
    changing = ChangingFile(b"A" * 100, b"B" * 100, cut_first_at=40)
    server.always("/file", changing.misbehaviour)
    with _connect(server) as sock:
        sock.sendall(b"GET /file HTTP/1.1\r\nHost: t\r\n\r\n")
        data, end = _read_all(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert end == "reset" and body == b"A" * 40 and b'ETag: "hostile-version-a"' in head
    resumed = httpx.get(f"{server.url}/file", headers={"Range": "bytes=40-", "If-Range": '"hostile-version-a"'})
    assert resumed.status_code == 206 and resumed.content == b"B" * 60  # If-Range ignored: a mixed file
    assert resumed.headers["content-range"] == "bytes 40-99/100" and resumed.headers["etag"] == '"hostile-version-b"'
    assert httpx.get(f"{server.url}/file", headers={"Range": "bytes=100-"}).status_code == 416
    assert [(version, status) for version, status, _ in changing.served] == [(0, 200), (1, 206), (1, 416)]


def test_changing_file_honours_if_range_when_asked(server: HostileServer) -> None:
    server.always("/file", Misbehaviour.changing_file(b"A" * 10, b"B" * 12, honour_if_range=True))
    assert httpx.get(f"{server.url}/file").content == b"A" * 10
    stale = httpx.get(f"{server.url}/file", headers={"Range": "bytes=4-", "If-Range": '"hostile-version-a"'})
    assert stale.status_code == 200 and stale.content == b"B" * 12
    fresh = httpx.get(f"{server.url}/file", headers={"Range": "bytes=4-", "If-Range": '"hostile-version-b"'})
    assert fresh.status_code == 206 and fresh.content == b"B" * 8


# ---------------------------------------------------------------------------------------------- scripting


def test_sequences_then_standing_scripts_then_fallback(server: HostileServer) -> None:
    server.sequence("/api/v1/models", [Misbehaviour.status(503), Misbehaviour.status(502)], then=Misbehaviour.json([]))
    server.always("/api/*", Misbehaviour.json({"prefix": True}))
    statuses = [httpx.get(f"{server.url}/api/v1/models?x=1").status_code for _ in range(3)]
    assert statuses == [503, 502, 200]
    assert httpx.get(f"{server.url}/api/v1/other").json() == {"prefix": True}
    missing = httpx.get(f"{server.url}/nowhere")
    assert missing.status_code == 404 and "no script" in missing.json()["error"]
    assert server.attempts("/api/v1/models") == 3 and server.attempts(method="GET") == 5


def test_request_log_keeps_headers_bodies_and_connections(server: HostileServer) -> None:
    server.always("*", Misbehaviour.json({"ok": True}))
    with httpx.Client(base_url=server.url) as client:
        client.post("/a", json={"n": 1}, headers={"Authorization": "Bearer k", "Idempotency-Key": "i"})
        client.post("/b", content=iter([b'{"chunked":', b" true}"]))  # a generator body is sent chunked
    first, second = server.requests
    assert first.authorization == "Bearer k" and first.header("IDEMPOTENCY-KEY") == "i" and first.json() == {"n": 1}
    assert second.header("transfer-encoding") == "chunked" and second.json() == {"chunked": True}
    assert (first.connection, second.connection, second.position) == (0, 0, 1)
    assert server.max_attempts_per_request() == 1 and server.errors == []


def test_a_crashing_custom_play_is_reported_as_a_kit_error(server: HostileServer) -> None:
    def crash(exchange: object) -> None:
        raise RuntimeError("kit bug")

    server.always("/x", Misbehaviour.custom("crash", crash))
    data, end = _exchange(server)
    assert (data, end) == (b"", "reset")
    assert len(server.errors) == 1 and "kit bug" in str(server.errors[0])


def test_keep_alive_serves_many_requests_on_one_connection(server: HostileServer) -> None:
    server.always("*", Misbehaviour.json({"ok": True}))
    with httpx.Client(base_url=server.url) as client:
        for _ in range(20):
            assert client.get("/x").json() == {"ok": True}
    assert {r.connection for r in server.requests} == {0}


# ---------------------------------------------------------------------------------------------- probe, storm


def test_run_guarded_reports_a_hang_instead_of_hanging() -> None:
    release = threading.Event()

    def stuck() -> Outcome:
        release.wait(10)
        return classify(None, 0)

    outcome = run_guarded(stuck, hard_timeout=0.2)
    release.set()
    assert outcome.kind is OutcomeKind.HUNG and not outcome.typed


def test_classification_and_leak_search() -> None:
    from civitai_kit.errors import ErrorCode
    from civitai_kit.result import Failure, Success

    failure = Failure.of(ErrorCode.UNAUTHORIZED, "bad key s3cr3t", details={"echo": "s3cr3t"})  # unregistered: kept
    outcome = classify(failure, 0.1)
    assert outcome.label == "Failure:UNAUTHORIZED"
    assert {"str(error)", "error.details", "unwrap() chain[0] str"} <= set(outcome.leaks("s3cr3t"))
    assert classify(Success(1), 0).label == "Success" and classify(42, 0).label == "Untyped:returned int"
    chained = ValueError("outer")
    chained.__cause__ = KeyError("inner s3cr3t")
    assert "raised chain[1] str" in classify_exception(chained, 0).leaks("s3cr3t")


def test_storm_draws_are_seeded_and_tags_are_read() -> None:
    mix = StormMix()
    first = [mix.draw(random.Random(f"7:{n}:0"), {}).name for n in range(200)]
    again = [mix.draw(random.Random(f"7:{n}:0"), {}).name for n in range(200)]
    assert first == again and len(set(first)) > 8 and first.count("ok") > 60
    request = HostileRequest(0, 0, 0, "GET", "/api/v1/models?query=storm-42-&limit=1", "HTTP/1.1", ())
    assert storm_tag(request) == 42
    assert storm_tag(HostileRequest(0, 0, 0, "GET", "/api/v1/models/8", "HTTP/1.1", ())) == 7
    body = HostileRequest(0, 0, 0, "POST", "/v2/consumer/workflows", "HTTP/1.1", (), b'{"externalId": "storm-3-ext"}')
    assert storm_tag(body) == 3


def test_client_modes() -> None:
    assert [mode.value for mode in ClientMode] == ["sync-httpx", "async-httpx", "async-aiohttp"]
    assert ClientMode.ASYNC_AIOHTTP.backend == "aiohttp" and not ClientMode.SYNC_HTTPX.is_async
