"""Request bodies sent in chunks (uploads): from a file, from bytes or from a binary stream.

A [`RequestBody`][] never holds a file in memory: each attempt opens a fresh [`UploadStream`][] that reads
``CHUNK_SIZE`` bytes at a time, each read a ``Blocking`` action of the driver sending it (called directly
when sync, on a worker thread when async), and hands them to httpx as they are written. ``Content-Length``
is sent when the size is known (a file, bytes, a seekable stream), ``Transfer-Encoding: chunked`` otherwise.

Retries: a body from a file or bytes is read again from its start for each attempt. A one-shot stream
cannot be: once a byte of it has been read, the call is never retried ([`RequestBody.can_resend`][]).

A file is sent as it was when the call began: if its size or modification time differ when an attempt
opens it or before its last chunk is sent, the attempt stops with a [`BodySourceError`][] (the server never
receives a complete body) and is not retried. A file deleted while it is sent is read to its end from the
open handle; a later attempt finds it missing and fails.

Progress callbacks run on the caller's thread (the event loop's when async) after each chunk is written,
with ``(bytes sent, total or None)``; one that raises stops the upload, and its exception reaches the caller.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import httpx

from civitai_kit._runtime import AsyncDriver, Blocking, Driver
from civitai_kit.errors import ErrorCode

CHUNK_SIZE = 256 * 1024
"""Bytes read from the source per ``Blocking`` action."""

Progress = Callable[[int, "int | None"], None]
"""``progress(bytes_sent, total)``: ``total`` is ``None`` for a stream of unknown length."""


class BodySourceError(Exception):
    """The body's source could not be read to its end as it was when the call began: the file changed,
    vanished or failed to read. The attempt stops before the body is complete."""

    def __init__(self, message: str, code: ErrorCode = ErrorCode.IO_ERROR) -> None:
        super().__init__(message)
        self.code = code


class ProgressCallbackError(Exception):
    """The caller's progress callback raised ``error``: the upload stops and ``error`` is re-raised to the
    caller (a bug of the caller's is not a network failure to retry)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(f"the progress callback raised {type(error).__name__}")
        self.error = error


class _Reader(Protocol):
    def read(self) -> bytes:
        """The next chunk; ``b""`` at the end."""
        ...

    def close(self) -> None: ...


class RequestBody:
    """What an upload sends: where its bytes come from (``bytes``, a file ``Path`` as it is now, or a binary
    stream read once from where it is), their media type and size, and who hears of progress. One per call:
    it records whether a one-shot stream has been started."""

    __slots__ = ("_open", "content_type", "description", "length", "progress", "replayable", "started")

    def __init__(self, source: bytes | Path | BinaryIO, content_type: str, progress: Progress | None = None) -> None:
        self.content_type = content_type
        self.progress = progress
        self.started = False
        """A byte of the source has been read (a one-shot stream can no longer be sent again)."""
        self._open: Callable[[], _Reader]
        if isinstance(source, bytes):
            view = memoryview(source)
            self._open = lambda: _BytesReader(view)
            self.length: int | None = len(view)
            self.replayable, self.description = True, f"{len(view)} bytes"
        elif isinstance(source, Path):
            stat = source.stat()  # the file as it is now: an attempt that finds it changed stops
            self._open = lambda: _FileReader(source, stat)
            self.length = stat.st_size
            self.replayable, self.description = True, f"file {source.name}"
        else:
            reader = _StreamReader(source)
            self._open = lambda: reader
            self.length = _remaining(source)
            self.replayable, self.description = False, "stream"

    @property
    def can_resend(self) -> bool:
        """Whether another attempt may send this body: always for a file or bytes, for a stream only if
        not a byte of it has been read."""
        return self.replayable or not self.started

    def headers(self) -> dict[str, str]:
        """``Content-Type`` and the framing: ``Content-Length`` when the size is known."""
        framing = {"Content-Length": str(self.length)} if self.length is not None else {"Transfer-Encoding": "chunked"}
        return {"Content-Type": self.content_type, **framing}

    def __repr__(self) -> str:
        size = "unknown size" if self.length is None else f"{self.length} bytes"
        return f"RequestBody({self.description}, {self.content_type}, {size})"


class UploadStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """One attempt's read of a [`RequestBody`][], handed to httpx as the request's stream. Each chunk is a
    ``Blocking`` action of the driver bound by the ``Send`` that carries it; what stopped the attempt
    (the source, the progress callback) is kept in ``failure``, because some transports (aiohttp) replace
    an exception raised by a request body with their own."""

    def __init__(self, body: RequestBody) -> None:
        self._body = body
        self._sent = 0
        self._reader: _Reader | None = None
        self._driver: Driver | AsyncDriver | None = None
        self.failure: BodySourceError | ProgressCallbackError | None = None

    def bind(self, driver: Driver | AsyncDriver) -> None:
        self._driver = driver

    def open(self) -> BodySourceError | None:
        """Open the source for this attempt (before the request goes out); why it cannot be, if so."""
        try:
            self._reader = self._watched(self._body._open)
        except BodySourceError as problem:
            return problem
        return None

    def close(self) -> None:
        """Release the source (a file handle); any number of times."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()

    def __iter__(self) -> Iterator[bytes]:
        try:
            if self._reader is None:
                self._blocking(self._reopen)
            while chunk := self._blocking(self._read):
                yield chunk
                self._report(len(chunk))
        finally:
            self.close()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            if self._reader is None:
                await self._blocking_async(self._reopen)
            while chunk := await self._blocking_async(self._read):
                yield chunk
                self._report(len(chunk))
        finally:
            await self._blocking_async(self.close)

    def _reopen(self) -> None:
        """Sent without ``open`` first (not through ``HttpCore``): open it now."""
        if (problem := self.open()) is not None:
            raise problem

    def _read(self) -> bytes:
        assert self._reader is not None
        self._body.started = True
        return self._reader.read()

    def _blocking(self, function: Callable[[], Any]) -> Any:
        action = Blocking(partial(self._watched, function))
        driver = self._driver
        return action.perform(driver) if isinstance(driver, Driver) else action.function()

    async def _blocking_async(self, function: Callable[[], Any]) -> Any:
        action = Blocking(partial(self._watched, function))
        driver = self._driver
        return await (
            action.perform_async(driver) if isinstance(driver, AsyncDriver) else asyncio.to_thread(action.function)
        )

    def _watched(self, function: Callable[[], Any]) -> Any:
        """``function()``, any failure to read the source kept as this attempt's ``failure``."""
        try:
            return function()
        except BodySourceError as exc:
            self.failure = exc
            raise
        except OSError as exc:
            code = ErrorCode.FILE_NOT_FOUND if isinstance(exc, FileNotFoundError) else ErrorCode.IO_ERROR
            self.failure = BodySourceError(
                f"Reading the upload ({self._body.description}) failed: {exc.strerror or type(exc).__name__}.", code
            )
            raise self.failure from None

    def _report(self, size: int) -> None:
        self._sent += size
        if self._body.progress is None:
            return
        try:
            self._body.progress(self._sent, self._body.length)
        except Exception as exc:
            self.failure = ProgressCallbackError(exc)
            raise self.failure from exc


class _BytesReader:
    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._at = 0

    def read(self) -> bytes:
        chunk = bytes(self._view[self._at : self._at + CHUNK_SIZE])
        self._at += len(chunk)
        return chunk

    def close(self) -> None:
        return None


class _FileReader:
    """Reads a file that must stay as it was when the call began (size and modification time)."""

    def __init__(self, path: Path, stat: os.stat_result) -> None:
        self._name = path.name
        self._expected = stat
        self._file = path.open("rb")
        self._left = stat.st_size
        try:
            self._check("before it was sent")
        except BaseException:
            self._file.close()
            raise

    def read(self) -> bytes:
        if self._left <= 0:
            if self._file.read(1):
                raise self._changed("grew")
            return b""
        chunk = self._file.read(min(CHUNK_SIZE, self._left))
        if not chunk:
            raise self._changed("shrank")
        self._left -= len(chunk)
        if self._left == 0:
            self._check("while it was being sent")  # before the last chunk leaves: no complete body
        return chunk

    def _check(self, when: str) -> None:
        now = os.fstat(self._file.fileno())
        if (now.st_size, now.st_mtime_ns) != (self._expected.st_size, self._expected.st_mtime_ns):
            raise self._changed(f"changed {when}")

    def _changed(self, how: str) -> BodySourceError:
        return BodySourceError(f"The file {self._name} {how}; the upload was stopped. Upload it again.")

    def close(self) -> None:
        self._file.close()


class _StreamReader:
    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def read(self) -> bytes:
        chunk = self._stream.read(CHUNK_SIZE)
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise BodySourceError(f"The stream gave {type(chunk).__name__}, not bytes: open it in binary mode.")
        return bytes(chunk)

    def close(self) -> None:
        return None  # the caller's stream: the caller closes it


def _remaining(stream: BinaryIO) -> int | None:
    """Bytes left in a seekable stream; ``None`` when it cannot tell."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError, AttributeError):
        return None
    return max(end - here, 0)
