"""The asynchronous session: an ``httpx.AsyncClient``, the ``HttpCore`` and an ``AsyncDriver``
whose network it is (``_transmit`` performs a ``Send``).

The call's deadline bounds each attempt with ``asyncio.timeout``: waiting for a connection slot, sending,
the response headers and any body read here (the body of a successful stream is the caller's, and exempt).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx

from civitai_kit._http.core import BodyBuffer, DeadlineReached, HttpCore, Outcome, Received, Send, parse_json
from civitai_kit._http.request import ApiRequest
from civitai_kit._http.response import Response, StreamingResponse
from civitai_kit._http.settings import ClientSettings
from civitai_kit._http.transports import build_async_client
from civitai_kit._runtime import AsyncDriver
from civitai_kit.result import Failure, Result, Success

T = TypeVar("T")


class AsyncHttpClient:
    """The async twin of ``HttpClient``: same requests, same results, awaited. ``driver`` runs the
    library's operations over it."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.core = HttpCore(settings, clock=clock)
        self._owns_client = http_client is None
        self._client = http_client or build_async_client(settings, transport)
        self._direct = (
            http_client is None
            and transport is None
            and settings.cache_directory is None
            and settings.backend != "aiohttp"
        )
        """Responses come from httpx's own transport (no mock, no cache): a stream's body may be read directly."""
        self._max_concurrency = settings.max_concurrency
        self._slots: asyncio.Semaphore | None = None
        self.driver = AsyncDriver(self, sleep=sleep, clock=clock)

    @property
    def settings(self) -> ClientSettings:
        return self.core.settings

    async def send(self, request: ApiRequest) -> Result[Response]:
        return await self.driver.run(self.core.call(request))

    async def send_json(self, request: ApiRequest, parse: Callable[[Any], T]) -> Result[T]:
        sent = await self.send(request)
        return sent if isinstance(sent, Failure) else parse_json(sent.value, parse)

    @asynccontextmanager
    async def stream(self, request: ApiRequest) -> AsyncIterator[Result[StreamingResponse]]:
        result = await self.driver.run(self.core.exchange(request, stream=True))
        if isinstance(result, Failure):
            yield result
            return
        response = result.value.response
        try:
            yield Success(StreamingResponse(response, direct=result.value.direct))
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> AsyncHttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _transmit(self, action: Send) -> Outcome:
        """Perform ``action``: any exception the transport raises is the outcome; the deadline's own is
        ``DeadlineReached``."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._max_concurrency)
        deadline = asyncio.timeout(action.budget)
        try:
            async with deadline, self._slots:
                response = await self._client.send(
                    action.request, stream=True, follow_redirects=action.follow_redirects
                )
                return await self._receive(response, action.body_for(response))
        except Exception as exc:
            return DeadlineReached() if deadline.expired() else exc

    async def _receive(self, response: httpx.Response, body: BodyBuffer | None) -> Received:
        if body is None or body.loaded:
            return Received(response, None if body is None else body.value(), direct=self._direct)
        try:
            async for chunk in response.aiter_raw():
                if not body.add(chunk):
                    break
        finally:
            await response.aclose()
        return Received(response, body.value())
