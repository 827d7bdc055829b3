"""One-pass Civitai hashing vs ``sha256sum`` on the same file, in the same run.

    .venv/bin/python bench/hash_throughput.py            # 2 GiB, best of 3
    .venv/bin/python bench/hash_throughput.py --size 1G --repeat 5

The file is a safetensors file (small JSON header + random tensor data) so AutoV3 really hashes its
tensor data; it is kept in ``bench/.data/`` (gitignored) and reused. The page cache is warmed first, so
both tools are measured on CPU, not disk. Target: ``hash_file`` computing SHA256 + BLAKE3 + CRC32 +
AutoV1/V2/V3 at >= 0.85x the throughput of ``sha256sum`` computing SHA256 alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from civitai_kit.tools import HashAlgorithm
from civitai_kit.tools.hashing import CIVITAI_ALGORITHMS, hash_file

DATA_DIR = Path(__file__).parent / ".data"
BLOCK = 64 * 1024 * 1024


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def make_file(size: int, folder: Path) -> Path:
    """A safetensors file of exactly ``size`` bytes, created once and reused."""
    path = folder / f"hash_bench_{size}.safetensors"
    if path.exists() and path.stat().st_size == size:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    header = json.dumps({"__metadata__": {"format": "pt"}}).encode()
    header += b" " * (-len(header) % 8)
    prefix = struct.pack("<Q", len(header)) + header
    partial = path.with_suffix(".part")
    with partial.open("wb") as out:
        out.write(prefix)
        remaining = size - len(prefix)
        while remaining > 0:
            block = os.urandom(min(BLOCK, remaining))
            out.write(block)
            remaining -= len(block)
    partial.replace(path)
    return path


def warm(path: Path) -> None:
    with path.open("rb", buffering=0) as file:
        while file.read(BLOCK):
            pass


def best_of(repeat: int, run: Callable[[], str]) -> tuple[float, str]:
    best, answer = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        answer = run()
        best = min(best, time.perf_counter() - start)
    return best, answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="2G", help="file size, e.g. 2G, 512M (default 2G)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args()

    sha256sum = shutil.which("sha256sum")
    if sha256sum is None:
        print("sha256sum not found; it is the baseline", file=sys.stderr)
        return 2
    size = parse_size(args.size)
    path = make_file(size, args.data_dir)
    warm(path)

    def baseline() -> str:
        output = subprocess.run([sha256sum, str(path)], check=True, capture_output=True, text=True).stdout
        return output.split()[0].upper()

    runs: list[tuple[str, float, str]] = []
    for label, run in [
        ("sha256sum (SHA256 only)", baseline),
        ("hash_file SHA256 only", lambda: hash_file(path, HashAlgorithm.SHA256).sha256 or ""),
        ("hash_file SHA256+BLAKE3+CRC32+AutoV1/V2/V3", lambda: hash_file(path, CIVITAI_ALGORITHMS).sha256 or ""),
    ]:
        seconds, sha256 = best_of(args.repeat, run)
        runs.append((label, seconds, sha256))

    if len({sha256 for _, _, sha256 in runs}) != 1:
        print("MISMATCH: the tools disagree on SHA256", runs, file=sys.stderr)
        return 1

    gib = size / (1 << 30)
    print(f"file: {path} ({gib:.2f} GiB, page cache warm), best of {args.repeat}, {os.cpu_count()} CPUs")
    base = runs[0][1]
    for label, seconds, _ in runs:
        print(f"  {label:<46} {seconds:7.3f} s  {gib / seconds:6.2f} GiB/s  {base / seconds:5.2f}x sha256sum")
    ratio = base / runs[-1][1]
    verdict = "OK" if ratio >= 0.85 else "BELOW"
    print(f"one-pass Civitai hashes vs sha256sum: {ratio:.2f}x (target >= 0.85x) -> {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
