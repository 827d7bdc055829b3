"""Property: one streaming pass equals each hash computed separately over the whole buffer.

The reference below recomputes every algorithm directly with hashlib / zlib / blake3 from Civitai's rules,
on random data fed to :class:`MultiHasher` in random chunkings, with sizes clustered on the boundaries
that matter (the AutoV1 window at 1 MiB .. 1 MiB + 64 KiB, the 2 MiB AutoV1 threshold, the 8/9-byte
safetensors prefix) and safetensors files with odd header lengths.
"""

from __future__ import annotations

import hashlib
import random
import struct
import tempfile
import zlib
from pathlib import Path

import blake3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitai_kit.tools import HashAlgorithm as H
from civitai_kit.tools.hashing import MultiHasher, hash_file

MIB = 1 << 20
BOUNDARIES = [0, 1, 8, 9, 64, MIB, MIB + 0x10000, 2 * MIB]
SIZES = st.builds(
    lambda base, delta: max(0, base + delta),
    st.sampled_from(BOUNDARIES),
    st.sampled_from([-9, -1, 0, 1, 7, 4096]),
)


def reference(data: bytes) -> dict[H, str | None]:
    """Each algorithm computed on its own, straight from the rules in spec/peers-and-hashes.md §4."""
    sha256 = hashlib.sha256(data).hexdigest().upper()
    autov1 = hashlib.sha256(data[MIB : MIB + 0x10000]).hexdigest().upper()[:8] if len(data) >= 2 * MIB else None
    autov3 = None
    if len(data) >= 9:
        (n,) = struct.unpack("<Q", data[:8])
        if 2 <= n <= 100_000_000 and data[8:9] == b"{" and len(data) >= 8 + n:
            autov3 = hashlib.sha256(data[8 + n if n < 16 * MIB else 8 :]).hexdigest().upper()
    return {
        H.SHA256: sha256,
        H.AUTOV2: sha256[:10],
        H.SHA512: hashlib.sha512(data).hexdigest().upper(),
        H.BLAKE3: blake3.blake3(data).hexdigest().upper(),
        H.CRC32: struct.pack("<I", zlib.crc32(data)).hex().upper(),
        H.AUTOV1: autov1,
        H.AUTOV3: autov3,
    }


def stream(data: bytes, chunk_sizes: list[int], threads: int) -> dict[H, str | None]:
    hasher = MultiHasher(frozenset(H), threads=threads)
    view, offset, turn = memoryview(data), 0, 0
    while offset < len(data):
        size = chunk_sizes[turn % len(chunk_sizes)]
        hasher.update(view[offset : offset + size])
        offset, turn = offset + size, turn + 1
    return hasher.hexdigests()


# cycled chunk plans; each ends with a large chunk so tiny chunks hit every boundary without a million calls
CHUNKINGS = st.builds(
    lambda small, large: [*small, large],
    st.lists(st.one_of(st.integers(1, 16), st.integers(17, 70_000)), max_size=5),
    st.sampled_from([MIB - 1, MIB, 300_000, 65_537]),
)
PROFILE = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROFILE
@given(size=SIZES, seed=st.integers(0, 2**32), chunks=CHUNKINGS, threads=st.sampled_from([1, 2]))
def test_one_pass_equals_separate_hashes_on_random_files(size: int, seed: int, chunks: list[int], threads: int) -> None:
    data = random.Random(seed).randbytes(size)
    assert stream(data, chunks, threads) == reference(data)


@PROFILE
@given(
    header_length=st.one_of(st.integers(2, 300), st.sampled_from([MIB - 9, MIB - 8, MIB + 3])),
    tensor_size=st.one_of(st.integers(0, 5000), st.sampled_from([MIB, 2 * MIB - 7])),
    seed=st.integers(0, 2**32),
    chunks=CHUNKINGS,
    threads=st.sampled_from([1, 2]),
)
def test_one_pass_equals_separate_hashes_on_safetensors(
    header_length: int, tensor_size: int, seed: int, chunks: list[int], threads: int
) -> None:
    rng = random.Random(seed)
    body = b'{"__metadata__":{}}'[: header_length - 1]
    header = (body if body.endswith(b"}") else b"{").ljust(header_length - 1, b" ") + b"}"
    data = struct.pack("<Q", header_length) + header + rng.randbytes(tensor_size)
    expected = reference(data)
    assert expected[H.AUTOV3] == hashlib.sha256(data[8 + header_length :]).hexdigest().upper()
    assert stream(data, chunks, threads) == expected
    assert from_file(data, max(chunks[0] if chunks[:-1] else 0, 4096)) == expected


def from_file(data: bytes, chunk_size: int) -> dict[H, str | None]:
    """``hash_file`` of ``data`` written to disk: each lane reads the file itself (``os.preadv``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.bin"
        path.write_bytes(data)
        hashes = hash_file(path, frozenset(H), chunk_size=chunk_size)
    return {algorithm: hashes.get(algorithm) for algorithm in H}


@PROFILE
@given(size=SIZES, seed=st.integers(0, 2**32), chunk_size=st.sampled_from([4096, 65_537, 300_000, MIB]))
def test_a_file_read_by_its_lanes_equals_separate_hashes(size: int, seed: int, chunk_size: int) -> None:
    """Files are read by each lane itself (``os.preadv``): the same values as one stream, at any read size."""
    data = random.Random(seed).randbytes(size)
    assert from_file(data, chunk_size) == reference(data)
