"""Civitai-exact file hashing: every hash type Civitai stores, in one read pass.

Civitai identifies a model file by SHA256, AutoV1, AutoV2, AutoV3, CRC32 and BLAKE3 (uppercase hex). Reading a
multi-GB checkpoint once per hash is what makes other tools slow, so [`MultiHasher`][] feeds every
requested digest from the same chunks, splitting the work across two threads when it pays off (hashlib,
zlib, ISA-L and blake3 all release the GIL on large buffers). A file is read by each thread itself, in chunks
that stay in its core's cache: handing one buffer from core to core cost more than the digests it fed. The
disk is still read once; the second thread reads from the page cache. The byte-exact rules follow Civitai's
model scanner:

* **AutoV1**: first 8 hex of SHA-256 over the 64 KiB at offset 1 MiB; none for files under 2 MiB.
* **AutoV2**: first 10 hex of the file's SHA-256.
* **AutoV3**: SHA-256 of a safetensors file's tensor data (after the 8-byte length and the JSON header);
  none for other files. Civitai hashes from byte 8 when the header is 16 MiB or larger; so do we.
* **CRC32**: zlib's CRC-32 written in little-endian byte order, as .NET emits it ("hello world" →
  ``85114A0D``).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import threading
import zlib
from collections.abc import Callable, Generator, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from civitai_kit._json import loads
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit.core.models import FileHashes
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools.formats import safetensors_header_size

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from civitai_kit.tools.hash_cache import HashCache

__all__ = [
    "ALL_ALGORITHMS",
    "CIVITAI_ALGORITHMS",
    "AsyncFileHashingService",
    "FileHashingService",
    "HashVerification",
    "MultiHasher",
    "hash_file",
    "hash_stream",
    "normalize_hash",
    "read_embedded_hash",
    "to_file_hashes",
]

#: The hash types Civitai stores for a model file (SHA512 is ours only: Civitai has no such field).
CIVITAI_ALGORITHMS: frozenset[HashAlgorithm] = frozenset(set(HashAlgorithm) - {HashAlgorithm.SHA512})
ALL_ALGORITHMS: frozenset[HashAlgorithm] = frozenset(HashAlgorithm)

AUTOV1_OFFSET = 0x100000
AUTOV1_LENGTH = 0x10000
AUTOV1_MIN_FILE_SIZE = 0x200000
AUTOV3_LARGE_HEADER = 16 * 1024 * 1024

#: Read size for streams; large enough that handing a chunk to the second thread costs little.
CHUNK_SIZE = 4 * 1024 * 1024
#: Read size for files: small enough that a chunk stays in the reading core's cache while its digests run.
FILE_CHUNK_SIZE = 256 * 1024
#: What reading a file costs a thread, in the digests' units (a SHA-256 is 1.0), measured with
#: ``FILE_CHUNK_SIZE`` reads from the page cache.
_READ_COST = 0.25
#: Chunks smaller than this are hashed on the caller's thread (a hand-off would cost more than it saves).
PARALLEL_MIN_CHUNK = 256 * 1024

_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest().upper()

Digests = dict[HashAlgorithm, str | None]
ProgressCallback = Callable[[int, int | None], None]


def normalize_hash(value: str) -> str:
    """Canonical form for comparing hashes: trimmed, no ``0x`` prefix, upper case."""
    value = value.strip()
    if value[:2].lower() == "0x":
        value = value[2:]
    return value.upper()


# ---------------------------------------------------------------------------------------------- digests


def _window(view: memoryview, offset: int, start: int, stop: int | None) -> memoryview | None:
    """The part of ``view`` (which begins at file ``offset``) inside the file range [start, stop)."""
    lo = max(start - offset, 0)
    hi = len(view) if stop is None else min(stop - offset, len(view))
    return view[lo:hi] if lo < hi else None


class _Digest(Protocol):
    @property
    def cost(self) -> float:
        """Relative CPU cost per byte, used to balance the threads."""
        ...

    def update(self, view: memoryview, offset: int) -> None: ...

    def results(self, size: int) -> Digests: ...


class _HashObject(Protocol):
    def update(self, data: memoryview, /) -> object: ...

    def hexdigest(self) -> str: ...


class _WholeFileDigest:
    """A digest of every byte (hashlib-style object); ``outputs`` turns its hex into Civitai's values."""

    def __init__(self, hasher: _HashObject, cost: float, outputs: Callable[[str], Digests]) -> None:
        self._hash = hasher
        self.cost = cost
        self._outputs = outputs

    def update(self, view: memoryview, offset: int) -> None:
        self._hash.update(view)

    def results(self, size: int) -> Digests:
        return self._outputs(self._hash.hexdigest().upper())


