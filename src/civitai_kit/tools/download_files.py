"""A download's folders and working files (``.part``, ``.part.meta``, ``.lock``), never through a symlink.

Someone (or something) may plant a symlink where a working file or a folder of the target goes. A
download must never write outside its base directory because of it, so:

* folders are created one level at a time; an existing level that is a symlink is accepted only when its
  *resolved* path stays inside the base directory;
* working files are opened with ``O_NOFOLLOW`` (and ``O_EXCL`` when created), and must be regular files;
  a symlink in their place is removed (the link itself, never what it points to) and never followed;
* small sidecars are written to a fresh temporary file and renamed into place (a rename replaces a
  symlink, it never writes through it).

What remains is the race between checking a folder and using it, which only ``*at()`` calls on directory
descriptors close; Windows has none, so the check is made at the start and again before the final move.

[`part_file_hook`][] lets tests wrap the ``.part`` file a download writes to (e.g. a full disk, see
[`civitai_kit.testing.hostile_fs.full_disk`][]).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from civitai_kit._json import loads

__all__ = [
    "PartFileWrapper",
    "UnsafePathError",
    "ensure_directory",
    "is_inside",
    "occupant",
    "open_lock_file",
    "open_part_file",
    "part_file_hook",
    "read_json_sidecar",
    "remove_quietly",
    "write_json_sidecar",
]

logger = logging.getLogger("civitai_kit")

O_NOFOLLOW: int = getattr(os, "O_NOFOLLOW", 0)
_O_COMMON: int = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_O_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)
MAX_SIDECAR_BYTES = 64 * 1024

PartFileWrapper = Callable[[Path, BinaryIO], BinaryIO]
"""Given the path of a freshly opened ``.part`` file and the file, the file to write to instead."""

_part_file_wrappers: list[PartFileWrapper] = []


class UnsafePathError(OSError):
    """A path that would lead outside the download directory, or is not the kind of file expected."""


# ---------------------------------------------------------------------------------------------- folders


def is_inside(root: Path, path: Path) -> bool:
    """Whether ``path``, every symlink resolved, is ``root`` or below it (``root`` already resolved)."""
    return Path(os.path.realpath(path)).is_relative_to(root)


def ensure_directory(root: Path, directory: Path) -> list[Path]:
    """Create ``directory`` (below the resolved ``root``) level by level; the folders created, deepest first.

    Raises [`UnsafePathError`][] naming the level that is a symlink leading outside ``root``, or that
    is not a folder; other ``OSError`` as ``mkdir`` raises them. ``root`` itself must exist.
    """
    relative = directory.relative_to(root)  # ValueError: the caller's plan was not below root
    created: list[Path] = []
    current = root
    for part in relative.parts:
        current = current / part
        try:
            current.mkdir()
        except FileExistsError:
            _check_existing_level(root, current)
            continue
        created.insert(0, current)
    return created


def _check_existing_level(root: Path, level: Path) -> None:
    mode = os.lstat(level).st_mode
    if stat.S_ISLNK(mode):
        if not is_inside(root, level):
            resolved = os.path.realpath(level)
            raise UnsafePathError(
                errno.ELOOP,
                f"'{level}' is a symbolic link to '{resolved}', outside the download directory '{root}'; "
                "refusing to follow it",
            )
        if not level.is_dir():
            raise UnsafePathError(errno.ENOTDIR, f"'{level}' is a symbolic link that does not lead to a folder")
    elif not stat.S_ISDIR(mode):
        raise UnsafePathError(errno.ENOTDIR, f"'{level}' exists and is not a folder")


def occupant(path: Path) -> str | None:
    """What is at ``path`` without following a symlink: ``"file"``, ``"dir"``, ``"link"``, ``"other"`` or
    ``None``."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:  # missing, or unreachable (a loop or a file on the way): nothing usable is there
        return None
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


# ---------------------------------------------------------------------------------------------- files


def open_part_file(path: Path, *, fresh: bool) -> BinaryIO:
    """``path`` opened for reading and appending: created exclusively when ``fresh``, else an existing
    regular file. Never follows a symlink (``OSError`` ``ELOOP``); the [`part_file_hook`][] wrappers
    apply."""
    flags = os.O_RDWR | os.O_APPEND | O_NOFOLLOW | _O_COMMON
    if fresh:
        flags |= os.O_CREAT | os.O_EXCL
    elif occupant(path) == "link":  # where O_NOFOLLOW does not exist (Windows)
        raise UnsafePathError(errno.ELOOP, f"'{path}' is a symbolic link")
    fd = os.open(path, flags, 0o644)
    try:
        _require_regular(fd, path)
        file: BinaryIO = os.fdopen(fd, "rb+", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    for wrap in list(_part_file_wrappers):
        file = wrap(path, file)
    return file


def open_lock_file(path: Path) -> int:
    """A descriptor of the regular lock file at ``path``, created if missing. A symlink planted there is
    removed (the link, not its target) and a real file created instead."""
    flags = os.O_RDWR | os.O_CREAT | O_NOFOLLOW | _O_NONBLOCK | _O_COMMON
    for _ in range(3):
        if occupant(path) == "link":
            logger.warning("Removing the symbolic link at %s (a lock file is never followed)", path)
            remove_quietly(path)
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP and occupant(path) == "link":
                continue  # replaced by a link between the check and the open: remove it again
            raise
        try:
            _require_regular(fd, path)
        except BaseException:
            os.close(fd)
            raise
        return fd
    raise UnsafePathError(errno.ELOOP, f"'{path}' keeps being replaced by a symbolic link")


def _require_regular(fd: int, path: Path) -> None:
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        raise UnsafePathError(errno.EINVAL, f"'{path}' is not a regular file")


def remove_quietly(path: Path) -> None:
    """Unlink ``path`` if possible (a symlink is removed itself, never its target). Clean-up must not fail
    a download: a missing file is fine, and a folder or a read-only directory is left alone."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        logger.debug("Cannot remove %s: %s", path, exc)


# ---------------------------------------------------------------------------------------------- sidecars


def write_json_sidecar(path: Path, payload: dict[str, Any], *, indent: int | None = None) -> None:
    """Write ``payload`` as JSON to ``path`` atomically: a fresh exclusive temporary file, then a rename
    (which replaces whatever is at ``path``, a symlink included, without writing through it). ``indent``: for
    files people read and edit."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW | _O_COMMON, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out, ensure_ascii=False, indent=indent)
        temporary.replace(path)
    except BaseException:
        remove_quietly(temporary)
        raise


def read_json_sidecar(path: Path) -> dict[str, Any] | None:
    """The JSON object at ``path``; ``None`` when missing, not a small regular file, or not a JSON object."""
    try:
        fd = os.open(path, os.O_RDONLY | O_NOFOLLOW | _O_NONBLOCK | _O_COMMON)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SIDECAR_BYTES:
            return None
        data = os.read(fd, MAX_SIDECAR_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        payload = loads(data)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


# ---------------------------------------------------------------------------------------------- test hook


@contextlib.contextmanager
def part_file_hook(wrap: PartFileWrapper) -> Iterator[None]:
    """While active, every ``.part`` file a download opens is passed through ``wrap`` (for tests: a disk
    that fills up, a slow disk). Process-wide; hooks nest."""
    _part_file_wrappers.append(wrap)
    try:
        yield
    finally:
        _part_file_wrappers.remove(wrap)
