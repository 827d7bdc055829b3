"""Client overhead per call vs raw httpx, against the loopback fake server, in the same run.

    .venv/bin/python -m bench.client_overhead                # 9 interleaved rounds of 300 calls per side
    .venv/bin/python -m bench.client_overhead --rounds 15

Rows (issue 13): sync ``CivitaiClient.models.get_by_id`` ×300 vs ``httpx.Client.get`` + ``.json()`` of the
same URLs (target ≤ 1.15x); async, 300 calls with 16 in flight, ``AsyncCivitaiClient`` (httpx backend,
target ≤ 1.0x; aiohttp backend, target ≤ 0.25x) vs ``httpx.AsyncClient.get`` + ``.json()``. The bodies are
the real 2023-2025 model bodies the fake server seeds from; it runs in a process of its own. A reference row times
aiohttp's own client the same way (no httpx, no typed models): the floor under the aiohttp row; another times
httpx's own client over the same aiohttp transport, the floor for a client that keeps httpx as its HTTP API.
Each round times both sides back to back; a figure is the median of the per-round ratios, with their min-max.
Async rounds share one event loop, so both sides keep their connections from round to round as an application
would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import AsyncExitStack, contextmanager
from typing import Any, Literal, cast

import aiohttp
import httpx

from bench._table import Row, interleave, quick, render
from civitai_kit._http.aiohttp_transport import AiohttpTransport
from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.options import CivitaiApiOptions

CALLS = 300
IN_FLIGHT = 16
SYNC_TARGET = 1.15
ASYNC_TARGETS = {"httpx": 1.0, "aiohttp": 0.25}
Backend = Literal["httpx", "aiohttp"]
Contender = Backend | Literal["raw aiohttp", "httpx on aiohttp"]
"""Whose calls a row times against raw httpx: ours on a backend, or a floor: aiohttp's own client, or httpx's
client over the same aiohttp transport (what any httpx-based client on that backend pays)."""


SERVER = """
import json, sys
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.rest import RestData, install_rest_routes
data = RestData.sample(clones=0)
with FakeCivitai() as server:
    install_rest_routes(server, data)
    print(json.dumps([server.url, [model["id"] for model in data.models]]), flush=True)
    sys.stdin.read()  # until the bench closes it
