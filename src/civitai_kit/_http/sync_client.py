"""The synchronous client: performs the actions of :class:`HttpCore` with ``httpx.Client`` and ``time.sleep``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from civitai_kit._http.core import Discard, Exchange, HttpCore, Outcome, Send, Sleep
from civitai_kit._http.request import ApiRequest
from civitai_kit._http.response import Response, StreamingResponse
from civitai_kit._http.settings import ClientSettings
from civitai_kit._http.transports import build_sync_client
from civitai_kit.result import Failure, Result, Success

T = TypeVar("T")


class HttpClient:
    """Sends :class:`ApiRequest`s and returns :class:`Result`s; never raises for network or server trouble."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.core = HttpCore(settings, clock=clock)
        self._owns_client = http_client is None
        self._client = http_client or build_sync_client(settings, transport)
        self._sleep = sleep or time.sleep
        self._slots = threading.BoundedSemaphore(settings.max_concurrency)

    @property
    def settings(self) -> ClientSettings:
        return self.core.settings

    def send(self, request: ApiRequest) -> Result[Response]:
        result = self._run(self.core.exchange(request))
        return result.map(self.core.to_response)

    def send_json(self, request: ApiRequest, parse: Callable[[Any], T]) -> Result[T]:
        return self.send(request).bind(lambda response: self.core.parse_json(response, parse))

    @contextmanager
    def stream(self, request: ApiRequest) -> Iterator[Result[StreamingResponse]]:
        result = self._run(self.core.exchange(request, stream=True))
        if isinstance(result, Failure):
            yield result
            return
        response = result.value
        try:
            yield Success(StreamingResponse(response))
        finally:
            response.close()

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, exchange: Exchange) -> Result[httpx.Response]:
        outcome: Outcome = None
        try:
            while True:
                action = exchange.send(outcome)
                outcome = self._perform(action)
        except StopIteration as stop:
            result: Result[httpx.Response] = stop.value
            return result

    def _perform(self, action: Send | Sleep | Discard) -> Outcome:
        if isinstance(action, Sleep):
            self._sleep(action.seconds)
            return None
        if isinstance(action, Discard):
            action.response.close()
            return None
        with self._slots:
            try:
                response = self._client.send(
                    action.request, stream=action.stream, follow_redirects=action.follow_redirects
                )
                if action.stream and response.status_code >= 400:
                    response.read()
                return response
            except httpx.HTTPError as exc:
                return exc
