"""What a successful call hands back: a fully read :class:`Response`, or a :class:`StreamingResponse`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from civitai_kit._json import loads
from civitai_kit._redact import redact
from civitai_kit.errors import ApiConnectionError, ApiTimeoutError, Error, ErrorCode


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(repr=False)
    """Lower-case header names."""
    content: bytes = field(repr=False)
    url: str

    def json(self) -> Any:
        """The body as JSON; raises :class:`~civitai_kit._json.JsonDecodeError` (a ``ValueError``) when it is not."""
        return loads(self.content)


class StreamingResponse:
    """A response whose body is read in chunks (downloads). Closed by the context that produced it."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status: int = response.status_code
        self.headers: Mapping[str, str] = lower_headers(response.headers)
        self.url: str = redact(str(response.url))
        """Redacted: a signed storage URL carries its token in the query."""

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """Body chunks as they arrive (``chunk_size=None`` skips re-chunking, the fastest way). A transport
        failure mid-body raises :class:`ApiConnectionError` (or :class:`ApiTimeoutError`), never a transport's
        own exception type."""
        try:
            yield from self._response.iter_bytes(chunk_size)
        except Exception as exc:
            raise _interrupted(exc, self.url) from exc

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The async twin of :meth:`iter_bytes`."""
        try:
            async for chunk in self._response.aiter_bytes(chunk_size):
                yield chunk
        except Exception as exc:
            raise _interrupted(exc, self.url) from exc

    def __repr__(self) -> str:
        return f"StreamingResponse(status={self.status}, url={self.url!r})"


def _interrupted(exc: Exception, url: str) -> ApiConnectionError:
    code = ErrorCode.TIMEOUT if isinstance(exc, httpx.TimeoutException) else ErrorCode.HTTP_ERROR
    error = Error(code, f"The connection broke while reading the body of {url}: {type(exc).__name__}", cause=exc)
    return ApiTimeoutError(error) if code is ErrorCode.TIMEOUT else ApiConnectionError(error)


def lower_headers(headers: httpx.Headers) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}
