"""Every attempt that reaches the server is one the core decided: at most 1 + MaxRetries requests per logical
call, whichever backend sends them (aiohttp on its own resends an idempotent request after a dropped connection).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import pytest

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, RetryPolicy
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure

if TYPE_CHECKING:
    from tests.support.raw_server import Peer, RawServerFactory

MAX_RETRIES = 3


def fail_every_request(data: bytes, end: Literal["reset", "close"]) -> Callable[[Peer], None]:
    """Answer each request on the connection with ``data``, then reset or close it."""

    def behaviour(peer: Peer) -> None:
        if peer.read_request() is None:
            return
        if data:
            peer.send(data)
        peer.reset() if end == "reset" else peer.close()

    return behaviour


PHASES = {
    "reset before the response": fail_every_request(b"", "reset"),
    "closed before the response": fail_every_request(b"", "close"),
    "reset in the status line": fail_every_request(b"HTTP/1.1 2", "reset"),
    "closed in the headers": fail_every_request(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", "close"),
    "closed in the body": fail_every_request(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", "close"),
    "garbage status line": fail_every_request(b"GARBAGE\r\n\r\n", "close"),
}


async def _no_sleep(seconds: float) -> None:
    return None


def _client(url: str, backend: Literal["httpx", "aiohttp"]) -> AsyncHttpClient:
    settings = ClientSettings(
        base_url=url, timeout=5.0, backend=backend, retry=RetryPolicy(max_retries=MAX_RETRIES, base_delay=0.0)
    )
    return AsyncHttpClient(settings, sleep=_no_sleep)


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
@pytest.mark.parametrize("phase", list(PHASES))
async def test_the_server_sees_exactly_one_plus_max_retries_requests(
    phase: str, backend: Literal["httpx", "aiohttp"], raw_server: RawServerFactory
) -> None:
    server = raw_server(PHASES[phase])
    async with _client(server.url, backend) as client:
        result = await client.send(ApiRequest("GET", "/api/v1/models"))
    assert isinstance(result, Failure)
    assert result.error.code == ErrorCode.HTTP_ERROR
    assert len(server.requests) == 1 + MAX_RETRIES


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
async def test_a_request_that_is_not_safe_to_repeat_is_sent_once(
    backend: Literal["httpx", "aiohttp"], raw_server: RawServerFactory
) -> None:
    server = raw_server(PHASES["closed before the response"])
    async with _client(server.url, backend) as client:
        result = await client.send(ApiRequest("POST", "/v2/consumer/workflows", json={}))
    assert isinstance(result, Failure)
    assert len(server.requests) == 1