def _sha256_outputs(hexdigest: str) -> Digests:
    return {HashAlgorithm.SHA256: hexdigest, HashAlgorithm.AUTOV2: hexdigest[:10]}


def _new_blake3() -> _HashObject:
    import blake3  # optional dependency: only needed when BLAKE3 is asked for

    return blake3.blake3()


@cache
def _crc32_function() -> tuple[Callable[[Buffer, int], int], float]:
    """The fastest CRC-32 at hand and its cost: ISA-L's (the ``tools`` extra) runs ~6x faster than zlib's."""
    try:
        from isal import isal_zlib  # optional dependency: zlib's CRC-32 gives the same values, more slowly
    except ImportError:
        return zlib.crc32, 0.35
    return isal_zlib.crc32, 0.03


class _Crc32Digest:
    def __init__(self) -> None:
        self._crc = 0
        self._update, self.cost = _crc32_function()

    def update(self, view: memoryview, offset: int) -> None:
        self._crc = self._update(view, self._crc)

    def results(self, size: int) -> Digests:
        # .NET's Crc32.GetCurrentHash() emits the CRC's bytes little-endian; Civitai stores that.
        return {HashAlgorithm.CRC32: self._crc.to_bytes(4, "little").hex().upper()}


class _AutoV1Digest:
    cost = 0.0

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def update(self, view: memoryview, offset: int) -> None:
        part = _window(view, offset, AUTOV1_OFFSET, AUTOV1_OFFSET + AUTOV1_LENGTH)
        if part is not None:
            self._hash.update(part)

    def results(self, size: int) -> Digests:
        value = self._hash.hexdigest().upper()[:8] if size >= AUTOV1_MIN_FILE_SIZE else None
        return {HashAlgorithm.AUTOV1: value}


class _AutoV3Digest:
    """SHA-256 of safetensors tensor data; the header length is parsed as the first bytes stream past."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._head = bytearray()
        self._header_size: int | None = None  # N, once known
        self._start: int | None = None  # file offset where hashing starts; None: not safetensors

    @property
    def cost(self) -> float:
        """Full SHA-256 cost until the file is known not to be safetensors; then it does no work at all."""
        return 0.0 if self.decided and self._start is None else 1.0

    @property
    def decided(self) -> bool:
        """Whether the first 9 bytes have been seen (so it is known whether there is anything to hash)."""
        return len(self._head) >= 9

    def look_at_head(self, view: memoryview) -> None:
        """Look at the file's first bytes (``view`` starts at offset 0) without hashing anything."""
        if self._header_size is None and len(self._head) < 9:
            self._head += view[: 9 - len(self._head)]
            if len(self._head) < 9:
                return
            self._header_size = safetensors_header_size(self._head)
            if self._header_size is not None:
                large = self._header_size >= AUTOV3_LARGE_HEADER
                self._start = 8 if large else 8 + self._header_size

    def update(self, view: memoryview, offset: int) -> None:
        if not self.decided:
            self.look_at_head(view)
        if self._start is not None:
            part = _window(view, offset, self._start, None)
            if part is not None:
                self._hash.update(part)

    def results(self, size: int) -> Digests:
        complete = self._header_size is not None and size >= 8 + self._header_size
        return {HashAlgorithm.AUTOV3: self._hash.hexdigest().upper() if complete else None}


def _make_digests(algorithms: frozenset[HashAlgorithm]) -> list[_Digest]:
    digests: list[_Digest] = []
    if algorithms & {HashAlgorithm.SHA256, HashAlgorithm.AUTOV2}:
        digests.append(_WholeFileDigest(hashlib.sha256(), 1.0, _sha256_outputs))
    if HashAlgorithm.SHA512 in algorithms:
        digests.append(_WholeFileDigest(hashlib.sha512(), 2.3, lambda hexdigest: {HashAlgorithm.SHA512: hexdigest}))
    if HashAlgorithm.BLAKE3 in algorithms:
        digests.append(_WholeFileDigest(_new_blake3(), 0.25, lambda hexdigest: {HashAlgorithm.BLAKE3: hexdigest}))
    if HashAlgorithm.CRC32 in algorithms:
        digests.append(_Crc32Digest())
    if HashAlgorithm.AUTOV1 in algorithms:
        digests.append(_AutoV1Digest())
    if HashAlgorithm.AUTOV3 in algorithms:
        digests.append(_AutoV3Digest())
    return digests


