"""Small but real media files for the fake orchestrator, written with the standard library only.

Each function returns complete file bytes that ordinary decoders accept: a solid-colour PNG, a PCM WAV tone,
an MJPEG-in-MP4 clip (baseline JPEG frames in an ISO base media file), a binary glTF, an SVG, a safetensors
file and a zip/tar archive. They are cheap (a 1024×1024 PNG is about 1 KB, a clip a few KB), deterministic for
a given colour/seed, and need no ffmpeg at run time.
"""

from __future__ import annotations

import io
import json
import math
import struct
import tarfile
import wave
import zipfile
import zlib
from collections.abc import Mapping

Rgb = tuple[int, int, int]


def colour(seed: int) -> Rgb:
    """A colour derived from ``seed`` (the same seed always gives the same colour)."""
    mixed = (seed * 2_654_435_761) & 0xFFFFFF
    return (mixed >> 16) & 0xFF, (mixed >> 8) & 0xFF, mixed & 0xFF


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def solid_png(width: int, height: int, rgb: Rgb) -> bytes:
    """An RGB PNG of exactly ``width``×``height`` filled with one colour (compresses to almost nothing)."""
    if width < 1 or height < 1:
        raise ValueError(f"width and height must be positive, got {width}×{height}")
    row = b"\x00" + bytes(rgb) * width  # filter byte "none", then the pixels
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return png_file(width, height, data)


