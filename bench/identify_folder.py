"""The identify row: a folder of 1 000 small model files identified through the API vs hashing them alone.

Some files are catalogue files the sandbox knows by hash (so lookups hit; files still waiting for their
scan have no hashes, so no lookup can find them, and are left out), the rest random bytes (so they miss and
fallbacks run). Both sides hash every file with every Civitai hash type and no hash cache, so the ratio is
what the lookups cost on top of the reading. The row reports how many requests reached the server per run.
The sandbox serves from this process, so its work is counted in ours too. Reported without a target (issue
13 sets none).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench._table import Row, interleave, quick
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing.sandbox import Sandbox, start_sandbox
from civitai_kit.tools.hashing import CIVITAI_ALGORITHMS, FileHashingService
from civitai_kit.tools.library import LibraryScanner

SMALL = 64 * 1024


def known_contents(sandbox: Sandbox, count: int) -> list[bytes]:
    """The bytes of up to ``count`` catalogue files the sandbox can find by their SHA256."""
    return [generated.content for generated in sandbox.rest.fake_files() if generated.scanned][:count]


def make_folder(folder: Path, count: int, known: list[bytes]) -> list[Path]:
    paths: list[Path] = []
    for index in range(count):
        content = known[index] if index < len(known) else os.urandom(SMALL)
        path = folder / f"model_{index:04d}.safetensors"
        path.write_bytes(content)
        paths.append(path)
    return paths


def run(rounds: int) -> list[Row]:
    count = 100 if quick() else 1000
    with tempfile.TemporaryDirectory(prefix="civitai-bench-identify-") as tmp, start_sandbox() as sandbox:
        known = known_contents(sandbox, count // 2)
        paths = make_folder(Path(tmp), count, known)
        options = CivitaiApiOptions.isolated(base_url=sandbox.url)
        hashing = FileHashingService()  # no cache: every round reads every file
        requests: list[int] = []
        identified: list[int] = []

        def baseline() -> None:
            for path in paths:
                hashing.compute(path, CIVITAI_ALGORITHMS).unwrap()

        def ours() -> None:
            before = len(sandbox.server.requests)
            with LibraryScanner(options=options, hashing=hashing) as scanner:
                records = scanner.identify_folder(tmp)
            requests.append(len(sandbox.server.requests) - before)
            identified.append(sum(1 for record in records if record.version is not None))

        mine, theirs = interleave(rounds, ours, baseline)
    notes = (f"{requests[-1]} requests for {count} files", f"{identified[-1]} identified ({len(known)} known)")
    return [
        Row(
            f"identify a folder of {count} small model files (sandbox)",
            "hashing the same files alone",
            tuple(mine),
            tuple(theirs),
            None,
            notes,
        )
    ]