# ---------------------------------------------------------------------------------------------- threads

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = max(1, min(4, (os.cpu_count() or 1) - 1))
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="civitai-kit-hash")
        return _pool


class _Lane:
    """Digests that run one after another on the same thread."""

    def __init__(self) -> None:
        self.digests: list[_Digest] = []
        self.cost = 0.0

    def update(self, view: memoryview, offset: int) -> None:
        for digest in self.digests:
            digest.update(view, offset)


def _balance(digests: list[_Digest], lanes: int) -> list[_Lane]:
    """Spread digests over ``lanes`` threads, heaviest first onto the least loaded lane."""
    result = [_Lane() for _ in range(max(1, min(lanes, len(digests))))]
    for digest in sorted(digests, key=lambda d: d.cost, reverse=True):
        lane = min(result, key=lambda candidate: candidate.cost)
        lane.digests.append(digest)
        lane.cost += digest.cost
    return [lane for lane in result if lane.digests]


def _normalize_algorithms(algorithms: HashAlgorithm | str | Iterable[HashAlgorithm | str]) -> frozenset[HashAlgorithm]:
    if isinstance(algorithms, str):
        algorithms = [algorithms]
    try:
        chosen = frozenset(HashAlgorithm(algorithm) for algorithm in algorithms)
    except ValueError as exc:
        raise ValueError(f"algorithms: {exc}") from None
    if not chosen:
        raise ValueError("algorithms: name at least one HashAlgorithm")
    return chosen


class MultiHasher:
    """Computes any set of Civitai hash types from one stream of chunks.

    Feed the file's bytes in order with [`update`][] (any chunk sizes), then call [`finalize`][].
    ``threads`` caps how many threads share the work of one large chunk (default: 2 when the machine
    has more than one core).
    """

    def __init__(
        self,
        algorithms: HashAlgorithm | str | Iterable[HashAlgorithm | str] = CIVITAI_ALGORITHMS,
        *,
        threads: int | None = None,
    ) -> None:
        self.algorithms = _normalize_algorithms(algorithms)
        if threads is None:
            threads = 2 if (os.cpu_count() or 1) > 1 else 1
        self._digests = _make_digests(self.algorithms)
        self._threads = threads
        self._lanes = _balance(self._digests, threads)
        # AutoV3 is budgeted at a full SHA-256 until the first bytes show whether the file is safetensors;
        # on any other file it does nothing, so the lanes are balanced again without it.
        self._autov3 = next((d for d in self._digests if isinstance(d, _AutoV3Digest)), None)
        self._size = 0
        self._results: Digests | None = None

    @property
    def size(self) -> int:
        """Bytes hashed so far."""
        return self._size

    def update(self, chunk: Buffer) -> None:
        """Hash the next ``chunk`` of the file."""
        if self._results is not None:
            raise RuntimeError("MultiHasher.update() called after finalize()")
        with memoryview(chunk) as raw, raw.cast("B") as view:
            if len(view) >= PARALLEL_MIN_CHUNK and len(self._lanes) > 1:
                self._update_parallel(view)
            else:
                for lane in self._lanes:
                    lane.update(view, self._size)
            self._size += len(view)
        if self._autov3 is not None and self._autov3.decided:
            self._rebalance_without_autov3()

    def _rebalance_without_autov3(self) -> None:
        """Once the first bytes are seen, a non-safetensors file frees AutoV3's lane for the other digests."""
        autov3, self._autov3 = self._autov3, None
        if autov3 is not None and autov3.cost == 0.0:
            self._lanes = _balance(self._working_digests(), self._threads)

    def _working_digests(self) -> list[_Digest]:
        return [digest for digest in self._digests if not (isinstance(digest, _AutoV3Digest) and digest.cost == 0.0)]

    def _reader_lanes(self, head: bytes) -> list[_Lane]:
        """Lanes for a file that each lane reads itself, given the file's first bytes (nothing is hashed yet).

        A second lane pays for its own read, so the digests are split only when the lighter lane's work
        outweighs one.
        """
        if self._autov3 is not None:
            self._autov3.look_at_head(memoryview(head))
            if self._autov3.decided:
                self._rebalance_without_autov3()
        digests = self._working_digests()
        for count in range(self._threads, 1, -1):
            lanes = _balance(digests, count)
            if len(lanes) > 1 and min(lane.cost for lane in lanes) >= _READ_COST:
                return lanes
        return _balance(digests, 1)  # one lane; none when nothing is left (AutoV3 alone, not safetensors)

    def _count(self, size: int) -> None:
        """Note ``size`` bytes hashed by lanes that read the file themselves."""
        self._size += size

    def _update_parallel(self, view: memoryview) -> None:
        pool = _shared_pool()
        futures: list[Future[None]] = [pool.submit(lane.update, view, self._size) for lane in self._lanes[1:]]
        try:
            self._lanes[0].update(view, self._size)
        finally:
            # never return (and let the caller reuse the buffer) while another thread still reads it
            for future in futures:
                future.exception()
        for future in futures:
            future.result()

    def hexdigests(self) -> Digests:
        """Finish and return ``{algorithm: value}`` for every requested algorithm.

        A value is ``None`` where Civitai has none either (AutoV1 under 2 MiB, AutoV3 of a non-safetensors
        file). Further updates are refused; calling this again returns the same values.
        """
        if self._results is None:
            results: Digests = {}
            for digest in self._digests:
                results.update(digest.results(self._size))
            self._results = {algorithm: results[algorithm] for algorithm in self.algorithms}
        return dict(self._results)

    def finalize(self) -> FileHashes:
        """Finish and return the hashes as Civitai's ``FileHashes`` model (unrequested types are ``None``)."""
        return to_file_hashes(self.hexdigests())


