"""One download, decided once for both the sync and the async service.

``Transfer.run`` is an operation of the runtime (``civitai_kit._runtime``): it opens the stream
(``HttpCore.open``), reads it straight into the part sink's reused buffers (``ReadInto``), closes it
(``Close``), waits (``Sleep``) and hands progress to the caller (``ReportProgress``); the services only run it
with their HTTP client's driver.
Everything that matters lives here: the target lock, the overwrite policy, resuming a ``.part`` file with
``Range`` (restarting cleanly on 200, 416 or a ``Content-Range`` that does not fit), refusing bodies that
are not the file, hashing while streaming, verification, and the atomic move to the final path.

Its file work (writing, hashing, the move) happens inside its steps: the async service runs it offloaded, each step
on a worker thread of the download's own. A cancelled or abandoned download gets the cancellation at the yield it
waits at, and its clean-up runs (the driver performs the ``Close`` it yields): the ``.part`` is kept, the lock
released. Every byte of a body is on disk before the response is closed, so a cancellation that arrives while the
disk is busy lands at that ``Close`` — the file is never moved into place after it.

Policies:

* folders and working files never follow a symlink out of the base directory
  ([`download_files`][civitai_kit.tools.download_files]);
* a resume carries ``If-Range`` and is checked against the first response's validators
  ([`download_validators`][civitai_kit.tools.download_validators]);
* an interrupted or cancelled download keeps its ``.part`` (and ``.part.meta``) so the next call resumes;
* a failed *write* (a full disk, a read-only or failing device) removes the ``.part``: it may not hold
  what was sent, and on a full disk it holds the very space the user must free;
* a hash mismatch removes the ``.part``; nothing is ever left at the final path but a verified whole file;
* every error's message, details and cause are free of keys from the URL
  ([`download_errors`][civitai_kit.tools.download_errors]).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from civitai_kit._http import ApiRequest, Close, HttpCore, ReadInto, StreamingResponse, redact_url
from civitai_kit._runtime import Action, Operation, Sleep
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit.errors import ApiConnectionError, Error, ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools.content_disposition import filename_from_content_disposition
from civitai_kit.tools.download_errors import conflict_error, io_error, redact_error, secrets_in_url, unexpected_failure
from civitai_kit.tools.download_files import (
    ensure_directory,
    is_inside,
    occupant,
    open_part_file,
    remove_quietly,
)
from civitai_kit.tools.download_lock import TargetLock
from civitai_kit.tools.download_refusals import (
    MAX_ERROR_BODY,
    classify_refusal,
    is_non_file_content_type,
    looks_like_error_document,
    refusal_from_body,
)
from civitai_kit.tools.download_sink import BUFFER_SIZE, PartSink
from civitai_kit.tools.download_types import DownloadedFile, DownloadPlan, DownloadProgress, ProgressCallback
from civitai_kit.tools.download_validators import (
    ResumeValidator,
    load_validator,
    meta_path_for,
    save_validator,
)
from civitai_kit.tools.formats import FileFormat, detect_format, fix_extension
from civitai_kit.tools.hashing import MultiHasher, hash_file
from civitai_kit.tools.path_patterns import sanitize_filename

if TYPE_CHECKING:
    from civitai_kit._runtime import AsyncDriver, Driver
    from civitai_kit.tools.hash_cache import HashCache

__all__ = ["ReportProgress", "Transfer", "parse_content_range"]

logger = logging.getLogger("civitai_kit")

PEEK_SIZE = 4096
READ_TIMEOUT = 120.0
"""Seconds without a byte before a download counts as stalled (and is resumed)."""
LOCK_POLL_SECONDS = 0.05
PROGRESS_INTERVAL = 0.1
MAX_RESTARTS = 3


# ---------------------------------------------------------------------------------------------- progress


@dataclass(frozen=True, slots=True)
class ReportProgress(Action):
    """Call the caller's progress callback on the caller's thread: the event loop's when awaited, never a
    worker's (a callback may touch a UI or loop-bound state)."""

    callback: ProgressCallback
    progress: DownloadProgress

    def perform(self, driver: Driver) -> None:
        self.callback(self.progress)

    async def perform_async(self, driver: AsyncDriver) -> None:
        self.callback(self.progress)


