"""Typed parsing of a 100-item ``/models`` page vs plain ``json.loads`` of the same bytes, in the same run.

    .venv/bin/python -m bench.parse_models               # 15 interleaved rounds of 10 parses per side
    .venv/bin/python -m bench.parse_models --rounds 31

The page is built from the real Civitai bodies the fake server seeds from (2023, 2024 and 2025 shapes,
``testing/data/templates``), cycled to 100 items with distinct ids. "client path" is exactly what
``CivitaiClient`` does with a response body (``core.calls.parsed``: bytes to ``Page[Model]``, strict
mode's unknown-field walk included when on). Both sides are timed in CPU time of the thread (they run on
one thread only). Each round times both sides back to back; a figure is the median of the per-round ratios,
with their min-max. Targets (issue 13): lenient ≤ 1.0x, strict ≤ 1.2x.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Callable

from bench._table import Row, interleave, quick, render
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


def run(rounds: int) -> list[Row]:
    """The two parse rows: lenient (target 1.0x) and strict (1.2x), each against ``json.loads``, CPU time."""
    body = build_page()
    repeat = 2 if quick() else REPEAT

    def baseline() -> None:
        for _ in range(repeat):
            json.loads(body)

    rows = []
    for mode, strict, target in (("lenient", False, TARGET), ("strict", True, STRICT_TARGET)):
        parse = client_path(body, strict=strict)
        page = parse()

        def ours(parse: Callable[[], Page[Model]] = parse) -> None:
            for _ in range(repeat):
                parse()

        mine, theirs = interleave(rounds, ours, baseline, clock=time.thread_time)
        job = f"parse a {len(page.items)}-item `/models` page ({len(body) >> 10} KiB) into typed models, {mode}"
        notes = (f"{repeat} parses per round, CPU time",)
        rows.append(Row(job, "`json.loads` of the same bytes", tuple(mine), tuple(theirs), target, notes))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    rows = run(args.rounds)
    print(render(rows))
    raise SystemExit(0 if all(row.passed for row in rows) else 1)


if __name__ == "__main__":
    main()