def to_file_hashes(digests: Mapping[HashAlgorithm, str | None]) -> FileHashes:
    """Build the core ``FileHashes`` model from ``{algorithm: value}`` (keys are Civitai's wire keys)."""
    return FileHashes.model_validate({algorithm.value: value for algorithm, value in digests.items()})


# ---------------------------------------------------------------------------------------------- files


class _Cancelled(Exception):
    """Raised inside the read loop when an async caller was cancelled."""


def _read_into(
    file: BinaryIO,
    hasher: MultiHasher,
    *,
    total: int | None,
    chunk_size: int,
    on_progress: ProgressCallback | None,
    stop: threading.Event | None,
) -> None:
    readinto = getattr(file, "readinto", None)
    if readinto is None:
        chunks: Generator[Buffer] = _read_copies(file.read, chunk_size)
    else:
        chunks = _read_in_place(readinto, chunk_size)
    with contextlib.closing(chunks):
        for chunk in chunks:
            if stop is not None and stop.is_set():
                raise _Cancelled
            hasher.update(chunk)
            if on_progress is not None:
                on_progress(hasher.size, total)


def _read_copies(read: Callable[[int], bytes], chunk_size: int) -> Generator[bytes]:
    """Chunks of a stream that has no ``readinto``."""
    yield from iter(partial(read, chunk_size), b"")


def _read_in_place(readinto: Callable[[memoryview], int | None], chunk_size: int) -> Generator[memoryview]:
    """Chunks read into one reused buffer (each is only valid until the next is asked for)."""
    view = memoryview(bytearray(chunk_size))
    while count := readinto(view):
        yield view[:count]


