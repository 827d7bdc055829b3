"""Format detection from magic bytes: CivitaiSharp's vectors plus real small files built here."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import pytest

from civitai_kit.tools.formats import FileFormat as F
from civitai_kit.tools.formats import detect_format, fix_extension, safetensors_header_size


def png_file() -> bytes:
    """A valid 1x1 RGB PNG."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x08free"


def ebml(doctype: bytes) -> bytes:
    element = b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(element) + 4]) + b"\x42\x86\x81\x01" + element


def safetensors(header: Mapping[str, object], data: bytes = b"\x00\x00\x80\x3f") -> bytes:
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + data


def torch_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"w": 1}, protocol=2))
        archive.writestr("archive/data/0", b"\x00" * 16)
        archive.writestr("archive/version", b"3\n")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("images/0001.png", png_file())
    return buffer.getvalue()


TENSOR_HEADER = {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}

CIVITAISHARP_VECTORS = [
    ("89504E470D0A1A0A", F.PNG),
    ("FFD8FFE000104A46", F.JPEG),
    ("4749463839610000", F.GIF),
    ("1A45DFA300000000", F.WEBM),
    ("524946460000000057454250", F.WEBP),
    ("000000206674797069736F6D", F.MP4),
    ("0000002066747970" + b"avif".hex(), F.AVIF),
    ("0000002066747970" + b"heic".hex(), F.HEIC),
    ("0001020304050607", F.UNKNOWN),
    ("89504E", F.UNKNOWN),  # 3-byte PNG prefix
]


@pytest.mark.parametrize(("hex_bytes", "expected"), CIVITAISHARP_VECTORS, ids=[v[0] for v in CIVITAISHARP_VECTORS])
def test_civitaisharp_vectors(hex_bytes: str, expected: F) -> None:
    assert detect_format(bytes.fromhex(hex_bytes)) is expected


REAL_FILES = [
    ("png", png_file(), F.PNG),
    ("jpeg", b"\xff\xd8\xff\xdb\x00\x43\x00" + bytes(64) + b"\xff\xd9", F.JPEG),
    ("gif87a", b"GIF87a\x01\x00\x01\x00\x00\x00\x00;", F.GIF),
    (
        "webp",
        b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00",
        F.WEBP,
    ),
    ("avif-mif1-first", ftyp(b"mif1", b"mif1", b"avif", b"miaf"), F.AVIF),
    ("heic-mif1-first", ftyp(b"mif1", b"mif1", b"heic"), F.HEIC),
    ("heif-generic", ftyp(b"mif1", b"mif1"), F.HEIC),
    ("mp4-isom", ftyp(b"isom", b"isom", b"iso2", b"mp41"), F.MP4),
    ("mp4-dash", ftyp(b"dash", b"iso6"), F.MP4),
    ("mov", ftyp(b"qt  ", b"qt  "), F.MOV),
    ("webm", ebml(b"webm"), F.WEBM),
    ("mkv", ebml(b"matroska"), F.MKV),
    ("safetensors", safetensors(TENSOR_HEADER), F.SAFETENSORS),
    ("safetensors-metadata-only", safetensors({"__metadata__": {"a": "b"}}, b""), F.SAFETENSORS),
    ("torch-zip", torch_zip(), F.CHECKPOINT),
    ("zip", plain_zip(), F.ZIP),
    ("pickle-2", pickle.dumps({"state_dict": [1, 2]}, protocol=2), F.CHECKPOINT),
    ("pickle-3", pickle.dumps({"state_dict": [1, 2]}, protocol=3), F.CHECKPOINT),
    ("pickle-4", pickle.dumps({"state_dict": list(range(50))}, protocol=4), F.CHECKPOINT),
    ("pickle-5", pickle.dumps({"state_dict": list(range(50))}, protocol=5), F.CHECKPOINT),
    ("torch-legacy", b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03.", F.CHECKPOINT),
    ("gguf", b"GGUF\x03\x00\x00\x00" + struct.pack("<QQ", 0, 0), F.GGUF),
    ("text", b"hello world, not a model", F.UNKNOWN),
    ("json", b'{"a": 1}', F.UNKNOWN),
    ("0x80-not-pickle", b"\x80\x02\x00\x00\x00\x00", F.UNKNOWN),
    ("empty", b"", F.UNKNOWN),
]


@pytest.mark.parametrize(("name", "data", "expected"), REAL_FILES, ids=[r[0] for r in REAL_FILES])
def test_detects_real_files_from_bytes_paths_and_streams(tmp_path: Path, name: str, data: bytes, expected: F) -> None:
    path = tmp_path / f"{name}.bin"
    path.write_bytes(data)
    assert detect_format(data) is expected
    assert detect_format(path) is expected
    assert detect_format(str(path)) is expected
    with path.open("rb") as stream:
        assert detect_format(stream) is expected
        assert stream.tell() == 0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (struct.pack("<Q", 1) + b"{", "header too short to be JSON"),
        (struct.pack("<Q", 200_000_000) + b'{"', "header above safetensors' 100 MB limit"),
        (struct.pack("<Q", 16) + b"[1, 2, 3]       ", "header not an object"),
        (struct.pack("<Q", 16) + b"{ 1: 2}         ", "object without a string key"),
    ],
)
def test_safetensors_sanity_check_rejects(data: bytes, reason: str) -> None:
    assert detect_format(data) is F.UNKNOWN, reason


