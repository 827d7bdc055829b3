"""An exclusive, non-blocking lock on one download target, shared by threads, tasks and processes.

Two downloads of the same file must not write the same ``.part`` file. The lock is an OS file lock on
``<target>.lock`` (``flock`` on POSIX, ``msvcrt.locking`` on Windows), so a crashed holder never leaves
a stale lock behind: the OS drops it with the process. Waiting is the caller's business (``time.sleep``
or ``asyncio.sleep``), which is why acquiring never blocks. A symlink planted at ``<target>.lock`` is
removed, never followed (see [`download_files`][civitai_kit.tools.download_files]).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from civitai_kit.tools.download_files import open_lock_file

__all__ = ["TargetLock", "lock_path_for"]

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def lock_path_for(target: Path) -> Path:
    return target.with_name(target.name + ".lock")


class TargetLock:
    """``try_acquire()`` / ``release()`` around one download target's lock file."""

    def __init__(self, target: Path) -> None:
        self.path = lock_path_for(target)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; ``False`` means another download of the target is running.

        Raises ``OSError`` if the lock file cannot be created (e.g. the directory is not writable, or
        something other than a regular file is in its place).
        """
        if self._fd is not None:
            raise RuntimeError(f"lock {self.path} is already held by this object")
        for _ in range(8):
            fd = open_lock_file(self.path)
            if not _try_lock(fd):
                os.close(fd)
                return False
            # The previous holder deletes the file before unlocking; if we locked a deleted file, retry
            # on the new one so two holders can never coexist.
            if _same_file(fd, self.path):
                self._fd = fd
                return True
            _unlock(fd)
            os.close(fd)
        return False

    def release(self, *, remove: bool = True) -> None:
        """Unlock; ``remove=False`` leaves the lock file (when its folder can no longer be trusted)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if remove:
            with contextlib.suppress(OSError):  # on Windows an open file cannot be removed: it stays, unlocked
                self.path.unlink()
        _unlock(fd)
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.lstat(path)  # a symlink swapped in is another file, never the one we hold
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
