"""One matrix of hostile wire behaviours, run against every backend: the same bytes give the same Failure code
whether the call went through the sync client, the async client over httpx, or the async client over aiohttp."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from aiohttp import http_parser

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, HttpClient, RetryPolicy
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result

if TYPE_CHECKING:
    from tests.support.raw_server import Peer, RawServerFactory

REQUEST = ApiRequest("GET", "/api/v1/models")
BODY = b'{"items": [], "metadata": {}}'
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"

# Bytes past the declared Content-Length: h11 (httpx) and aiohttp's pure-Python parser return the declared bytes
# (not JSON here); aiohttp's C parser (llhttp) reads the rest of the packet as the next status line and rejects it.
_LLHTTP = http_parser.HttpResponseParser.__module__ == "aiohttp._http_parser"


def _script(data: bytes, end: str) -> Callable[[Peer], None]:
    def behaviour(peer: Peer) -> None:
        if peer.read_request() is None:
            return
        if data:
            peer.send(data)
        {"reset": peer.reset, "close": peer.close, "stall": peer.stall}[end]()

    return behaviour


MATRIX: dict[str, tuple[Callable[[Peer], None], ErrorCode | dict[str, ErrorCode]]] = {
    "reset before the response": (_script(b"", "reset"), ErrorCode.HTTP_ERROR),
    "reset in the headers": (_script(HEAD + b"Content-Len", "reset"), ErrorCode.HTTP_ERROR),
    "reset in the body": (_script(HEAD + b"Content-Length: 100\r\n\r\n" + BODY[:8], "reset"), ErrorCode.HTTP_ERROR),
    "closed before the response": (_script(b"", "close"), ErrorCode.HTTP_ERROR),
    "garbage status line": (_script(b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "close"), ErrorCode.HTTP_ERROR),
    "Content-Length shorter than the body": (
        _script(HEAD + b"Content-Length: 8\r\n\r\n" + BODY, "close"),
        {
            "sync-httpx": ErrorCode.DESERIALIZATION_FAILED,
            "async-httpx": ErrorCode.DESERIALIZATION_FAILED,
            "async-aiohttp": ErrorCode.HTTP_ERROR if _LLHTTP else ErrorCode.DESERIALIZATION_FAILED,
        },
    ),
    "Content-Length longer than the body": (
        _script(HEAD + b"Content-Length: 100\r\n\r\n" + BODY, "close"),
        ErrorCode.HTTP_ERROR,
    ),
    "stall before the response": (_script(b"", "stall"), ErrorCode.TIMEOUT),
    "stall in the body": (_script(HEAD + b"Content-Length: 100\r\n\r\n" + BODY[:8], "stall"), ErrorCode.TIMEOUT),
}

BACKENDS = ["sync-httpx", "async-httpx", "async-aiohttp"]


async def _call(backend: str, url: str) -> Result[Any]:
    settings = ClientSettings(
        base_url=url,
        timeout=1.0,
        retry=RetryPolicy(max_retries=0),
        backend="aiohttp" if backend == "async-aiohttp" else "httpx",
    )
    if backend == "sync-httpx":

        def call() -> Result[Any]:
            with HttpClient(settings) as client:
                return client.send_json(REQUEST, lambda payload: payload)

        return await asyncio.to_thread(call)
    async with AsyncHttpClient(settings) as client:
        return await client.send_json(REQUEST, lambda payload: payload)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("behaviour", list(MATRIX))
async def test_hostile_wire_behaviour_gives_the_same_failure_on_every_backend(
    behaviour: str, backend: str, raw_server: RawServerFactory
) -> None:
    script, expected = MATRIX[behaviour]
    code = expected[backend] if isinstance(expected, dict) else expected
    result = await _call(backend, raw_server(script).url)
    assert isinstance(result, Failure), result
    assert result.error.code == code, result.error.message
    if code in (ErrorCode.HTTP_ERROR, ErrorCode.TIMEOUT):
        assert isinstance(result.error.cause, httpx.HTTPError), repr(result.error.cause)