def _hash_in_lanes(
    fd: int,
    hasher: MultiHasher,
    *,
    size: int,
    chunk_size: int,
    on_progress: ProgressCallback | None,
    stop: threading.Event | None,
) -> None:
    """Hash the first ``size`` bytes of the open file ``fd``, each lane reading them itself with ``preadv``.

    The caller's thread runs the first (heaviest) lane and reports progress as the slowest lane's; the others
    run on the hash pool. A file that shrinks under the lanes is an error (their digests would describe
    different files); one that grows is hashed up to ``size``, and the caller sees the change in its stat.
    """
    head = os.pread(fd, 9, 0)
    lanes = hasher._reader_lanes(head)
    done, reported = [0] * len(lanes), [0]
    give_up = threading.Event()  # set when any lane fails or is cancelled: the others stop at their next chunk

    def read(index: int) -> None:
        lane, view, offset = lanes[index], memoryview(bytearray(chunk_size)), 0
        try:
            while offset < size:
                if give_up.is_set() or (stop is not None and stop.is_set()):
                    raise _Cancelled
                count = os.preadv(fd, [view[: size - offset]], offset)
                if count == 0:
                    raise OSError(errno.EIO, "the file shrank while it was being hashed")
                lane.update(view[:count], offset)
                offset += count
                done[index] = offset
                if index == 0 and on_progress is not None:
                    reported[0] = min(done)
                    on_progress(reported[0], size)
        except BaseException:
            give_up.set()
            raise

    pool = _shared_pool()
    others = [pool.submit(read, index) for index in range(1, len(lanes))]
    failures: list[BaseException] = []
    try:
        if lanes:  # else there is nothing to hash, so nothing to read
            read(0)
    except BaseException as exc:
        failures.append(exc)
    # never return (and let the file close) while a lane still reads it
    failures += [failure for other in others if (failure := other.exception()) is not None]
    if failures:  # the cause, rather than the lanes it stopped
        raise next((failure for failure in failures if not isinstance(failure, _Cancelled)), failures[0])
    if on_progress is not None and reported[0] < size:
        on_progress(size, size)
    hasher._count(size)


def _hash_path_uncached(
    path: Path,
    algorithms: frozenset[HashAlgorithm],
    *,
    chunk_size: int,
    on_progress: ProgressCallback | None,
    stop: threading.Event | None,
) -> tuple[Digests, os.stat_result | None]:
    """Hash ``path``; also returns its stat when the file did not change while being read."""
    with path.open("rb", buffering=0) as file:
        before = os.fstat(file.fileno())
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        hasher = MultiHasher(algorithms)
        if hasattr(os, "preadv") and before.st_size > chunk_size:
            fd, size = file.fileno(), before.st_size
            _hash_in_lanes(fd, hasher, size=size, chunk_size=chunk_size, on_progress=on_progress, stop=stop)
        else:
            _read_into(file, hasher, total=before.st_size, chunk_size=chunk_size, on_progress=on_progress, stop=stop)
        after = os.fstat(file.fileno())
    unchanged = before.st_size == after.st_size == hasher.size and before.st_mtime_ns == after.st_mtime_ns
    return hasher.hexdigests(), before if unchanged else None


def _derive(known: Mapping[HashAlgorithm, str | None]) -> Digests:
    """Cached values plus what follows from them without reading (AutoV2 is a SHA256 prefix)."""
    derived = dict(known)
    sha256 = derived.get(HashAlgorithm.SHA256)
    if sha256 is not None:
        derived.setdefault(HashAlgorithm.AUTOV2, sha256[:10])
    return derived


def _hash_path(
    path: str | os.PathLike[str],
    algorithms: frozenset[HashAlgorithm],
    *,
    cache: HashCache | None,
    chunk_size: int,
    on_progress: ProgressCallback | None,
    stop: threading.Event | None = None,
) -> Digests:
    path = Path(path)
    known = _derive(cache.get(path) if cache is not None else {})
    missing = algorithms - known.keys()
    if missing:
        computed, stat = _hash_path_uncached(path, missing, chunk_size=chunk_size, on_progress=on_progress, stop=stop)
        if cache is not None and stat is not None:
            cache.put(path, computed, stat=stat)
        known.update(computed)
    return {algorithm: known[algorithm] for algorithm in algorithms}


def hash_file(
    path: str | os.PathLike[str],
    algorithms: HashAlgorithm | str | Iterable[HashAlgorithm | str] = CIVITAI_ALGORITHMS,
    *,
    cache: HashCache | None = None,
    chunk_size: int = FILE_CHUNK_SIZE,
    on_progress: ProgressCallback | None = None,
) -> FileHashes:
    """Hash a file in one read pass and return Civitai's ``FileHashes``.

    With a ``cache``, values known for the file's current (size, mtime) are reused and only the missing
    algorithms are computed. ``on_progress(bytes_done, total)`` is called after each chunk. File problems
    raise ``OSError``; use [`FileHashingService`][] for a ``Result`` instead.
    """
    chosen = _normalize_algorithms(algorithms)
    if chunk_size < 1:
        raise ValueError("chunk_size: must be positive")
    return to_file_hashes(_hash_path(path, chosen, cache=cache, chunk_size=chunk_size, on_progress=on_progress))


