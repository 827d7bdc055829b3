"""The download rows: 512 MiB through a 307 to a second host, SHA-256 verified, whole process vs ``curl -sL -o``.

The fake server (in this process, on loopback) answers ``/api/download/models/...`` with a 307 to its storage
route under another host name, as Civitai does. Each side is a fresh process timed from start to exit, the
three ways of ours alternating with curl: the sync ``DownloadService``, the ``AsyncDownloadService`` and the
``civitai download`` command. Only the process is timed: checking the file it left (the bench's own SHA-256 of
512 MiB) and removing it happen after, untimed, then the disk is synced so that no run pays for the write-back
of the one before. (Until 2026-12-06 the check was inside both sides' timings: ~0.4 s added to curl and to
ours alike, which flattered every ratio.) Peak RSS of the child (``VmHWM``; ``ru_maxrss`` where there is none,
which on Linux also counts the forking process) must stay under 64 MB for the library rows.
Targets: ≤ 1.25× curl for the library (sync and async), ≤ 1.35× for the command.

Four reference rows (no target) show the floor under those: ``bench/download_floor.py``, the same verified
download with nothing but the standard library, bare and after importing the library's two required
dependencies (httpx, pydantic-settings); a process that only imports those two; and the verification alone, a
process that only computes the SHA-256 of the same file (already in the page cache: no network, no disk write),
which no verified download can beat. The last two add up to a bound: the imports come before the first byte,
and every byte must be hashed, so a verified download through these dependencies takes at least their sum.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

from bench._table import Row, interleave, missing, quick
from civitai_kit.testing.sandbox import Sandbox, start_sandbox

FLOOR = Path(__file__).with_name("download_floor.py")
LIBRARY_TARGET = 1.25
COMMAND_TARGET = 1.35
RSS_LIMIT_MB = 64.0
DEPENDENCIES = ("httpx", "pydantic_settings")

CHILD = r"""
import asyncio, json, resource, sys
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.tools.downloads import AsyncDownloadService, DownloadService

mode, base, url, destination, expected = sys.argv[1:6]
options = CivitaiApiOptions.isolated(base_url=base)
if mode == "sync":
    with DownloadService(options) as service:
        result = service.download_url(url, destination, expected_hash=expected, overwrite=True)
else:
    async def main():
        async with AsyncDownloadService(options) as service:
            return await service.download_url(url, destination, expected_hash=expected, overwrite=True)
    result = asyncio.run(main())
value = result.unwrap()
try:  # ru_maxrss survives exec: it would count the forking bench process's own size
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"size": value.size, "verified": value.verified, "max_rss_kib": peak}))
"""


HASH_ALONE = r"""
import hashlib, sys
with open(sys.argv[1], "rb") as file:
    sys.exit(hashlib.file_digest(file, "sha256").hexdigest().upper() != sys.argv[2])
