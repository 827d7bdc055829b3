"""``python -m bench``: every row of issue 13's table, each beside its baseline in the same run.

    .venv/bin/python -m bench                    # every job, 5 interleaved rounds each
    .venv/bin/python -m bench --quick            # small inputs, 1 round: a smoke test of the bench itself
    .venv/bin/python -m bench --only hash_throughput --rounds 9

Prints one Markdown table (median ratio, min–max over rounds, target, verdict) and exits 1 when a row misses.
The library's bytecode is brought up to date first, as installing it does: where writing bytecode is switched
off (``PYTHONDONTWRITEBYTECODE``), every timed process would otherwise compile each edited module again (a
large one: ~10 ms each time).
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import civitai_kit
from bench._table import JOBS, QUICK, Row, load, missing, render


def run_job(name: str, rounds: int) -> list[Row]:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ImportError as exc:
        return [missing(name, f"cannot import: {exc}")]
    run = getattr(module, "run", None)
    if run is None:
        return [missing(name, "module has no run(rounds) -> list[Row]")]
    rows: list[Row] = run(rounds)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small inputs and 1 round (smoke test)")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds per job (default 5; quick: 1)")
    parser.add_argument("--only", action="append", choices=JOBS, help="run only this job (repeatable)")
    args = parser.parse_args(argv)
    QUICK["on"] = args.quick
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 5)
    if rounds < 1:
        parser.error("--rounds: must be at least 1")
    compileall.compile_dir(Path(civitai_kit.__file__).parent, quiet=1)
    rows: list[Row] = []
    started = time.perf_counter()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {rounds} rounds, before: {load()}", flush=True)
    for name in args.only or JOBS:
        print(f"  running {name} ...", file=sys.stderr, flush=True)
        rows += run_job(name, rounds)
    print(render(rows))
    print(f"after: {load()}; {time.perf_counter() - started:.0f} s in all")
    misses = [row.job for row in rows if not row.passed]
    if misses:
        print(f"{len(misses)} row(s) miss: {', '.join(misses)}")
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
