"""Known-answer tests for every hash type, in Civitai's stored format (spec/peers-and-hashes.md §4)."""

from __future__ import annotations

import hashlib
import struct

import pytest

from civitai_kit.tools import HashAlgorithm as H
from civitai_kit.tools.hashing import (
    AUTOV3_LARGE_HEADER,
    CIVITAI_ALGORITHMS,
    MultiHasher,
    normalize_hash,
)

HELLO = b"hello world"

# Minimal safetensors from the spec: u64le 56, a 54-byte JSON header + 2 spaces, f32le [1.0, 2.0]
MINIMAL_SAFETENSORS = bytes.fromhex(
    "3800000000000000"
    "7b2277223a7b226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b302c385d7d7d2020"
    "0000803f00000040"
)


def digests(data: bytes, algorithms: object = frozenset(H), *, chunk: int | None = None) -> dict[H, str | None]:
    hasher = MultiHasher(algorithms)  # type: ignore[arg-type]
    step = chunk or max(len(data), 1)
    for start in range(0, len(data), step):
        hasher.update(data[start : start + step])
    return hasher.hexdigests()


def test_hello_world_matches_civitai_scanner_vectors() -> None:
    out = digests(HELLO)
    assert out[H.SHA256] == "B94D27B9934D3E08A52E52D7DA7DABFAC484EFE37A5380EE9088F7ACE2EFCDE9"
    assert out[H.AUTOV2] == "B94D27B993"
    assert out[H.CRC32] == "85114A0D"  # Civitai/.NET byte order; zlib.crc32 reads 0x0D4A1185
    assert out[H.BLAKE3] == "D74981EFA70A0C880B8D8C1985D075DBCBF679B99A5F9914E5AAF96B831A9E24"
    assert out[H.AUTOV1] is None  # Civitai has no AutoV1 below 2 MiB (A1111 would say e3b0c442)
    assert out[H.AUTOV3] is None  # not a safetensors file
    assert out[H.SHA512] == (
        "309ECC489C12D6EB4CC40F50C902F2B4D0ED77EE511A7C7A9BCD3CA86D4CD86F"
        "989DD35BC5FF499670DA34255B45B0CFD830E81F605DCF7DC5542E93AE9CD76F"
    )


@pytest.mark.parametrize(
    ("data", "civitai_crc"),
    [
        # The Civitai scanner's CRC32 is .NET's Crc32.GetCurrentHash(): little-endian bytes. civitaisharp.md
        # §4.1 calls the conventional big-endian rendering "Civitai's"; the scanner's own test
        # ("hello world" -> 85114A0D) shows otherwise, so we follow the scanner.
        pytest.param(b"123456789", "2639F4CB", id="check-value-cbf43926-reversed"),
        pytest.param(b"Hello, World!", "D0C34AEC", id="ec4ac3d0-reversed"),
        pytest.param(b"", "00000000", id="empty"),
    ],
)
def test_crc32_uses_civitai_byte_order(data: bytes, civitai_crc: str) -> None:
    assert digests(data, H.CRC32) == {H.CRC32: civitai_crc}


def test_autov3_of_minimal_safetensors_is_sha256_of_tensor_data() -> None:
    assert len(MINIMAL_SAFETENSORS) == 72
    out = digests(MINIMAL_SAFETENSORS, {H.AUTOV3, H.SHA256})
    assert out[H.AUTOV3] == "B9C80B5ADECA450753A16950C3CC655D271F7BEF7A485BC83F112B72FEF21D37"
    assert out[H.AUTOV3] == hashlib.sha256(struct.pack("<2f", 1.0, 2.0)).hexdigest().upper()
    assert out[H.SHA256] == hashlib.sha256(MINIMAL_SAFETENSORS).hexdigest().upper()


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 8, 9, 10, 63, 64, 65])
def test_autov3_is_chunking_independent(chunk: int) -> None:
    expected = "B9C80B5ADECA450753A16950C3CC655D271F7BEF7A485BC83F112B72FEF21D37"
    assert digests(MINIMAL_SAFETENSORS, H.AUTOV3, chunk=chunk)[H.AUTOV3] == expected


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(MINIMAL_SAFETENSORS[:40], id="truncated-header"),
        pytest.param(MINIMAL_SAFETENSORS[:8], id="length-only"),
        pytest.param(b"PK\x03\x04" + bytes(200), id="zip-checkpoint"),
        pytest.param(b"\x80\x02}q\x00." + bytes(100), id="pickle"),
        pytest.param(struct.pack("<Q", 4) + b"[1] " + bytes(8), id="header-not-an-object"),
        pytest.param(struct.pack("<Q", 200_000_000) + b"{" + bytes(8), id="header-larger-than-safetensors-allows"),
    ],
)
def test_autov3_is_none_for_non_safetensors(data: bytes) -> None:
    assert digests(data, H.AUTOV3) == {H.AUTOV3: None}


