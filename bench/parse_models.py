"""Typed parsing of a 100-item ``/models`` page vs plain ``json.loads`` of the same bytes, in the same run.

    .venv/bin/python bench/parse_models.py               # 15 interleaved rounds of 10 parses per side
    .venv/bin/python bench/parse_models.py --rounds 31

The page is built from the real Civitai bodies the fake server seeds from (2023, 2024 and 2025 shapes,
``testing/data/templates``), cycled to 100 items with distinct ids. "client path" is exactly what
``CivitaiClient`` does with a response body (``core.calls.parsed``: bytes to ``Page[Model]``, strict
mode's unknown-field walk included when on). Both sides are timed in CPU time of the thread. Each round
times both sides back to back; a figure is the median of the per-round ratios, with their min-max.
Targets (issue 13): lenient ≤ 1.0x, strict ≤ 1.2x.

For the bench table: ``parse_ratio(rounds, strict=False) -> (median, lo, hi)``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from civitai_kit._http import Response
from civitai_kit.core import Model, Page
from civitai_kit.core.calls import page_of, parsed
from civitai_kit.result import Success
from civitai_kit.testing.rest_data import load_templates

ITEMS = 100
REPEAT = 10
TARGET = 1.0
STRICT_TARGET = 1.2


def build_page(items: int = ITEMS) -> bytes:
    """A ``/models`` page of ``items`` real model bodies (cycled, ids made distinct), compact JSON."""
    templates = load_templates()
    page = []
    for index in range(items):
        model = copy.deepcopy(templates[index % len(templates)])
        model["id"] = 1_000_000 + index
        page.append(model)
    body = {"items": page, "metadata": {"nextCursor": "100|1712265847499", "nextPage": "https://civitai.com/x"}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def client_path(body: bytes, *, strict: bool) -> Callable[[], Page[Model]]:
    """One parse of ``body`` the way the client parses a response (fails loudly if it does not parse)."""
    response = Response(status=200, headers={"content-type": "application/json"}, content=body, url="bench")
    target = page_of(Model)

    def run() -> Page[Model]:
        result = parsed(response, target, strict=strict)
        assert isinstance(result, Success), result
        return result.value

    return run


def _timed(run: Callable[[], Any], repeat: int) -> float:
    """CPU seconds of this thread: both sides run on one thread only, and on a machine shared with other
    jobs wall time mostly measures how often the scheduler looked elsewhere."""
    start = time.thread_time()
    for _ in range(repeat):
        run()
    return time.thread_time() - start


def ratios(rounds: int, *, strict: bool = False, repeat: int = REPEAT) -> list[float]:
    """Per-round ratio client path / ``json.loads``, the two timed back to back (order alternating)."""
    body = build_page()
    ours = client_path(body, strict=strict)

    def baseline() -> Any:
        return json.loads(body)

    ours()  # warm: adapters built, caches filled
    baseline()
    found = []
    for index in range(rounds):
        if index % 2:
            mine, theirs = _timed(ours, repeat), _timed(baseline, repeat)
        else:
            theirs, mine = _timed(baseline, repeat), _timed(ours, repeat)
        found.append(mine / theirs)
    return found


def parse_ratio(rounds: int = 15, *, strict: bool = False) -> tuple[float, float, float]:
    """``(median, lo, hi)`` of the client path's time over ``json.loads``'s on the same 100-item page."""
    found = ratios(rounds, strict=strict)
    return statistics.median(found), min(found), max(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    body = build_page()
    page = client_path(body, strict=True)()
    versions = [v for m in page.items for v in m.model_versions]
    images = sum(len(v.images) for v in versions)
    files = sum(len(v.files) for v in versions)
    print(f"page: {len(body) / 1024:.0f} KiB, {len(page.items)} models, {len(versions)} versions, ", end="")
    print(f"{files} files, {images} images")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    missed = False
    for name, strict, target in (("lenient", False, TARGET), ("StrictJsonParsing", True, STRICT_TARGET)):
        median, lo, hi = parse_ratio(args.rounds, strict=strict)
        verdict = "ok" if median <= target else "MISSED"
        missed = missed or median > target
        spread = f"(min {lo:.2f} max {hi:.2f})"
        print(f"client path, {name:<18} {median:5.2f}x json.loads {spread}, target ≤ {target}x: {verdict}")
    raise SystemExit(1 if missed else 0)


if __name__ == "__main__":
    main()