def png_file(width: int, height: int, idat: bytes) -> bytes:
    """An 8-bit RGB PNG around ``idat``, the zlib-compressed filtered rows."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def wav_tone(seconds: float, seed: int, *, sample_rate: int = 16_000) -> bytes:
    """A mono 16-bit PCM WAV of a sine tone (pitch from ``seed``) lasting ``seconds``."""
    frames = max(1, round(seconds * sample_rate))
    pitch = 220 + seed % 440
    samples = (round(8_000 * math.sin(2 * math.pi * pitch * i / sample_rate)) for i in range(frames))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(struct.pack(f"<{frames}h", *samples))
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------- JPEG


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def solid_jpeg(width: int, height: int, rgb: Rgb) -> bytes:
    """A baseline JPEG (YCbCr 4:4:4) of one colour.

    Every 8×8 block carries only a DC coefficient: with a quantisation table of ones the first block of each
    component codes ``8 × (value − 128)`` and every later block a difference of zero. The Huffman tables are
    minimal custom ones (12 DC categories of 4-bit codes; AC holds only end-of-block), which the format allows.
    """
    red, green, blue = rgb
    ycc = (
        round(0.299 * red + 0.587 * green + 0.114 * blue),
        round(128 - 0.168736 * red - 0.331264 * green + 0.5 * blue),
        round(128 + 0.5 * red - 0.418688 * green - 0.081312 * blue),
    )
    bits = _BitWriter()
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    for block in range(blocks):
        for value in ycc:
            diff = 8 * (min(255, max(0, value)) - 128) if block == 0 else 0
            category = abs(diff).bit_length()
            bits.write(category, 4)  # canonical code of symbol k is k itself (all 4 bits long)
            if category:
                bits.write(diff if diff > 0 else diff + (1 << category) - 1, category)
            bits.write(0, 1)  # AC: end of block
    components = b"".join(bytes((index, 0x11, 0)) for index in (1, 2, 3))
    dc_table = b"\x00" + bytes([0, 0, 0, 12] + [0] * 12) + bytes(range(12))
    ac_table = b"\x10" + bytes([1] + [0] * 15) + b"\x00"
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xDB, b"\x00" + b"\x01" * 64),
            _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + components),
            _segment(0xC4, dc_table + ac_table),
            _segment(0xDA, b"\x03" + b"".join(bytes((index, 0x00)) for index in (1, 2, 3)) + b"\x00\x3f\x00"),
            bits.finish(),
            b"\xff\xd9",
        )
    )


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.value = 0
        self.count = 0

    def write(self, value: int, length: int) -> None:
        self.value = (self.value << length) | (value & ((1 << length) - 1))
        self.count += length
        while self.count >= 8:
            self.count -= 8
            self._byte((self.value >> self.count) & 0xFF)
        self.value &= (1 << self.count) - 1

    def _byte(self, byte: int) -> None:
        self.out.append(byte)
        if byte == 0xFF:
            self.out.append(0x00)  # byte stuffing

    def finish(self) -> bytes:
        if self.count:
            pad = 8 - self.count
            self.write((1 << pad) - 1, pad)  # pad with one-bits
        return bytes(self.out)


# ------------------------------------------------------------------------------------------------- MP4


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", len(payload) + 8) + kind + payload


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


_MATRIX = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def mjpeg_mp4(width: int, height: int, rgb: Rgb, *, seconds: float = 1.0, fps: int = 8) -> bytes:
    """An MP4 (ISO base media) clip of ``seconds`` at ``fps`` whose frames are solid-colour JPEGs.

    Layout: ``ftyp``, ``mdat`` (the frames), ``moov`` with one video track whose sample entry is ``jpeg``
    (Motion JPEG, as QuickTime and ffmpeg name it).
    """
    if width < 1 or height < 1 or width > 0xFFFF or height > 0xFFFF:
        raise ValueError(f"width and height must be in 1..65535, got {width}×{height}")
    frame = solid_jpeg(width, height, rgb)
    count = max(1, round(seconds * fps))
    timescale, duration = fps * 100, count * 100
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2mp41")
    mdat = _box(b"mdat", frame * count)
    chunk_offset = len(ftyp) + 8
    millis = duration * 1000 // timescale
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, 1000, millis),
        struct.pack(">IH10x", 0x00010000, 0x0100),
        _MATRIX,
        bytes(24),
        struct.pack(">I", 2),
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        3,
        struct.pack(">III4xI8xHHH2x", 0, 0, 1, millis, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mdhd = _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))
    hdlr = _full_box(b"hdlr", 0, 0, struct.pack(">I4s12x", 0, b"vide"), b"VideoHandler\x00")
    entry = _box(
        b"jpeg",
        bytes(6),
        struct.pack(">H", 1),
        bytes(16),
        struct.pack(">HHIIIH", width, height, 0x00480000, 0x00480000, 0, 1),
        bytes(32),
        struct.pack(">Hh", 0x18, -1),
    )
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), entry),
        _full_box(b"stts", 0, 0, struct.pack(">III", 1, count, 100)),
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1)),
        _full_box(b"stsz", 0, 0, struct.pack(">II", 0, count), struct.pack(">I", len(frame)) * count),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, chunk_offset)),
    )
    minf = _box(
        b"minf",
        _full_box(b"vmhd", 0, 1, bytes(8)),
        _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1))),
        stbl,
    )
    moov = _box(b"moov", mvhd, _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf)))
    return ftyp + mdat + moov


# ------------------------------------------------------------------------------------------------- other files


def glb(name: str) -> bytes:
    """A binary glTF 2.0 file holding one empty named scene (a valid, if empty, 3D model)."""
    document = json.dumps(
        {"asset": {"version": "2.0", "generator": "civitai-kit sandbox"}, "scene": 0, "scenes": [{"name": name}]}
    ).encode()
    document += b" " * (-len(document) % 4)
    chunk = struct.pack("<I4s", len(document), b"JSON") + document
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunk)) + chunk


def svg(width: int, height: int, rgb: Rgb) -> bytes:
    """An SVG document of ``width``×``height`` filled with one colour."""
    fill = "#{:02x}{:02x}{:02x}".format(*rgb)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="{fill}"/></svg>'
    ).encode()


def safetensors(metadata: Mapping[str, str]) -> bytes:
    """A safetensors file with no tensors, only ``__metadata__`` (what a trained epoch's file header holds)."""
    header = json.dumps({"__metadata__": dict(metadata)}, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header


def archive(entries: Mapping[str, bytes], archive_format: str) -> bytes:
    """A ``zip`` or ``tar`` archive of ``entries`` (name → content), with fixed dates so it is deterministic."""
    buffer = io.BytesIO()
    if archive_format == "tar":
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name, content in entries.items():
                info = tarfile.TarInfo(name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    elif archive_format == "zip":
        with zipfile.ZipFile(buffer, "w") as zipped:
            for name, content in entries.items():
                zipped.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), content)
    else:
        raise ValueError(f"archive_format must be 'zip' or 'tar', got {archive_format!r}")
    return buffer.getvalue()
