"""File format detection from magic bytes.

Civitai image URLs and download names often carry the wrong extension (a PNG served as ``.jpeg``, a
video as ``.png``), and model files are sometimes mislabelled too. The first bytes of a file tell the
truth; [`detect_format`][] reads them without disturbing the caller's stream position.
"""

from __future__ import annotations

import io
import os
import struct
from enum import Enum
from pathlib import Path, PurePath
from typing import BinaryIO, overload

__all__ = [
    "SAFETENSORS_MAX_HEADER",
    "FileFormat",
    "detect_format",
    "fix_extension",
    "safetensors_header_size",
]

#: How many leading bytes detection looks at (enough for an ISO-BMFF brand list or an EBML DocType).
PEEK_SIZE = 4096

#: The safetensors reference implementation refuses headers larger than this.
SAFETENSORS_MAX_HEADER = 100_000_000


class FileFormat(Enum):
    """A detected file format, with its canonical extension and MIME type."""

    PNG = ("png", "image/png")
    JPEG = ("jpg", "image/jpeg")
    GIF = ("gif", "image/gif")
    WEBP = ("webp", "image/webp")
    AVIF = ("avif", "image/avif")
    HEIC = ("heic", "image/heic")
    MP4 = ("mp4", "video/mp4")
    MOV = ("mov", "video/quicktime")
    WEBM = ("webm", "video/webm")
    MKV = ("mkv", "video/x-matroska")
    SAFETENSORS = ("safetensors", "application/octet-stream")
    CHECKPOINT = ("ckpt", "application/octet-stream")  # pickle, raw or in a PyTorch zip
    GGUF = ("gguf", "application/octet-stream")
    ZIP = ("zip", "application/zip")
    UNKNOWN = ("", "application/octet-stream")

    @property
    def extension(self) -> str:
        """Canonical extension without the dot (``""`` for [`UNKNOWN`][])."""
        return self.value[0]

    @property
    def mime_type(self) -> str:
        return self.value[1]

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith("video/")

    @property
    def is_model(self) -> bool:
        return self in (FileFormat.SAFETENSORS, FileFormat.CHECKPOINT, FileFormat.GGUF)

    @property
    def extensions(self) -> frozenset[str]:
        """Every extension (lower case, no dot) that correctly names this format."""
        return _ALIASES.get(self, frozenset({self.extension}) if self.extension else frozenset())


_ALIASES: dict[FileFormat, frozenset[str]] = {
    FileFormat.JPEG: frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    FileFormat.HEIC: frozenset({"heic", "heif"}),
    FileFormat.MP4: frozenset({"mp4", "m4v"}),
    FileFormat.MOV: frozenset({"mov", "qt"}),
    FileFormat.SAFETENSORS: frozenset({"safetensors", "sft"}),
    FileFormat.CHECKPOINT: frozenset({"ckpt", "pt", "pth", "bin", "pkl"}),
}

# ISO base media file format brands (major or compatible)
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})
_QUICKTIME_BRAND = b"qt  "

# opcodes that plausibly follow a protocol-2/3 PROTO header: dict/list/tuple/mark/global/long/memo
_PICKLE_FOLLOWERS = frozenset(b"}]()cq\x8a\x8c\x95X\x81\x93")


def safetensors_header_size(head: bytes | bytearray | memoryview) -> int | None:
    """The JSON header length ``N`` if ``head`` (at least 9 bytes) starts like a safetensors file."""
    if len(head) < 9:
        return None
    (size,) = struct.unpack_from("<Q", head)
    if not 2 <= size <= SAFETENSORS_MAX_HEADER or head[8] != ord("{"):
        return None
    return int(size)


def _sniff(head: bytes, total_size: int | None) -> FileFormat:
    """Classify leading bytes; ``total_size`` (when known) lets the safetensors check be strict."""
    if len(head) < 4:
        return FileFormat.UNKNOWN
    if head.startswith(b"\x89PNG"):
        return FileFormat.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileFormat.JPEG
    if head.startswith(b"GIF8"):
        return FileFormat.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileFormat.WEBP
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return _sniff_iso_bmff(head)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return FileFormat.MKV if b"matroska" in head[:64] else FileFormat.WEBM
    if head.startswith(b"GGUF"):
        return FileFormat.GGUF
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(head)
    if len(head) >= 3 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return _sniff_pickle(head)
    return _sniff_safetensors(head, total_size)


