"""The aiohttp backend: httpx-aiohttp's transport, made to fail the way httpx's own transport fails.

httpx-aiohttp lets some aiohttp exceptions escape (a garbage status line raises ``aiohttp.ClientResponseError``)
and maps others wrongly (a connection reset becomes ``httpx.ConnectTimeout``), and its ``ClientSession``
silently resends an idempotent request once when the connection drops. The clients catch ``httpx.HTTPError``
and count attempts themselves, so this transport raises only httpx's exception types, for the request and for
the body stream alike, and turns aiohttp's own retry off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import httpx
from aiohttp.http_exceptions import HttpProcessingError
from httpx_aiohttp import AiohttpTransport as _HttpxAiohttpTransport

# First match wins, so narrower aiohttp types come before their bases. Only real timers raise timeouts.
_TRANSLATIONS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (TimeoutError, httpx.ReadTimeout),  # aiohttp.SocketTimeoutError, ServerTimeoutError and asyncio's timeouts
    ((aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError), httpx.ProxyError),
    ((aiohttp.ClientConnectorError, aiohttp.ServerFingerprintMismatch), httpx.ConnectError),
    (UnicodeError, httpx.ConnectError),  # a host name the resolver cannot encode (``a..b``) escapes aiohttp raw
    ((aiohttp.NonHttpUrlClientError, aiohttp.InvalidURL), httpx.UnsupportedProtocol),
    ((aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError), httpx.RemoteProtocolError),
    ((aiohttp.ClientResponseError, HttpProcessingError), httpx.RemoteProtocolError),
    ((aiohttp.ClientConnectionError, OSError), httpx.ReadError),
    (aiohttp.ClientError, httpx.TransportError),
)


class _HttpxErrors:
    """Re-raise a failure inside aiohttp as the matching httpx exception; anything else passes unchanged.

    httpx-aiohttp's own guess is undone first: its httpx exception keeps the aiohttp one as ``__cause__``.
    A class, not ``@contextmanager``: it is entered three times per call, and a generator costs more.
    """

    __slots__ = ("_request",)

    def __init__(self, request: httpx.Request | None = None) -> None:
        self._request = request

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if not isinstance(exc, Exception):
            return
        original = exc.__cause__ if isinstance(exc, httpx.HTTPError) and exc.__cause__ is not None else exc
        target = next((target for kinds, target in _TRANSLATIONS if isinstance(original, kinds)), None)
        if target is None:
            return
        # The aiohttp exception is not chained: its repr carries the request's headers, Authorization included.
        raise target(_describe(original), request=self._request) from None


def _describe(exc: BaseException) -> str:
    # A ClientResponseError's message, without the URL aiohttp appends (the caller knows it).
    text = exc.message if isinstance(exc, aiohttp.ClientResponseError) else str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class AiohttpTransport(_HttpxAiohttpTransport):
    """``httpx_aiohttp.AiohttpTransport`` that raises only httpx exceptions and never retries on its own."""

    def get_client(self) -> aiohttp.ClientSession:
        session = super().get_client()
        # aiohttp resends an idempotent request once after a dropped connection (ClientSession._request); every
        # attempt must be the core's, which counts them against MaxRetries. No public switch exists in 3.x.
        session._retry_connection = False
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _HttpxErrors(request):
            response = await super().handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _TranslatedStream(response.stream, request)
        return response

    async def aclose(self) -> None:
        with _HttpxErrors():
            await super().aclose()


class _TranslatedStream(httpx.AsyncByteStream):
    """The response body, with aiohttp failures while reading or closing it raised as httpx exceptions."""

    def __init__(self, stream: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _HttpxErrors(self._request):
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        with _HttpxErrors(self._request):
            await self._stream.aclose()
