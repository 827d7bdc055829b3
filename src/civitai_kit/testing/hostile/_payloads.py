"""Hostile bodies, built lazily: compression bombs, deeply nested and huge JSON.

Nothing here holds the inflated size in memory. A bomb is a deflate stream made of one compressed 1 MiB
block repeated (after a full flush the compressor's history is empty, so the same input block always
compresses to the same bytes), framed as gzip or zlib with checksums computed block by block.
"""

from __future__ import annotations

import importlib
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class StreamedBody:
    """A body sent in pieces: its exact length (for Content-Length) and a factory of its chunks."""

    length: int
    chunks: Callable[[], Iterator[bytes]]

    def read_all(self) -> bytes:
        """The whole body (for small bodies and tests only)."""
        return b"".join(self.chunks())


# ---------------------------------------------------------------------------------------------- bombs

_bomb_cache: dict[tuple[str, int, bytes, bytes, bytes], StreamedBody] = {}
_bomb_lock = threading.Lock()


def brotli_available() -> bool:
    """True if the ``brotli`` module is importable (``br`` bombs need it)."""
    try:
        importlib.import_module("brotli")
    except ImportError:
        return False
    return True


def compression_bomb(
    encoding: str, inflated_bytes: int, *, prefix: bytes = b"", suffix: bytes = b"", fill: bytes = b"a"
) -> StreamedBody:
    """A body in ``encoding`` (``gzip``, ``deflate`` or ``br``) that inflates to ``prefix``,
    ``inflated_bytes`` copies of ``fill`` (one byte) and ``suffix``. Built once per argument set."""
    if len(fill) != 1:
        raise ValueError("fill must be a single byte")
    if inflated_bytes < 0:
        raise ValueError("inflated_bytes must not be negative")
    key = (encoding, inflated_bytes, prefix, suffix, fill)
    with _bomb_lock:
        if key not in _bomb_cache:
            if encoding in ("gzip", "x-gzip", "deflate"):
                _bomb_cache[key] = _deflate_bomb(encoding, inflated_bytes, prefix, suffix, fill)
            elif encoding == "br":
                _bomb_cache[key] = _brotli_bomb(inflated_bytes, prefix, suffix, fill)
            else:
                raise ValueError(f"unsupported encoding {encoding!r} (gzip, deflate or br)")
        return _bomb_cache[key]


def _deflate_bomb(encoding: str, size: int, prefix: bytes, suffix: bytes, fill: bytes) -> StreamedBody:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = fill * _BLOCK
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeats, rest = divmod(size, _BLOCK)
    block_c = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH) if repeats else b""
    tail = compressor.compress(fill * rest) + compressor.compress(suffix) + compressor.flush(zlib.Z_FINISH)

    gzip = encoding in ("gzip", "x-gzip")
    check = zlib.crc32(prefix) if gzip else zlib.adler32(prefix)
    update = zlib.crc32 if gzip else zlib.adler32
    for _ in range(repeats):
        check = update(block, check)
    check = update(suffix, update(fill * rest, check))
    total = len(prefix) + size + len(suffix)
    if gzip:
        start = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # magic, deflate, no flags, mtime 0, max compression
        end = struct.pack("<II", check & 0xFFFFFFFF, total & 0xFFFFFFFF)
    else:
        start = b"\x78\xda"
        end = struct.pack(">I", check & 0xFFFFFFFF)

    def chunks() -> Iterator[bytes]:
        yield start + head
        pending = b""
        for _ in range(repeats):
            pending += block_c
            if len(pending) >= 65536:
                yield pending
                pending = b""
        yield pending + tail + end

    length = len(start) + len(head) + repeats * len(block_c) + len(tail) + len(end)
    return StreamedBody(length, chunks)


def _brotli_bomb(size: int, prefix: bytes, suffix: bytes, fill: bytes) -> StreamedBody:
    brotli: Any = importlib.import_module("brotli")
    compressor = brotli.Compressor(quality=5)
    parts = [compressor.process(prefix)]
    block = fill * _BLOCK
    repeats, rest = divmod(size, _BLOCK)
    for _ in range(repeats):
        parts.append(compressor.process(block))
    parts.append(compressor.process(fill * rest + suffix))
    parts.append(compressor.finish())
    data = b"".join(parts)  # brotli compresses repeats ~ 10^4:1, so this stays small
    return StreamedBody(len(data), lambda: iter((data,)))


def inflated_size(body: StreamedBody, encoding: str, limit: int | None = None) -> int:
    """How many bytes ``body`` really inflates to (stops counting past ``limit``). For the kit's own tests."""
    if encoding == "br":
        brotli: Any = importlib.import_module("brotli")
        return len(brotli.decompress(body.read_all()))
    decompressor = zlib.decompressobj(31 if encoding in ("gzip", "x-gzip") else 15)
    total = 0
    for chunk in body.chunks():
        data = decompressor.decompress(chunk)
        while data:
            total += len(data)
            if limit is not None and total > limit:
                return total
            data = decompressor.decompress(decompressor.unconsumed_tail, _BLOCK)
    return total + len(decompressor.flush())


# ---------------------------------------------------------------------------------------------- JSON


def nested_json(depth: int, kind: str = "array") -> bytes:
    """``[[[...]]]`` (``kind="array"``) or ``{"a":{"a":...1...}}`` (``kind="object"``), ``depth`` levels."""
    if kind == "array":
        return b"[" * depth + b"]" * depth
    if kind == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    raise ValueError("kind must be 'array' or 'object'")


def huge_json(size_bytes: int, shape: str = "page") -> StreamedBody:
    """Valid JSON of about ``size_bytes``: a page ``{"items":[{...},...],"metadata":{}}`` (``shape="page"``)
    or one object with a huge string field ``{"id":1,"name":"...","padding":"aaaa..."}`` (``"object"``)."""
    if shape == "object":
        prefix, suffix = b'{"id":1,"name":"huge","padding":"', b'"}'
        fill = max(0, size_bytes - len(prefix) - len(suffix))
        block = b"a" * 65536

        def object_chunks() -> Iterator[bytes]:
            yield prefix
            left = fill
            while left > 0:
                piece = block[: min(left, len(block))]
                left -= len(piece)
                yield piece
            yield suffix

        return StreamedBody(len(prefix) + fill + len(suffix), object_chunks)
    if shape != "page":
        raise ValueError("shape must be 'page' or 'object'")
    item = b'{"id":1,"name":"' + b"x" * 100 + b'","type":"LORA"}'
    prefix, suffix = b'{"items":[', b'],"metadata":{}}'
    count = max(1, (size_bytes - len(prefix) - len(suffix)) // (len(item) + 1))
    per_chunk = 512
    run = b",".join([item] * per_chunk)

    def page_chunks() -> Iterator[bytes]:
        yield prefix
        left = count
        first = True
        while left > 0:
            n = min(left, per_chunk)
            piece = run if n == per_chunk else b",".join([item] * n)
            yield piece if first else b"," + piece
            first = False
            left -= n
        yield suffix

    length = len(prefix) + count * len(item) + (count - 1) + len(suffix)
    return StreamedBody(length, page_chunks)