def hash_stream(
    stream: BinaryIO,
    algorithms: HashAlgorithm | str | Iterable[HashAlgorithm | str] = CIVITAI_ALGORITHMS,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> FileHashes:
    """Hash a binary stream from its current position to its end (for files, prefer [`hash_file`][])."""
    hasher = MultiHasher(algorithms)
    _read_into(stream, hasher, total=None, chunk_size=chunk_size, on_progress=None, stop=None)
    return hasher.finalize()


#: Embedded-hash keys in the order A1111/Forge consult them.
EMBEDDED_HASH_KEYS = ("sshs_model_hash", "modelspec.hash_sha256")


def read_embedded_hash(path: str | os.PathLike[str]) -> str | None:
    """The hash a safetensors file claims for itself in ``__metadata__``, normalised; ``None`` if absent.

    Never trust it: trainers write garbage there (SHA-256 of empty input, stale values), kohya's
    ``sshs_model_hash`` is computed over a re-serialised file and ``modelspec.hash_sha256`` is not AutoV3.
    It is exposed so callers can compare it with a real hash or use it as a last-resort lookup key.
    Non-safetensors and malformed files give ``None``; an unreadable file raises ``OSError``.
    """
    with Path(path).open("rb") as file:
        head = file.read(9)
        header_size = safetensors_header_size(head)
        if header_size is None:
            return None
        raw = head[8:] + file.read(header_size - 1)
    if len(raw) < header_size:
        return None
    try:
        header = loads(raw.rstrip(b"\x00 \t\r\n"))
    except ValueError:
        return None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(metadata, dict):
        return None
    for key in EMBEDDED_HASH_KEYS:
        value = metadata.get(key)
        if isinstance(value, str):
            normalized = normalize_hash(value)
            if normalized and normalized != _EMPTY_SHA256 and all(c in "0123456789ABCDEF" for c in normalized):
                return normalized
    return None


# ---------------------------------------------------------------------------------------------- services


@dataclass(frozen=True, slots=True)
class HashVerification:
    """The outcome of comparing a file's hash with an expected value; truthy when they match."""

    path: Path
    algorithm: HashAlgorithm
    expected: str
    actual: str | None

    @property
    def matches(self) -> bool:
        return self.actual is not None and self.actual == self.expected

    def __bool__(self) -> bool:
        return self.matches


@dataclass(frozen=True, slots=True)
class _VerifyRequest:
    """Validated arguments of ``verify``, shared by the sync and async services."""

    path: Path
    expected: str
    algorithm: HashAlgorithm

    @classmethod
    def of(cls, path: str | os.PathLike[str], expected: str, algorithm: HashAlgorithm | str) -> _VerifyRequest:
        if not isinstance(expected, str) or not normalize_hash(expected):
            raise ValueError("expected: give the expected hash as a non-empty string")
        (chosen,) = _normalize_algorithms(algorithm)
        return cls(_check_path(path), normalize_hash(expected), chosen)

    def judge(self, computed: Result[FileHashes]) -> Result[HashVerification]:
        return computed.map(
            lambda hashes: HashVerification(self.path, self.algorithm, self.expected, hashes.get(self.algorithm))
        )


def _file_failure(path: object, exc: BaseException) -> Failure:
    """Map a file problem to the ``Failure`` CivitaiSharp would return."""
    if isinstance(exc, FileNotFoundError):
        return Failure.of(ErrorCode.FILE_NOT_FOUND, f"File not found: {path}", cause=exc)
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        return Failure.of(ErrorCode.IO_ERROR, f"Cannot read {path}: {reason}", cause=exc)
    return Failure.of(ErrorCode.HASH_COMPUTATION_FAILED, f"Hashing {path} failed: {exc}", cause=exc)


def _check_path(path: object) -> Path:
    if not isinstance(path, str | os.PathLike) or not str(path).strip():
        raise ValueError("path: give a non-empty file path")
    return Path(path)


class FileHashingService:
    """Hashes files and verifies them, returning ``Result`` instead of raising for file problems.

    ``chunk_size`` is the read size; by default 256 KiB for files (it stays in a core's cache) and 4 MiB for streams.
    """

    def __init__(self, cache: HashCache | None = None, *, chunk_size: int | None = None) -> None:
        if chunk_size is not None and chunk_size < 1:
            raise ValueError("chunk_size: must be positive")
        self.cache = cache
        self.chunk_size = chunk_size

    def compute(
        self,
        path: str | os.PathLike[str],
        algorithms: HashAlgorithm | str | Iterable[HashAlgorithm | str] = CIVITAI_ALGORITHMS,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> Result[FileHashes]:
        """Hash ``path`` with ``algorithms`` (one or several) in one pass."""
        return self._compute(_check_path(path), _normalize_algorithms(algorithms), on_progress, None)

    def _compute(
        self,
        path: Path,
        algorithms: frozenset[HashAlgorithm],
        on_progress: ProgressCallback | None,
        stop: threading.Event | None,
    ) -> Result[FileHashes]:
        try:
            digests = _hash_path(
                path,
                algorithms,
                cache=self.cache,
                chunk_size=self.chunk_size or FILE_CHUNK_SIZE,
                on_progress=on_progress,
                stop=stop,
            )
        except _Cancelled:
            return Failure.of(ErrorCode.CANCELLED, f"Hashing {path} was cancelled")
        except Exception as exc:
            return _file_failure(path, exc)
        return Success(to_file_hashes(digests))

    def compute_stream(
        self,
        stream: BinaryIO,
        algorithms: HashAlgorithm | str | Iterable[HashAlgorithm | str] = CIVITAI_ALGORITHMS,
    ) -> Result[FileHashes]:
        """Hash a binary stream from its position to its end."""
        chosen = _normalize_algorithms(algorithms)
        if getattr(stream, "closed", False) or not stream.readable():
            return Failure.of(ErrorCode.STREAM_NOT_READABLE, "Stream is not readable.")
        try:
            return Success(hash_stream(stream, chosen, chunk_size=self.chunk_size or CHUNK_SIZE))
        except Exception as exc:
            return _file_failure("stream", exc)

    def verify(
        self,
        path: str | os.PathLike[str],
        expected: str,
        algorithm: HashAlgorithm | str = HashAlgorithm.SHA256,
    ) -> Result[HashVerification]:
        """Compare the file's ``algorithm`` hash with ``expected`` (case-insensitive, ``0x`` allowed)."""
        request = _VerifyRequest.of(path, expected, algorithm)
        return request.judge(self._compute(request.path, frozenset({request.algorithm}), None, None))


class AsyncFileHashingService:
    """The async twin of [`FileHashingService`][]: the same work, run in a worker thread.

    Cancelling the awaiting task stops the read loop at the next chunk.
    """

    def __init__(self, cache: HashCache | None = None, *, chunk_size: int | None = None) -> None:
        self.sync = FileHashingService(cache, chunk_size=chunk_size)

    async def compute(
        self,
        path: str | os.PathLike[str],
        algorithms: HashAlgorithm | str | Iterable[HashAlgorithm | str] = CIVITAI_ALGORITHMS,
        *,
        on_progress: ProgressCallback | None = None,
    ) -> Result[FileHashes]:
        return await self._run(_check_path(path), _normalize_algorithms(algorithms), on_progress)

    async def compute_stream(
        self,
        stream: BinaryIO,
        algorithms: HashAlgorithm | str | Iterable[HashAlgorithm | str] = CIVITAI_ALGORITHMS,
    ) -> Result[FileHashes]:
        return await asyncio.to_thread(self.sync.compute_stream, stream, algorithms)

    async def verify(
        self,
        path: str | os.PathLike[str],
        expected: str,
        algorithm: HashAlgorithm | str = HashAlgorithm.SHA256,
    ) -> Result[HashVerification]:
        request = _VerifyRequest.of(path, expected, algorithm)
        return request.judge(await self._run(request.path, frozenset({request.algorithm}), None))

    async def _run(
        self, path: Path, algorithms: frozenset[HashAlgorithm], on_progress: ProgressCallback | None
    ) -> Result[FileHashes]:
        stop = threading.Event()
        try:
            return await asyncio.to_thread(self.sync._compute, path, algorithms, on_progress, stop)
        except asyncio.CancelledError:
            stop.set()
            raise
