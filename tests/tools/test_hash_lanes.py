"""How ``MultiHasher`` spreads its digests over threads, and how files are read for it (issue 13: the hash row).

AutoV3 hashes nothing on a file that is not safetensors, so once the first bytes show that, its lane
must be given back: SHA-256 gets a thread of its own and CRC32 + BLAKE3 share the other one. On a
safetensors file AutoV3 does a full SHA-256 and keeps its budget. Values stay exact either way.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import random
import struct
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast

import blake3
import pytest

from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure
from civitai_kit.tools import HashAlgorithm as H
from civitai_kit.tools.hash_cache import HashCache
from civitai_kit.tools.hashing import CIVITAI_ALGORITHMS, FileHashingService, MultiHasher, hash_file, hash_stream

PLAIN = bytes(range(256)) * 4096  # 1 MiB, not safetensors (its first 8 bytes are no sane header length)


def _safetensors(payload: bytes) -> bytes:
    header = b'{"__metadata__":{}}'
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + payload


def _lane_names(hasher: MultiHasher) -> list[set[str]]:
    return [{type(digest).__name__ for digest in lane.digests} for lane in hasher._lanes]


#: Odd chunk sizes cover the head, where the lanes are decided; the rest goes in one piece (a byte-by-byte
#: feed of a whole MiB costs seconds of CPU and tests nothing more).
HEAD = 64 * 1024


def _feed(hasher: MultiHasher, data: bytes, chunk: int) -> None:
    head = max(HEAD - HEAD % chunk, chunk)
    for start in range(0, min(head, len(data)), chunk):
        hasher.update(data[start : start + chunk])
    if head < len(data):
        hasher.update(data[head:])


@pytest.mark.parametrize("chunk", [1, 5, 9, 4096, len(PLAIN)])
def test_autov3_gives_its_lane_back_on_a_non_safetensors_file(chunk: int) -> None:
    hasher = MultiHasher(CIVITAI_ALGORITHMS, threads=2)
    _feed(hasher, PLAIN, chunk)
    lanes = _lane_names(hasher)
    assert all("_AutoV3Digest" not in lane for lane in lanes)
    sha_lane = next(lane for lane in lanes if "_WholeFileDigest" in lane and "_Crc32Digest" not in lane)
    assert "_Crc32Digest" not in sha_lane
    values = hasher.hexdigests()
    assert values[H.SHA256] == hashlib.sha256(PLAIN).hexdigest().upper()
    assert values[H.CRC32] == zlib.crc32(PLAIN).to_bytes(4, "little").hex().upper()
    assert values[H.BLAKE3] == blake3.blake3(PLAIN).hexdigest().upper()
    assert values[H.AUTOV3] is None


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
def test_autov3_keeps_its_lane_on_a_safetensors_file(chunk: int) -> None:
    payload = bytes(range(251)) * 4000
    data = _safetensors(payload)
    hasher = MultiHasher(CIVITAI_ALGORITHMS, threads=2)
    _feed(hasher, data, chunk)
    assert any("_AutoV3Digest" in lane for lane in _lane_names(hasher))
    values = hasher.hexdigests()
    assert values[H.AUTOV3] == hashlib.sha256(payload).hexdigest().upper()
    assert values[H.SHA256] == hashlib.sha256(data).hexdigest().upper()


def test_without_autov3_nothing_is_rebalanced() -> None:
    hasher = MultiHasher({H.SHA256, H.CRC32}, threads=2)
    before = _lane_names(hasher)
    _feed(hasher, PLAIN, 65536)
    assert _lane_names(hasher) == before


# ---------------------------------------------------------------------------------------------- files
# A file is read by every lane itself (``os.preadv`` at its own offsets), so no buffer crosses cores.

BIG = random.Random(7).randbytes(3 * (1 << 20) + 12_345)  # past AutoV1's 2 MiB threshold, odd tail
CHUNK = 64 * 1024


class _Reads:
    """``os.preadv`` as it is, noting which thread read which offset; ``fail`` may raise instead."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail: Callable[[int, int], bool] = lambda thread, at: False):
        self.seen: list[tuple[int, int]] = []
        self._real = os.preadv
        self._fail = fail
        self._lock = threading.Lock()
        monkeypatch.setattr(os, "preadv", self)
        monkeypatch.setattr(os, "cpu_count", lambda: 2)  # two lanes, whatever this machine has

    def __call__(self, fd: int, buffers: list[memoryview], offset: int) -> int:
        thread = threading.get_ident()
        with self._lock:
            self.seen.append((thread, offset))
        if self._fail(thread, offset):
            raise OSError(errno.EIO, "disk gone")
        return self._real(fd, buffers, offset)

    def by_thread(self) -> dict[int, list[int]]:
        offsets: dict[int, list[int]] = {}
        for thread, offset in self.seen:
            offsets.setdefault(thread, []).append(offset)
        return offsets


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "model.bin"
    path.write_bytes(BIG)
    return path