"""


@contextmanager
def serving() -> Iterator[tuple[str, list[int]]]:
    """The fake server with the real model bodies, in a process of its own (as Civitai is): its URL and the
    model ids it serves. Served from threads of the measuring process, it would take the GIL from whichever
    client is running, and the rows would time that hand-over more than the clients."""
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdin is not None
        url, ids = json.loads(server.stdout.readline())
        yield url, ids
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=30)


def sync_row(url: str, ids: list[int], rounds: int, calls: int) -> Row:
    """``calls`` sync ``get_by_id`` against as many ``httpx.Client.get`` + ``.json()`` of the same URLs."""
    model_ids = [ids[i % len(ids)] for i in range(calls)]
    with httpx.Client(base_url=url) as raw, CivitaiClient(CivitaiApiOptions(base_url=url)) as client:

        def theirs() -> None:
            for model_id in model_ids:
                response = raw.get(f"/api/v1/models/{model_id}")
                response.raise_for_status()
                response.json()

        def ours() -> None:
            for model_id in model_ids:
                client.models.get_by_id(model_id).unwrap()

        mine, base = interleave(rounds, ours, theirs)
    job = f"sync `models.get_by_id` ×{calls} over loopback"
    return Row(job, "`httpx.Client.get`", tuple(mine), tuple(base), SYNC_TARGET)


Call = Callable[[int], Awaitable[Any]]


async def _ours(stack: AsyncExitStack, url: str, ids: list[int], backend: Backend) -> Call:
    options = CivitaiApiOptions(
        base_url=url, http_backend=backend, resilience={"rate_limit": {"max_concurrency": IN_FLIGHT}}
    )
    client = await stack.enter_async_context(AsyncCivitaiClient(options))

    async def call(index: int) -> Any:
        return (await client.models.get_by_id(ids[index % len(ids)])).unwrap()

    return call


async def _raw_aiohttp(stack: AsyncExitStack, url: str, ids: list[int]) -> Call:
    """The floor under the aiohttp backend: aiohttp alone, no httpx, no typed models (``json.loads``)."""
    session = await stack.enter_async_context(
        aiohttp.ClientSession(base_url=url, connector=aiohttp.TCPConnector(limit=IN_FLIGHT * 2))
    )

    async def call(index: int) -> Any:
        async with session.get(f"/api/v1/models/{ids[index % len(ids)]}") as response:
            response.raise_for_status()
            return json.loads(await response.read())

    return call


async def _httpx_on_aiohttp(stack: AsyncExitStack, url: str, ids: list[int]) -> Call:
    """The floor under the aiohttp backend for a client that keeps httpx: ``httpx.AsyncClient.get`` over the
    same aiohttp transport the library uses, then ``json.loads`` (no typed models)."""
    transport = AiohttpTransport(limits=httpx.Limits(max_connections=IN_FLIGHT * 2))
    client = await stack.enter_async_context(httpx.AsyncClient(base_url=url, transport=transport))

    async def call(index: int) -> Any:
        response = await client.get(f"/api/v1/models/{ids[index % len(ids)]}")
        response.raise_for_status()
        return json.loads(response.content)

    return call


FLOORS: dict[Contender, tuple[Callable[[AsyncExitStack, str, list[int]], Coroutine[Any, Any, Call]], str, str]] = {
    "raw aiohttp": (_raw_aiohttp, "`aiohttp.ClientSession.get` + `json.loads`", "the floor of the aiohttp row"),
    "httpx on aiohttp": (
        _httpx_on_aiohttp,
        "`httpx.AsyncClient.get` over the aiohttp transport + `json.loads`",
        "the floor while httpx stays the only HTTP library the code sees",
    ),
}


def async_row(url: str, ids: list[int], contender: Contender, rounds: int, calls: int) -> Row:
    """``calls`` async ``get_by_id`` (``IN_FLIGHT`` at a time) against raw ``httpx.AsyncClient`` calls; a
    contender in ``FLOORS`` is timed instead of ours (a reference row, no target)."""
    limits = httpx.Limits(max_connections=IN_FLIGHT * 2, max_keepalive_connections=IN_FLIGHT)
    with asyncio.Runner() as runner:
        stack = AsyncExitStack()
        raw = runner.run(stack.enter_async_context(httpx.AsyncClient(base_url=url, limits=limits)))
        floor = FLOORS.get(contender)
        contender_call = runner.run(
            floor[0](stack, url, ids) if floor is not None else _ours(stack, url, ids, cast(Backend, contender))
        )

        async def raw_call(index: int) -> Any:
            response = await raw.get(f"/api/v1/models/{ids[index % len(ids)]}")
            response.raise_for_status()
            return response.json()

        async def run_all(call: Call) -> None:
            slots = asyncio.Semaphore(IN_FLIGHT)

            async def one(index: int) -> None:
                async with slots:
                    await call(index)

            await asyncio.gather(*(one(i) for i in range(calls)))

        try:
            mine, base = interleave(
                rounds, lambda: runner.run(run_all(contender_call)), lambda: runner.run(run_all(raw_call))
            )
        finally:
            runner.run(stack.aclose())
    if floor is not None:
        job = f"reference: {floor[1]}, {calls} calls, {IN_FLIGHT} in flight"
        return Row(job, "`httpx.AsyncClient.get`", tuple(mine), tuple(base), None, (floor[2],))
    job = f"async, {calls} calls, {IN_FLIGHT} in flight, {contender} backend"
    return Row(job, "`httpx.AsyncClient.get`", tuple(mine), tuple(base), ASYNC_TARGETS[cast(Backend, contender)])


def run(rounds: int, calls: int | None = None) -> list[Row]:
    """The three overhead rows (sync; async over httpx; async over aiohttp) and the aiohttp row's two floors,
    one fake server for all."""
    count = calls if calls is not None else (50 if quick() else CALLS)
    with serving() as (url, ids):
        rows = [sync_row(url, ids, rounds, count)]
        contenders: tuple[Contender, ...] = ("httpx", "aiohttp", "raw aiohttp", "httpx on aiohttp")
        rows += [async_row(url, ids, contender, rounds, count) for contender in contenders]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=CALLS)
    args = parser.parse_args()
    rows = run(args.rounds, args.calls)
    print(render(rows))
    raise SystemExit(0 if all(row.passed for row in rows) else 1)


if __name__ == "__main__":
    main()