Fetched = Failure | ApiConnectionError | None
"""How one request ended: refused (a Failure), cut mid-body, or read to its end (or not read: see the state)."""


# ---------------------------------------------------------------------------------------------- headers

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ContentRange:
    start: int
    end: int
    total: int | None


def parse_content_range(value: str | None) -> ContentRange | None:
    """``bytes 100-199/1000`` → ``ContentRange(100, 199, 1000)``; ``None`` when missing or inconsistent."""
    match = _CONTENT_RANGE.match(value or "")
    if match is None:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    total = None if match.group(3) == "*" else int(match.group(3))
    if end < start or (total is not None and end >= total):
        return None
    return ContentRange(start, end, total)


def _content_length(headers: Mapping[str, str]) -> int | None:
    if headers.get("content-encoding", "identity").lower() not in ("", "identity"):
        return None  # the decoded body has another length
    try:
        length = int(headers.get("content-length", ""))
    except ValueError:
        return None
    return length if length >= 0 else None


# ---------------------------------------------------------------------------------------------- transfer


class Transfer:
    """The state of one download; ``run`` is the download."""

    def __init__(
        self,
        plan: DownloadPlan,
        *,
        on_progress: ProgressCallback | None = None,
        max_resumes: int = 5,
        cache: HashCache | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.plan = plan
        self.part = plan.destination.with_name(plan.destination.name + ".part")
        self._meta = meta_path_for(self.part)
        self._root = Path(os.path.realpath(plan.base_directory))
        self._secrets = secrets_in_url(plan.url)
        self._lock = TargetLock(plan.destination)
        self._on_progress = on_progress
        self._max_resumes = max_resumes
        self._clock = clock
        self._cache = cache
        self._file: BinaryIO | None = None
        self._sink = PartSink(self._part_file)
        self._hasher = MultiHasher(plan.algorithms)
        self._offset = 0
        self._total: int | None = None
        self._resumed = False
        self._resumed_from_earlier_run = False
        self._restart_wanted = False
        self._problem: Error | None = None
        self._write_broke = False
        self._validator: ResumeValidator | None = None
        self._saved_validator: ResumeValidator | None = None
        self._error_body: bytearray | None = None
        self._error_response: tuple[int, Mapping[str, str]] = (0, {})
        self._url = redact_url(plan.url)
        self._final_name: str | None = None
        self._head_checked = False
        # progress
        self._started = self._clock()
        self._session_bytes = 0
        self._last_report = 0.0
        self._report_due = False

    # -- the decision sequence ----------------------------------------------------------------------------

    def run(self, http: HttpCore) -> Operation[Result[DownloadedFile]]:
        """The download, requests sent through ``http``: the file at its final path, or why not."""
        created: list[Path] = []
        for warning in self.plan.warnings:
            logger.warning("%s", warning)
        try:
            result = yield from self._in_place(http, created)
        except (OSError, UnicodeError) as exc:  # a file-system oddity the transfer did not foresee
            return unexpected_failure(exc, self.plan.url)
        finally:
            if occupant(self.plan.destination) is None:  # a refusal or failure leaves no empty folders behind
                _remove_empty(created)
        if isinstance(result, Failure):
            return Failure(redact_error(result.error, self._secrets))
        if self.plan.warnings:
            return Success(replace(result.value, warnings=self.plan.warnings))
        return result

    def _in_place(self, http: HttpCore, created: list[Path]) -> Operation[Result[DownloadedFile]]:
        failure = self._make_directories(created)
        if failure is not None:
            return failure
        return (yield from self._locked(http, self.plan.destination))

    def _make_directories(self, created: list[Path]) -> Failure | None:
        """Create the target's folders, never following a symlink out of the base directory."""
        base, directory = self.plan.base_directory, self.plan.destination.parent
        try:
            created.extend(_missing_directories(base))
            base.mkdir(parents=True, exist_ok=True)
            self._root = Path(os.path.realpath(base))
            created[:0] = ensure_directory(self._root, directory)
        except ValueError:
            return Failure.of(
                ErrorCode.DIRECTORY_CREATION_FAILED,
                f"'{directory}' is no longer inside the download directory '{self._root}' (a symbolic link "
                "changed since the download was planned); refusing to follow it",
            )
        except OSError as exc:
            what = f"Failed to create directory '{directory}'"
            return Failure(io_error(ErrorCode.DIRECTORY_CREATION_FAILED, what, exc))
        return None

    def _locked(self, http: HttpCore, destination: Path) -> Operation[Result[DownloadedFile]]:
        try:
            while not self._lock.try_acquire():
                yield Sleep(LOCK_POLL_SECONDS)
        except OSError as exc:
            return self._io_failure(f"Cannot lock '{self._lock.path}'", exc)
        try:
            existing = self._check_existing(destination)
            if existing is not None:
                return existing
            opened = self._open_part()
            if opened is not None:
                return opened
            return (yield from self._transfer(http))
        finally:
            self._close()
            in_place = is_inside(self._root, self.part.parent)  # never clean up through a swapped-in link
            if in_place:
                self._tidy_part()
            self._lock.release(remove=in_place)

    def _tidy_part(self) -> None:
        """Remove what is not worth resuming: an empty part file, a part whose write failed, an orphan
        sidecar."""
        if self._write_broke:
            self._discard_part()
            return
        with contextlib.suppress(OSError):
            info = os.lstat(self.part)
            if stat.S_ISREG(info.st_mode) and info.st_size == 0:
                remove_quietly(self.part)
        if occupant(self.part) is None:
            remove_quietly(self._meta)

    def _transfer(self, http: HttpCore) -> Operation[Result[DownloadedFile]]:
        restarts = stalled = 0
        # Progress is a new high-water mark, not "more than the last attempt": a server that answers a resume
        # with the whole file (200) and cuts it at the same place would otherwise count as progressing forever.
        furthest = self._offset
        while True:
            outcome = yield from self._fetch(http)
            if isinstance(outcome, Failure) and outcome.error.http_status == 416:
                self._restart_wanted = True  # the part is as long as the file, or longer: start over
            elif isinstance(outcome, Failure):
                return Failure(self._explain_kept_part(classify_refusal(outcome.error)))
            if self._error_body is not None:
                status, headers = self._error_response
                return Failure(refusal_from_body(status, headers, bytes(self._error_body), self._url))
            if self._problem is not None:
                return Failure(self._problem)
            if self._restart_wanted:
                if restarts == MAX_RESTARTS:
                    return Failure(self._interrupted_error(outcome))
                restarts += 1
                self._restart("the server cannot continue the partial file (416, foreign Content-Range, changed file)")
                furthest = 0  # a counted restart (MAX_RESTARTS): a new file, progress counts from its start
                continue
            if isinstance(outcome, ApiConnectionError) or self._incomplete():
                stalled = 0 if self._offset > furthest else stalled + 1
                furthest = max(furthest, self._offset)
                if stalled > self._max_resumes:
                    return Failure(self._interrupted_error(outcome))
                logger.debug("Download of %s interrupted at %d bytes; resuming", self._url, self._offset)
                if stalled:
                    yield Sleep(min(0.25 * 2 ** (stalled - 1), 8.0))
                continue
            result = self._finish()
            if result is not None:
                return result
            restarts += 1  # a part left by an earlier run did not verify: it may be stale
            self._restart("the resumed file failed verification; downloading it again in full")
            furthest = 0

    # -- the response -------------------------------------------------------------------------------------

    def _fetch(self, http: HttpCore) -> Operation[Fetched]:
        """One request: its answer checked, its body written and hashed, then the response closed."""
        opened = yield from http.open(self._request())
        if isinstance(opened, Failure):
            return opened
        response = opened.value
        try:
            outcome = yield from self._receive(response)
        except GeneratorExit:  # closed with no driver left to perform anything: the response goes with it
            raise
        except BaseException:  # cancelled, Ctrl-C: the driver performs the Close on the way out
            yield Close(response)
            raise
        yield Close(response)
        return outcome

    def _receive(self, response: StreamingResponse) -> Operation[ApiConnectionError | None]:
        """Read the body into the part file; every byte is written and hashed before this returns."""
        if not self._accept(response.status, response.headers):
            return None
        while got := (yield ReadInto(response, room := self._room())):
            if isinstance(got, ApiConnectionError):  # keep what arrived; the next request resumes
                self._flush()
                return got
            if self._added(room, got) and not self._flush():
                break
            if (report := self._progress()) is not None:
                yield report
        self._flush()
        if (report := self._progress(force=True)) is not None:
            yield report
        return None

    def _accept(self, status: int, headers: Mapping[str, str]) -> bool:
        """Check a response's status and headers; ``False`` means: do not read its body."""
        self._restart_wanted = False
        current = ResumeValidator.from_headers(headers)
        if status == 206:
            content_range = parse_content_range(headers.get("content-range"))
            if content_range is None or content_range.start != self._offset or self._changed(current):
                self._restart_wanted = True
                return False
            self._validator = self._validator or current
            self._total = content_range.total
            self._resumed = self._resumed or self._offset > 0
        elif status == 200:
            if self._offset:
                self._restart("the server sent the whole file (it changed, or the server ignores Range)")
            self._validator = current
            self._total = _content_length(headers)
        else:
            self._problem = Error(
                ErrorCode.EMPTY_RESPONSE if status == 204 else ErrorCode.HTTP_ERROR,
                f"Expected a file from {self._url} but the server answered HTTP {status}.",
                http_status=status,
            )
            return False
        if is_non_file_content_type(headers.get("content-type", ""), self.plan.kind):
            self._start_error_body(status, headers)
        if self.plan.name_from_response:
            name = filename_from_content_disposition(headers.get("content-disposition"))
            if name:
                self._final_name = _server_name(name)
        self._report_due = True
        return True

    def _changed(self, current: ResumeValidator | None) -> bool:
        """A 206 for another version of the file than the one the part holds (the server ignored If-Range)."""
        if self._validator is None or not self._validator.contradicts(current):
            return False
        logger.debug("%s changed since the partial download (was %s, now %s)", self._url, self._validator, current)
        return True

    def _room(self) -> memoryview:
        """Where the next bytes of the body are read to: the sink's buffer, or what is left of the refusal
        body's allowance."""
        if self._error_body is not None:
            return memoryview(bytearray(MAX_ERROR_BODY - len(self._error_body)))
        return self._sink.room()

    def _added(self, room: memoryview, size: int) -> bool:
        """``size`` bytes of the body were read into ``room``; ``True`` when ``_flush`` is due."""
        self._session_bytes += size
        if self._error_body is not None:
            return self._keep_error(room[:size])
        return self._sink.commit(size)

    def _keep_error(self, data: bytes | memoryview) -> bool:
        """Keep the start of a body that is not the file; ``True`` once enough of it is kept."""
        assert self._error_body is not None
        self._error_body += data[: MAX_ERROR_BODY - len(self._error_body)]
        return len(self._error_body) >= MAX_ERROR_BODY

    def _flush(self) -> bool:
        """Hand what is buffered to the sink (its threads write and hash it); ``False`` means: stop reading (a
        refusal body is complete, or the disk refused a write). Never raises for I/O problems."""
        if self._error_body is not None:
            return len(self._error_body) < MAX_ERROR_BODY
        size = self._sink.buffered
        if not size or self._problem is not None:
            return self._problem is None
        if not self._head_checked and self._offset == 0:
            self._head_checked = True
            head = self._sink.head(MAX_ERROR_BODY)
            if looks_like_error_document(head, self.plan.kind) and (
                self._total is None or self._total <= MAX_ERROR_BODY
            ):
                self._start_error_body(200, {"content-type": "application/octet-stream"})
                return not self._keep_error(self._sink.take())
            self._detect_name(head[:PEEK_SIZE])
        self._keep_validator()
        if not self._sink.flush(self._hasher):
            return self._write_failed()
        self._offset += size
        return True

    def _write_failed(self) -> bool:
        if self._problem is None and self._sink.error is not None:
            self._write_broke = True
            what = f"Failed to write '{self.part}' (the partial file is removed)"
            self._problem = io_error(ErrorCode.FILE_WRITE_FAILED, what, self._sink.error)
        return False

    def _keep_validator(self) -> None:
        """Keep the validator of the bytes about to be written next to the part file, for a later run."""
        if self._validator == self._saved_validator:
            return
        self._saved_validator = self._validator
        try:
            save_validator(self.part, self._validator)
        except OSError as exc:
            logger.debug("Cannot keep the resume validator of %s: %s", self.part, exc)
            with contextlib.suppress(OSError):
                save_validator(self.part, None)  # a stale one would be worse than none

    def _progress(self, *, force: bool = False) -> ReportProgress | None:
        """A report for ``on_progress`` if one is due (first, last, and at most every 0.1 s in between)."""
        if self._on_progress is None:
            return None
        now = self._clock()
        if not (force or self._report_due or now - self._last_report >= PROGRESS_INTERVAL):
            return None
        self._report_due = False
        self._last_report = now
        elapsed = max(now - self._started, 1e-6)
        done = self._offset + self._sink.buffered
        progress = DownloadProgress(self.final_path, done, self._total, self._session_bytes / elapsed)
        return ReportProgress(self._on_progress, progress)

    @property
    def final_path(self) -> Path:
        """Where the file ends up (a Content-Disposition name or a fixed image extension may change it)."""
        destination = self.plan.destination
        return destination.with_name(self._final_name) if self._final_name else destination

    # -- internals ----------------------------------------------------------------------------------------

    def _request(self) -> ApiRequest:
        headers = [("Accept", "*/*"), ("Accept-Encoding", "identity")]
        if self._offset:
            headers.append(("Range", f"bytes={self._offset}-"))
            if self._validator is not None and self._validator.if_range is not None:
                headers.append(("If-Range", self._validator.if_range))
        return ApiRequest("GET", self.plan.url, headers=tuple(headers), timeout=READ_TIMEOUT)

    def _start_error_body(self, status: int, headers: Mapping[str, str]) -> None:
        self._error_body = bytearray()
        self._error_response = (status, dict(headers))

    def _detect_name(self, head: bytes) -> None:
        if not self.plan.fix_extension:
            return
        detected = detect_format(head)
        if detected is not FileFormat.UNKNOWN:
            self._final_name = sanitize_filename(fix_extension(self.final_path.name, detected))

    def _check_existing(self, destination: Path) -> Result[DownloadedFile] | None:
        """The overwrite policy: ``None`` to go ahead, else the result without downloading. A folder in
        the way is never replaced, and a symlink leading outside is neither read nor replaced."""
        if occupant(destination) == "dir":
            return _in_the_way(destination)
        found = self._existing(destination)
        if found is None:
            return None
        if occupant(found) == "link" and not is_inside(self._root, found):
            return Failure.of(
                ErrorCode.FILE_WRITE_FAILED,
                f"'{found}' is a symbolic link leading outside the download directory '{self._root}'; "
                "refusing to read or replace it.",
            )
        if self.plan.overwrite:
            return None
        if found.is_dir():
            return _in_the_way(found)
        expected = self.plan.expected
        if expected is None:
            return Failure(conflict_error(f"File already exists and overwrite is off: {found}", str(found)))
        return self._same_as_expected(found)

    def _existing(self, destination: Path) -> Path | None:
        """The target, or an earlier download of it saved under the extension its bytes called for (an
        image whose URL says ``.jpeg`` but which is a PNG ends up as ``.png``)."""
        if occupant(destination) is not None:
            return destination
        if self.plan.fix_extension:
            for media in _MEDIA_FORMATS:
                candidate = destination.with_suffix(f".{media.extension}")
                if occupant(candidate) is not None:
                    return candidate
        return None

    def _same_as_expected(self, path: Path) -> Result[DownloadedFile]:
        expected = self.plan.expected
        assert expected is not None
        try:
            computed = hash_file(path, [expected.algorithm], cache=self._cache).get(expected.algorithm)
            size = path.stat().st_size
        except OSError as exc:
            return self._io_failure(f"Cannot read the existing file '{path}'", exc)
        if not expected.matches(computed):
            what = f"A different file already exists at {path} (its {expected.algorithm} is {computed}, Civitai's is"
            return Failure(
                conflict_error(f"{what} {expected.value})", str(path), expected=expected.value, computed=computed)
            )
        return Success(
            DownloadedFile(
                path=path,
                size=size,
                verified=True,
                hashes={expected.algorithm: (computed or "").upper()},
                already_present=True,
                verified_with=expected.algorithm,
            )
        )

    def _open_part(self) -> Failure | None:
        """Continue a ``.part`` file an earlier, interrupted run left, reading it into the hasher. A symlink
        there is removed, never followed; anything else that is not a regular file is refused."""
        kind = occupant(self.part)
        if kind == "link":
            logger.warning("Removing the symbolic link at %s: a partial download is never followed", self.part)
            remove_quietly(self.part)
        if kind != "file":
            remove_quietly(self._meta)
            if kind in (None, "link"):
                return None  # created on the first write, so a refusal never leaves an empty part behind
            return _in_the_way(self.part)
        try:
            self._file = open_part_file(self.part, fresh=False)
            self._read_part(self._file)
        except OSError as exc:
            return self._io_failure(f"Cannot open '{self.part}'", exc)
        self._offset = self._hasher.size
        self._resumed = self._resumed_from_earlier_run = self._offset > 0
        self._validator = self._saved_validator = load_validator(self.part)
        return None

    def _read_part(self, file: BinaryIO) -> None:
        head = file.read(BUFFER_SIZE)
        self._detect_name(head)
        self._head_checked = True
        while head:
            self._hasher.update(head)
            head = file.read(BUFFER_SIZE)

    def _part_file(self) -> BinaryIO:
        if self._file is None:
            self._file = open_part_file(self.part, fresh=True)
        return self._file

    def _restart(self, why: str) -> None:
        logger.debug("Restarting download of %s from byte 0: %s", self._url, why)
        self._sink.discard()
        if self._file is not None:
            self._file.truncate(0)
        self._hasher = MultiHasher(self.plan.algorithms)
        self._offset = 0
        self._total = None
        self._validator = None
        self._resumed = self._resumed_from_earlier_run = False
        self._head_checked = False
        self._restart_wanted = False

    def _incomplete(self) -> bool:
        return self._total is not None and self._offset < self._total

    def _finish(self) -> Result[DownloadedFile] | None:
        """Verify and move into place. ``None`` asks for one clean restart (a resumed part was stale)."""
        if self._sink.error is not None:  # reported when the write failed
            assert self._problem is not None
            return Failure(self._problem)
        try:
            # No fsync: like curl and huggingface_hub, durability is left to the OS. A file torn by a power
            # cut is still caught: the next download hashes what is at the final path before trusting it.
            self._part_file()  # an empty body still needs its (empty) file
        except OSError as exc:
            return self._io_failure(f"Failed to write '{self.part}'", exc)
        digests = self._hasher.hexdigests()
        hashes = {algorithm: value for algorithm, value in digests.items() if value}
        expected = self.plan.expected
        if expected is not None and not expected.matches(digests.get(expected.algorithm)):
            if self._resumed_from_earlier_run:
                return None
            computed = digests.get(expected.algorithm) or "none"
            self._discard_part()
            return Failure.of(
                ErrorCode.HASH_MISMATCH,
                f"Hash verification failed for {self.final_path.name}. Expected {expected.algorithm}: "
                f"{expected.value}, Computed: {computed}. The download was discarded.",
                details={
                    "algorithm": str(expected.algorithm),
                    "expected": expected.value,
                    "computed": computed,
                    "url": self._url,
                },
            )
        self._close()
        return self._place(hashes)

    def _place(self, hashes: dict[HashAlgorithm, str]) -> Result[DownloadedFile]:
        """Atomically move the verified part file to its final path."""
        final = self.final_path
        expected = self.plan.expected
        downloaded = DownloadedFile(
            path=final,
            size=self._offset,
            verified=expected is not None,
            hashes=hashes,
            resumed=self._resumed,
            verified_with=expected.algorithm if expected is not None else None,
        )
        refused = self._check_final(final)
        if refused is not None:
            return refused
        try:
            if self.plan.overwrite:
                self.part.replace(final)  # a rename replaces a symlink at ``final``, never writes through it
            elif not _link_no_clobber(self.part, final):
                # Someone else put a file there meanwhile (or the response renamed us onto one).
                self._discard_part()
                if expected is not None and isinstance(self._same_as_expected(final), Success):
                    return Success(replace(downloaded, already_present=True))
                return Failure(conflict_error(f"File already exists and overwrite is off: {final}", str(final)))
        except OSError as exc:
            return self._io_failure(f"Failed to move the download to '{final}'", exc)
        remove_quietly(self._meta)
        return Success(downloaded)

    def _check_final(self, final: Path) -> Failure | None:
        """The last look before the move: still inside the base directory, and no folder in the way."""
        if not is_inside(self._root, final.parent):
            return Failure.of(
                ErrorCode.FILE_WRITE_FAILED,
                f"'{final.parent}' now leads outside the download directory '{self._root}' (a symbolic link "
                "was put in its place); the download was not moved there.",
            )
        if occupant(final) == "dir":
            self._discard_part()
            return _in_the_way(final)
        return None

    def _discard_part(self) -> None:
        self._close()
        remove_quietly(self.part)
        remove_quietly(self._meta)

    def _close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            with contextlib.suppress(OSError):
                file.close()

    def _interrupted_error(self, outcome: Fetched) -> Error:
        cause = outcome if isinstance(outcome, ApiConnectionError) else None
        why = f"{type(cause).__name__}: {cause}" if cause is not None else "the body ended early"
        if self._restart_wanted:
            why = "the server's Content-Range never matched the partial file"
        total = f" of {self._total}" if self._total is not None else ""
        return self._explain_kept_part(
            Error(
                ErrorCode.HTTP_ERROR,
                f"Download of {self._url} was interrupted after {self._offset}{total} bytes ({why}).",
                cause=cause,
            )
        )

    def _explain_kept_part(self, error: Error) -> Error:
        if self._offset == 0:
            return error
        note = f" The partial file '{self.part}' ({self._offset} bytes) is kept; downloading again resumes it."
        return replace(error, message=error.message + note)

    def _io_failure(self, what: str, exc: OSError) -> Failure:
        return Failure(io_error(ErrorCode.IO_ERROR, what, exc))


def _in_the_way(path: Path) -> Failure:
    return Failure.of(
        ErrorCode.IO_ERROR,
        f"'{path}' is a directory (or another non-file), not a file; nothing was downloaded over it "
        "(move it away or choose another path).",
        details={"path": str(path)},
    )


def _link_no_clobber(source: Path, target: Path) -> bool:
    """Move ``source`` to ``target`` unless something (a symlink included) is there; atomic where hard
    links work."""
    try:
        if os.link in os.supports_follow_symlinks:
            os.link(source, target, follow_symlinks=False)
        else:  # pragma: no cover - platforms without linkat
            os.link(source, target)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            return False
        # No hard links here (FAT, some network shares): check, then rename (tiny race window).
        if os.path.lexists(target):
            return False
        source.replace(target)
        return True
    source.unlink()
    return True


_MEDIA_FORMATS = tuple(f for f in FileFormat if f.is_image or f.is_video)


def _server_name(name: str) -> str:
    """A file name the server suggested, made safe, and never one of our own working files' names
    (``<name>.lock`` is removed when the lock is released; ``<name>.part`` and ``.part.meta`` are cleaned up)."""
    safe = sanitize_filename(name)
    return f"{safe}_" if safe.lower().endswith((".lock", ".part", ".meta")) else safe


def _missing_directories(directory: Path) -> list[Path]:
    """The folders ``mkdir(parents=True)`` would create for ``directory``, deepest first."""
    missing: list[Path] = []
    while not directory.exists() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    return missing


def _remove_empty(directories: list[Path]) -> None:
    for directory in directories:  # deepest first; stops at the first one something else now uses
        try:
            directory.rmdir()
        except OSError:
            return
