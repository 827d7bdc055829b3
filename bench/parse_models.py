"""Typed parsing of a 100-item ``/models`` page vs plain ``json.loads`` of the same bytes, in the same run.

    .venv/bin/python bench/parse_models.py               # best of 7 rounds of 20 parses each
    .venv/bin/python bench/parse_models.py --rounds 15

The page is built from the real Civitai bodies the fake server seeds from (2023, 2024 and 2025 shapes,
``testing/data/templates``), cycled to 100 items with distinct ids. "client path" is what
``CivitaiClient`` does per response: ``json.loads`` then validation into ``Page[Model]``. Target: client
path ≤ 4x ``json.loads``.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Callable
from typing import Any

from civitai_kit.core import Model, Page
from civitai_kit.core.calls import page_of, parse
from civitai_kit.testing.rest_data import load_templates


def build_page(items: int = 100) -> bytes:
    templates = load_templates()
    page = []
    for index in range(items):
        model = copy.deepcopy(templates[index % len(templates)])
        model["id"] = 1_000_000 + index
        page.append(model)
    body = {"items": page, "metadata": {"nextCursor": "100|1712265847499", "nextPage": "https://civitai.com/x"}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def best(run: Callable[[], Any], rounds: int, repeat: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            run()
        times.append((time.perf_counter() - start) / repeat)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    body = build_page()
    page_type = page_of(Model)
    parsed = parse(page_type, json.loads(body), strict=True)
    assert isinstance(parsed, Page) and len(parsed.items) == 100
    versions = sum(len(m.model_versions) for m in parsed.items)
    files = sum(len(v.files) for m in parsed.items for v in m.model_versions)
    images = sum(len(v.images) for m in parsed.items for v in m.model_versions)
    print(f"page: {len(body) / 1024:.0f} KiB, 100 models, {versions} versions, {files} files, {images} images")

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("json.loads (baseline)", lambda: json.loads(body)),
        ("client path: json.loads + Page[Model]", lambda: parse(page_type, json.loads(body))),
        ("client path, StrictJsonParsing", lambda: parse(page_type, json.loads(body), strict=True)),
        ("Page[Model].model_validate_json", lambda: page_type.model_validate_json(body)),
    ]
    baseline = 0.0
    for name, run in cases:
        seconds = best(run, args.rounds, args.repeat)
        baseline = baseline or seconds
        print(f"{name:<40} {seconds * 1000:8.2f} ms  {seconds / baseline:5.2f}x")


if __name__ == "__main__":
    main()