"""


def make_file(path: Path, mib: int) -> str:
    """``mib`` MiB of pseudo-random bytes (one random MiB, varied per block); returns its SHA-256."""
    block = bytearray(os.urandom(1024 * 1024))
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for index in range(mib):
            block[:8] = index.to_bytes(8, "little")
            out.write(block)
            digest.update(block)
    return digest.hexdigest().upper()


def _same_file(path: Path, size: int, expected: str) -> bool:
    if not path.exists() or path.stat().st_size != size:
        return False
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest().upper() == expected


def _child(command: list[str]) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode:
        raise RuntimeError(f"{command[0]} failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return completed


def _serve(sandbox: Sandbox, source: Path, expected: str) -> tuple[str, int]:
    """Serve ``source`` as the primary file of a catalogue version; its API record says so (name, size, hash).

    Returns the API download URL (which 307s to the storage host) and the version id (the command's target).
    """
    served = next(f for f in sandbox.downloads.files() if f.primary and f.refusal is None and not f.require_login)
    served.primary = False  # the bench file below takes its place as the version's primary file
    for _model, version in sandbox.rest.versions():
        if version.get("id") == served.version_id:
            for record in version.get("files") or ():
                if record.get("id") == served.file_id:
                    record.update(
                        name="bench.safetensors",
                        sizeKB=source.stat().st_size / 1024,
                        hashes={"SHA256": expected, "AutoV2": expected[:10]},
                    )
    file = sandbox.downloads.add(
        source, name="bench.safetensors", version_id=served.version_id, file_id=served.file_id, primary=True
    )
    return sandbox.downloads.download_url(file), served.version_id


def run(rounds: int) -> list[Row]:
    curl = shutil.which("curl")
    if curl is None:
        return [missing("download", "curl is not installed (it is the baseline)")]
    mib = 64 if quick() else 512
    civitai = Path(sys.executable).with_name("civitai")
    with tempfile.TemporaryDirectory(prefix="civitai-bench-") as tmp:
        work = Path(tmp)
        source = work / "source.safetensors"
        expected = make_file(source, mib)
        size = source.stat().st_size
        with start_sandbox() as sandbox:
            url, version_id = _serve(sandbox, source, expected)
            base = sandbox.url
            out = work / "out"
            out.mkdir()
            rss: dict[str, list[float]] = {"sync": [], "async": []}
            good: dict[str, bool] = {"curl": True, "sync": True, "async": True, "command": True, "floor": True}

            # Each timed run only runs its process; what it left is checked and removed afterwards, untimed,
            # and the disk is synced so that no run pays for the write-back of the one before.
            landed: list[tuple[str, Path, str]] = []  # (who, file or folder, the process's output)

            def baseline() -> None:
                target = out / "curl.bin"
                subprocess.run([curl, "-sSfL", "-o", str(target), url], check=True)
                landed.append(("curl", target, ""))

            def library(mode: str) -> None:
                target = out / f"{mode}.bin"
                completed = _child([sys.executable, "-c", CHILD, mode, base, url, str(target), expected])
                landed.append((mode, target, completed.stdout))

            def floor(*modules: str) -> None:
                target = out / "floor.bin"
                _child([sys.executable, str(FLOOR), url, str(target), expected, *modules])
                landed.append(("floor", target, ""))

            def dependencies_alone() -> None:
                _child([sys.executable, str(FLOOR), "--imports-only", *DEPENDENCIES])

            def hash_alone() -> None:
                _child([sys.executable, "-c", HASH_ALONE, str(source), expected])

            def command() -> None:
                folder = out / "cli"
                _child(
                    [str(civitai), "--base-url", base, "--no-progress", "download", str(version_id), "-d", str(folder)]
                )
                landed.append(("command", folder, ""))

            def check_and_settle() -> None:
                while landed:
                    who, where, stdout = landed.pop()
                    if where.is_dir():
                        files = [path for path in where.rglob("*") if path.is_file()]
                        good[who] &= len(files) == 1 and _same_file(files[0], size, expected)
                        shutil.rmtree(where)
                        continue
                    if who in rss:
                        report = json.loads(stdout.strip().splitlines()[-1])
                        good[who] &= report["size"] == size and report["verified"]
                        rss[who].append(report["max_rss_kib"] / 1024)
                    good[who] &= _same_file(where, size, expected)
                    where.unlink()
                os.sync()

            rows: list[Row] = []
            for mode in ("sync", "async"):
                mine, theirs = interleave(rounds, partial(library, mode), baseline, after=check_and_settle)
                peak = max(rss[mode])
                rows.append(
                    Row(
                        f"download {mib} MiB via 307, SHA-256 verified, whole process ({mode})",
                        "`curl -sL -o`",
                        tuple(mine),
                        tuple(theirs),
                        LIBRARY_TARGET,
                        (f"peak RSS {peak:.0f} MB",),
                        {"bytes exact": good[mode] and good["curl"], "RSS < 64 MB": peak < RSS_LIMIT_MB},
                    )
                )
            if civitai.exists():
                mine, theirs = interleave(rounds, command, baseline, after=check_and_settle)
                rows.append(
                    Row(
                        f"`civitai download` of the same {mib} MiB, whole process",
                        "`curl -sL -o`",
                        tuple(mine),
                        tuple(theirs),
                        COMMAND_TARGET,
                        (),
                        {"bytes exact": good["command"] and good["curl"]},
                    )
                )
            else:
                rows.append(missing("civitai download", "no civitai script beside this interpreter"))
            for label, modules in (("", ()), (" after importing httpx, pydantic_settings", DEPENDENCIES)):
                mine, theirs = interleave(rounds, partial(floor, *modules), baseline, after=check_and_settle)
                rows.append(
                    Row(
                        f"reference: the same verified download in plain Python{label}",
                        "`curl -sL -o`",
                        tuple(mine),
                        tuple(theirs),
                        None,
                        ("the floor (bench/download_floor.py)",),
                        {"bytes exact": good["floor"] and good["curl"]},
                    )
                )
            mine, theirs = interleave(rounds, dependencies_alone, baseline, after=check_and_settle)
            rows.append(
                Row(
                    "reference: importing httpx and pydantic_settings alone (whole process)",
                    "`curl -sL -o`",
                    tuple(mine),
                    tuple(theirs),
                    None,
                    ("what the required dependencies cost before any download starts",),
                )
            )
            mine, theirs = interleave(rounds, hash_alone, baseline, after=check_and_settle)
            rows.append(
                Row(
                    f"reference: SHA-256 of the same {mib} MiB alone (`hashlib.file_digest`, whole process)",
                    "`curl -sL -o`",
                    tuple(mine),
                    tuple(theirs),
                    None,
                    ("the verification's own cost: no network, no disk write",),
                )
            )
    return rows
