"""The one HTTP core shared by the sync and async clients.

A call is an operation of the runtime (``civitai_kit._runtime``): ``exchange`` yields
``Send`` and ``Sleep`` actions and receives their outcomes. It owns everything that matters: URL and
header building, auth scoping, the circuit breaker, pacing, error mapping, retry decisions and logging. The
network half of each action — ``httpx.Client.send`` or ``httpx.AsyncClient.send`` and reading the body — is
performed by the session that owns the httpx client (``HttpClient``,
``AsyncHttpClient``).

Against a hostile server every call is bounded: at most ``1 + max_retries`` sends, all within one deadline
(``HttpCore.allowance``); a body read into memory never grows past ``max_response_bytes`` once decoded
(an error body past ``ERROR_BODY_LIMIT``); whatever the transport raises becomes a typed ``Failure``.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlencode

import httpx

from civitai_kit._http.body import BodySourceError, ProgressCallbackError, UploadStream
from civitai_kit._http.breaker import ADMITTED, CircuitBreaker
from civitai_kit._http.errors import error_from_response
from civitai_kit._http.limiter import RequestPacer
from civitai_kit._http.request import ApiRequest
from civitai_kit._http.response import Response, StreamingResponse, lower_headers
from civitai_kit._http.settings import ClientSettings
from civitai_kit._http.transports import timeout_for
from civitai_kit._json import JsonDecodeError, loads
from civitai_kit._redact import redact
from civitai_kit._runtime import Action, Blocking, Operation, Sleep
from civitai_kit.errors import CivitaiWarning, Error, ErrorCode
from civitai_kit.result import Failure, Result, Success

if TYPE_CHECKING:
    from civitai_kit._runtime import AsyncDriver, Driver

T = TypeVar("T")
logger = logging.getLogger("civitai_kit")

PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, RecursionError)
"""What a parser raises for JSON of the wrong shape (pydantic's ``ValidationError`` is a ``ValueError``)."""
ERROR_BODY_LIMIT = 64 * 1024
"""The most of an error body read into memory: the status says what happened, the first words say why."""
ACCEPT_ENCODING = "gzip, deflate"
"""The codings ``BodyBuffer`` undoes in bounded steps; never one it would have to inflate blindly."""


class InsecureTransportWarning(CivitaiWarning):
    """An API key is about to be sent over plain ``http://`` to a host that is not this machine."""


@dataclass(frozen=True, slots=True)
class Send(Action):
    """Send ``request`` and read what ``body_for`` asks for, all within ``budget`` seconds; performed by
    the driver's network (the session owning the httpx client), which answers with an ``Outcome``."""

    request: httpx.Request
    stream: bool
    follow_redirects: bool
    budget: float
    """Seconds left before the call's deadline (the body of a successful stream is exempt)."""
    max_bytes: int
    """The largest decoded body read into memory (``MaxResponseBytes``)."""

    def body_for(self, response: httpx.Response) -> BodyBuffer | None:
        """Where the driver reads the raw body before handing the response back: nothing of a successful
        stream (the caller reads it), the first ``ERROR_BODY_LIMIT`` bytes of an error, else all of it
        up to ``max_bytes``. A response that came already read (a mock's, a cache's) is taken as it is."""
        status = response.status_code
        if status < 400 and self.stream:
            return None
        limit = min(ERROR_BODY_LIMIT, self.max_bytes) if status >= 400 else self.max_bytes
        if response.is_stream_consumed:
            return BodyBuffer.loaded_from(response.content, limit, status, cut=status >= 400)
        return BodyBuffer(limit, status, response.headers.get("content-encoding", ""), cut=status >= 400)

    def perform(self, driver: Driver) -> Outcome:
        if isinstance(self.request.stream, UploadStream):
            self.request.stream.bind(driver)
        outcome: Outcome = driver.network._transmit(self)
        return outcome

    async def perform_async(self, driver: AsyncDriver) -> Outcome:
        if isinstance(self.request.stream, UploadStream):
            self.request.stream.bind(driver)
        outcome: Outcome = await driver.network._transmit(self)
        return outcome


class Closeable(Protocol):
    def close(self) -> None: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Close(Action):
    """Close a streamed response (``httpx.Response`` or ``StreamingResponse``): one that will not be
    handed to the caller (an error that is retried), or one whose reader is done with it."""

    response: Closeable

    def perform(self, driver: Driver) -> None:
        self.response.close()

    async def perform_async(self, driver: AsyncDriver) -> None:
        await self.response.aclose()


@dataclass(frozen=True, slots=True)
class Received:
    """What a ``Send`` got: the response and its body (``None``: a successful stream, still unread)."""

    response: httpx.Response
    body: bytes | None
    direct: bool = False
    """The response came from httpx's own network transport: its body may be read from the connection's
    network stream ([`large_body`][civitai_kit._http.large_body])."""


class DeadlineReached(Exception):
    """The driver stopped an attempt at the call's deadline."""


class ResponseTooLarge(Exception):
    """A body grew past ``MaxResponseBytes`` once decoded; the driver stopped reading it."""

    def __init__(self, limit: int, status: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit
        self.status = status


class BodyBuffer:
    """A body read into memory from raw network chunks, decoded and kept up to a limit: an error body is cut
    there, any other body over it is refused (``ResponseTooLarge``). Inflating happens in steps of
    ``_INFLATE_STEP`` bytes, so a gzip bomb is stopped before it is inflated beyond the limit."""

    __slots__ = ("_chunks", "_cut", "_inflater", "_limit", "_room", "_status", "loaded")

    def __init__(self, limit: int, status: int, content_encoding: str, *, cut: bool) -> None:
        self.loaded = False
        """The whole body is here already (the driver has nothing to read)."""
        self._chunks: list[bytes] = []
        self._limit = self._room = limit
        self._status = status
        self._cut = cut
        self._inflater = _Inflater.for_encoding(content_encoding)

    @classmethod
    def loaded_from(cls, content: bytes, limit: int, status: int, *, cut: bool) -> BodyBuffer:
        """A body httpx read (and decoded) before it reached the driver: a mock transport's, a cache's."""
        body = cls(limit, status, "", cut=cut)
        body.add(content)
        body.loaded = True
        return body

    def add(self, raw: bytes) -> bool:
        """Decode and keep ``raw``; ``False`` once nothing more will be kept (stop reading)."""
        pieces = self._inflater.decode(raw) if self._inflater is not None else (raw,)
        return all(self._keep(piece) for piece in pieces)

    def value(self) -> bytes:
        if self._inflater is not None and self._room > 0:
            self._keep(self._inflater.flush())
        return b"".join(self._chunks)

    def _keep(self, piece: bytes) -> bool:
        if len(piece) > self._room:
            if not self._cut:
                raise ResponseTooLarge(self._limit, self._status)
            piece = piece[: self._room]
        self._chunks.append(piece)
        self._room -= len(piece)
        return not (self._cut and self._room == 0)


_INFLATE_STEP = 1 << 20
"""Decoded bytes per zlib call. httpx inflates a whole network read at once: 64 KiB of a gzip bomb is 66 MB."""


class _Inflater:
    """``Content-Encoding: gzip`` or ``deflate`` (with or without its zlib header), undone a bounded step at
    a time. Only these are asked for (``Accept-Encoding``); a body in any other coding is kept as sent."""

    def __init__(self, wbits: int, *, may_be_raw: bool) -> None:
        self._zlib = zlib.decompressobj(wbits)
        self._may_be_raw = may_be_raw

    @classmethod
    def for_encoding(cls, content_encoding: str) -> _Inflater | None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip().lower() != "identity"]
        if codings in (["gzip"], ["x-gzip"]):
            return cls(zlib.MAX_WBITS | 16, may_be_raw=False)
        if codings == ["deflate"]:
            return cls(zlib.MAX_WBITS, may_be_raw=True)
        return None

    def decode(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                piece = self._zlib.decompress(data, _INFLATE_STEP)
            except zlib.error as exc:
                if not self._may_be_raw:
                    raise httpx.DecodingError(f"the compressed body cannot be decoded: {exc}") from None
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" sent without its zlib header
                self._may_be_raw = False
                continue
            self._may_be_raw = False
            data = self._zlib.unconsumed_tail
            if piece:
                yield piece

    def flush(self) -> bytes:
        return self._zlib.flush()


Outcome = Received | Exception | None
Exchange = Operation[Result[Received]]


def redact_url(url: str) -> str:
    """A URL safe to log or show: secret-looking query values and configured keys replaced by ``***``."""
    return redact(url)


class HttpCore:
    """State and decisions shared by ``HttpClient`` and ``AsyncHttpClient``."""

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
        self._clock = clock or time.monotonic
        base = httpx.URL(settings.base_url)
        self._origin = (base.scheme, base.host, base.port)
        self._common_headers = {
            "User-Agent": settings.user_agent,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        """Sent with every request (settings are frozen): copied per call, not rebuilt."""

    # ------------------------------------------------------------------------------------------ building

    def build(self, request: ApiRequest, remaining: float | None = None) -> httpx.Request | Error:
        """The httpx request for ``request``, its timeouts lowered to fit in ``remaining`` seconds, or why it
        cannot be sent (a malformed server-supplied URL, a header value httpx refuses): a typed error, never
        an exception."""
        try:
            url = _sendable_url(self.settings.url(request.path))
        except Exception as exc:  # InvalidURL, and whatever else a hostile string makes the parser raise
            return self._invalid_url(request, exc)
        extensions = dict(request.extensions)
        read_timeout = request.timeout if request.timeout is not None else self.settings.timeout
        if remaining is not None and remaining < read_timeout:
            extensions["timeout"] = timeout_for(remaining).as_dict()
        elif request.timeout is not None:
            extensions["timeout"] = timeout_for(request.timeout).as_dict()
        try:
            if request.body is not None:  # given a stream, httpx adds no header of its own, not even Host
                headers = {"Host": url.netloc.decode("ascii"), **self._headers(request, url), **request.body.headers()}
                return httpx.Request(
                    request.method.upper(),
                    url,
                    params=request.params or None,
                    headers=headers,
                    stream=UploadStream(request.body),  # a fresh read for each attempt
                    extensions=extensions,
                )
            return httpx.Request(
                request.method.upper(),
                url,
                params=request.params or None,
                json=request.json,
                headers=self._headers(request, url),
                extensions=extensions,
            )
        except Exception as exc:
            return Error(
                ErrorCode.INVALID_PARAMETER,
                f"Cannot build the request {self._target(request)}: {type(exc).__name__}: {exc}",
                cause=exc,
            )

    def _headers(self, request: ApiRequest, url: httpx.URL) -> dict[str, str]:
        headers = self._common_headers.copy()
        if request.headers:
            headers.update(request.headers)
        if request.auth and self.settings.token is not None and self._same_origin(url):
            headers["Authorization"] = f"Bearer {self.settings.token.get_secret_value()}"
            _warn_if_plain_http(url)
        if request.idempotency_key is not None:
            headers.setdefault("Idempotency-Key", request.idempotency_key)
        return headers

    def _same_origin(self, url: httpx.URL) -> bool:
        """Scheme, host and port of the base URL: the key never goes to another host, nor over plain http
        to the API host when the base URL is https."""
        return (url.scheme, url.host, url.port) == self._origin

    # ------------------------------------------------------------------------------------------ the call

    def allowance(self, request: ApiRequest) -> float:
        """Seconds one call may take, every attempt and wait included: ``total_timeout``, or the call's own
        read timeout when longer (a held SDK submit waits ``wait`` + 30 s for its answer)."""
        read_timeout = request.timeout if request.timeout is not None else self.settings.timeout
        return max(self.settings.total_timeout, read_timeout)

    def exchange(self, request: ApiRequest, *, stream: bool = False) -> Exchange:
        """Run one logical call: at most ``1 + max_retries`` sends, each of them and every wait between them
        within the call's deadline (``allowance``); the result is the last attempt's.

        Whatever ends an attempt — an answer, a failure, a cancellation, an exception thrown in by the
        driver — a half-open breaker's probe is resolved, so the breaker can never stay open for good."""
        deadline = self._clock() + self.allowance(request)
        attempt = 0
        while True:
            admission = self.breaker.admit() if self.breaker is not None else ADMITTED
            if admission.wait is not None:
                return Failure(self._explain(self._circuit_open(admission.wait), request))
            resolved = False
            try:
                if self.pacer is not None and (pause := self.pacer.reserve()) > 0:
                    yield Sleep(pause)
                remaining = deadline - self._clock()
                built = self.build(request, remaining) if remaining > 0 else self._deadline_error(request)
                if isinstance(built, Error):
                    error = built
                else:
                    if logger.isEnabledFor(logging.DEBUG):
                        logger.debug("%s %s", built.method, redact_url(str(built.url)))
                    outcome = yield from self._attempt(request, built, stream, remaining)
                    failed = self._error_for(request, outcome)
                    self._record(failed)
                    resolved = True
                    if failed is None:
                        assert isinstance(outcome, Received)
                        return Success(outcome)
                    error = failed
                    if isinstance(outcome, Received) and outcome.body is None:
                        yield Close(outcome.response)
            finally:
                if admission.probe and not resolved and self.breaker is not None:
                    self.breaker.release_probe()
            delay = self.settings.retry.delay(attempt, error) if request.retryable else None
            if delay is None or self._clock() + delay >= deadline:
                return Failure(self._explain(error, request))
            attempt += 1
            logger.debug(
                "Retrying %s in %.2f s (attempt %d of %d) after %s",
                self._target(request),
                delay,
                attempt,
                self.settings.retry.max_retries,
                error.code.name,
            )
            yield Sleep(delay)

    def _attempt(self, request: ApiRequest, built: httpx.Request, stream: bool, remaining: float) -> Operation[Outcome]:
        """One send of ``built``. An upload's source is opened first (a ``Blocking`` action): one that cannot
        be read as it was ends the attempt before a byte goes out; it is closed whatever happens."""
        upload = built.stream if isinstance(built.stream, UploadStream) else None
        if upload is not None:
            problem: BodySourceError | None = yield Blocking(upload.open)
            if problem is not None:
                return problem
        try:
            outcome = yield Send(built, stream, request.follow_redirects, remaining, self.settings.max_response_bytes)
        finally:
            if upload is not None:
                upload.close()
        return _upload_outcome(built, outcome)

    def _error_for(self, request: ApiRequest, outcome: Outcome) -> Error | None:
        if isinstance(outcome, Received):
            response = outcome.response
            return error_from_response(response.status_code, lower_headers(response.headers), outcome.body or b"")
        target = self._target(request)
        if isinstance(outcome, ResponseTooLarge):
            return Error(
                ErrorCode.DESERIALIZATION_FAILED,
                f"The response to {target} is larger than {outcome.limit} bytes once decompressed, the limit "
                "set by the MaxResponseBytes option (CivitaiApi:MaxResponseBytes); reading was stopped.",
                http_status=outcome.status,
            )
        if isinstance(outcome, DeadlineReached):
            return self._deadline_error(request)
        if isinstance(outcome, BodySourceError):
            return Error(outcome.code, f"{outcome} ({target})", cause=outcome)
        if isinstance(outcome, httpx.TimeoutException | TimeoutError):
            return Error(ErrorCode.TIMEOUT, f"The request timed out ({target}).", cause=outcome)
        if isinstance(outcome, httpx.InvalidURL | httpx.UnsupportedProtocol):
            return self._invalid_url(request, outcome)
        if isinstance(outcome, Exception):
            return Error(
                ErrorCode.HTTP_ERROR,
                f"HTTP request failed ({target}): {type(outcome).__name__}: {_printable(str(outcome)) or 'no details'}",
                cause=outcome,
            )
        return Error(ErrorCode.UNKNOWN, "No response was received.")

    def _target(self, request: ApiRequest) -> str:
        """``METHOD url?query`` for messages and logs: redacted, control characters escaped."""
        return f"{request.method.upper()} {self._shown_url(request)}"

    def _shown_url(self, request: ApiRequest) -> str:
        url = self.settings.url(request.path)
        if request.params:
            url += ("&" if "?" in url else "?") + urlencode(request.params)
        return _printable(redact_url(url))

    def _invalid_url(self, request: ApiRequest, exc: Exception) -> Error:
        return Error(
            ErrorCode.INVALID_URL,
            f"Cannot send {self._target(request)}: the URL is not one that can be requested "
            f"({type(exc).__name__}: {_printable(str(exc))}).",
            cause=exc,
        )

    def _deadline_error(self, request: ApiRequest) -> Error:
        return Error(
            ErrorCode.TIMEOUT,
            f"The call {self._target(request)} reached its total deadline of {self.allowance(request):g} s "
            "(Resilience:TotalTimeoutSeconds) and was stopped.",
        )

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
            f"{self.settings.service}: circuit breaker is open after repeated failures; calls resume in {wait:.1f} s.",
        )

    def _explain(self, error: Error, request: ApiRequest) -> Error:
        """The error a call ends with: the request it concerns (method and redacted URL) and, for an auth
        failure, what the user can do about it (the key itself is never mentioned)."""
        message = error.message
        if error.code == ErrorCode.UNAUTHORIZED:
            message = f"{message} — {self.auth_advice()}"
        return replace(error, message=message, method=request.method.upper(), url=self._shown_url(request))

    def auth_advice(self) -> str:
        """What to do about a missing or rejected key: where one can be set, or where the one in use came from."""
        settings = self.settings
        if settings.token is None:
            return f"No API key is configured for the {settings.service}; set one via {settings.token_hint}."
        return (
            f"The key came from {settings.token_source}. Check that it has not been revoked "
            "(civitai.com/user/account), that this is the source you meant (a higher-priority source "
            "may override it), and that it has no stray spaces or characters; `civitai login` checks and stores "
            "a new one."
        )

    # ------------------------------------------------------------------------------------------ results

    def call(self, request: ApiRequest) -> Operation[Result[Response]]:
        """One call whose whole body is read into memory."""
        received = yield from self.exchange(request)
        if isinstance(received, Failure):
            return received
        return Success(self.to_response(received.value))

    def open(self, request: ApiRequest) -> Operation[Result[StreamingResponse]]:
        """A call whose body is left unread on success, to be read with ``Read`` and closed with
        ``Close`` by the operation that opened it (an error answer is read, closed and returned)."""
        received = yield from self.exchange(request, stream=True)
        if isinstance(received, Failure):
            return received
        return Success(StreamingResponse(received.value.response, direct=received.value.direct))

    @staticmethod
    def to_response(received: Received) -> Response:
        response = received.response
        return Response(
            status=response.status_code,
            headers=lower_headers(response.headers),
            content=received.body or b"",
            url=redact_url(str(response.url)),
        )


def decode_json(response: Response) -> Result[Any]:
    """The body as decoded JSON; an empty body is ``EMPTY_RESPONSE``, anything else not JSON
    ``DESERIALIZATION_FAILED``."""
    if not response.content.strip():
        return Failure.of(
            ErrorCode.EMPTY_RESPONSE,
            f"The server returned an empty body where JSON was expected (HTTP {response.status}).",
            http_status=response.status,
        )
    try:
        return Success(loads(response.content))
    except JsonDecodeError as exc:
        return Failure.of(
            ErrorCode.DESERIALIZATION_FAILED,
            f"The response is not valid JSON (HTTP {response.status}, {len(response.content)} bytes): {exc}",
            http_status=response.status,
            cause=exc,
        )


def parse_json(response: Response, parse: Callable[[Any], T]) -> Result[T]:
    """Decode and parse a body; any failure becomes a ``DESERIALIZATION_FAILED``/``EMPTY_RESPONSE``."""
    payload = decode_json(response)
    if isinstance(payload, Failure):
        return payload
    try:
        return Success(parse(payload.value))
    except PARSE_ERRORS as exc:
        return shape_failure(response, exc)


def shape_failure(response: Response, exc: BaseException) -> Failure:
    """``DESERIALIZATION_FAILED`` for JSON that does not have the shape the caller expects."""
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


def _upload_outcome(request: httpx.Request, outcome: Outcome) -> Outcome:
    """What ended an upload attempt, whatever the transport made of it: a source that could not be read is
    the outcome; a progress callback that raised has its exception raised to the caller."""
    stream = request.stream
    if not isinstance(stream, UploadStream) or stream.failure is None:
        return outcome
    if isinstance(stream.failure, ProgressCallbackError):
        raise stream.failure.error
    return stream.failure


def _sendable_url(text: str) -> httpx.URL:
    """``text`` parsed, refused unless an http(s) URL with a host and a port a socket accepts (httpx lets
    ``:70000`` through to ``connect()``, which raises whatever its backend raises).

    Parsing costs ~40 µs a call, so URLs without a query (API paths; a query may carry a signature, which
    is not kept) are parsed once and remembered (httpx URLs are immutable); a refusal is never remembered.
    """
    return _checked_url(text) if "?" in text or "#" in text else _remembered_url(text)


def _checked_url(text: str) -> httpx.URL:
    url = httpx.URL(text)
    if url.scheme not in ("http", "https") or not url.host:
        raise httpx.InvalidURL("only http:// and https:// URLs with a host can be requested")
    if url.port is not None and not 0 < url.port < 65536:
        raise httpx.InvalidURL(f"port {url.port} is out of range")
    return url


_remembered_url = functools.lru_cache(maxsize=1024)(_checked_url)


def _printable(text: str) -> str:
    """``text`` with control characters escaped (a NUL in a hostile URL must not reach a terminal)."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_checked_hosts: set[str] = set()
_checked_lock = threading.Lock()


def _warn_if_plain_http(url: httpx.URL) -> None:
    """Once per process and host: a key about to cross the network unencrypted is worth a warning."""
    host = url.host
    if url.scheme != "http" or host in _checked_hosts:
        return
    with _checked_lock:
        if host in _checked_hosts:
            return
        _checked_hosts.add(host)
    if _is_loopback(host):
        return
    message = (
        f"The API key is being sent over plain http:// to {host}: anyone on the network path can read it. "
        "Use an https:// base URL."
    )
    logger.warning(message)
    warnings.warn(message, InsecureTransportWarning, stacklevel=2)


def _is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and ``localhost``: the machine itself, where plain http exposes nothing."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
