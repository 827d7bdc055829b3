"""Hostile file-system states for tests of code that downloads or scans model files.

    from civitai_kit.testing import hostile_fs

    def test_a_planted_symlink_is_never_followed(tmp_path, downloader):
        outside = tmp_path / "outside"
        outside.mkdir()
        target = tmp_path / "models" / "model.safetensors"
        hostile_fs.symlink_part_file(target, outside / "stolen")
        before = hostile_fs.snapshot(outside)
        downloader.download_url(url, target)           # Success or Failure, never an exception
        assert hostile_fs.snapshot(outside) == before  # nothing was written outside

Each helper sets one state up in a directory and returns the path it made: symlinks where working files
(``<target>.part``, ``<target>.lock``) or folders go, dangling links and loops, a folder in place of the
target, a FIFO named like a model file; [`read_only_directory`][] and [`full_disk`][] are context
managers that undo themselves. [`SURROGATE_NAMES`][], [`RESERVED_NAMES`][] and [`OVERLONG_NAMES`][]
are ready-made hostile file names ([`HOSTILE_NAMES`][] is all of them).

Running as root changes what the OS refuses: root writes into ``0o555`` folders. [`read_only_directory`][]
then also sets the immutable attribute (``chattr +i``) when it can, and says through
[`ReadOnly.enforced`][] whether writes really fail; [`full_disk`][] mounts a small ``tmpfs`` when it
can (root, Linux) and otherwise makes every download ``.part`` file under the folder raise ``ENOSPC`` once
``size`` bytes are written (through [`civitai_kit.tools.download_files.part_file_hook`][]).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, cast

from civitai_kit.tools.download_files import part_file_hook

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

__all__ = [
    "HOSTILE_NAMES",
    "OVERLONG_NAMES",
    "RESERVED_NAMES",
    "SURROGATE_NAMES",
    "FullDisk",
    "ReadOnly",
    "dangling_symlink",
    "directory_in_place_of",
    "fifo",
    "full_disk",
    "lock_path",
    "part_path",
    "read_only_directory",
    "snapshot",
    "symlink_lock_file",
    "symlink_loop",
    "symlink_part_file",
    "symlinked_directory",
]

PathLike = str | os.PathLike[str]

SURROGATE_NAMES: tuple[str, ...] = (
    "a\udcff.safetensors",  # a byte that was not UTF-8, smuggled through ``surrogateescape``
    "\ud800lone-high.safetensors",
    "mo\udc80del\udcfe.ckpt",
)
"""Names with lone surrogates: they cannot be encoded as UTF-8 (``UnicodeEncodeError``)."""

RESERVED_NAMES: tuple[str, ...] = ("CON", "nul.safetensors", "COM1.ckpt", "LPT9", "aux.txt", "PRN.bin", "CONIN$")
"""Windows device names: a file with such a stem cannot be created on Windows."""

OVERLONG_NAMES: tuple[str, ...] = (
    "a" * 300 + ".safetensors",
    "布" * 100 + ".safetensors",  # 300 bytes of UTF-8 in 100 characters
    "x" * 256,
    "é" * 200 + ".ckpt",
    "m" * 250 + "." + "e" * 40,  # an "extension" too long to be one
)
"""Names longer than the 255 bytes (UTF-8) one path component may have on common file systems."""

HOSTILE_NAMES: tuple[str, ...] = SURROGATE_NAMES + RESERVED_NAMES + OVERLONG_NAMES


# ---------------------------------------------------------------------------------------------- links


def part_path(target: PathLike) -> Path:
    """Where a download of ``target`` keeps its partial data."""
    target = Path(target)
    return target.with_name(target.name + ".part")


def lock_path(target: PathLike) -> Path:
    """The lock file a download of ``target`` holds while it runs."""
    target = Path(target)
    return target.with_name(target.name + ".lock")


def symlink_part_file(target: PathLike, outside: PathLike) -> Path:
    """Make ``<target>.part`` a symlink to ``outside`` (which need not exist); returns the link."""
    return _link(part_path(target), Path(outside))


def symlink_lock_file(target: PathLike, outside: PathLike) -> Path:
    """Make ``<target>.lock`` a symlink to ``outside`` (which need not exist); returns the link."""
    return _link(lock_path(target), Path(outside))


def symlinked_directory(base: PathLike, name: str, outside: PathLike) -> Path:
    """Make ``base/name`` a symlink to the folder ``outside`` (created if missing); returns the link."""
    Path(outside).mkdir(parents=True, exist_ok=True)
    return _link(Path(base) / name, Path(outside), directory=True)


def dangling_symlink(path: PathLike, pointing_to: PathLike | None = None) -> Path:
    """Make ``path`` a symlink to something that does not exist (default: ``<path>.missing``)."""
    path = Path(path)
    return _link(path, Path(pointing_to) if pointing_to is not None else path.with_name(path.name + ".missing"))


def symlink_loop(directory: PathLike, name: str, other: str | None = None) -> Path:
    """Make ``directory/name`` and ``directory/other`` symlinks to each other; returns the first."""
    directory = Path(directory)
    first, second = directory / name, directory / (other or f"{name}.loop")
    _link(second, first)
    return _link(first, second)


def _link(link: Path, target: Path, *, directory: bool = False) -> Path:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=directory)
    return link


# ---------------------------------------------------------------------------------------------- in the way


def directory_in_place_of(target: PathLike) -> Path:
    """Make a folder where the file ``target`` should go, holding one file (``keep.txt``) so that losing
    it would show."""
    target = Path(target)
    target.mkdir(parents=True)
    (target / "keep.txt").write_text("must survive\n", encoding="utf-8")
    return target


def fifo(path: PathLike) -> Path:
    """Make a named pipe at ``path`` (POSIX): opening it for reading blocks until someone writes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