def test_truncated_safetensors_file_is_unknown_when_its_size_is_known(tmp_path: Path) -> None:
    data = safetensors(TENSOR_HEADER)
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    path = tmp_path / "cut.safetensors"
    path.write_bytes(data[: header_end - 3])
    assert detect_format(path) is F.UNKNOWN
    path.write_bytes(data[:header_end])  # header complete, no tensor data: still a valid file shape
    assert detect_format(path) is F.SAFETENSORS


def test_safetensors_header_size() -> None:
    data = safetensors(TENSOR_HEADER)
    assert safetensors_header_size(data) == struct.unpack("<Q", data[:8])[0]
    assert safetensors_header_size(data[:8]) is None
    assert safetensors_header_size(png_file()) is None


def test_stream_position_is_restored_mid_stream() -> None:
    stream = io.BytesIO(b"junk" + png_file())
    stream.seek(4)
    assert detect_format(stream) is F.PNG
    assert stream.tell() == 4


def test_non_seekable_buffered_stream_is_peeked_not_consumed() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, png_file())
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        assert not pipe.seekable()
        assert detect_format(pipe) is F.PNG
        assert pipe.read() == png_file()


class _OneWayStream(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        buffer[:4] = b"\x89PNG"
        return 4


def test_stream_that_can_neither_seek_nor_peek_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="source"):
        detect_format(_OneWayStream())  # type: ignore[arg-type]


def test_closed_stream_and_missing_path_are_unknown(tmp_path: Path) -> None:
    stream = io.BytesIO(png_file())
    stream.close()
    assert detect_format(stream) is F.UNKNOWN
    assert detect_format(tmp_path / "missing.png") is F.UNKNOWN
    assert detect_format(tmp_path) is F.UNKNOWN  # a directory


def test_format_properties() -> None:
    assert (F.JPEG.extension, F.JPEG.mime_type) == ("jpg", "image/jpeg")
    assert F.PNG.is_image and not F.PNG.is_video and not F.PNG.is_model
    assert F.WEBM.is_video and F.MOV.mime_type == "video/quicktime"
    assert F.SAFETENSORS.is_model and F.CHECKPOINT.is_model and F.GGUF.is_model and not F.ZIP.is_model
    assert "jpeg" in F.JPEG.extensions and "pt" in F.CHECKPOINT.extensions
    assert F.UNKNOWN.extension == "" and F.UNKNOWN.extensions == frozenset()


@pytest.mark.parametrize(
    ("name", "detected", "fixed"),
    [
        ("12345.jpeg", F.PNG, "12345.png"),
        ("12345.jpeg", F.JPEG, "12345.jpeg"),  # an accepted alias stays
        ("12345.JPG", F.JPEG, "12345.JPG"),
        ("clip.png", F.MP4, "clip.mp4"),
        ("clip.PNG", F.WEBM, "clip.webm"),
        ("noext", F.WEBP, "noext.webp"),
        ("model v1.5", F.SAFETENSORS, "model v1.5.safetensors"),  # ".5" is not an extension
        ("model.ckpt", F.SAFETENSORS, "model.safetensors"),
        ("model.pt", F.CHECKPOINT, "model.pt"),
        ("dir/sub/a.gif", F.PNG, "dir/sub/a.png"),
        ("a.jpeg", F.UNKNOWN, "a.jpeg"),
    ],
)
def test_fix_extension(name: str, detected: F, fixed: str) -> None:
    assert fix_extension(name, detected) == fixed
    assert fix_extension(Path(name), detected) == Path(fixed)


def test_fix_extension_rejects_an_empty_name() -> None:
    with pytest.raises(ValueError, match="name"):
        fix_extension("", F.PNG)
