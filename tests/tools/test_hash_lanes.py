"""How ``MultiHasher`` spreads its digests over threads (issue 13: the hash row).

AutoV3 hashes nothing on a file that is not safetensors, so once the first bytes show that, its lane
must be given back: SHA-256 gets a thread of its own and CRC32 + BLAKE3 share the other one. On a
safetensors file AutoV3 does a full SHA-256 and keeps its budget. Values stay exact either way.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import threading
import zlib
from typing import BinaryIO, cast

import blake3
import pytest

from civitai_kit.tools import HashAlgorithm as H
from civitai_kit.tools.hashing import CIVITAI_ALGORITHMS, MultiHasher, _read_into

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


class _ObservedFile(io.RawIOBase):
    """``PLAIN`` served through ``readinto``, noting when each read starts; read ``fail_at`` raises."""

    def __init__(self, fail_at: int | None = None) -> None:
        self._data = io.BytesIO(PLAIN)
        self.started = [threading.Event() for _ in range(len(PLAIN) // 65536 + 2)]
        self.reads = 0
        self._fail_at = fail_at

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self.started[self.reads].set()
        self.reads += 1
        if self.reads == self._fail_at:
            raise OSError("disk gone")
        return self._data.readinto(buffer)


def test_the_next_chunk_is_read_while_this_one_is_hashed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading is a copy out of the page cache; done between chunks it stalls every lane."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    file, chunks = _ObservedFile(), []
    hasher = MultiHasher(CIVITAI_ALGORITHMS, threads=2)

    def progress(done: int, total: int | None) -> None:
        # the wait guards against hanging, it times nothing: a sequential reader would start the next read
        # only after this returns, so the event would never be set here
        assert file.started[done // 65536].wait(10), "the next read had not started"
        chunks.append(done)

    _read_into(cast(BinaryIO, file), hasher, total=len(PLAIN), chunk_size=65536, on_progress=progress, stop=None)
    assert len(chunks) == len(PLAIN) // 65536
    assert hasher.hexdigests()[H.SHA256] == hashlib.sha256(PLAIN).hexdigest().upper()


def test_a_read_error_ahead_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    file = _ObservedFile(fail_at=3)
    with pytest.raises(OSError, match="disk gone"):
        _read_into(
            cast(BinaryIO, file), MultiHasher(H.SHA256), total=len(PLAIN), chunk_size=65536, on_progress=None, stop=None
        )
    assert file.reads == 3  # nothing read after the failure
