"""The persistent hash cache: hits, misses, invalidation, partial reuse, sharing, graceful failure."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from civitai_kit.tools import HashAlgorithm as H
from civitai_kit.tools import hashing
from civitai_kit.tools.hash_cache import HashCache
from civitai_kit.tools.hashing import hash_file

DATA = b"model bytes " * 1000
SHA256 = hashlib.sha256(DATA).hexdigest().upper()


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[HashCache]:
    with HashCache(tmp_path / "cache" / "hashes.sqlite3") as opened:
        yield opened


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "model.safetensors"
    path.write_bytes(DATA)
    return path


class ReadCounter:
    """Counts read passes and records which algorithms each pass computed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.passes: list[frozenset[H]] = []
        real = hashing.MultiHasher
        counter = self

        class Spy(real):  # type: ignore[misc, valid-type]
            def __init__(self, algorithms: frozenset[H], **kwargs: object) -> None:
                super().__init__(algorithms, **kwargs)
                counter.passes.append(self.algorithms)

        monkeypatch.setattr(hashing, "MultiHasher", Spy)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> ReadCounter:
    return ReadCounter(monkeypatch)


def test_second_hash_is_a_cache_hit(cache: HashCache, model: Path, reads: ReadCounter) -> None:
    first = hash_file(model, cache=cache)
    second = hash_file(model, cache=cache)
    assert first == second and first.sha256 == SHA256
    assert len(reads.passes) == 1


def test_cache_survives_reopening(tmp_path: Path, model: Path, reads: ReadCounter) -> None:
    db = tmp_path / "shared.sqlite3"
    with HashCache(db) as one:
        hash_file(model, H.SHA256, cache=one)
    with HashCache(db) as two:
        assert two.get(model) == {H.SHA256: SHA256}
        assert hash_file(model, H.SHA256, cache=two).sha256 == SHA256
    assert len(reads.passes) == 1


def test_only_missing_algorithms_are_computed(cache: HashCache, model: Path, reads: ReadCounter) -> None:
    hash_file(model, {H.SHA256}, cache=cache)
    both = hash_file(model, {H.SHA256, H.CRC32, H.AUTOV2}, cache=cache)
    assert reads.passes == [frozenset({H.SHA256}), frozenset({H.CRC32})]  # AutoV2 comes from the SHA256
    assert both.auto_v2 == SHA256[:10] and both.crc32 is not None
    assert set(cache.get(model)) == {H.SHA256, H.CRC32}


def test_not_applicable_results_are_cached_too(cache: HashCache, model: Path, reads: ReadCounter) -> None:
    assert hash_file(model, {H.AUTOV1, H.AUTOV3}, cache=cache).auto_v1 is None
    hash_file(model, {H.AUTOV1, H.AUTOV3}, cache=cache)
    assert len(reads.passes) == 1
    assert cache.get(model) == {H.AUTOV1: None, H.AUTOV3: None}


def test_mtime_change_invalidates(cache: HashCache, model: Path, reads: ReadCounter) -> None:
    hash_file(model, H.SHA256, cache=cache)
    stat = model.stat()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert cache.get(model) == {}
    hash_file(model, H.SHA256, cache=cache)
    assert len(reads.passes) == 2


def test_size_change_invalidates_and_rehashes_new_content(cache: HashCache, model: Path) -> None:
    hash_file(model, H.SHA256, cache=cache)
    stat = model.stat()
    model.write_bytes(DATA + b"!")
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: only the size tells
    assert hash_file(model, H.SHA256, cache=cache).sha256 == hashlib.sha256(DATA + b"!").hexdigest().upper()


def test_stale_rows_are_replaced_not_mixed(cache: HashCache, model: Path) -> None:
    hash_file(model, {H.SHA256, H.CRC32}, cache=cache)
    model.write_bytes(b"new content")
    hash_file(model, {H.SHA256}, cache=cache)
    assert set(cache.get(model)) == {H.SHA256}  # the old CRC32 is gone, not served for the new file


def test_file_changed_while_hashing_is_not_cached(cache: HashCache, model: Path) -> None:
    def touch(done: int, total: int | None) -> None:
        stat = model.stat()
        os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))

    hash_file(model, H.SHA256, cache=cache, on_progress=touch)
    assert cache.get(model) == {}


def test_same_file_through_another_path_shares_the_entry(cache: HashCache, model: Path) -> None:
    hash_file(model, H.SHA256, cache=cache)
    assert cache.get(model.parent / "." / model.name) == {H.SHA256: SHA256}


def test_forget_prune_clear(cache: HashCache, tmp_path: Path) -> None:
    keep, gone, changed = (tmp_path / name for name in ("keep", "gone", "changed"))
    for path in (keep, gone, changed):
        path.write_bytes(b"x")
        hash_file(path, H.CRC32, cache=cache)
    gone.unlink()
    changed.write_bytes(b"xy")
    assert cache.prune() == 2
    assert cache.get(keep) != {}
    cache.forget(keep)
    assert cache.get(keep) == {}
    hash_file(keep, H.CRC32, cache=cache)
    cache.clear()
    assert cache.get(keep) == {}


def test_missing_file_is_a_miss(cache: HashCache, tmp_path: Path) -> None:
    assert cache.get(tmp_path / "nope") == {}
    cache.put(tmp_path / "nope", {H.SHA256: SHA256})  # no stat, nothing stored, no error
    assert cache.get(tmp_path / "nope") == {}


def test_unusable_cache_degrades_to_no_cache(tmp_path: Path, model: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("file where the cache directory should be")
    broken = HashCache(blocker / "hashes.sqlite3")
    with caplog.at_level(logging.WARNING, logger="civitai_kit.tools.hash_cache"):
        assert hash_file(model, H.SHA256, cache=broken).sha256 == SHA256
        assert hash_file(model, H.SHA256, cache=broken).sha256 == SHA256
    assert broken.get(model) == {}
    assert sum("disabled" in record.message for record in caplog.records) == 1


def test_corrupt_database_degrades_to_no_cache(tmp_path: Path, model: Path) -> None:
    db = tmp_path / "corrupt.sqlite3"
    db.write_bytes(b"this is not a sqlite database" * 100)
    with HashCache(db) as corrupt:
        assert hash_file(model, H.SHA256, cache=corrupt).sha256 == SHA256


def test_default_path_is_in_the_user_cache_dir() -> None:
    import platformdirs

    assert HashCache.default_path().parent == Path(platformdirs.user_cache_dir("civitai-kit", appauthor=False))
    assert HashCache().path == HashCache.default_path()  # nothing is opened until first use


def _writer(db: str, folder: str, worker: int) -> None:
    with HashCache(db) as shared:
        for index in range(25):
            path = Path(folder) / f"{worker}-{index}.bin"
            path.write_bytes(f"{worker}/{index}".encode())
            hash_file(path, {H.SHA256, H.CRC32}, cache=shared)


@pytest.mark.slow  # spawned processes
def test_concurrent_processes_share_one_database(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(db), str(tmp_path), n)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with sqlite3.connect(db) as check:
        assert check.execute("SELECT COUNT(DISTINCT path) FROM file_hashes").fetchone()[0] == 75