def _sniff_iso_bmff(head: bytes) -> FileFormat:
    (box_size,) = struct.unpack_from(">I", head)
    end = min(max(box_size, 16), len(head))
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    if head[8:12] == _QUICKTIME_BRAND:
        return FileFormat.MOV
    if brands & _AVIF_BRANDS:
        return FileFormat.AVIF
    if brands & _HEIC_BRANDS:
        return FileFormat.HEIC
    return FileFormat.MP4


def _sniff_zip(head: bytes) -> FileFormat:
    # PyTorch's zip format writes "<archive>/data.pkl" as the first member.
    if len(head) >= 30:
        (name_len,) = struct.unpack_from("<H", head, 26)
        first_name = head[30 : 30 + name_len]
        if first_name == b"data.pkl" or first_name.endswith(b"/data.pkl"):
            return FileFormat.CHECKPOINT
    return FileFormat.CHECKPOINT if b"/data.pkl" in head else FileFormat.ZIP


def _sniff_pickle(head: bytes) -> FileFormat:
    protocol, follower = head[1], head[2]
    # protocols 4+ open every non-trivial pickle with a FRAME opcode
    plausible = follower == 0x95 if protocol >= 4 else follower in _PICKLE_FOLLOWERS
    return FileFormat.CHECKPOINT if plausible else FileFormat.UNKNOWN


def _sniff_safetensors(head: bytes, total_size: int | None) -> FileFormat:
    size = safetensors_header_size(head)
    if size is None:
        return FileFormat.UNKNOWN
    if total_size is not None and 8 + size > total_size:
        return FileFormat.UNKNOWN
    # after "{" the JSON must continue with a key or close the object
    rest = head[9 : 8 + size].lstrip(b" \t\r\n")
    if rest and rest[:1] not in (b'"', b"}"):
        return FileFormat.UNKNOWN
    return FileFormat.SAFETENSORS


def _peek_stream(stream: BinaryIO) -> tuple[bytes, int | None]:
    """Read the head of ``stream`` and put the position back where it was."""
    if stream.seekable():
        start = stream.tell()
        try:
            head = stream.read(PEEK_SIZE) or b""
            end = stream.seek(0, io.SEEK_END)
        finally:
            stream.seek(start)
        return bytes(head), end - start
    peek = getattr(stream, "peek", None)
    if peek is None:
        raise ValueError("source: a stream must be seekable or offer peek() so its position is kept")
    return bytes(peek(PEEK_SIZE)[:PEEK_SIZE]), None


def detect_format(source: bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO) -> FileFormat:
    """Detect the format of a file from its first bytes.

    ``source`` is the leading bytes of a file, a path, or a binary stream (its position is restored).
    Unreadable paths and closed or unreadable streams give [`FileFormat.UNKNOWN`][].
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return _sniff(bytes(source[:PEEK_SIZE]), None)
    if isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as file:  # noqa: PTH123 - accepts str and PathLike alike
                return _sniff(file.read(PEEK_SIZE), os.fstat(file.fileno()).st_size)
        except (OSError, ValueError):
            return FileFormat.UNKNOWN
    try:
        if source.closed or (hasattr(source, "readable") and not source.readable()):
            return FileFormat.UNKNOWN
        head, total = _peek_stream(source)
    except (OSError, io.UnsupportedOperation):
        return FileFormat.UNKNOWN
    return _sniff(head, total)


# extensions that are replaced (not appended to) when they do not fit the detected format
_KNOWN_EXTENSIONS = frozenset().union(*(fmt.extensions for fmt in FileFormat)) | {
    "bmp", "tif", "tiff", "svg", "avi", "mpg", "mpeg", "ogg", "ogv", "gguf", "zip",
}  # fmt: skip


@overload
def fix_extension(name: Path, detected: FileFormat) -> Path: ...
@overload
def fix_extension(name: str, detected: FileFormat) -> str: ...
def fix_extension(name: str | Path, detected: FileFormat) -> str | Path:
    """Give ``name`` the extension of the ``detected`` format.

    A name whose extension already fits is returned unchanged (``.jpeg`` stays for JPEG); a wrong
    media/model extension is replaced; anything else after a dot (``v1.5``) is kept and the
    extension appended. [`FileFormat.UNKNOWN`][] changes nothing.
    """
    path = PurePath(name)
    if not path.name:
        raise ValueError(f"name: {str(name)!r} has no file name to fix")
    if detected is FileFormat.UNKNOWN:
        return name
    suffix = path.suffix[1:].lower()
    if suffix in detected.extensions:
        return name
    stem = path.stem if suffix in _KNOWN_EXTENSIONS else path.name
    fixed = path.with_name(f"{stem}.{detected.extension}")
    return Path(fixed) if isinstance(name, Path) else str(fixed)
