"""What a successful call hands back: a fully read ``Response``, or a ``StreamingResponse``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from civitai_kit._http.large_body import BodyReader
from civitai_kit._json import loads
from civitai_kit._redact import redact
from civitai_kit._runtime import NEEDS_LOOP, Action
from civitai_kit.errors import ApiConnectionError, ApiTimeoutError, Error, ErrorCode

if TYPE_CHECKING:
    from civitai_kit._runtime import AsyncDriver, Driver


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(repr=False)
    """Lower-case header names."""
    content: bytes = field(repr=False)
    url: str

    def json(self) -> Any:
        """The body as JSON; raises ``JsonDecodeError`` (a ``ValueError``) when it is not."""
        return loads(self.content)


class StreamingResponse:
    """A response whose body is read in chunks (downloads): by iterating it, or chunk by chunk with the
    ``Read`` action of an operation, or into the caller's buffers (``readinto``, the ``ReadInto`` action: the
    way for large bodies). One way per response. Closed by the context or operation that opened it.

    ``direct``: the response came from httpx's own transport, so ``readinto`` may read the connection's
    network stream itself ([`BodyReader`][civitai_kit._http.large_body.BodyReader])."""

    def __init__(self, response: httpx.Response, *, direct: bool = False) -> None:
        self._response = response
        self._chunks: Iterator[bytes] | AsyncIterator[bytes] | None = None
        self._reader = BodyReader(response, direct=direct)
        self.status: int = response.status_code
        self.headers: Mapping[str, str] = lower_headers(response.headers)
        self.url: str = redact(str(response.url))
        """Redacted: a signed storage URL carries its token in the query."""

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """Body chunks as they arrive (``chunk_size=None`` skips re-chunking, the fastest way). A transport
        failure mid-body raises [`ApiConnectionError`][] (or [`ApiTimeoutError`][]), never a transport's
        own exception type."""
        try:
            yield from self._response.iter_bytes(chunk_size)
        except Exception as exc:
            raise _interrupted(exc, self.url) from exc

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The async twin of ``iter_bytes``."""
        try:
            async for chunk in self._response.aiter_bytes(chunk_size):
                yield chunk
        except Exception as exc:
            raise _interrupted(exc, self.url) from exc

    def next_chunk(self) -> bytes:
        """The next piece of the body; ``b""`` at its end. Raises like ``iter_bytes``."""
        if self._chunks is None:
            self._chunks = self.iter_bytes()
        assert isinstance(self._chunks, Iterator)
        return next(self._chunks, b"")

    async def anext_chunk(self) -> bytes:
        """The async twin of ``next_chunk``."""
        if self._chunks is None:
            self._chunks = self.aiter_bytes()
        assert isinstance(self._chunks, AsyncIterator)
        return await anext(self._chunks, b"")

    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` with the next bytes of the body; fewer only at its end (0 once it is over). Raises
        like ``iter_bytes``."""
        try:
            return self._reader.readinto(view)
        except Exception as exc:
            raise _interrupted(exc, self.url) from exc

    async def areadinto(self, view: memoryview) -> int:
        """The async twin of ``readinto``."""
        try:
            return await self._reader.areadinto(view)
        except Exception as exc:
            raise _interrupted(exc, self.url) from exc

    def readinto_off_loop(self, view: memoryview) -> int | None:
        """``areadinto`` without the event loop, on an offloaded operation's worker thread; ``None`` when this
        read needs the loop (see [`BodyReader.readinto_off_loop`][civitai_kit._http.large_body.BodyReader])."""
        try:
            return self._reader.readinto_off_loop(view)
        except Exception as exc:
            raise _interrupted(exc, self.url) from exc

    def interrupt(self) -> None:
        """Stop a read in progress on another thread (the caller was cancelled): the body is given up."""
        self._reader.close()

    def close(self) -> None:
        self._reader.close()
        self._response.close()

    async def aclose(self) -> None:
        self._reader.close()
        await self._response.aclose()

    def __repr__(self) -> str:
        return f"StreamingResponse(status={self.status}, url={self.url!r})"


@dataclass(frozen=True, slots=True)
class Read(Action):
    """Read the next piece of a streamed body: the outcome is the bytes (``b""`` at the end), or the
    ``ApiConnectionError`` / ``ApiTimeoutError`` that broke the connection."""

    stream: StreamingResponse

    def perform(self, driver: Driver) -> bytes | ApiConnectionError:
        try:
            return self.stream.next_chunk()
        except ApiConnectionError as broken:
            return broken

    async def perform_async(self, driver: AsyncDriver) -> bytes | ApiConnectionError:
        try:
            return await self.stream.anext_chunk()
        except ApiConnectionError as broken:
            return broken


@dataclass(frozen=True, slots=True)
class ReadInto(Action):
    """Fill ``buffer`` with the next bytes of a streamed body: the outcome is how many (fewer than its size
    only at the end, 0 once it is over), or the ``ApiConnectionError`` / ``ApiTimeoutError`` that broke the
    connection (only once the bytes read before it have been counted: a resume starts after them)."""

    stream: StreamingResponse
    buffer: memoryview

    def perform(self, driver: Driver) -> int | ApiConnectionError:
        try:
            return self.stream.readinto(self.buffer)
        except ApiConnectionError as broken:
            return broken

    async def perform_async(self, driver: AsyncDriver) -> int | ApiConnectionError:
        try:
            return await self.stream.areadinto(self.buffer)
        except ApiConnectionError as broken:
            return broken

    def perform_off_loop(self) -> int | ApiConnectionError | object:
        try:
            got = self.stream.readinto_off_loop(self.buffer)
        except ApiConnectionError as broken:
            return broken
        return NEEDS_LOOP if got is None else got

    def interrupt(self) -> None:
        self.stream.interrupt()


def _interrupted(exc: Exception, url: str) -> ApiConnectionError:
    code = ErrorCode.TIMEOUT if isinstance(exc, httpx.TimeoutException) else ErrorCode.HTTP_ERROR
    error = Error(code, f"The connection broke while reading the body of {url}: {type(exc).__name__}", cause=exc)
    return ApiTimeoutError(error) if code is ErrorCode.TIMEOUT else ApiConnectionError(error)


def lower_headers(headers: httpx.Headers) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}
