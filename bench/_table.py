"""The shared shape of every bench job: rows of interleaved timings against a baseline, and the table.

A job is a module of this package with ``def run(rounds: int) -> list[Row]``. It runs its own work and its
baseline alternately, ``rounds`` times each after one unmeasured warm-up, and returns one [`Row`][] per line of
the issue's table. ``python -m bench`` finds the jobs through [`JOBS`][] (module names), so a module that
gains a ``run`` function is picked up without touching the runner.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: Job modules in table order (the ``parse`` slice owns ``parse_models`` and ``client_overhead``).
JOBS: tuple[str, ...] = (
    "parse_models",
    "client_overhead",
    "download_throughput",
    "hash_throughput",
    "cli_import",
    "identify_folder",
)

#: Set by ``--quick``: jobs use smaller inputs (the figures are then only a smoke test).
QUICK = {"on": False}


def quick() -> bool:
    return QUICK["on"]


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: our seconds and the baseline's, round by round (lower ratio is faster)."""

    job: str
    baseline: str
    ours: tuple[float, ...]
    base: tuple[float, ...]
    #: the median ratio ours/baseline must be at or under this; ``None``: reported, no target
    target: float | None
    #: extra facts for the table (peak RSS, requests made, ...)
    notes: tuple[str, ...] = ()
    #: extra conditions the row must meet besides the ratio (description -> met)
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def ratios(self) -> list[float]:
        return [mine / theirs for mine, theirs in zip(self.ours, self.base, strict=True) if theirs > 0]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios) if self.ratios else float("inf")

    @property
    def passed(self) -> bool:
        ratio_ok = self.target is None or self.ratio <= self.target
        return ratio_ok and all(self.checks.values())

    def cells(self) -> list[str]:
        ratios = self.ratios
        spread = f"{min(ratios):.2f}–{max(ratios):.2f}" if ratios else "—"
        ours = f"{statistics.median(self.ours):.3f} s" if self.ours else "—"
        base = f"{statistics.median(self.base):.3f} s" if self.base else "—"
        target = "—" if self.target is None else f"≤ {self.target:.2f}×"
        failed = [name for name, met in self.checks.items() if not met]
        verdict = "ok" if self.passed else "MISS" + (f" ({', '.join(failed)})" if failed else "")
        notes = "; ".join(self.notes)
        ratio = f"{self.ratio:.2f}×" if ratios else "—"
        return [self.job, self.baseline, base, ours, ratio, spread, target, verdict, notes]


def missing(job: str, reason: str) -> Row:
    """A row for a job that could not run: always a miss, with the reason in the notes."""
    return Row(job, "—", (), (), None, (reason,), {"did not run": False})


def interleave(
    rounds: int,
    ours: Callable[[], object],
    base: Callable[[], object],
    clock: Callable[[], float] = time.perf_counter,
    after: Callable[[], object] | None = None,
) -> tuple[list[float], list[float]]:
    """Time ``base`` then ``ours`` alternately, ``rounds`` times after one unmeasured warm-up of each.

    ``clock`` is wall time by default; a single-threaded CPU-bound job passes ``time.thread_time`` (on a shared
    machine wall time there mostly measures how often the scheduler looked elsewhere). ``after`` runs after
    each timed run, untimed: checking what the run produced, cleaning up, letting the disk settle."""
    mine: list[float] = []
    theirs: list[float] = []
    for index in range(rounds + 1):
        for run, sink in ((base, theirs), (ours, mine)):
            started = clock()
            run()
            elapsed = clock() - started
            if after is not None:
                after()
            if index:
                sink.append(elapsed)
    return mine, theirs


HEADERS = [
    "job",
    "baseline",
    "baseline (median)",
    "civitai-kit (median)",
    "ratio",
    "min–max",
    "target",
    "verdict",
    "notes",
]


def render(rows: list[Row]) -> str:
    """The rows as a Markdown table (pasteable into the README)."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def load() -> str:
    """The machine's load averages, printed beside the figures (other people share these cores)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"
