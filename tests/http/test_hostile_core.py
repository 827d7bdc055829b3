"""The HTTP core against hostile servers, over real loopback HTTP, for the sync client and the async client
on both backends: absurd Retry-After values, JSON bombs, dripped bodies, gzip bombs, garbage status lines,
malformed server-supplied URLs, cancelled breaker probes, plain-http keys and echoed secrets.

No assertion here measures time: hangs are bounded by a thread join or ``asyncio.wait_for`` (the bound only
turns a hang into a failure), and slowness is the server's, on purpose.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
import traceback
import tracemalloc
import warnings
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from types import FrameType
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from civitai_kit._http import (
    ApiRequest,
    AsyncHttpClient,
    ClientSettings,
    HttpClient,
    InsecureTransportWarning,
    RetryPolicy,
    parse_retry_after,
)
from civitai_kit._http.core import HttpCore, Send
from civitai_kit._http.errors import error_from_response
from civitai_kit._json import JsonDecodeError
from civitai_kit.errors import CivitaiError, ErrorCode, ResponseParseError
from civitai_kit.result import Failure, Result, Success
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse, Fault
from civitai_kit.testing.hostile._payloads import compression_bomb
from tests.support.raw_server import Behaviour, Peer, RawServerFactory, answering

KEY = "sk-hostile-0123456789abcdef"
HANG_BOUND = 30.0
"""Seconds after which a call that should have ended is declared hung (a bound, never a measurement)."""
KINDS = ["sync", "async", "aiohttp"]
DAY = timedelta(days=1)


# ---------------------------------------------------------------------------------------------- helpers


def _settings(url: str, kind: str = "sync", **overrides: Any) -> ClientSettings:
    values: dict[str, Any] = {
        "base_url": url,
        "token": SecretStr(KEY),
        "timeout": 5.0,
        "retry": RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.02, max_retry_after=120),
        "backend": "aiohttp" if kind == "aiohttp" else "httpx",
    }
    values.update(overrides)
    return ClientSettings(**values)


class Caller:
    """One face for the sync client and the async client (httpx or aiohttp backend). Sync calls run on a
    daemon thread joined with :data:`HANG_BOUND`; async calls are awaited under the same bound."""

    def __init__(self, kind: str, settings: ClientSettings, *, real_sleep: bool = False) -> None:
        self.kind = kind
        self.sleeps: list[float] = []

        def record(seconds: float) -> None:
            self.sleeps.append(seconds)
            if real_sleep:
                time.sleep(seconds)

        async def arecord(seconds: float) -> None:
            self.sleeps.append(seconds)
            if real_sleep:
                await asyncio.sleep(seconds)

        self.sync = HttpClient(settings, sleep=record) if kind == "sync" else None
        self.aio = AsyncHttpClient(settings, sleep=arecord) if kind != "sync" else None

    async def _bounded(
        self, sync_call: Callable[[HttpClient], Any], async_call: Callable[[AsyncHttpClient], Any]
    ) -> Any:
        if self.sync is not None:
            return _in_thread(lambda: sync_call(self.sync))  # type: ignore[arg-type]
        assert self.aio is not None
        return await asyncio.wait_for(async_call(self.aio), HANG_BOUND)

    async def send(self, request: ApiRequest) -> Result[Any]:
        return await self._bounded(lambda c: c.send(request), lambda c: c.send(request))  # type: ignore[no-any-return]

    async def send_json(self, request: ApiRequest) -> Result[Any]:
        return await self._bounded(  # type: ignore[no-any-return]
            lambda c: c.send_json(request, lambda p: p), lambda c: c.send_json(request, lambda p: p)
        )

    async def stream_body(self, request: ApiRequest) -> Result[bytes]:
        """A download: a failure to open, or the body — whose own failures raise a typed exception."""

        def read(client: HttpClient) -> Result[bytes]:
            with client.stream(request) as result:
                try:
                    return result.map(lambda r: b"".join(r.iter_bytes()))
                except CivitaiError as exc:
                    return Failure(exc.error)

        async def aread(client: AsyncHttpClient) -> Result[bytes]:
            async with client.stream(request) as result:
                if isinstance(result, Failure):
                    return result
                try:
                    return Success(b"".join([chunk async for chunk in result.value.aiter_bytes()]))
                except CivitaiError as exc:
                    return Failure(exc.error)

        return await self._bounded(read, aread)  # type: ignore[no-any-return]

    async def close(self) -> None:
        if self.sync is not None:
            self.sync.close()
        if self.aio is not None:
            await self.aio.aclose()


def _in_thread(fn: Callable[[], Any]) -> Any:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the test thread below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_BOUND)
    assert not thread.is_alive(), "the call hung"
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.fixture
async def make_caller() -> AsyncIterator[Callable[..., Caller]]:
    made: list[Caller] = []

    def make(kind: str, settings: ClientSettings, **kwargs: Any) -> Caller:
        made.append(Caller(kind, settings, **kwargs))
        return made[-1]

    yield make
    for caller in made:
        await caller.close()


def _head(status: str = "200 OK", *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _answer(status: str, body: bytes, *headers: str) -> Behaviour:
    def script(peer: Peer) -> None:
        peer.send(_head(status, f"Content-Length: {len(body)}", *headers) + body)

    return answering(script)


@pytest.fixture
def server() -> Iterator[FakeCivitai]:
    with FakeCivitai() as fake:

        @fake.route("GET", "/api/v1/models")
        def models(request: FakeRequest) -> FakeResponse:
            return FakeResponse.json({"items": [{"id": 1}], "metadata": {}})

        yield fake


GET = ApiRequest("GET", "/api/v1/models")


# ---------------------------------------------------------------------------------------------- 1. Retry-After

HOSTILE_RETRY_AFTER = [
    ("retry-after", "1e15"),
    ("retry-after", "inf"),
    ("retry-after", "-inf"),
    ("retry-after", "nan"),
    ("retry-after", "-1"),
    ("retry-after", "86400000000000"),
    ("retry-after", "9" * 400),
    ("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"),
    ("retry-after", "Mon, 01 Jan 0001 00:00:00 GMT"),
    ("retry-after", "Fri, 31 Dec 99999999999999999999 23:59:59 GMT"),
    ("retry-after", "Fri, 31 Dec 2025 23:59:59 +9999"),
    ("retry-after", "\x00\x01 garbage"),
    ("retry-after-ms", "1e300"),
    ("retry-after-ms", "nan"),
    ("retry-after-ms", "-inf"),
]


@pytest.mark.parametrize(("name", "value"), HOSTILE_RETRY_AFTER)
def test_retry_after_never_raises_and_is_bounded(name: str, value: str) -> None:
    parsed = parse_retry_after({name: value})
    assert parsed is None or timedelta(0) <= parsed <= DAY


def test_retry_after_clamps_to_a_day_and_refuses_what_is_not_a_number() -> None:
    assert parse_retry_after({"retry-after": "1e15"}) == DAY
    assert parse_retry_after({"retry-after": "inf"}) == DAY
    assert parse_retry_after({"retry-after-ms": "1e300"}) == DAY
    assert parse_retry_after({"retry-after": "Fri, 31 Dec 9999 23:59:59 GMT"}) == DAY
    assert parse_retry_after({"retry-after": "-1"}) == timedelta(0)
    assert parse_retry_after({"retry-after": "nan"}) is None
    assert parse_retry_after({"retry-after-ms": "nan", "retry-after": "3"}) == timedelta(seconds=3)
    assert parse_retry_after({"retry-after": "soon"}) is None


@given(st.text(), st.sampled_from(["retry-after", "retry-after-ms"]))
def test_retry_after_never_raises_on_any_text(value: str, name: str) -> None:
    parsed = parse_retry_after({name: value})
    assert parsed is None or timedelta(0) <= parsed <= DAY


def test_backoff_never_overflows() -> None:
    policy = RetryPolicy(max_retries=100_000, base_delay=0.5, max_delay=30.0)
    error = error_from_response(503, {}, b"")
    assert error is not None
    assert policy.delay(5000, error) == pytest.approx(30.0, rel=0.25)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", ["1e15", "inf", "nan", "86400000000000", "Fri, 31 Dec 99999 23:59:59 GMT"])
async def test_hostile_retry_after_on_429_503_and_200(
    kind: str, value: str, server: FakeCivitai, make_caller: Callable[..., Caller]
) -> None:
    caller = make_caller(kind, _settings(server.url, kind))
    for status in (429, 503):
        server.faults.add(Fault.status(status, retry_after=value), path="/api/v1/models", times=3)
        result = await caller.send(GET)
        assert isinstance(result, Failure), (status, value)
        assert result.error.retry_after is None or result.error.retry_after <= DAY
        server.faults.clear()
    ok = FakeResponse.json({"items": []}, headers=[("Retry-After", value)])
    server.faults.add(Fault.respond(ok), path="/api/v1/models")
    assert (await caller.send_json(GET)) == Success({"items": []})
    for status in (429, 200):  # the download path reads the same header
        server.faults.add(Fault.status(status, retry_after=value), path="/api/v1/models", times=3)
        assert isinstance(await caller.stream_body(GET), Failure | Success)
        server.faults.clear()


# ---------------------------------------------------------------------------------------------- 2. JSON bombs

DEEP = b"[" * 6000 + b"]" * 6000
DEEP_OBJECT = b'{"error":' * 3000 + b'"x"' + b"}" * 3000


@pytest.mark.parametrize("kind", KINDS)
async def test_deeply_nested_json_on_a_success_is_a_parse_failure(
    kind: str, server: FakeCivitai, make_caller: Callable[..., Caller]
) -> None:
    caller = make_caller(kind, _settings(server.url, kind))
    for body in (DEEP, DEEP_OBJECT, DEEP[:4000] + DEEP[-4000:]):
        server.faults.add(Fault.respond(FakeResponse.bytes(body, "application/json")), path="/api/v1/models")
        result = await caller.send_json(GET)
        assert isinstance(result, Failure) and result.error.code == ErrorCode.DESERIALIZATION_FAILED
        with pytest.raises(ResponseParseError):
            result.unwrap()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, ErrorCode.BAD_REQUEST),
        (404, ErrorCode.NOT_FOUND),
        (500, ErrorCode.SERVER_ERROR),
        (429, ErrorCode.RATE_LIMITED),
    ],
)
async def test_deeply_nested_json_on_an_error_status_is_that_status(
    kind: str, status: int, code: ErrorCode, server: FakeCivitai, make_caller: Callable[..., Caller]
) -> None:
    caller = make_caller(kind, _settings(server.url, kind, retry=RetryPolicy(max_retries=0)))
    for body in (DEEP, DEEP_OBJECT):
        server.faults.add(
            Fault.status(status, body=body, headers=[("Content-Type", "application/json")]), path="/api/v1/models"
        )
        result = await caller.send_json(GET)
        assert isinstance(result, Failure) and result.error.code == code
        assert result.error.http_status == status
        assert "[[[" not in result.error.message and "error" not in result.error.message.lower()[:7]
        server.faults.add(
            Fault.status(status, body=body, headers=[("Content-Type", "application/json")]), path="/api/v1/models"
        )
        streamed = await caller.stream_body(GET)
        assert isinstance(streamed, Failure) and streamed.error.code == code


def test_error_details_stay_bounded() -> None:
    nested: Any = "bottom"
    for _ in range(200):
        nested = {"inner": nested}
    body = ('{"error": "Bad input", "context": ' + _dumps(nested) + "}").encode()
    error = error_from_response(400, {"content-type": "application/json"}, body)
    assert error is not None and error.message == "Bad input"
    assert error.details is not None and _depth(error.details) <= 34


def test_response_json_raises_a_value_error_not_a_recursion_error() -> None:
    from civitai_kit._http import Response

    with pytest.raises(JsonDecodeError):
        Response(200, {}, DEEP, "http://127.0.0.1/x").json()


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


# ---------------------------------------------------------------------------------------------- 3. deadline


def _drip(status: str = "200 OK", length: int = 200, interval: float = 0.2) -> Behaviour:
    """Headers at once, then one byte of body every ``interval`` seconds: each read is within the read
    timeout, the whole body never is."""

    def script(peer: Peer) -> None:
        peer.send(_head(status, f"Content-Length: {length}", "Content-Type: application/json"))
        for _ in range(length):
            peer.pause(interval)
            peer.send(b" ")

    return answering(script)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_dripped_body_stops_at_the_total_deadline(
    kind: str, raw_server: RawServerFactory, make_caller: Callable[..., Caller]
) -> None:
    hostile = raw_server(_drip())
    settings = _settings(hostile.url, kind, timeout=0.8, total_timeout=1.0)
    caller = make_caller(kind, settings)
    result = await caller.send_json(GET)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.TIMEOUT
    assert "total deadline" in result.error.message
    assert len(hostile.requests) == 1  # no attempt starts past the deadline


@pytest.mark.parametrize("kind", KINDS)
async def test_a_dripped_error_body_of_a_stream_stops_at_the_deadline(
    kind: str, raw_server: RawServerFactory, make_caller: Callable[..., Caller]
) -> None:
    hostile = raw_server(_drip("500 Internal Server Error"))
    caller = make_caller(kind, _settings(hostile.url, kind, timeout=0.8, total_timeout=1.0))
    result = await caller.stream_body(GET)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.TIMEOUT
    assert "total deadline" in result.error.message


@pytest.mark.slow  # the body arrives over 2 s on purpose
@pytest.mark.parametrize("kind", KINDS)
async def test_the_body_of_a_successful_stream_is_exempt(
    kind: str, raw_server: RawServerFactory, make_caller: Callable[..., Caller]
) -> None:
    def slow_download(peer: Peer) -> None:
        peer.send(_head("200 OK", "Content-Length: 4", "Content-Type: application/octet-stream"))
        for byte in b"data":
            peer.pause(0.5)
            peer.send(bytes([byte]))

    hostile = raw_server(answering(slow_download))
    caller = make_caller(kind, _settings(hostile.url, kind, timeout=2.0, total_timeout=1.0))
    assert await caller.stream_body(GET) == Success(b"data")


@pytest.mark.parametrize("kind", KINDS)
async def test_a_retry_after_past_the_deadline_is_not_waited_for(
    kind: str, server: FakeCivitai, make_caller: Callable[..., Caller]
) -> None:
    caller = make_caller(kind, _settings(server.url, kind, total_timeout=10.0))
    server.faults.add(Fault.status(503, retry_after="60"), path="/api/v1/models", times=3)
    result = await caller.send(GET)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.SERVICE_UNAVAILABLE
    assert result.error.retry_after == timedelta(seconds=60)
    assert caller.sleeps == [] and len(server.requests) == 1


def test_a_held_call_gets_its_own_read_timeout_as_deadline() -> None:
    core = HttpCore(ClientSettings(base_url="https://civitai.com", timeout=30, total_timeout=300))
    held = core.exchange(ApiRequest("POST", "/v2/consumer/workflows", timeout=630))
    plain = core.exchange(ApiRequest("GET", "/api/v1/models"))
    first, second = next(held), next(plain)
    assert isinstance(first, Send) and isinstance(second, Send)
    assert 629 < first.budget <= 630 and 299 < second.budget <= 300
    held.close()
    plain.close()


def test_the_last_seconds_lower_the_read_timeout() -> None:
    now = [0.0]
    core = HttpCore(ClientSettings(base_url="https://civitai.com", timeout=30, total_timeout=40), clock=lambda: now[0])
    call = core.exchange(ApiRequest("GET", "/api/v1/models"))
    first = next(call)
    assert isinstance(first, Send) and first.request.extensions.get("timeout", {}).get("read", 30) == 30
    now[0] = 35.0
    retry = call.send(httpx.ConnectError("refused"))  # a sleep before the retry ...
    second = call.send(None)  # ... then the second attempt, with 5 s left
    assert retry.__class__.__name__ == "Sleep" and isinstance(second, Send)
    assert second.request.extensions["timeout"]["read"] == pytest.approx(5.0)
    call.close()


# ---------------------------------------------------------------------------------------------- 4. size limit


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """300 MB of JSON whitespace, gzipped to about 300 KB (one compressed block repeated: no 300 MB to deflate)."""
    return compression_bomb("gzip", 300 << 20, prefix=b"[", suffix=b"]", fill=b" ").read_all()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_gzip_bomb_stops_at_max_response_bytes_with_little_memory(
    kind: str, gzip_bomb: bytes, raw_server: RawServerFactory, make_caller: Callable[..., Caller]
) -> None:
    assert len(gzip_bomb) < 1_000_000
    hostile = raw_server(_answer("200 OK", gzip_bomb, "Content-Encoding: gzip", "Content-Type: application/json"))
    caller = make_caller(kind, _settings(hostile.url, kind, max_response_bytes=8 * 1024 * 1024))
    tracemalloc.start()
    try:
        result = await caller.send_json(GET)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result, Failure) and result.error.code == ErrorCode.DESERIALIZATION_FAILED
    assert "MaxResponseBytes" in result.error.message and "8388608" in result.error.message
    assert peak < 100 * 1024 * 1024
    assert len(hostile.requests) == 1  # a too-large body is not fetched again


def test_the_default_limit_also_bounds_memory(gzip_bomb: bytes, raw_server: RawServerFactory) -> None:
    hostile = raw_server(_answer("200 OK", gzip_bomb, "Content-Encoding: gzip", "Content-Type: application/json"))
    with HttpClient(_settings(hostile.url)) as client:
        tracemalloc.start()
        try:
            result = client.send(GET)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert isinstance(result, Failure) and "MaxResponseBytes" in result.error.message
    assert peak < 100 * 1024 * 1024  # the 64 MiB kept and a 1 MiB inflate step: never the 300 MB


def _deflate(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


PAYLOAD = b'{"items": [' + b",".join(b'{"id": %d, "name": "model %d"}' % (i, i) for i in range(50_000)) + b"]}"
ENCODED = {
    "gzip": _deflate(PAYLOAD, 31),
    "x-gzip": _deflate(PAYLOAD, 31),
    "deflate": _deflate(PAYLOAD, 15),  # zlib-wrapped, as the RFC says
    "Deflate": _deflate(PAYLOAD, -15),  # raw deflate, as many servers send it
    "identity": PAYLOAD,
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("coding", sorted(ENCODED))
async def test_compressed_bodies_are_decoded_in_full(
    kind: str, coding: str, raw_server: RawServerFactory, make_caller: Callable[..., Caller]
) -> None:
    hostile = raw_server(
        _answer("200 OK", ENCODED[coding], f"Content-Encoding: {coding}", "Content-Type: application/json")
    )
    caller = make_caller(kind, _settings(hostile.url, kind))
    result = await caller.send_json(GET)
    assert isinstance(result, Success) and len(result.value["items"]) == 50_000
    assert b"accept-encoding: gzip, deflate" in hostile.requests[0].lower()


def test_a_body_read_before_the_driver_is_held_to_the_limit_too() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"items": ["x" * 2000]}))
    settings = ClientSettings(base_url="http://127.0.0.1:9", max_response_bytes=1000)
    with HttpClient(settings, transport=transport) as client:
        result = client.send(GET)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.DESERIALIZATION_FAILED
    assert "MaxResponseBytes" in result.error.message


@pytest.mark.parametrize("kind", KINDS)
async def test_an_endless_error_body_is_cut(
    kind: str, raw_server: RawServerFactory, make_caller: Callable[..., Caller]
) -> None:
    def endless(peer: Peer) -> None:
        peer.send(_head("503 Service Unavailable", "Transfer-Encoding: chunked", "Content-Type: text/plain"))
        chunk = b"overloaded " * 1000
        while True:
            peer.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    hostile = raw_server(answering(endless))
    caller = make_caller(kind, _settings(hostile.url, kind, retry=RetryPolicy(max_retries=0)))
    for call in (caller.send, caller.stream_body):
        result = await call(GET)
        assert isinstance(result, Failure) and result.error.code == ErrorCode.SERVICE_UNAVAILABLE
        assert result.error.message.startswith("overloaded")


# ---------------------------------------------------------------------------------------------- 5. retries


@answering
def _reset(peer: Peer) -> None:
    peer.reset()


@answering
def _truncated(peer: Peer) -> None:
    peer.send(_head("200 OK", "Content-Length: 100", "Content-Type: application/json") + b'{"items"')


@answering
def _stalled_body(peer: Peer) -> None:
    peer.send(_head("200 OK", "Content-Length: 100", "Content-Type: application/json") + b"{")
    peer.pause(1.0)


SCRIPTS: dict[str, Behaviour] = {
    "503": _answer("503 Service Unavailable", b'{"error":"busy"}', "Content-Type: application/json"),
    "reset": _reset,
    "truncated": _truncated,
    "stalled body": _stalled_body,
    "garbage status": answering(lambda peer: peer.send(b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n")),
    "no answer": answering(lambda peer: None),
}


@pytest.mark.parametrize(("kind", "script"), [(kind, name) for kind in KINDS for name in sorted(SCRIPTS)])
async def test_at_most_one_plus_max_retries_sends(
    kind: str, script: str, raw_server: RawServerFactory, make_caller: Callable[..., Caller]
) -> None:
    hostile = raw_server(SCRIPTS[script])
    caller = make_caller(kind, _settings(hostile.url, kind, timeout=0.3))
    result = await caller.send_json(GET)
    assert isinstance(result, Failure)
    assert len(hostile.requests) == 3, result.error  # 1 + MaxRetries (2)
    assert len(caller.sleeps) == 2


def test_the_core_asks_for_at_most_one_plus_max_retries_sends() -> None:
    core = HttpCore(ClientSettings(base_url="https://civitai.com", retry=RetryPolicy(max_retries=4)))
    outcomes: list[Any] = [
        httpx.ConnectError("x"),
        httpx.ReadTimeout("x"),
        ValueError("x"),
        OverflowError("x"),
        httpx.RemoteProtocolError("x"),
        httpx.ConnectError("x"),
        httpx.ConnectError("x"),
    ]
    call = core.exchange(ApiRequest("GET", "/api/v1/models"))
    sends, outcome = 0, None
    with pytest.raises(StopIteration) as stop:
        while True:
            action = call.send(outcome)
            outcome = outcomes[sends] if isinstance(action, Send) else None
            sends += isinstance(action, Send)
    assert sends == 5 and isinstance(stop.value.value, Failure)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_post_without_an_idempotency_key_is_sent_once(
    kind: str, raw_server: RawServerFactory, make_caller: Callable[..., Caller]
) -> None:
    hostile = raw_server(_reset)
    caller = make_caller(kind, _settings(hostile.url, kind))
    result = await caller.send(ApiRequest("POST", "/v2/consumer/workflows", json={"steps": []}))
    assert isinstance(result, Failure) and len(hostile.requests) == 1


# ---------------------------------------------------------------------------------------------- 6. breaker


def _half_open_core(threshold: int = 1) -> tuple[HttpCore, list[float]]:
    now = [0.0]
    core = HttpCore(
        ClientSettings(
            base_url="https://civitai.com",
            breaker_threshold=threshold,
            breaker_reset_seconds=30,
            retry=RetryPolicy(max_retries=0),
        ),
        clock=lambda: now[0],
    )
    assert core.breaker is not None
    core.breaker.record_failure()
    now[0] = 31.0
    return core, now


@pytest.mark.parametrize("ending", ["close", "throw", "cancel", "interrupt"])
def test_a_probe_that_ends_without_an_answer_frees_the_probe_slot(ending: str) -> None:
    core, _ = _half_open_core()
    assert core.breaker is not None
    probe = core.exchange(ApiRequest("GET", "/api/v1/models"))
    assert isinstance(next(probe), Send)
    blocked = core.exchange(ApiRequest("GET", "/api/v1/models"))
    with pytest.raises(StopIteration) as stop:
        next(blocked)
    assert stop.value.value.error.code == ErrorCode.CIRCUIT_OPEN  # one probe at a time
    thrown = {"throw": RuntimeError("boom"), "cancel": asyncio.CancelledError(), "interrupt": KeyboardInterrupt()}
    if ending == "close":
        probe.close()
    else:
        with pytest.raises(type(thrown[ending])):
            probe.throw(thrown[ending])
    after = core.exchange(ApiRequest("GET", "/api/v1/models"))
    assert isinstance(next(after), Send)  # the next call may probe
    after.close()


def test_a_probe_interrupted_by_ctrl_c_in_the_sync_driver(server: FakeCivitai) -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("SIGINT is delivered to the main thread")
    now = [0.0]
    settings = _settings(server.url, breaker_threshold=1, breaker_reset_seconds=30, retry=RetryPolicy(max_retries=0))
    main = threading.get_ident()
    released = threading.Event()  # the slow answer is held until the test is done (not a fixed sleep)
    landed: list[str] = []  # where each Ctrl-C interrupted the main thread: what a failure needs to say

    def ctrl_c(signum: int, frame: FrameType | None) -> None:
        landed.append("".join(traceback.format_stack(frame, limit=6)))
        raise KeyboardInterrupt

    @server.route("GET", "/api/v1/slow")
    def slow(request: FakeRequest) -> FakeResponse:
        signal.pthread_kill(main, signal.SIGINT)  # Ctrl-C while the client waits for this answer
        released.wait(2)
        return FakeResponse.json({})

    python_handler = signal.signal(signal.SIGINT, ctrl_c)  # whatever this process inherited, Ctrl-C raises
    try:
        with HttpClient(settings, clock=lambda: now[0]) as client:
            server.faults.add(Fault.status(500), path="/api/v1/models")
            assert client.send(GET).is_failure
            now[0] = 31.0
            with pytest.raises(KeyboardInterrupt):
                answer = client.send(ApiRequest("GET", "/api/v1/slow"))
                pytest.fail(f"the call returned {answer!r}; Ctrl-C landed at:\n" + "\n".join(landed))
            assert client.send(GET).is_success  # probing again, and the healthy server closes the breaker
            assert client.send(GET).is_success
    finally:
        signal.signal(signal.SIGINT, python_handler)
        released.set()


@pytest.mark.parametrize("kind", ["async", "aiohttp"])
async def test_a_probe_cancelled_in_the_async_driver(kind: str, server: FakeCivitai) -> None:
    now = [0.0]
    reached = threading.Event()
    released = threading.Event()  # the slow answer is held until the test is done (not a fixed sleep)

    @server.route("GET", "/api/v1/slow")
    def slow(request: FakeRequest) -> FakeResponse:
        reached.set()
        released.wait(2)
        return FakeResponse.json({})

    settings = _settings(
        server.url, kind, breaker_threshold=1, breaker_reset_seconds=30, retry=RetryPolicy(max_retries=0)
    )
    async with AsyncHttpClient(settings, clock=lambda: now[0]) as client:
        server.faults.add(Fault.status(500), path="/api/v1/models")
        assert (await client.send(GET)).is_failure
        now[0] = 31.0
        task = asyncio.create_task(client.send(ApiRequest("GET", "/api/v1/slow")))
        assert await asyncio.to_thread(reached.wait, HANG_BOUND)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await client.send(GET)).is_success
        assert (await client.send(GET)).is_success
    released.set()


# ---------------------------------------------------------------------------------------------- 7. any exception


GARBAGE_HEADS = {
    "bad status": b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
    "negative length": b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
    "huge length": b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
    "NUL in a header": b"HTTP/1.1 200 OK\r\nX\x00Y: 1\r\nContent-Length: 0\r\n\r\n",
    "bad location": b"HTTP/1.1 302 Found\r\nLocation: http://[::1/x\r\nContent-Length: 0\r\n\r\n",
    "bad gzip": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
    "not http": b"\x00\x01garbage\r\n\r\n",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(GARBAGE_HEADS))
async def test_garbage_from_the_wire_is_a_failure_never_an_exception(
    kind: str, name: str, raw_server: RawServerFactory, make_caller: Callable[..., Caller]
) -> None:
    payload = GARBAGE_HEADS[name]
    hostile = raw_server(answering(lambda peer: peer.send(payload)))
    caller = make_caller(kind, _settings(hostile.url, kind, retry=RetryPolicy(max_retries=0)))
    for call in (caller.send, caller.send_json, caller.stream_body):
        result = await call(GET)
        assert isinstance(result, Failure), name
        assert result.error.code in (ErrorCode.HTTP_ERROR, ErrorCode.INVALID_URL), result.error


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/x?token=tok-abcdef123",
        "http://127.0.0.1:70000/x?token=tok-abcdef123",
        "http://127.0.0.1/x\x00y?token=tok-abcdef123",
        "ftp://127.0.0.1/x?token=tok-abcdef123",
    ],
)
async def test_a_malformed_server_supplied_url_is_invalid_url(
    kind: str, url: str, server: FakeCivitai, make_caller: Callable[..., Caller]
) -> None:
    caller = make_caller(kind, _settings(server.url, kind))
    result = await caller.send(ApiRequest("GET", url))
    assert isinstance(result, Failure) and result.error.code == ErrorCode.INVALID_URL
    assert "127.0.0.1" in result.error.message or "::1" in result.error.message
    assert "tok-abcdef123" not in result.error.message and "token=***" in result.error.message
    assert len(server.requests) == 0


class _Raising(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport that raises what a hostile header or a library bug can make httpx's stack raise
    (a loopback server cannot make httpx raise these)."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise self.exc

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ValueError("bad header"), ErrorCode.HTTP_ERROR),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"), ErrorCode.HTTP_ERROR),
        (OverflowError("too big"), ErrorCode.HTTP_ERROR),
        (httpx.InvalidURL("bad url"), ErrorCode.INVALID_URL),
        (httpx.ReadTimeout("slow"), ErrorCode.TIMEOUT),
        (TimeoutError("raw socket timeout"), ErrorCode.TIMEOUT),
        (RuntimeError("h2 state"), ErrorCode.HTTP_ERROR),
    ],
)
async def test_any_transport_exception_becomes_a_typed_failure(exc: Exception, code: ErrorCode) -> None:
    settings = ClientSettings(base_url="http://127.0.0.1:9", retry=RetryPolicy(max_retries=0))
    with HttpClient(settings, transport=_Raising(exc)) as sync:
        results = [sync.send(GET), sync.send_json(GET, lambda p: p)]
        with sync.stream(GET) as streamed:
            results.append(streamed)
    async with AsyncHttpClient(settings, transport=_Raising(exc)) as aio:
        results += [await aio.send(GET), await aio.send_json(GET, lambda p: p)]
        async with aio.stream(GET) as astreamed:
            results.append(astreamed)
    for result in results:
        assert isinstance(result, Failure) and result.error.code == code


# ---------------------------------------------------------------------------------------------- 8. plain http


def _build(base_url: str, path: str = "/api/v1/models", **request: Any) -> list[warnings.WarningMessage]:
    core = HttpCore(ClientSettings(base_url=base_url, token=SecretStr(KEY)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert isinstance(core.build(ApiRequest("GET", path, **request)), httpx.Request)
    return [w for w in caught if issubclass(w.category, InsecureTransportWarning)]


def test_a_key_over_plain_http_to_another_host_warns_once_per_host(caplog: pytest.LogCaptureFixture) -> None:
    assert issubclass(InsecureTransportWarning, UserWarning)
    host = f"api-{os.getpid()}-{id(caplog)}.example.test"
    with caplog.at_level(logging.WARNING, logger="civitai_kit"):
        first = _build(f"http://{host}")
    assert len(first) == 1 and host in str(first[0].message) and KEY not in str(first[0].message)
    assert any(host in record.getMessage() for record in caplog.records)
    assert _build(f"http://{host}") == []  # once per host
    assert len(_build(f"http://other-{host}")) == 1


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8080", "http://127.8.9.10", "http://[::1]:9000", "http://localhost:3000", "https://civitai.com"],
)
def test_no_warning_for_loopback_or_https(base_url: str) -> None:
    assert _build(base_url) == []


def test_no_warning_when_no_key_is_sent() -> None:
    host = f"nokey-{os.getpid()}.example.test"
    assert _build(f"http://{host}", auth=False) == []


# ---------------------------------------------------------------------------------------------- 9. redaction


@pytest.mark.parametrize("kind", KINDS)
async def test_an_echoed_key_and_a_token_url_appear_nowhere(
    kind: str, server: FakeCivitai, make_caller: Callable[..., Caller], caplog: pytest.LogCaptureFixture
) -> None:
    url_token = "urltok-9876543210fedcba"

    @server.route("GET", "/api/v1/echo")
    def echo(request: FakeRequest) -> FakeResponse:
        seen = request.headers.get("authorization", "")
        body = {
            "error": f"Invalid credentials: {seen}",
            "message": f"Rejected {request.target}",
            "echo": {"headers": {"authorization": seen}, "url": request.target},
        }
        return FakeResponse.json(body, status=400)

    caplog.set_level(logging.DEBUG, logger="civitai_kit")
    caplog.set_level(logging.INFO, logger="httpx")
    caller = make_caller(kind, _settings(server.url, kind))
    request = ApiRequest("GET", f"/api/v1/echo?token={url_token}")
    result = await caller.send(request)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.BAD_REQUEST
    assert KEY in server.requests[0].headers["authorization"]  # it was sent, and echoed
    with pytest.raises(Exception) as raised:
        result.unwrap()
    texts = [
        str(result),
        repr(result),
        str(result.error),
        repr(result.error),
        str(result.error.details),
        str(raised.value),
        repr(raised.value),
        *_chain(raised.value),
        caplog.text,
        *(record.getMessage() for record in caplog.records),
    ]
    for text in texts:
        assert KEY not in text and url_token not in text
    assert any("GET" in record.getMessage() and "token=***" in record.getMessage() for record in caplog.records)


def _chain(exc: BaseException | None) -> list[str]:
    texts: list[str] = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        texts += [str(exc), repr(exc)]
        error = getattr(exc, "error", None)
        cause = getattr(error, "cause", None)
        exc = cause or exc.__cause__ or exc.__context__
    return texts


def test_a_key_echoed_into_a_parse_failure_is_scrubbed(server: FakeCivitai, caplog: pytest.LogCaptureFixture) -> None:
    @server.route("GET", "/api/v1/whoami")
    def whoami(request: FakeRequest) -> FakeResponse:
        return FakeResponse.json({"items": request.headers.get("authorization", "")})

    def parse(payload: Any) -> list[int]:
        if not isinstance(payload["items"], list):
            raise ValueError(f"items must be a list, got {payload['items']!r}")
        return payload["items"]

    caplog.set_level(logging.DEBUG, logger="civitai_kit")
    with HttpClient(_settings(server.url)) as client:
        result = client.send_json(ApiRequest("GET", "/api/v1/whoami"), parse)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.DESERIALIZATION_FAILED
    with pytest.raises(ResponseParseError) as raised:
        result.unwrap()
    assert all(KEY not in text for text in [str(result), repr(result), *_chain(raised.value), caplog.text])