# ---------------------------------------------------------------------------------------------- read-only


@dataclass(frozen=True, slots=True)
class ReadOnly:
    """A folder made read-only; ``enforced`` says whether this process really cannot create files in it."""

    path: Path
    how: Literal["mode", "immutable", "none"]
    enforced: bool


@contextlib.contextmanager
def read_only_directory(path: PathLike) -> Iterator[ReadOnly]:
    """Make the folder ``path`` read-only (mode ``0o555``; as root also ``chattr +i`` when available) and
    restore it on exit. Check [`ReadOnly.enforced`][] before relying on writes failing."""
    path = Path(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    path.chmod(0o555)
    immutable = _is_root() and _chattr(path, "+i")
    try:
        how: Literal["mode", "immutable", "none"] = "immutable" if immutable else "mode"
        enforced = _writes_fail(path)
        yield ReadOnly(path, how if enforced else "none", enforced)
    finally:
        if immutable:
            _chattr(path, "-i")
        path.chmod(mode)


def _chattr(path: Path, flag: str) -> bool:
    tool = shutil.which("chattr")
    if tool is None:
        return False
    done = subprocess.run([tool, flag, str(path)], capture_output=True, check=False)
    return done.returncode == 0


def _writes_fail(path: Path) -> bool:
    probe = path / f".probe-{os.getpid()}"
    try:
        probe.touch()
    except OSError:
        return True
    probe.unlink()
    return False


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


# ---------------------------------------------------------------------------------------------- full disk


@dataclass(frozen=True, slots=True)
class FullDisk:
    """A folder with room for ``size`` bytes: a real ``tmpfs`` (``mode == "tmpfs"``), or downloads' ``.part``
    files raising ``ENOSPC`` past ``size`` bytes (``mode == "injected"``)."""

    path: Path
    mode: Literal["tmpfs", "injected"]
    size: int


@contextlib.contextmanager
def full_disk(path: PathLike, *, size: int = 1024 * 1024, mount: bool = True) -> Iterator[FullDisk]:
    """Make the (empty, existing) folder ``path`` hold at most about ``size`` bytes.

    With ``mount`` (and root on Linux) a ``tmpfs`` of ``size`` bytes is mounted on it and unmounted on exit
    (its content goes with it). Otherwise download ``.part`` files opened under ``path`` raise
    ``OSError(ENOSPC)`` once ``size`` bytes were written to them.
    """
    path = Path(path)
    if mount and _mount_tmpfs(path, size):
        try:
            yield FullDisk(path, "tmpfs", size)
        finally:
            _unmount(path)
        return

    root = Path(os.path.realpath(path))

    def wrap(part: Path, file: BinaryIO) -> BinaryIO:
        if not Path(os.path.realpath(part)).is_relative_to(root):
            return file
        return cast(BinaryIO, _FullDiskFile(file, size))

    with part_file_hook(wrap):
        yield FullDisk(path, "injected", size)


def _mount_tmpfs(path: Path, size: int) -> bool:
    tool = shutil.which("mount")
    if not (sys.platform.startswith("linux") and _is_root() and tool):
        return False
    command = [tool, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


def _unmount(path: Path) -> None:
    tool = shutil.which("umount") or "umount"
    if subprocess.run([tool, str(path)], capture_output=True, check=False).returncode:
        subprocess.run([tool, "-l", str(path)], capture_output=True, check=False)


class _FullDiskFile(io.RawIOBase):
    """A file that takes ``room`` more bytes, then raises ``ENOSPC`` (after a short write, as a disk does)."""

    def __init__(self, file: BinaryIO, room: int) -> None:
        super().__init__()
        self._file = file
        self._room = room

    def write(self, data: ReadableBuffer, /) -> int:
        view = memoryview(data).cast("B")
        if self._room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        taken = self._file.write(view[: self._room])
        self._room -= taken
        return taken

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        data = self._file.read(len(memoryview(buffer)))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET, /) -> int:
        return self._file.seek(offset, whence)

    def truncate(self, size: int | None = None, /) -> int:
        return self._file.truncate(size)

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()
        super().close()


# ---------------------------------------------------------------------------------------------- snapshots


def snapshot(path: PathLike) -> dict[str, tuple[str, str]]:
    """Everything below ``path`` (symlinks not followed) as ``{relative path: (kind, content digest or link
    target)}``: compare two snapshots to prove nothing was written, replaced or removed."""
    root = Path(path)
    found: dict[str, tuple[str, str]] = {}
    if not root.exists():
        return found
    for current, dirs, files in os.walk(root):
        for name in dirs + files:
            entry = Path(current) / name
            found[str(entry.relative_to(root))] = _describe(entry)
    return found


def _describe(entry: Path) -> tuple[str, str]:
    mode = os.lstat(entry).st_mode
    if stat.S_ISLNK(mode):
        return "link", str(entry.readlink())
    if stat.S_ISDIR(mode):
        return "dir", ""
    if not stat.S_ISREG(mode):
        return "other", ""
    try:
        return "file", hashlib.sha256(entry.read_bytes()).hexdigest()
    except OSError as exc:
        return "file", f"unreadable: {exc.strerror}"
