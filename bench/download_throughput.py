"""Download throughput: civitai-kit (streaming + SHA256 verification + atomic rename) vs ``curl -o``.

Both fetch the same 1 GiB file from the fake storage route on loopback, in the same run, alternating.
civitai-kit runs in a child process so its peak RSS (``ru_maxrss``) is its own; the child times only the
download call (not the interpreter start). Targets: throughput >= 0.8x curl, peak RSS < 100 MB.

    .venv/bin/python bench/download_throughput.py            # 1 GiB, 3 rounds
    .venv/bin/python bench/download_throughput.py --mib 256 --rounds 2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.downloads import install_download_routes

CHILD = r"""
import json, resource, sys, time
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.tools.downloads import DownloadService

url, destination, expected = sys.argv[1:4]
options = CivitaiApiOptions.isolated(base_url=url.split("/storage/")[0])
with DownloadService(options) as service:
    started = time.perf_counter()
    result = service.download_url(url, destination, expected_hash=expected, overwrite=True)
    elapsed = time.perf_counter() - started
value = result.unwrap()
print(json.dumps({
    "seconds": elapsed,
    "size": value.size,
    "verified": value.verified,
    "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""


def make_file(path: Path, mib: int) -> str:
    """``mib`` MiB of pseudo-random bytes (one random MiB, varied per block); returns its SHA256."""
    block = bytearray(os.urandom(1024 * 1024))
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for index in range(mib):
            block[:8] = index.to_bytes(8, "little")
            out.write(block)
            digest.update(block)
    return digest.hexdigest().upper()


def run_curl(url: str, destination: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["curl", "-sS", "--fail", "-o", str(destination), url], check=True)
    return time.perf_counter() - started


def run_kit(url: str, destination: Path, expected: str) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(destination), expected], check=True, capture_output=True, text=True
    )
    report: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("curl") is None:
        sys.exit("curl is not installed")

    with tempfile.TemporaryDirectory(prefix="civitai-bench-") as tmp:
        work = Path(tmp)
        source = work / "source.safetensors"
        expected = make_file(source, args.mib)
        size = source.stat().st_size
        with FakeCivitai() as server:
            downloads = install_download_routes(server)
            file = downloads.add(source, name="bench.safetensors")
            url = downloads.storage_url(file, host="127.0.0.1")
            curl_times: list[float] = []
            kit_times: list[float] = []
            rss: list[float] = []
            # One unmeasured round first: on a VM, the first writes into never-touched memory cost several times
            # more than later ones, and whichever tool ran first would pay for it.
            for round_number in range(args.rounds + 1):
                curl_out, kit_out = work / "curl.bin", work / "kit.bin"
                curl_seconds = run_curl(url, curl_out)
                if curl_out.stat().st_size != size:
                    sys.exit("curl downloaded the wrong number of bytes")
                curl_out.unlink()
                report = run_kit(url, kit_out, expected)
                if report["size"] != size or not report["verified"]:
                    sys.exit(f"civitai-kit download is wrong: {report}")
                kit_out.unlink()
                rss.append(report["max_rss_kib"] / 1024)
                if round_number:
                    curl_times.append(curl_seconds)
                    kit_times.append(report["seconds"])

    mib = size / (1024 * 1024)
    best_curl, best_kit = min(curl_times), min(kit_times)
    print(f"file: {mib:.0f} MiB from loopback fake storage, {args.rounds} rounds after a warm-up (best of each)")
    print(f"curl -o                 : {mib / best_curl:8.1f} MiB/s  ({', '.join(f'{t:.2f}' for t in curl_times)} s)")
    print(f"civitai-kit (+SHA256)   : {mib / best_kit:8.1f} MiB/s  ({', '.join(f'{t:.2f}' for t in kit_times)} s)")
    print(f"ratio civitai-kit/curl  : {best_curl / best_kit:.2f}x   (target >= 0.80x)")
    print(f"ratio of medians        : {statistics.median(curl_times) / statistics.median(kit_times):.2f}x")
    print(f"civitai-kit peak RSS    : {max(rss):.1f} MB          (target < 100 MB)")


if __name__ == "__main__":
    main()
