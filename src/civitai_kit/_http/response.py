"""What a successful call hands back: a fully read :class:`Response`, or a :class:`StreamingResponse`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from civitai_kit._http.errors import decode_json


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(repr=False)
    """Lower-case header names."""
    content: bytes = field(repr=False)
    url: str

    def json(self) -> Any:
        return decode_json(self.content)


class StreamingResponse:
    """A response whose body is read in chunks (downloads). Closed by the context that produced it."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status: int = response.status_code
        self.headers: Mapping[str, str] = lower_headers(response.headers)
        self.url: str = str(response.url)

    def iter_bytes(self, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        return self._response.iter_bytes(chunk_size)

    def aiter_bytes(self, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        return self._response.aiter_bytes(chunk_size)

    def __repr__(self) -> str:
        return f"StreamingResponse(status={self.status}, url={self.url!r})"


def lower_headers(headers: httpx.Headers) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}