def test_each_lane_reads_the_whole_file_itself(monkeypatch: pytest.MonkeyPatch, big: Path) -> None:
    reads = _Reads(monkeypatch)
    hashes = hash_file(big, chunk_size=CHUNK)
    every_offset = list(range(0, len(BIG), CHUNK))
    assert sorted(map(sorted, reads.by_thread().values())) == [every_offset, every_offset]
    assert threading.get_ident() in reads.by_thread()  # the heaviest lane runs on the caller's thread
    assert hashes.sha256 == hashlib.sha256(BIG).hexdigest().upper()
    assert hashes.blake3 == blake3.blake3(BIG).hexdigest().upper()
    assert hashes.crc32 == zlib.crc32(BIG).to_bytes(4, "little").hex().upper()
    assert hashes.auto_v1 == hashlib.sha256(BIG[1 << 20 : (1 << 20) + 0x10000]).hexdigest().upper()[:8]
    assert hashes.auto_v3 is None


def test_digests_lighter_than_a_read_share_one_reader(monkeypatch: pytest.MonkeyPatch, big: Path) -> None:
    reads = _Reads(monkeypatch)
    hashes = hash_file(big, {H.SHA256, H.AUTOV1}, chunk_size=CHUNK)
    assert list(reads.by_thread()) == [threading.get_ident()]
    assert len(reads.seen) == len(range(0, len(BIG), CHUNK))
    assert hashes.sha256 == hashlib.sha256(BIG).hexdigest().upper()


