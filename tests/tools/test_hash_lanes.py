"""How ``MultiHasher`` spreads its digests over threads (issue 13: the hash row).

AutoV3 hashes nothing on a file that is not safetensors, so once the first bytes show that, its lane
must be given back: SHA-256 gets a thread of its own and CRC32 + BLAKE3 share the other one. On a
safetensors file AutoV3 does a full SHA-256 and keeps its budget. Values stay exact either way.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

import blake3
import pytest

from civitai_kit.tools import HashAlgorithm as H
from civitai_kit.tools.hashing import CIVITAI_ALGORITHMS, MultiHasher

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
