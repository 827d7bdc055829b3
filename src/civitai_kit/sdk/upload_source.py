"""What [`Blobs.upload`][civitai_kit.sdk.blobs.Blobs] accepts: a path, bytes or a binary stream, checked and
turned into a chunked request body with its content type (given, from the file's suffix, or sniffed from its
first bytes). Every refusal is a ``ValueError``/``TypeError`` naming the argument, raised before any request."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import BinaryIO, TypeAlias

from civitai_kit._http import Progress, RequestBody

UploadSource: TypeAlias = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO
"""A file path, the bytes themselves, or a binary stream (read once, from where it is)."""

ACCEPTED_TYPES = ("image/jpeg", "image/png", "image/webp", "video/mp4", "video/webm")
"""The media types civitai.com's own uploader sends to ``POST /v2/consumer/blobs`` (the spec lists none; the
server answers 415 to a type it does not take, which is passed on as it is)."""

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
"""The size civitai.com's own uploader allows; a larger body is answered 413 by the orchestrator."""

_SUFFIXES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jfif": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
}
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
SNIFF_BYTES = 64


def sniff(head: bytes) -> str | None:
    """The media type the first bytes of a file show, for the formats uploads take; ``None`` if unknown."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "image/avif"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith((b"ID3", b"\xff\xfb", b"\xff\xf3")):
        return "audio/mpeg"
    return None


def request_body(source: UploadSource, content_type: str | None, progress: Progress | None) -> RequestBody:
    """``source`` as a chunked body, or a ``ValueError``/``TypeError`` naming ``source`` or ``content_type``."""
    if content_type is not None:
        _check_media_type(content_type)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be callable, not {type(progress).__name__}")
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if not data:
            raise ValueError("source is empty: there is nothing to upload")
        return RequestBody(data, content_type or _sniffed(data[:SNIFF_BYTES], "the bytes"), progress)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        _check_file(path)
        return RequestBody(path, content_type or _type_of_file(path), progress)
    if callable(getattr(source, "read", None)):
        body = RequestBody(source, content_type or _type_of_stream(source), progress)
        if body.length == 0:
            raise ValueError("source is an empty stream (nothing is left to read): there is nothing to upload")
        return body
    raise TypeError(f"source must be a path, bytes or a binary stream, not {type(source).__name__}")


def _check_media_type(content_type: object) -> None:
    if not isinstance(content_type, str) or not _MEDIA_TYPE.fullmatch(content_type):
        raise ValueError(f"content_type must be a media type such as 'image/png', got {content_type!r}")


def _check_file(path: Path) -> None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ValueError(f"source: there is no file at {path}") from None
    except OSError as exc:
        raise ValueError(f"source: {path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if path.is_dir():
        raise ValueError(f"source: {path} is a directory, not a file")
    if not path.is_file():
        raise ValueError(f"source: {path} is not a regular file")
    if stat.st_size == 0:
        raise ValueError(f"source: {path} is empty: there is nothing to upload")


def _type_of_file(path: Path) -> str:
    known = _SUFFIXES.get(path.suffix.lower())
    if known is not None:
        return known
    try:
        with path.open("rb") as file:
            head = file.read(SNIFF_BYTES)
    except OSError as exc:
        raise ValueError(f"source: {path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    return _sniffed(head, str(path))


def _type_of_stream(stream: BinaryIO) -> str:
    """From the stream's file name, else from its first bytes when they can be seen without consuming them
    (``peek``, or a read and a seek back)."""
    name = getattr(stream, "name", None)
    named = _SUFFIXES.get(Path(name).suffix.lower()) if isinstance(name, str) else None
    if named is not None:
        return named
    head = b""
    try:
        peek = getattr(stream, "peek", None)
        if callable(peek):
            head = bytes(peek(SNIFF_BYTES))[:SNIFF_BYTES]
        elif stream.seekable():
            here = stream.tell()
            head = stream.read(SNIFF_BYTES)
            stream.seek(here)
    except (OSError, ValueError):
        head = b""
    return _sniffed(head, "the stream")


def _sniffed(head: bytes, what: str) -> str:
    return sniff(head) or _no_type(what)


def _no_type(what: str) -> str:
    raise ValueError(
        f"content_type: cannot tell what {what} holds (no known suffix or file signature); "
        f"pass content_type=, e.g. one of {', '.join(ACCEPTED_TYPES)}"
    )