def test_autov3_of_a_safetensors_file_gets_a_reader_of_its_own(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    payload = random.Random(3).randbytes(700_001)
    data = _safetensors(payload)
    path = tmp_path / "model.safetensors"
    path.write_bytes(data)
    reads = _Reads(monkeypatch)
    hashes = hash_file(path, {H.SHA256, H.AUTOV3}, chunk_size=CHUNK)
    assert len(reads.by_thread()) == 2
    assert hashes.auto_v3 == hashlib.sha256(payload).hexdigest().upper()
    assert hashes.sha256 == hashlib.sha256(data).hexdigest().upper()


@pytest.mark.parametrize("algorithm", list(H), ids=lambda algorithm: algorithm.value)
@pytest.mark.parametrize("kind", ["plain", "safetensors"])
def test_each_algorithm_alone_hashes_a_file_as_its_stream(algorithm: H, kind: str, tmp_path: Path) -> None:
    """Alone, AutoV3 of a file that is not safetensors leaves no digest to compute: nothing is read, no crash."""
    data = BIG if kind == "plain" else _safetensors(BIG)
    path = tmp_path / f"model.{kind}"
    path.write_bytes(data)
    progress: list[tuple[int, int | None]] = []
    hashed = hash_file(path, algorithm, chunk_size=CHUNK, on_progress=lambda *reported: progress.append(reported))
    assert hashed == hash_stream(io.BytesIO(data), algorithm)
    assert progress[-1] == (len(data), len(data))


def test_progress_follows_the_slowest_lane_and_ends_at_the_size(monkeypatch: pytest.MonkeyPatch, big: Path) -> None:
    _Reads(monkeypatch)
    seen: list[tuple[int, int | None]] = []
    hash_file(big, chunk_size=CHUNK, on_progress=lambda done, total: seen.append((done, total)))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert all(total == len(BIG) and done <= len(BIG) for done, total in seen)
    assert seen[-1] == (len(BIG), len(BIG)) and seen.count(seen[-1]) == 1


def test_a_file_that_shrinks_under_the_lanes_is_an_error_not_a_hash(monkeypatch: pytest.MonkeyPatch, big: Path) -> None:
    _Reads(monkeypatch)

    def shrink(done: int, total: int | None) -> None:
        os.truncate(big, len(BIG) // 2)

    with pytest.raises(OSError, match="shrank") as caught:
        hash_file(big, chunk_size=CHUNK, on_progress=shrink)
    assert caught.value.errno == errno.EIO
    big.write_bytes(BIG)
    failure = FileHashingService(chunk_size=CHUNK).compute(big, on_progress=shrink)
    assert isinstance(failure, Failure)
    assert failure.error.code is ErrorCode.IO_ERROR and "shrank" in failure.error.message


def test_a_file_that_grows_is_hashed_as_it_was_opened_and_not_cached(big: Path, tmp_path: Path) -> None:
    cache = HashCache(tmp_path / "hashes.sqlite")

    def grow(done: int, total: int | None) -> None:
        if done == CHUNK:
            with big.open("ab") as file:
                file.write(b"more")

    hashes = hash_file(big, H.SHA256, cache=cache, chunk_size=CHUNK, on_progress=grow)
    assert hashes.sha256 == hashlib.sha256(BIG).hexdigest().upper()
    assert cache.get(big) == {}
    cache.close()


def test_a_read_error_in_another_lane_reaches_the_caller_and_stops_both(
    monkeypatch: pytest.MonkeyPatch, big: Path
) -> None:
    caller, failed = threading.get_ident(), threading.Event()

    def fail(thread: int, at: int) -> bool:
        if thread != caller and at == 3 * CHUNK:
            failed.set()
            return True
        return False

    reads = _Reads(monkeypatch, fail)

    # the caller's lane waits (in its first progress call) until the other has failed, then stops at its next
    # chunk: without the wait it could finish the file before the pool's lane begins
    def wait_for_the_failure(done: int, total: int | None) -> None:
        failed.wait(10)

    with pytest.raises(OSError, match="disk gone"):
        hash_file(big, chunk_size=CHUNK, on_progress=wait_for_the_failure)
    assert failed.is_set()
    assert max(reads.by_thread()[caller]) < 10 * CHUNK  # of 49 chunks
    assert max(offset for thread, offset in reads.seen if thread != caller) == 3 * CHUNK


def test_a_stop_request_stops_every_lane(monkeypatch: pytest.MonkeyPatch, big: Path) -> None:
    caller, stop = threading.get_ident(), threading.Event()

    def hold(thread: int, at: int) -> bool:
        if thread != caller and at:
            stop.wait(10)  # the pool's lane reads its second chunk only once the stop was asked for
        return False

    reads = _Reads(monkeypatch, hold)
    service = FileHashingService(chunk_size=CHUNK)
    result = service._compute(big, CIVITAI_ALGORITHMS, lambda done, total: stop.set(), stop)
    assert isinstance(result, Failure) and result.error.code is ErrorCode.CANCELLED
    by_thread = reads.by_thread()
    assert by_thread[caller] == [0]  # stopped after its first chunk
    # the pool's lane may not have begun; once begun, it stops at its next chunk
    assert [offsets for thread, offsets in by_thread.items() if thread != caller] in ([], [[0]], [[0, CHUNK]])


def test_a_read_error_in_a_stream_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    class Failing(io.RawIOBase):
        reads = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            self.reads += 1
            if self.reads == 3:
                raise OSError("disk gone")
            buffer[:4] = b"data"
            return 4

    stream = Failing()
    with pytest.raises(OSError, match="disk gone"):
        hash_stream(cast(BinaryIO, stream), H.SHA256)
    assert stream.reads == 3  # nothing read after the failure
