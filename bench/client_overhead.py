"""``AsyncCivitaiClient`` vs raw ``httpx.AsyncClient``: 1 000 GETs against the loopback fake server, 16 in flight.

    .venv/bin/python bench/client_overhead.py                 # 1000 requests per case, best of 3 rounds
    .venv/bin/python bench/client_overhead.py --requests 2000 --rounds 5

Both sides make the same requests to the same server in the same run, interleaved round by round. The raw
side decodes JSON; the client also maps errors, runs its retry/limit machinery and parses typed models.
Two cases: ``/api/v1/models/{id}`` (real 2023-2025 bodies of 1-100 KiB) and ``/api/v1/creators?limit=1``
(tiny bodies, where per-call overhead shows most). Target: client ≤ 1.3x raw httpx.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from civitai_kit.core import AsyncCivitaiClient
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.rest import RestData, install_rest_routes

IN_FLIGHT = 16
Call = Callable[[int], Awaitable[Any]]


async def run_all(call: Call, requests: int) -> float:
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one(index: int) -> None:
        async with slots:
            await call(index)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(requests)))
    return time.perf_counter() - start


async def compare(title: str, raw: Call, ours: Call, requests: int, rounds: int) -> None:
    cases = {"raw httpx.AsyncClient + .json()": raw, "AsyncCivitaiClient": ours}
    for call in cases.values():  # warm up connections and caches
        await run_all(call, IN_FLIGHT * 4)
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for name, call in cases.items():  # interleaved, so drift on a shared machine hits both sides
            best[name] = min(best[name], await run_all(call, requests))
    baseline = next(iter(best.values()))
    print(f"-- {title}")
    for name, seconds in best.items():
        print(f"   {name:<34} {seconds:6.3f} s  {seconds / requests * 1e6:7.0f} µs/call  {seconds / baseline:5.2f}x")


async def measure(url: str, ids: list[int], requests: int, rounds: int) -> None:
    options = CivitaiApiOptions(base_url=url, resilience={"rate_limit": {"max_concurrency": IN_FLIGHT}})
    limits = httpx.Limits(max_connections=IN_FLIGHT * 2, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=url, limits=limits) as raw, AsyncCivitaiClient(options) as client:

        async def raw_model(index: int) -> Any:
            response = await raw.get(f"/api/v1/models/{ids[index % len(ids)]}")
            response.raise_for_status()
            return response.json()

        async def client_model(index: int) -> Any:
            return (await client.models.get_by_id(ids[index % len(ids)])).unwrap()

        async def raw_creator(index: int) -> Any:
            response = await raw.get("/api/v1/creators", params={"limit": 1, "page": index % 20 + 1})
            response.raise_for_status()
            return response.json()

        async def client_creator(index: int) -> Any:
            return (await client.creators.with_page_index(index % 20 + 1).execute(limit=1)).unwrap()

        await compare("/api/v1/models/{id}: model bodies, parsed into Model", raw_model, client_model, requests, rounds)
        await compare("/api/v1/creators?limit=1: tiny bodies", raw_creator, client_creator, requests, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = RestData.sample(clones=0)
    ids = [model["id"] for model in data.models]
    with FakeCivitai() as server:
        install_rest_routes(server, data)
        print(f"{args.requests} GETs per case, {IN_FLIGHT} in flight, best of {args.rounds} (loopback {server.url})")
        asyncio.run(measure(server.url, ids, args.requests, args.rounds))


if __name__ == "__main__":
    main()
