"""A streamed body written to a file, as an operation of the runtime: never a partial file.

The bytes go to a temporary file beside the destination, which is renamed into place only when the body is
complete. A broken connection, a full disk or an unwritable folder is a ``Failure`` and leaves nothing
behind; so does a cancellation or Ctrl-C, which propagates.

The operation writes files in its own steps, so it is run with ``offload=True``: the async driver then runs
each step on a worker thread, and closes an abandoned operation only after the step under way has ended (a
temporary file being created or written cannot escape the clean-up). A generator being closed cannot yield
``Close``, so the response of an abandoned download stays open until its HTTP session closes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from civitai_kit._http import ApiRequest, Close, HttpCore, Read, StreamingResponse
from civitai_kit._runtime import Operation
from civitai_kit.errors import ApiConnectionError, CivitaiError, Error, ErrorCode
from civitai_kit.result import Failure, Result, Success


def target_in(destination: str | os.PathLike[str], name: str) -> Path:
    """Where a download named ``name`` goes: inside ``destination`` when it is a directory — an existing one, or
    one spelled with a trailing separator (``"out/"``, created on write) — otherwise ``destination`` itself."""
    spelled = os.fspath(destination)
    target = Path(spelled)
    if target.is_dir() or spelled.endswith(("/", os.sep)):
        return target / Path(name).name
    return target


def download_to(http: HttpCore, request: ApiRequest, destination: Path, *, overwrite: bool) -> Operation[Result[Path]]:
    """``request``'s body streamed into ``destination`` (run it with ``offload=True``); an existing
    destination is refused before anything is requested (unless ``overwrite``)."""
    refused = refusal(destination, overwrite)
    if refused is not None:
        return refused
    opened = yield from http.open(request)
    if isinstance(opened, Failure):
        return opened
    written = yield from _receive(opened.value, destination, overwrite)
    yield Close(opened.value)
    return written


def _receive(stream: StreamingResponse, destination: Path, overwrite: bool) -> Operation[Result[Path]]:
    part = PartFile.create(destination, overwrite)
    if isinstance(part, Failure):
        return part
    try:
        while chunk := (yield Read(stream)):
            if isinstance(chunk, ApiConnectionError):
                return part.fail(chunk)
            part.write(chunk)
    except Exception as exc:  # a full disk
        return part.fail(exc)
    except BaseException:  # abandoned by its driver (cancellation, Ctrl-C)
        part.discard()
        raise
    return part.commit()


def refusal(destination: Path, overwrite: bool) -> Failure | None:
    """Why ``destination`` must not be written: it exists and ``overwrite`` was not asked for."""
    if destination.exists() and not overwrite:
        return Failure.of(
            ErrorCode.FILE_WRITE_FAILED, f"{destination} already exists; pass overwrite=True to replace it."
        )
    return None


class PartFile:
    """The temporary file beside ``destination``, discarded whenever the download fails."""

    def __init__(self, destination: Path, handle: BinaryIO, temporary: Path) -> None:
        self.destination = destination
        self._handle = handle
        self._temporary = temporary

    @classmethod
    def create(cls, destination: Path, overwrite: bool) -> PartFile | Failure:
        refused = refusal(destination, overwrite)  # it may have appeared while the request was under way
        if refused is not None:
            return refused
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
        except OSError as exc:
            return Failure.of(ErrorCode.DIRECTORY_CREATION_FAILED, f"Cannot write to {destination.parent}: {exc}")
        return cls(destination, os.fdopen(fd, "wb"), Path(name))

    def write(self, chunk: bytes) -> None:
        self._handle.write(chunk)

    def commit(self) -> Result[Path]:
        """The completed file, renamed into place."""
        try:
            self._handle.close()
            self._temporary.replace(self.destination)
        except OSError as exc:
            return self.fail(exc)
        return Success(self.destination)

    def discard(self) -> None:
        self._handle.close()
        self._temporary.unlink(missing_ok=True)

    def fail(self, exc: BaseException) -> Failure:
        self.discard()
        if isinstance(exc, CivitaiError):  # the transport's own verdict (TIMEOUT, HTTP_ERROR …)
            return Failure(Error(exc.code, f"Download to {self.destination} failed: {exc.error.message}", cause=exc))
        code = ErrorCode.FILE_WRITE_FAILED if isinstance(exc, OSError) else ErrorCode.HTTP_ERROR
        return Failure(Error(code, f"Download to {self.destination} failed: {type(exc).__name__}: {exc}", cause=exc))
