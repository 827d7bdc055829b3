"""Client overhead per call vs raw httpx, against the loopback fake server, in the same run.

    .venv/bin/python bench/client_overhead.py                # 9 interleaved rounds of 300 calls per side
    .venv/bin/python bench/client_overhead.py --rounds 15

Rows (issue 13): sync ``CivitaiClient.models.get_by_id`` ×300 vs ``httpx.Client.get`` + ``.json()`` of the
same URLs (target ≤ 1.15x); async, 300 calls with 16 in flight, ``AsyncCivitaiClient`` (httpx backend,
target ≤ 1.0x; aiohttp backend, target ≤ 0.25x) vs ``httpx.AsyncClient.get`` + ``.json()``. The bodies are
the real 2023-2025 model bodies the fake server seeds from. Each round times both sides back to back, in
alternating order; a figure is the median of the per-round ratios, with their min-max.

For the bench table: ``sync_ratio(rounds, calls=300) -> (median, lo, hi)`` and
``async_ratios(rounds, calls=300) -> {"httpx": (median, lo, hi), "aiohttp": (median, lo, hi)}``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import httpx

from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.rest import RestData, install_rest_routes

CALLS = 300
IN_FLIGHT = 16
SYNC_TARGET = 1.15
ASYNC_TARGETS = {"httpx": 1.0, "aiohttp": 0.25}
Spread = tuple[float, float, float]


@contextmanager
def serving() -> Iterator[tuple[str, list[int]]]:
    """The fake server with the real model bodies: its URL and the model ids it serves."""
    data = RestData.sample(clones=0)
    with FakeCivitai() as server:
        install_rest_routes(server, data)
        yield server.url, [model["id"] for model in data.models]


def _spread(found: list[float]) -> Spread:
    return statistics.median(found), min(found), max(found)


def _interleaved(rounds: int, ours: Callable[[], float], theirs: Callable[[], float]) -> list[float]:
    found = []
    for index in range(rounds):
        if index % 2:
            mine = ours()
            found.append(mine / theirs())
        else:
            baseline = theirs()
            found.append(ours() / baseline)
    return found


def sync_ratio(rounds: int = 9, calls: int = CALLS) -> Spread:
    """``(median, lo, hi)`` of ``calls`` sync ``get_by_id`` over as many ``httpx.Client.get`` + ``.json()``."""
    with serving() as (url, ids):
        paths = [f"/api/v1/models/{ids[i % len(ids)]}" for i in range(calls)]
        model_ids = [ids[i % len(ids)] for i in range(calls)]
        with httpx.Client(base_url=url) as raw, CivitaiClient(CivitaiApiOptions(base_url=url)) as client:

            def theirs() -> float:
                start = time.perf_counter()
                for path in paths:
                    response = raw.get(path)
                    response.raise_for_status()
                    response.json()
                return time.perf_counter() - start

            def ours() -> float:
                start = time.perf_counter()
                for model_id in model_ids:
                    client.models.get_by_id(model_id).unwrap()
                return time.perf_counter() - start

            theirs(), ours()  # warm: connections, adapters
            return _spread(_interleaved(rounds, ours, theirs))


Backend = Literal["httpx", "aiohttp"]


async def _async_ratio(url: str, ids: list[int], backend: Backend, rounds: int, calls: int) -> Spread:
    options = CivitaiApiOptions(
        base_url=url, http_backend=backend, resilience={"rate_limit": {"max_concurrency": IN_FLIGHT}}
    )
    limits = httpx.Limits(max_connections=IN_FLIGHT * 2, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=url, limits=limits) as raw, AsyncCivitaiClient(options) as client:

        async def raw_call(index: int) -> Any:
            response = await raw.get(f"/api/v1/models/{ids[index % len(ids)]}")
            response.raise_for_status()
            return response.json()

        async def client_call(index: int) -> Any:
            return (await client.models.get_by_id(ids[index % len(ids)])).unwrap()

        async def run_all(call: Callable[[int], Awaitable[Any]]) -> float:
            slots = asyncio.Semaphore(IN_FLIGHT)

            async def one(index: int) -> None:
                async with slots:
                    await call(index)

            start = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(calls)))
            return time.perf_counter() - start

        await run_all(raw_call)
        await run_all(client_call)
        found = []
        for index in range(rounds):
            if index % 2:
                mine = await run_all(client_call)
                found.append(mine / await run_all(raw_call))
            else:
                baseline = await run_all(raw_call)
                found.append(await run_all(client_call) / baseline)
        return _spread(found)


def async_ratios(rounds: int = 9, calls: int = CALLS) -> dict[str, Spread]:
    """Per backend, ``(median, lo, hi)`` of ``calls`` async ``get_by_id`` (16 in flight) over raw httpx."""
    with serving() as (url, ids):
        return {
            backend: asyncio.run(_async_ratio(url, ids, backend, rounds, calls)) for backend in ("httpx", "aiohttp")
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=CALLS)
    args = parser.parse_args()
    rows = [("sync get_by_id vs httpx.Client", sync_ratio(args.rounds, args.calls), SYNC_TARGET)]
    for backend, spread in async_ratios(args.rounds, args.calls).items():
        rows.append((f"async, {backend} backend vs httpx.AsyncClient", spread, ASYNC_TARGETS[backend]))
    missed = False
    for name, (median, lo, hi), target in rows:
        missed = missed or median > target
        verdict = "ok" if median <= target else "MISSED"
        print(f"{name:<44} {median:5.2f}x (min {lo:.2f} max {hi:.2f}), target ≤ {target}x: {verdict}")
    raise SystemExit(1 if missed else 0)


if __name__ == "__main__":
    main()
