"""The one HTTP core shared by the sync and async clients.

A call is a generator (``exchange``) that yields *actions* — send this request, sleep this long — and
receives their outcomes. It owns everything that matters: URL and header building, auth scoping, the circuit
breaker, pacing, error mapping, retry decisions and logging. The sync and async clients only perform the
actions (``time.sleep`` vs ``asyncio.sleep``, ``Client.send`` vs ``AsyncClient.send``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from civitai_kit._http.breaker import CircuitBreaker
from civitai_kit._http.errors import decode_json, error_from_response
from civitai_kit._http.limiter import RequestPacer
from civitai_kit._http.request import ApiRequest
from civitai_kit._http.response import Response, lower_headers
from civitai_kit._http.settings import ClientSettings
from civitai_kit._http.transports import timeout_for
from civitai_kit._redact import redact
from civitai_kit.result import Error, ErrorCode, Failure, Result, Success

T = TypeVar("T")
logger = logging.getLogger("civitai_kit")

_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError)


@dataclass(frozen=True, slots=True)
class Send:
    request: httpx.Request
    stream: bool
    follow_redirects: bool


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Discard:
    """Close a streamed response that will not be handed to the caller (an error that is retried)."""

    response: httpx.Response


Action = Send | Sleep | Discard
Outcome = httpx.Response | Exception | None
Exchange = Generator[Action, Outcome, Result[httpx.Response]]


def redact_url(url: str) -> str:
    """A URL safe to log or show: secret-looking query values and configured keys replaced by ``***``."""
    return redact(url)


class HttpCore:
    """State and decisions shared by :class:`HttpClient` and :class:`AsyncHttpClient`."""

    def __init__(self, settings: ClientSettings, *, clock: Callable[[], float] | None = None) -> None:
        self.settings = settings
        breaker_kwargs: dict[str, Any] = {"clock": clock} if clock else {}
        pacer_kwargs: dict[str, Any] = {"clock": clock} if clock else {}
        self.breaker = (
            CircuitBreaker(settings.breaker_threshold, settings.breaker_reset_seconds, **breaker_kwargs)
            if settings.breaker_threshold
            else None
        )
        self.pacer = (
            RequestPacer(settings.requests_per_second, **pacer_kwargs) if settings.requests_per_second else None
        )
        base = urlsplit(settings.base_url)
        self._origin = (base.scheme.lower(), base.netloc.lower())

    # ------------------------------------------------------------------------------------------ building

    def build(self, request: ApiRequest) -> httpx.Request:
        url = self.settings.url(request.path)
        headers = {"User-Agent": self.settings.user_agent, "Accept": "application/json", **dict(request.headers)}
        if request.auth and self.settings.token is not None and self._same_origin(url):
            headers["Authorization"] = f"Bearer {self.settings.token.get_secret_value()}"
        if request.idempotency_key is not None:
            headers.setdefault("Idempotency-Key", request.idempotency_key)
        extensions = dict(request.extensions)
        if request.timeout is not None:
            extensions["timeout"] = timeout_for(request.timeout).as_dict()
        return httpx.Request(
            request.method.upper(),
            url,
            params=request.params or None,
            json=request.json,
            headers=headers,
            extensions=extensions,
        )

    def _same_origin(self, url: str) -> bool:
        """Scheme, host and port of the base URL: the key never goes to another host, nor over plain http
        to the API host when the base URL is https."""
        parts = urlsplit(url)
        return (parts.scheme.lower(), parts.netloc.lower()) == self._origin

    # ------------------------------------------------------------------------------------------ the call

    def exchange(self, request: ApiRequest, *, stream: bool = False) -> Exchange:
        """Run one logical call: attempts, waits and the final result (a raw ``httpx.Response``)."""
        attempt = 0
        while True:
            if self.breaker is not None and (wait := self.breaker.allow()) is not None:
                return Failure(self._circuit_open(wait))
            if self.pacer is not None and (pause := self.pacer.reserve()) > 0:
                yield Sleep(pause)
            http_request = self.build(request)
            logger.debug("%s %s", http_request.method, redact_url(str(http_request.url)))
            outcome = yield Send(http_request, stream, request.follow_redirects)
            error = self._error_for(request, outcome, stream=stream)
            self._record(error)
            if error is None:
                assert isinstance(outcome, httpx.Response)
                return Success(outcome)
            if stream and isinstance(outcome, httpx.Response):
                yield Discard(outcome)
            delay = self.settings.retry.delay(attempt, error) if request.retryable else None
            if delay is None:
                return Failure(self._explain(error))
            attempt += 1
            logger.debug(
                "Retrying %s %s in %.2f s (attempt %d of %d) after %s",
                http_request.method,
                redact_url(str(http_request.url)),
                delay,
                attempt,
                self.settings.retry.max_retries,
                error.code.name,
            )
            yield Sleep(delay)

    def _error_for(self, request: ApiRequest, outcome: Outcome, *, stream: bool) -> Error | None:
        if isinstance(outcome, httpx.Response):
            body = b"" if stream and outcome.status_code < 400 else outcome.content
            return error_from_response(outcome.status_code, lower_headers(outcome.headers), body)
        if isinstance(outcome, httpx.TimeoutException):
            return Error(
                ErrorCode.TIMEOUT,
                f"The request timed out ({request.method} {redact_url(self.settings.url(request.path))}).",
                cause=outcome,
            )
        if isinstance(outcome, Exception):
            return Error(
                ErrorCode.HTTP_ERROR,
                f"HTTP request failed: {type(outcome).__name__}: {redact_url(str(outcome)) or 'no details'}",
                cause=outcome,
            )
        return Error(ErrorCode.UNKNOWN, "No response was received.")

    def _record(self, error: Error | None) -> None:
        if self.breaker is None:
            return
        if error is not None and (error.http_status is None or error.http_status >= 500):
            self.breaker.record_failure()
        else:
            self.breaker.record_success()

    def _circuit_open(self, wait: float) -> Error:
        return Error(
            ErrorCode.CIRCUIT_OPEN,
            f"{self.settings.service}: circuit breaker is open after repeated failures; "
            f"calls resume in {wait:.1f} s.",
        )

    def _explain(self, error: Error) -> Error:
        """Add what the user can do about an auth failure; the key itself is never mentioned."""
        if error.code != ErrorCode.UNAUTHORIZED:
            return error
        settings = self.settings
        if settings.token is None:
            advice = f"No API key is configured for the {settings.service}; set one via {settings.token_hint}."
        else:
            advice = (
                f"The key came from {settings.token_source}. Check that it has not been revoked "
                "(civitai.com/user/account), that this is the source you meant (a higher-priority source "
                "may override it), and that it has no stray spaces or characters."
            )
        return Error(
            code=error.code,
            message=f"{error.message} — {advice}",
            details=error.details,
            http_status=error.http_status,
            retry_after=error.retry_after,
            trace_id=error.trace_id,
            cause=error.cause,
        )

    # ------------------------------------------------------------------------------------------ results

    @staticmethod
    def to_response(response: httpx.Response) -> Response:
        return Response(
            status=response.status_code,
            headers=lower_headers(response.headers),
            content=response.content,
            url=redact_url(str(response.url)),
        )

    @staticmethod
    def parse_json(response: Response, parse: Callable[[Any], T]) -> Result[T]:
        """Decode and parse a body; any failure becomes a ``DESERIALIZATION_FAILED``/``EMPTY_RESPONSE``."""
        if not response.content.strip():
            return Failure.of(
                ErrorCode.EMPTY_RESPONSE,
                f"The server returned an empty body where JSON was expected (HTTP {response.status}).",
                http_status=response.status,
            )
        try:
            payload = decode_json(response.content)
        except ValueError as exc:
            return Failure.of(
                ErrorCode.DESERIALIZATION_FAILED,
                f"The response is not valid JSON (HTTP {response.status}, {len(response.content)} bytes): {exc}",
                http_status=response.status,
                cause=exc,
            )
        try:
            return Success(parse(payload))
        except _PARSE_ERRORS as exc:
            return Failure.of(
                ErrorCode.DESERIALIZATION_FAILED,
                f"The response does not have the expected shape: {_first_line(exc)}",
                http_status=response.status,
                cause=exc,
            )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = text.splitlines()
    return " ".join(lines[:3]) if lines else type(exc).__name__
