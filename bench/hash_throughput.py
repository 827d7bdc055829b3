"""The hash row: the default all-types hash of a 1 GiB file that is not safetensors vs ``hashlib.file_digest``.

``hash_file(path)`` computes every Civitai hash type (SHA256/AutoV2, AutoV1, AutoV3, CRC32, BLAKE3) in one
read pass; the baseline computes SHA-256 alone with ``hashlib.file_digest``, the fastest honest single
digest in Python (coreutils ``sha256sum`` is several times slower on this CPU and would flatter us). The file
is random bytes kept in ``bench/.data/`` (gitignored) and read once before timing, so both sides are measured
on CPU, not disk. Target ≤ 1.15×.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from bench._table import Row, interleave, quick
from civitai_kit.tools.hashing import hash_file

DATA_DIR = Path(__file__).parent / ".data"
BLOCK = 64 * 1024 * 1024
TARGET = 1.15


def make_file(size: int, folder: Path = DATA_DIR) -> Path:
    """A random, non-safetensors file of exactly ``size`` bytes, created once and reused."""
    path = folder / f"hash_bench_{size}.bin"
    if path.exists() and path.stat().st_size == size:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    with partial.open("wb") as out:
        remaining = size
        while remaining > 0:
            block = os.urandom(min(BLOCK, remaining))
            out.write(block)
            remaining -= len(block)
    partial.replace(path)
    return path


def run(rounds: int) -> list[Row]:
    size = (128 if quick() else 1024) * 1024 * 1024
    path = make_file(size)
    answers: dict[str, str] = {}

    def baseline() -> None:
        with path.open("rb") as file:
            answers["baseline"] = hashlib.file_digest(file, "sha256").hexdigest().upper()

    def ours() -> None:
        answers["ours"] = hash_file(path).sha256 or ""

    mine, theirs = interleave(rounds, ours, baseline)
    agree = answers["ours"] == answers["baseline"]
    job = f"default hash (all types, one pass) of a {size >> 20} MiB non-safetensors file"
    return [Row(job, "hashlib.file_digest(sha256)", tuple(mine), tuple(theirs), TARGET, (), {"same SHA-256": agree})]
