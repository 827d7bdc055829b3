"""A persistent cache of file hashes, so a model library is hashed once, not on every scan.

Entries are keyed by the file's absolute path and remembered with its size and modification time
(nanoseconds); a file whose size or mtime changed is treated as unknown and rehashed. Each algorithm is a
separate row, so asking for one more hash type later computes only that one. SQLite in WAL mode lets
several processes share the cache safely. A cache that cannot be opened or written is logged once and
then behaves as empty: hashing never fails because of its cache.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from civitai_kit._config.context import user_dir
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm

__all__ = ["HashCache"]

_log = logging.getLogger(__name__)

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS file_hashes (
    path      TEXT    NOT NULL,
    algorithm TEXT    NOT NULL,
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    value     TEXT,               -- NULL: computed, but Civitai has none (AutoV1 < 2 MiB, AutoV3 of a .ckpt)
    PRIMARY KEY (path, algorithm)
) WITHOUT ROWID
"""


class HashCache:
    """SQLite-backed ``(path, size, mtime_ns) -> {algorithm: hash}`` store.

    ``path`` is the database file; by default ``hashes.sqlite3`` in the platform's user cache directory
    (e.g. ``~/.cache/civitai-kit`` on Linux). The database is opened on first use; the object is safe to
    share between threads.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else self.default_path()
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._broken = False

    @staticmethod
    def default_path() -> Path:
        return user_dir("cache") / "hashes.sqlite3"

    # -------------------------------------------------------------------------------------------- public

    def get(self, path: str | os.PathLike[str]) -> dict[HashAlgorithm, str | None]:
        """Hashes cached for the file as it is now; ``{}`` when unknown, changed or missing."""
        try:
            stat = Path(path).stat()
        except OSError:
            return {}
        with self._database() as db:
            if db is None:
                return {}
            rows = db.execute(
                "SELECT algorithm, value FROM file_hashes WHERE path = ? AND size = ? AND mtime_ns = ?",
                (_key(path), stat.st_size, stat.st_mtime_ns),
            ).fetchall()
            return {HashAlgorithm(algorithm): value for algorithm, value in rows if algorithm in _KNOWN}
        return {}  # pragma: no cover - reached only when the database failed mid-query

    def put(
        self,
        path: str | os.PathLike[str],
        hashes: Mapping[HashAlgorithm, str | None],
        *,
        stat: os.stat_result | None = None,
    ) -> None:
        """Remember ``hashes`` for the file in the state ``stat`` describes (default: its current stat).

        Pass the stat taken *before* hashing so a file that changed meanwhile is not cached under its
        new mtime with old hashes.
        """
        if not hashes:
            return
        if stat is None:
            try:
                stat = Path(path).stat()
            except OSError:
                return
        key = _key(path)
        rows = [(key, HashAlgorithm(a).value, stat.st_size, stat.st_mtime_ns, v) for a, v in hashes.items()]
        with self._database() as db:
            if db is None:
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                # rows of an older version of the file are wrong now, whatever their algorithm
                db.execute(
                    "DELETE FROM file_hashes WHERE path = ? AND (size != ? OR mtime_ns != ?)",
                    (key, stat.st_size, stat.st_mtime_ns),
                )
                db.executemany("INSERT OR REPLACE INTO file_hashes VALUES (?, ?, ?, ?, ?)", rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def forget(self, path: str | os.PathLike[str]) -> None:
        """Drop everything cached for ``path``."""
        with self._database() as db:
            if db is not None:
                db.execute("DELETE FROM file_hashes WHERE path = ?", (_key(path),))

    def prune(self) -> int:
        """Drop entries of files that are gone or changed; returns how many files were dropped."""
        with self._database() as db:
            if db is None:
                return 0
            entries = db.execute("SELECT DISTINCT path, size, mtime_ns FROM file_hashes").fetchall()
            stale = [(path,) for path, size, mtime_ns in entries if not _still_matches(path, size, mtime_ns)]
            db.executemany("DELETE FROM file_hashes WHERE path = ?", stale)
            return len({path for (path,) in stale})
        return 0  # pragma: no cover

    def clear(self) -> None:
        with self._database() as db:
            if db is not None:
                db.execute("DELETE FROM file_hashes")

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> HashCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HashCache({str(self.path)!r})"

    # -------------------------------------------------------------------------------------------- internals

    @contextmanager
    def _database(self) -> Iterator[sqlite3.Connection | None]:
        """The open connection (under the lock), or ``None`` once the cache is known to be unusable."""
        with self._lock:
            db = self._connect()
            if db is None:
                yield None
                return
            try:
                yield db
            except (sqlite3.Error, OSError) as exc:
                self._disable(exc)

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is None and not self._broken:
            try:
                self._connection = self._open()
            except (sqlite3.Error, OSError) as exc:
                self._disable(exc)
        return self._connection

    def _disable(self, exc: BaseException) -> None:
        self._broken = True
        _log.warning("hash cache %s disabled: %s", self.path, exc)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"unknown hash cache schema version {version}")
            db.execute(_SCHEMA)
            db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        except BaseException:
            db.close()
            raise
        return db


_KNOWN = frozenset(algorithm.value for algorithm in HashAlgorithm)


def _key(path: str | os.PathLike[str]) -> str:
    return str(Path(path).resolve())


def _still_matches(path: str, size: int, mtime_ns: int) -> bool:
    try:
        stat = Path(path).stat()
    except OSError:
        return False
    return stat.st_size == size and stat.st_mtime_ns == mtime_ns
