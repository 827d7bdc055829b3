"""The sync and async HTTP clients over real loopback HTTP against the fake Civitai: retries, faults, auth."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, HttpClient, RetryPolicy, encode_query
from civitai_kit.errors import ApiConnectionError, ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse, Fault

KEY = "sk-test-abcdef0123456789"


class Twin:
    """One face for both clients so every test runs against sync and async alike."""

    def __init__(self, kind: str, settings: ClientSettings) -> None:
        self.kind = kind
        self.sleeps: list[float] = []

        async def async_sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        self.sync = HttpClient(settings, sleep=self.sleeps.append) if kind == "sync" else None
        self.aio = AsyncHttpClient(settings, sleep=async_sleep) if kind == "async" else None

    async def send(self, request: ApiRequest) -> Result[Any]:
        if self.sync is not None:
            return await asyncio.to_thread(self.sync.send, request)
        assert self.aio is not None
        return await self.aio.send(request)

    async def send_json(self, request: ApiRequest) -> Result[Any]:
        if self.sync is not None:
            return await asyncio.to_thread(self.sync.send_json, request, lambda p: p)
        assert self.aio is not None
        return await self.aio.send_json(request, lambda p: p)

    async def stream_body(self, request: ApiRequest) -> Result[bytes]:
        if self.sync is not None:
            sync = self.sync

            def read() -> Result[bytes]:
                with sync.stream(request) as result:
                    return result.map(lambda r: b"".join(r.iter_bytes(4096)))

            return await asyncio.to_thread(read)
        assert self.aio is not None
        async with self.aio.stream(request) as result:
            if isinstance(result, Failure):
                return result
            return Success(b"".join([chunk async for chunk in result.value.aiter_bytes(4096)]))

    async def close(self) -> None:
        if self.sync is not None:
            self.sync.close()
        if self.aio is not None:
            await self.aio.aclose()


@pytest.fixture
def server() -> Iterator[FakeCivitai]:
    with FakeCivitai() as fake:

        @fake.route("GET", "/api/v1/models")
        def models(request: FakeRequest) -> FakeResponse:
            return FakeResponse.json({"items": [{"id": 1}], "metadata": {}})

        @fake.route("POST", "/v2/consumer/workflows")
        def submit(request: FakeRequest) -> FakeResponse:
            return FakeResponse.json({"id": "wf-1"})

        @fake.route("GET", "/api/download/models/{id}")
        def download(request: FakeRequest) -> FakeResponse:
            return FakeResponse.redirect(fake.url_for_host("localhost") + "/storage/file.bin?sig=abc")

        @fake.route("GET", "/api/v1/self-redirect")
        def self_redirect(request: FakeRequest) -> FakeResponse:
            return FakeResponse.redirect(fake.url + "/api/v1/models")

        @fake.route("GET", "/storage/file.bin")
        def storage(request: FakeRequest) -> FakeResponse:
            return FakeResponse.bytes(b"\x00\x01" * 5000, content_type="application/octet-stream")

        yield fake


def _settings(server: FakeCivitai, **overrides: Any) -> ClientSettings:
    values: dict[str, Any] = {
        "base_url": server.url,
        "token": SecretStr(KEY),
        "token_source": "environment variable CIVITAI_API_KEY",
        "timeout": 5.0,
        "retry": RetryPolicy(max_retries=3, base_delay=0.5, max_delay=30, max_retry_after=120),
    }
    values.update(overrides)
    return ClientSettings(**values)


@pytest.fixture(params=["sync", "async"])
async def twin(request: pytest.FixtureRequest, server: FakeCivitai) -> AsyncIterator[Twin]:
    client = Twin(request.param, _settings(server))
    yield client
    await client.close()


def _twin(kind: str, settings: ClientSettings) -> Twin:
    return Twin(kind, settings)


GET_MODELS = ApiRequest("GET", "/api/v1/models", params=encode_query({"limit": 1, "types": ["LORA", "VAE"]}))


async def test_success_sends_key_user_agent_and_repeated_query_keys(twin: Twin, server: FakeCivitai) -> None:
    result = await twin.send_json(GET_MODELS)
    assert result == Success({"items": [{"id": 1}], "metadata": {}})
    (seen,) = server.requests
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert seen.headers["user-agent"].startswith("civitai-kit/")
    assert seen.query_items == (("limit", "1"), ("types", "LORA"), ("types", "VAE"))
    assert KEY not in seen.target


async def test_a_calls_own_headers_win_and_stay_its_own(twin: Twin, server: FakeCivitai) -> None:
    """The headers every request carries are built once per client: a call's own replace them for that call
    only, and the next call gets the common ones again."""
    own = ApiRequest("GET", "/api/v1/models", headers=(("Accept", "text/plain"), ("X-Trace", "one")))
    assert isinstance(await twin.send(own), Success)
    assert isinstance(await twin.send(GET_MODELS), Success)
    first, second = server.requests
    assert (first.headers["accept"], first.headers["x-trace"]) == ("text/plain", "one")
    assert second.headers["accept"] == "application/json"
    assert "x-trace" not in second.headers
    assert first.headers["accept-encoding"] == second.headers["accept-encoding"] == "gzip, deflate"


async def test_transient_statuses_are_retried_with_retry_after(twin: Twin, server: FakeCivitai) -> None:
    server.faults.sequence(
        "/api/v1/models",
        [
            Fault.status(503, body={"error": "Server busy, please retry shortly."}, retry_after="2"),
            Fault.status(429, body={"error": "Slow down"}, retry_after="1"),
            Fault.status(502),
        ],
    )
    result = await twin.send_json(GET_MODELS)
    assert result.is_success
    assert len(server.requests) == 4
    assert twin.sleeps[:2] == [2.0, 1.0]
    assert 1.5 <= twin.sleeps[2] <= 2.0  # third attempt: 0.5 * 2**2, jittered to 75-100 %


async def test_retry_after_as_http_date(twin: Twin, server: FakeCivitai) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.faults.add(Fault.status(503, retry_after=when), path="/api/v1/models")
    assert (await twin.send(GET_MODELS)).is_success
    assert 25 <= twin.sleeps[0] <= 30


async def test_gives_up_after_max_retries_with_civitais_message(twin: Twin, server: FakeCivitai) -> None:
    server.faults.add(
        Fault.status(503, body={"error": "Image search is temporarily overloaded — please retry."}),
        path="/api/v1/models",
        times=10,
    )
    result = await twin.send(GET_MODELS)
    assert isinstance(result, Failure)
    assert result.error.code == ErrorCode.SERVICE_UNAVAILABLE
    assert result.error.message == "Image search is temporarily overloaded — please retry."
    assert len(server.requests) == 4  # 1 + 3 retries


async def test_retry_after_longer_than_the_cap_is_not_waited_for(server: FakeCivitai) -> None:
    client = Twin("sync", _settings(server, retry=RetryPolicy(max_retries=3, max_retry_after=10)))
    server.faults.add(Fault.status(429, body={"error": "Rate limited"}, retry_after="600"), path="/api/v1/models")
    result = await client.send(GET_MODELS)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.RATE_LIMITED
    assert result.error.retry_after == timedelta(seconds=600)
    assert client.sleeps == [] and len(server.requests) == 1
    await client.close()


async def test_too_many_pages_is_never_retried(twin: Twin, server: FakeCivitai) -> None:
    body = {"error": "You've requested too many pages, please use cursors instead"}
    server.faults.add(Fault.status(429, body=body), path="/api/v1/models", times=5)
    result = await twin.send(GET_MODELS)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.RATE_LIMITED
    assert len(server.requests) == 1 and twin.sleeps == []


async def test_post_is_not_retried_without_an_idempotency_key(twin: Twin, server: FakeCivitai) -> None:
    server.faults.add(Fault.status(503), path="/v2/consumer/workflows", times=5)
    result = await twin.send(ApiRequest("POST", "/v2/consumer/workflows", json={"steps": []}))
    assert isinstance(result, Failure) and result.error.code == ErrorCode.SERVICE_UNAVAILABLE
    assert len(server.requests) == 1


async def test_post_with_an_idempotency_key_is_retried(twin: Twin, server: FakeCivitai) -> None:
    server.faults.add(Fault.status(503), path="/v2/consumer/workflows", times=2)
    request = ApiRequest("POST", "/v2/consumer/workflows", json={"externalId": "job-7"}, idempotency_key="job-7")
    result = await twin.send_json(request)
    assert result == Success({"id": "wf-1"})
    assert len(server.requests) == 3
    assert {r.headers.get("idempotency-key") for r in server.requests} == {"job-7"}


async def test_connection_reset_is_retried(twin: Twin, server: FakeCivitai) -> None:
    server.faults.add(Fault.reset(), path="/api/v1/models", times=2)
    assert (await twin.send_json(GET_MODELS)).is_success
    assert len(twin.sleeps) == 2


async def test_persistent_reset_is_a_connection_error(twin: Twin, server: FakeCivitai) -> None:
    server.faults.add(Fault.reset(), path="/api/v1/models", times=10)
    result = await twin.send(GET_MODELS)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.HTTP_ERROR
    assert isinstance(result.error.to_exception(), ApiConnectionError)


async def test_truncated_body_is_retried_then_fails_cleanly(twin: Twin, server: FakeCivitai) -> None:
    server.faults.add(Fault.truncate(5), path="/api/v1/models", times=10)
    result = await twin.send_json(GET_MODELS)
    assert isinstance(result, Failure)
    assert result.error.code in (ErrorCode.HTTP_ERROR, ErrorCode.DESERIALIZATION_FAILED)
    assert len(server.requests) == 4


async def test_slow_response_times_out(server: FakeCivitai) -> None:
    for kind in ("sync", "async"):
        client = Twin(kind, _settings(server, timeout=0.3, retry=RetryPolicy(max_retries=0)))
        server.faults.add(Fault.delay(1.5), path="/api/v1/models")
        result = await client.send(GET_MODELS)
        assert isinstance(result, Failure) and result.error.code == ErrorCode.TIMEOUT, kind
        assert "timed out" in result.error.message
        await client.close()


async def test_cloudflare_page_and_error_body_with_200(twin: Twin, server: FakeCivitai) -> None:
    server.faults.add(Fault.cloudflare(522), path="/api/v1/models", times=4)
    cloudflare = await twin.send(GET_MODELS)
    assert isinstance(cloudflare, Failure) and cloudflare.error.code == ErrorCode.CLOUDFLARE_ERROR
    server.faults.add(Fault.json(200, {"error": "No model with id 99"}), path="/api/v1/models")
    error_200 = await twin.send_json(GET_MODELS)
    assert isinstance(error_200, Failure) and error_200.error.code == ErrorCode.NOT_FOUND
    assert error_200.error.message == "No model with id 99"


async def test_empty_and_garbled_bodies_are_parse_failures(twin: Twin, server: FakeCivitai) -> None:
    server.faults.add(Fault.respond(FakeResponse.bytes(b"", content_type="application/json")), path="/api/v1/models")
    empty = await twin.send_json(GET_MODELS)
    assert isinstance(empty, Failure) and empty.error.code == ErrorCode.EMPTY_RESPONSE
    server.faults.add(
        Fault.respond(FakeResponse.text('{"items": [', content_type="application/json")), path="/api/v1/models"
    )
    garbled = await twin.send_json(GET_MODELS)
    assert isinstance(garbled, Failure) and garbled.error.code == ErrorCode.DESERIALIZATION_FAILED


async def test_parse_errors_become_failures(twin: Twin, server: FakeCivitai) -> None:
    def parse(payload: Any) -> int:
        return int(payload["items"][0]["missing"])

    if twin.sync is not None:
        result = await asyncio.to_thread(twin.sync.send_json, GET_MODELS, parse)
    else:
        assert twin.aio is not None
        result = await twin.aio.send_json(GET_MODELS, parse)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.DESERIALIZATION_FAILED


async def test_key_is_not_forwarded_to_another_host_on_redirect(twin: Twin, server: FakeCivitai) -> None:
    body = await twin.stream_body(ApiRequest("GET", "/api/download/models/42", timeout=60))
    assert body == Success(b"\x00\x01" * 5000)
    first, second = server.requests
    assert first.headers.get("authorization") == f"Bearer {KEY}"
    assert second.host.startswith("localhost") and "authorization" not in second.headers


async def test_key_is_kept_on_a_same_host_redirect(twin: Twin, server: FakeCivitai) -> None:
    assert (await twin.send_json(ApiRequest("GET", "/api/v1/self-redirect"))).is_success
    assert all(r.headers.get("authorization") == f"Bearer {KEY}" for r in server.requests)


async def test_absolute_url_on_another_host_never_gets_the_key(twin: Twin, server: FakeCivitai) -> None:
    other = server.url_for_host("localhost") + "/api/v1/models"
    assert (await twin.send(ApiRequest("GET", other))).is_success
    assert "authorization" not in server.requests[0].headers


async def test_redirect_can_be_returned_instead_of_followed(twin: Twin, server: FakeCivitai) -> None:
    result = await twin.send(ApiRequest("GET", "/api/download/models/42", follow_redirects=False))
    assert isinstance(result, Success) and result.value.status == 307
    assert result.value.headers["location"].startswith(server.url_for_host("localhost"))


async def test_streamed_error_is_mapped(twin: Twin, server: FakeCivitai) -> None:
    server.faults.add(
        Fault.json(401, {"error": "Unauthorized", "message": "The creator of this asset has disabled downloads"}),
        path="/api/download/models/42",
    )
    result = await twin.stream_body(ApiRequest("GET", "/api/download/models/42"))
    assert isinstance(result, Failure) and result.error.code == ErrorCode.UNAUTHORIZED
    assert result.error.message.startswith("The creator of this asset has disabled downloads")


async def test_unauthorized_names_the_source_never_the_key(
    twin: Twin, server: FakeCivitai, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="civitai_kit")
    server.faults.add(Fault.json(401, {"error": "Unauthorized"}), path="/api/v1/models")
    result = await twin.send(GET_MODELS)
    assert isinstance(result, Failure) and result.error.code == ErrorCode.UNAUTHORIZED
    message = result.error.message
    assert message.startswith("Unauthorized")
    assert "environment variable CIVITAI_API_KEY" in message and "revoked" in message
    texts = [message, str(result.error), repr(result), str(result.error.to_exception()), caplog.text]
    assert all(KEY not in text for text in texts)
    assert "GET http://127.0.0.1" in caplog.text


async def test_unauthorized_without_a_key_says_how_to_set_one(server: FakeCivitai) -> None:
    client = Twin("async", _settings(server, token=None, token_hint="CIVITAI_API_KEY or user secrets"))
    server.faults.add(Fault.json(401, {"error": "Unauthorized"}), path="/api/v1/models")
    result = await client.send(GET_MODELS)
    assert isinstance(result, Failure) and "No API key is configured" in result.error.message
    assert "authorization" not in server.requests[0].headers
    await client.close()


async def test_auth_false_never_sends_the_key(twin: Twin, server: FakeCivitai) -> None:
    await twin.send(ApiRequest("GET", "/api/v1/models", auth=False))
    assert "authorization" not in server.requests[0].headers


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_circuit_breaker_fails_fast_once_open(kind: str, server: FakeCivitai) -> None:
    settings = _settings(server, breaker_threshold=2, breaker_reset_seconds=60, retry=RetryPolicy(max_retries=0))
    client = Twin(kind, settings)
    server.faults.add(Fault.status(500), path="/api/v1/models", times=2)
    for _ in range(2):
        assert (await client.send(GET_MODELS)).is_failure
    blocked = await client.send(GET_MODELS)
    assert isinstance(blocked, Failure) and blocked.error.code == ErrorCode.CIRCUIT_OPEN
    assert "circuit breaker is open" in blocked.error.message
    assert len(server.requests) == 2  # the third call never left the process
    await client.close()


def test_breaker_half_opens_after_the_reset_time(server: FakeCivitai) -> None:
    now = [0.0]
    settings = _settings(server, breaker_threshold=1, breaker_reset_seconds=30, retry=RetryPolicy(max_retries=0))
    with HttpClient(settings, clock=lambda: now[0], sleep=lambda s: None) as client:
        server.faults.add(Fault.status(500), path="/api/v1/models")
        assert client.send(GET_MODELS).is_failure
        assert isinstance(client.send(GET_MODELS), Failure)
        now[0] = 31.0
        assert client.send(GET_MODELS).is_success  # the probe succeeds and closes the breaker
        assert client.send(GET_MODELS).is_success


def test_pacer_sleeps_between_requests(server: FakeCivitai) -> None:
    slept: list[float] = []
    settings = _settings(server, requests_per_second=10.0)
    with HttpClient(settings, sleep=slept.append, clock=lambda: 0.0) as client:
        for _ in range(3):
            assert client.send(GET_MODELS).is_success
    assert slept == pytest.approx([0.1, 0.2])


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_max_concurrency_caps_requests_in_flight(kind: str, server: FakeCivitai) -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    @server.route("GET", "/api/v1/slow")
    def slow(request: FakeRequest) -> FakeResponse:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return FakeResponse.json({})

    settings = _settings(server, max_concurrency=2)
    request = ApiRequest("GET", "/api/v1/slow")
    if kind == "async":
        async with AsyncHttpClient(settings) as aio:
            results = await asyncio.gather(*(aio.send(request) for _ in range(8)))
    else:
        with HttpClient(settings) as sync:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(8) as pool:
                results = list(pool.map(lambda _: sync.send(request), range(8)))
    assert all(r.is_success for r in results)
    assert peak == 2


@pytest.mark.parametrize(
    ("url", "gets_key"),
    [
        ("https://civitai.com/api/v1/models", True),
        ("https://CIVITAI.com/api/download/models/1", True),
        ("http://civitai.com/api/v1/models", False),  # never downgraded to plain http
        ("https://civitai.com:8443/api/v1/models", False),
        ("https://image.civitai.com/x.png", False),
        ("https://civitai.com.evil.example/api", False),
    ],
)
def test_the_key_goes_only_to_the_base_urls_origin(url: str, gets_key: bool) -> None:
    from civitai_kit._http.core import HttpCore

    core = HttpCore(ClientSettings(base_url="https://civitai.com", token=SecretStr(KEY)))
    built = core.build(ApiRequest("GET", url))
    assert isinstance(built, httpx.Request)
    headers = built.headers
    assert ("authorization" in headers) is gets_key