def test_autov3_with_a_16_mib_header_hashes_from_byte_8_like_civitai() -> None:
    header = b"{" + b" " * (AUTOV3_LARGE_HEADER - 2) + b"}"
    data = struct.pack("<Q", len(header)) + header + b"tensor-bytes"
    out = digests(data, H.AUTOV3, chunk=1 << 20)
    assert out[H.AUTOV3] == hashlib.sha256(data[8:]).hexdigest().upper()


def blockwise_file(size: int) -> bytes:
    """Each 64 KiB block is filled with its own index, so an off-by-one window gives another hash."""
    return b"".join(bytes([index & 0xFF]) * 0x10000 for index in range(size // 0x10000 + 1))[:size]


def test_autov1_hashes_the_64k_window_at_1_mib() -> None:
    data = blockwise_file(0x200000)
    assert digests(data, H.AUTOV1, chunk=100_003) == {H.AUTOV1: "DB12C0F0"}  # sha256(b"\x10" * 65536)[:8]


@pytest.mark.parametrize(
    ("size", "has_autov1"),
    [(0, False), (0x110000, False), (0x1FFFFF, False), (0x200000, True), (0x200001, True)],
)
def test_autov1_requires_2_mib_like_civitai(size: int, has_autov1: bool) -> None:
    value = digests(blockwise_file(size), H.AUTOV1)[H.AUTOV1]
    assert (value == "DB12C0F0") if has_autov1 else (value is None)


def test_only_requested_algorithms_are_returned() -> None:
    assert set(digests(HELLO, {H.AUTOV2})) == {H.AUTOV2}
    assert set(digests(HELLO, "blake3")) == {H.BLAKE3}
    assert set(digests(HELLO, CIVITAI_ALGORITHMS)) == set(H) - {H.SHA512}


@pytest.mark.parametrize("bad", [[], "md5", ["SHA256", "nope"]])
def test_bad_algorithms_are_a_value_error_naming_the_argument(bad: object) -> None:
    with pytest.raises(ValueError, match="algorithms"):
        MultiHasher(bad)  # type: ignore[arg-type]


def test_update_after_finalize_is_refused_and_results_are_stable() -> None:
    hasher = MultiHasher(H.SHA256)
    hasher.update(HELLO)
    first = hasher.hexdigests()
    with pytest.raises(RuntimeError):
        hasher.update(b"more")
    assert hasher.hexdigests() == first
    assert hasher.size == len(HELLO)


def test_non_byte_buffers_are_hashed_as_their_raw_bytes() -> None:
    import array

    words = array.array("I", [1, 2, 3])
    hasher = MultiHasher(H.SHA256)
    hasher.update(words)
    assert hasher.hexdigests()[H.SHA256] == hashlib.sha256(words.tobytes()).hexdigest().upper()


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [(" b94d27b993 ", "B94D27B993"), ("0xABCdef", "ABCDEF"), ("0X12", "12"), ("85114a0d", "85114A0D")],
)
def test_normalize_hash(raw: str, normalized: str) -> None:
    assert normalize_hash(raw) == normalized


@pytest.mark.slow  # a subprocess
def test_importing_the_tools_package_needs_no_optional_dependency() -> None:
    import subprocess
    import sys

    code = (
        "import sys, civitai_kit.tools as t\n"
        "from civitai_kit.tools import HashAlgorithm, hash_file, MultiHasher, detect_format, FileHashingService\n"
        "MultiHasher('sha256').update(b'x')\n"
        "assert not {'blake3', 'html_to_markdown', 'isal'} & set(sys.modules), sorted(sys.modules)\n"
        "assert all(hasattr(t, name) for name in t.__all__)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("isal", [True, False], ids=["isal", "zlib"])
def test_crc32_is_the_same_with_or_without_isal(monkeypatch: pytest.MonkeyPatch, isal: bool) -> None:
    """ISA-L's CRC-32 (the ``tools`` extra) when installed, zlib's otherwise: the same values, chunk by chunk."""
    import sys
    import zlib

    from civitai_kit.tools import hashing

    if not isal:
        monkeypatch.setitem(sys.modules, "isal", None)  # as if it were not installed
    hashing._crc32_function.cache_clear()
    try:
        function, _cost = hashing._crc32_function()
        assert (function is zlib.crc32) is not isal
        data = bytes(range(256)) * 1000 + b"tail"
        hasher = MultiHasher(H.CRC32, threads=1)
        for start in range(0, len(data), 999):
            hasher.update(data[start : start + 999])
        assert hasher.hexdigests()[H.CRC32] == struct.pack("<I", zlib.crc32(data)).hex().upper()
    finally:
        hashing._crc32_function.cache_clear()
