"""hash_file / read_embedded_hash and the FileHashingService twins: Results, never exceptions, for file problems."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import struct
import threading
import zlib
from pathlib import Path

import blake3
import pytest

from civitai_kit.core.models import FileHashes
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.tools import AsyncFileHashingService, FileHashingService, HashVerification, hash_file
from civitai_kit.tools import HashAlgorithm as H
from civitai_kit.tools.hash_cache import HashCache
from civitai_kit.tools.hashing import hash_stream, read_embedded_hash

HELLO_SHA256 = "B94D27B9934D3E08A52E52D7DA7DABFAC484EFE37A5380EE9088F7ACE2EFCDE9"


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    path = tmp_path / "hello.txt"
    path.write_bytes(b"hello world")
    return path


def safetensors_file(path: Path, metadata: dict[str, str] | None, tensor: bytes = b"\x00\x00\x80\x3f") -> Path:
    header: dict[str, object] = {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, len(tensor)]}}
    if metadata is not None:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + tensor)
    return path


# ---------------------------------------------------------------------------------------------- hash_file


def test_hash_file_returns_civitai_file_hashes(hello: Path) -> None:
    hashes = hash_file(hello)
    assert isinstance(hashes, FileHashes)
    assert hashes.sha256 == HELLO_SHA256
    assert hashes.auto_v2 == "B94D27B993"
    assert hashes.crc32 == "85114A0D"
    assert hashes.get(H.BLAKE3) == "D74981EFA70A0C880B8D8C1985D075DBCBF679B99A5F9914E5AAF96B831A9E24"
    assert hashes.auto_v1 is None and hashes.auto_v3 is None and hashes.sha512 is None


def test_hash_file_of_a_multi_chunk_file_matches_separate_hashes(tmp_path: Path) -> None:
    data = os.urandom(9 * 1024 * 1024 + 123)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    seen: list[tuple[int, int | None]] = []
    hashes = hash_file(path, set(H), chunk_size=1024 * 1024, on_progress=lambda done, total: seen.append((done, total)))
    assert hashes.sha256 == hashlib.sha256(data).hexdigest().upper()
    assert hashes.sha512 == hashlib.sha512(data).hexdigest().upper()
    assert hashes.blake3 == blake3.blake3(data).hexdigest().upper()
    assert hashes.crc32 == struct.pack("<I", zlib.crc32(data)).hex().upper()
    assert hashes.auto_v1 == hashlib.sha256(data[0x100000:0x110000]).hexdigest().upper()[:8]
    # one report per chunk the caller's lane reads (the slowest lane's count), and one more at the end when the
    # other lane was the slower: never past the size, never backwards, the size exactly once
    assert seen[-1] == (len(data), len(data)) and seen.count(seen[-1]) == 1 and len(seen) in (10, 11)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_hash_file_errors_raise_oserror_and_bad_arguments_value_error(tmp_path: Path, hello: Path) -> None:
    with pytest.raises(FileNotFoundError):
        hash_file(tmp_path / "missing.bin")
    with pytest.raises(ValueError, match="chunk_size"):
        hash_file(hello, chunk_size=0)
    with pytest.raises(ValueError, match="algorithms"):
        hash_file(hello, "MD5")


def test_hash_stream_hashes_from_the_current_position() -> None:
    stream = io.BytesIO(b"xxhello world")
    stream.seek(2)
    assert hash_stream(stream, H.SHA256).sha256 == HELLO_SHA256


# ---------------------------------------------------------------------------------------------- embedded


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"sshs_model_hash": "b9c80b5adeca450753a16950c3cc655d"}, "B9C80B5ADECA450753A16950C3CC655D"),
        ({"modelspec.hash_sha256": "0xabcdef0123"}, "ABCDEF0123"),
        ({"sshs_model_hash": "aaaa", "modelspec.hash_sha256": "0xbbbb"}, "AAAA"),  # A1111's order
        (
            {
                "sshs_model_hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "modelspec.hash_sha256": "0xcccc",
            },
            "CCCC",  # SHA-256 of empty input is known garbage (ostris/ai-toolkit#130)
        ),
        ({"sshs_model_hash": "not hex!"}, None),
        ({"ss_network_dim": "32"}, None),
        (None, None),
    ],
)
def test_read_embedded_hash(tmp_path: Path, metadata: dict[str, str] | None, expected: str | None) -> None:
    path = safetensors_file(tmp_path / "lora.safetensors", metadata)
    assert read_embedded_hash(path) == expected


def test_embedded_hash_is_never_trusted_as_the_real_hash(tmp_path: Path) -> None:
    path = safetensors_file(tmp_path / "lying.safetensors", {"sshs_model_hash": "ab" * 32})
    assert read_embedded_hash(path) == "AB" * 32
    assert hash_file(path, H.AUTOV3).auto_v3 == hashlib.sha256(b"\x00\x00\x80\x3f").hexdigest().upper()


def test_read_embedded_hash_of_other_files(tmp_path: Path, hello: Path) -> None:
    assert read_embedded_hash(hello) is None
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(struct.pack("<Q", 20) + b"{not json at all!!!}")
    assert read_embedded_hash(broken) is None
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(struct.pack("<Q", 400) + b'{"__metadata__": {}}')
    assert read_embedded_hash(cut) is None
    with pytest.raises(FileNotFoundError):
        read_embedded_hash(tmp_path / "missing.safetensors")


# ---------------------------------------------------------------------------------------------- services


def test_compute_success(hello: Path) -> None:
    result = FileHashingService().compute(hello, [H.SHA256, "crc32"])
    assert isinstance(result, Success)
    assert (result.value.sha256, result.value.crc32, result.value.blake3) == (HELLO_SHA256, "85114A0D", None)


def test_compute_uses_the_cache(tmp_path: Path, hello: Path) -> None:
    with HashCache(tmp_path / "c.sqlite3") as cache:
        service = FileHashingService(cache)
        service.compute(hello, H.SHA256)
        assert cache.get(hello) == {H.SHA256: HELLO_SHA256}


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    result = FileHashingService().compute(tmp_path / "missing.bin")
    assert isinstance(result, Failure)
    assert result.error.code is ErrorCode.FILE_NOT_FOUND
    assert result.error.message == f"File not found: {tmp_path / 'missing.bin'}"


def test_directory_is_an_io_error(tmp_path: Path) -> None:
    result = FileHashingService().compute(tmp_path)
    assert isinstance(result, Failure) and result.error.code is ErrorCode.IO_ERROR
    assert str(tmp_path) in result.error.message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_is_an_io_error(hello: Path) -> None:
    hello.chmod(0)
    try:
        result = FileHashingService().compute(hello)
    finally:
        hello.chmod(0o600)
    assert isinstance(result, Failure) and result.error.code is ErrorCode.IO_ERROR


def test_unexpected_error_is_hash_computation_failed(hello: Path) -> None:
    def explode(done: int, total: int | None) -> None:
        raise RuntimeError("progress sink broke")

    result = FileHashingService().compute(hello, on_progress=explode)
    assert isinstance(result, Failure) and result.error.code is ErrorCode.HASH_COMPUTATION_FAILED
    assert "progress sink broke" in result.error.message


@pytest.mark.parametrize("path", ["", "   "])
def test_blank_path_is_a_value_error(path: str) -> None:
    with pytest.raises(ValueError, match="path"):
        FileHashingService().compute(path)


@pytest.mark.parametrize(
    ("expected", "algorithm", "matches"),
    [
        (HELLO_SHA256.lower(), H.SHA256, True),
        (f"  0x{HELLO_SHA256}  ", "sha256", True),
        ("b94d27b993", "autov2", True),
        ("85114a0d", H.CRC32, True),
        ("0d4a1185", H.CRC32, False),  # zlib's byte order is not Civitai's
        ("B94D27B994", H.AUTOV2, False),
        ("DEADBEEF", H.AUTOV1, False),  # the file has no AutoV1 at all
    ],
)
def test_verify(hello: Path, expected: str, algorithm: H | str, matches: bool) -> None:
    result = FileHashingService().verify(hello, expected, algorithm)
    assert isinstance(result, Success)
    verification = result.value
    assert isinstance(verification, HashVerification)
    assert verification.matches is matches and bool(verification) is matches
    assert verification.expected == expected.strip().upper().removeprefix("0X")


def test_verify_arguments_and_failures(tmp_path: Path, hello: Path) -> None:
    service = FileHashingService()
    with pytest.raises(ValueError, match="expected"):
        service.verify(hello, "  ")
    with pytest.raises(ValueError, match="algorithms"):
        service.verify(hello, "abc", "md5")
    missing = service.verify(tmp_path / "nope", "abc")
    assert isinstance(missing, Failure) and missing.error.code is ErrorCode.FILE_NOT_FOUND


def test_compute_stream() -> None:
    service = FileHashingService()
    ok = service.compute_stream(io.BytesIO(b"hello world"), H.SHA256)
    assert isinstance(ok, Success) and ok.value.sha256 == HELLO_SHA256
    closed = io.BytesIO(b"x")
    closed.close()
    failure = service.compute_stream(closed)
    assert isinstance(failure, Failure) and failure.error.code is ErrorCode.STREAM_NOT_READABLE


async def test_async_twin_gives_the_same_results(tmp_path: Path, hello: Path) -> None:
    service = AsyncFileHashingService()
    computed = await service.compute(hello)
    assert computed == FileHashingService().compute(hello)
    verified = await service.verify(hello, "b94d27b993", H.AUTOV2)
    assert isinstance(verified, Success) and verified.value.matches
    missing = await service.compute(tmp_path / "missing")
    assert isinstance(missing, Failure) and missing.error.code is ErrorCode.FILE_NOT_FOUND
    streamed = await service.compute_stream(io.BytesIO(b"hello world"), H.SHA256)
    assert isinstance(streamed, Success) and streamed.value.sha256 == HELLO_SHA256


async def test_async_hashing_runs_off_the_event_loop_and_stops_when_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(bytes(64 * 1024 * 1024))
    started, chunks = threading.Event(), []
    release = threading.Event()

    def progress(done: int, total: int | None) -> None:
        chunks.append(done)
        started.set()
        release.wait(5)  # hold the worker so cancellation lands mid-file

    service = AsyncFileHashingService(chunk_size=1024 * 1024)
    task = asyncio.create_task(service.compute(path, H.SHA256, on_progress=progress))
    await asyncio.to_thread(started.wait, 5)  # the loop stayed free while the worker hashed
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    await asyncio.sleep(0.2)
    assert len(chunks) <= 2  # the worker stopped at the next chunk instead of reading 64 chunks


def test_a_safetensors_header_nested_too_deeply_has_no_embedded_hash(tmp_path: Path) -> None:
    import struct

    from civitai_kit.tools.hashing import read_embedded_hash

    header = b"[" * 5000 + b"]" * 5000
    path = tmp_path / "deep.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    assert read_embedded_hash(path) is None
