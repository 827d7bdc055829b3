"""The aiohttp backend against hostile servers: every failure is a typed ``Failure`` built from an httpx
exception, never an ``aiohttp``/``asyncio`` exception out of the library, and a reset is not a timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import httpx
import pytest

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, RetryPolicy
from civitai_kit._http.aiohttp_transport import _TranslatedStream
from civitai_kit.core import AsyncCivitaiClient
from civitai_kit.errors import ApiConnectionError, ApiTimeoutError, ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure

if TYPE_CHECKING:
    from tests.support.raw_server import Peer, RawServerFactory

REQUEST = ApiRequest("GET", "/api/v1/tags")
BODY = b'{"items": []}'


def ok_head(*headers: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n"


def answer(data: bytes, then: Callable[[Peer], None]) -> Callable[[Peer], None]:
    """Read the request, write ``data``, then end the exchange with ``then`` (reset, close or stall)."""

    def behaviour(peer: Peer) -> None:
        if peer.read_request() is None:
            return
        if data:
            peer.send(data)
        then(peer)

    return behaviour


def reset(peer: Peer) -> None:
    peer.reset()


def close(peer: Peer) -> None:
    peer.close()


def stall(peer: Peer) -> None:
    peer.stall()


def settings(url: str, **values: Any) -> ClientSettings:
    values = {"timeout": 1.0, "retry": RetryPolicy(max_retries=0), "backend": "aiohttp", **values}
    return ClientSettings(base_url=url, **values)


async def send(url: str, request: ApiRequest = REQUEST) -> Failure:
    async with AsyncHttpClient(settings(url)) as client:
        result = await client.send_json(request, lambda payload: payload)
    assert isinstance(result, Failure), result
    return result


CASES = {
    "reset before the response": (answer(b"", reset), ErrorCode.HTTP_ERROR, httpx.ReadError),
    "reset in the headers": (answer(b"HTTP/1.1 200 OK\r\nContent-Ty", reset), ErrorCode.HTTP_ERROR, httpx.ReadError),
    "closed before the response": (answer(b"", close), ErrorCode.HTTP_ERROR, httpx.RemoteProtocolError),
    "garbage status line": (answer(b"HELLO THERE\r\n\r\n", close), ErrorCode.HTTP_ERROR, httpx.RemoteProtocolError),
    "Content-Length longer than the body": (
        answer(ok_head(b"Content-Length: 100") + BODY, close),
        ErrorCode.HTTP_ERROR,
        httpx.RemoteProtocolError,
    ),
    "reset in the body": (
        answer(ok_head(b"Content-Length: 100") + BODY[:5], reset),
        ErrorCode.HTTP_ERROR,
        httpx.RemoteProtocolError,
    ),
    "Content-Length not a number": (
        answer(ok_head(b"Content-Length: abc") + BODY, close),
        ErrorCode.HTTP_ERROR,
        httpx.RemoteProtocolError,
    ),
    "bad chunk size": (
        answer(ok_head(b"Transfer-Encoding: chunked") + b"ZZ\r\nabc\r\n0\r\n\r\n", close),
        ErrorCode.HTTP_ERROR,
        httpx.RemoteProtocolError,
    ),
    "chunked body cut short": (
        answer(ok_head(b"Transfer-Encoding: chunked") + b"64\r\n" + BODY, close),
        ErrorCode.HTTP_ERROR,
        httpx.RemoteProtocolError,
    ),
    "header line without a colon": (
        answer(b"HTTP/1.1 200 OK\r\nBad Header Line\r\nContent-Length: 2\r\n\r\n{}", close),
        ErrorCode.HTTP_ERROR,
        httpx.RemoteProtocolError,
    ),
    "gzip body that is not gzip": (
        answer(ok_head(b"Content-Encoding: gzip", b"Content-Length: 5") + b"abcde", close),
        ErrorCode.HTTP_ERROR,
        httpx.DecodingError,
    ),
    "stall before the response": (answer(b"", stall), ErrorCode.TIMEOUT, httpx.ReadTimeout),
    "stall in the body": (
        answer(ok_head(b"Content-Length: 100") + BODY[:5], stall),
        ErrorCode.TIMEOUT,
        httpx.ReadTimeout,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_a_hostile_answer_is_a_typed_failure_from_an_httpx_exception(
    case: str, raw_server: RawServerFactory
) -> None:
    behaviour, code, exception = CASES[case]
    failure = await send(raw_server(behaviour).url)
    assert failure.error.code == code, failure.error.message
    assert type(failure.error.cause) is exception, repr(failure.error.cause)
    assert "aiohttp" not in type(failure.error.cause).__module__


async def test_content_length_shorter_than_the_body_fails_without_an_aiohttp_exception(
    raw_server: RawServerFactory,
) -> None:
    """aiohttp's C parser rejects the bytes past the declared length as a bad next status line (its pure-Python
    parser, like h11, returns the 5 declared bytes, which are not JSON): either way a typed Failure."""
    failure = await send(raw_server(answer(ok_head(b"Content-Length: 5") + BODY, close)).url)
    assert failure.error.code in (ErrorCode.HTTP_ERROR, ErrorCode.DESERIALIZATION_FAILED)
    if failure.error.code == ErrorCode.HTTP_ERROR:
        assert type(failure.error.cause) is httpx.RemoteProtocolError


async def test_a_refused_connection_is_a_connect_error_not_a_timeout(refused_url: str) -> None:
    failure = await send(refused_url)
    assert failure.error.code == ErrorCode.HTTP_ERROR
    assert type(failure.error.cause) is httpx.ConnectError


@pytest.mark.parametrize(
    ("url", "code", "exception"),
    [
        ("http:///no-host", ErrorCode.INVALID_URL, httpx.InvalidURL),  # refused by the core before sending
        ("http://a..b/empty-label", ErrorCode.HTTP_ERROR, httpx.ConnectError),
    ],
)
async def test_a_url_aiohttp_cannot_use_is_a_typed_failure(
    url: str, code: ErrorCode, exception: type[Exception], refused_url: str
) -> None:
    failure = await send(refused_url, ApiRequest("GET", url))
    assert failure.error.code == code
    assert type(failure.error.cause) is exception


@pytest.mark.parametrize(
    ("then", "raised", "exception"),
    [
        (reset, ApiConnectionError, httpx.RemoteProtocolError),
        (close, ApiConnectionError, httpx.RemoteProtocolError),
        (stall, ApiTimeoutError, httpx.ReadTimeout),
    ],
)
async def test_a_body_that_breaks_while_streaming_raises_the_typed_exception(
    then: Callable[[Peer], None],
    raised: type[ApiConnectionError],
    exception: type[httpx.HTTPError],
    raw_server: RawServerFactory,
) -> None:
    server = raw_server(answer(ok_head(b"Content-Length: 100000") + b"x" * 1000, then))
    async with AsyncHttpClient(settings(server.url)) as client, client.stream(REQUEST) as result:
        response = result.unwrap()
        with pytest.raises(raised) as caught:
            async for _ in response.aiter_bytes(100):
                pass
    assert type(caught.value.error.cause) is exception


async def test_cancelling_a_call_propagates_cancellation(raw_server: RawServerFactory) -> None:
    server = raw_server(answer(b"", stall))
    async with AsyncHttpClient(settings(server.url, timeout=30.0)) as client:
        call = asyncio.ensure_future(client.send(REQUEST))
        await _until(lambda: bool(server.requests))
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call


async def test_the_civitai_client_returns_a_failure_for_a_garbage_status_line(raw_server: RawServerFactory) -> None:
    server = raw_server(answer(b"NOT HTTP AT ALL\r\n\r\n", close))
    options = CivitaiApiOptions.isolated(base_url=server.url, http_backend="aiohttp", resilience={"max_retries": 0})
    async with AsyncCivitaiClient(options) as client:
        result = await client.models.get_by_id(1)
    assert isinstance(result, Failure)
    assert result.error.code == ErrorCode.HTTP_ERROR
    assert type(result.error.cause) is httpx.RemoteProtocolError


async def _until(condition: Callable[[], bool]) -> None:
    """Wait for the server thread to reach a point; bounded so a broken test fails instead of hanging."""
    async with asyncio.timeout(10):
        while not condition():
            await asyncio.sleep(0.01)


def _guessed(guess: type[httpx.HTTPError], cause: Exception) -> httpx.HTTPError:
    """What httpx-aiohttp raises: its own mapping of ``cause`` (a reset became a ConnectTimeout)."""
    exc = guess(str(cause))
    exc.__cause__ = cause
    return exc


class _FailingStream(httpx.AsyncByteStream):
    """A body whose reading or closing fails with ``error``: the failures loopback cannot provoke on demand."""

    def __init__(self, error: BaseException, *, on_close: bool) -> None:
        self.error = error
        self.on_close = on_close

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"{"
        if not self.on_close:
            raise self.error

    async def aclose(self) -> None:
        if self.on_close:
            raise self.error


@pytest.mark.parametrize("on_close", [False, True], ids=["reading", "closing"])
@pytest.mark.parametrize(
    ("error", "exception"),
    [
        (aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.ReadError),
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientPayloadError("Response payload is not completed"), httpx.RemoteProtocolError),
        (aiohttp.SocketTimeoutError("Timeout on reading data from socket"), httpx.ReadTimeout),
        (aiohttp.ConnectionTimeoutError("Connection timeout to host"), httpx.ConnectTimeout),
        (aiohttp.ServerFingerprintMismatch(b"a", b"b", "host", 443), httpx.ConnectError),
        (TimeoutError(), httpx.ReadTimeout),
        (_guessed(httpx.ConnectTimeout, aiohttp.ClientOSError(104, "Connection reset by peer")), httpx.ReadError),
    ],
)
async def test_a_body_failure_is_raised_as_an_httpx_exception(
    error: Exception, exception: type[httpx.HTTPError], on_close: bool
) -> None:
    request = httpx.Request("GET", "http://127.0.0.1/")
    stream = _TranslatedStream(_FailingStream(error, on_close=on_close), request)
    with pytest.raises(httpx.HTTPError) as caught:
        async for _ in stream:
            pass
        await stream.aclose()
    assert type(caught.value) is exception
    assert caught.value.request is request


@pytest.mark.parametrize("error", [asyncio.CancelledError(), ValueError("a bug, not the network")])
async def test_cancellation_and_bugs_pass_through_the_body_unchanged(error: BaseException) -> None:
    stream = _TranslatedStream(_FailingStream(error, on_close=False), httpx.Request("GET", "http://127.0.0.1/"))
    with pytest.raises(type(error)):
        async for _ in stream:
            pass
