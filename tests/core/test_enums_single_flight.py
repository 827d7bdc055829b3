"""Concurrent first ``enums()`` calls send one request: threads on a sync client, tasks on an async one."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import pytest

from civitai_kit._runtime import WaitFor
from civitai_kit.core import AsyncCivitaiClient, CivitaiClient, CivitaiEnums
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Result, Success
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse
from tests.support.core_support import error_of, options_for

CALLERS = 6
_ENUMS = json.loads(resources.files("civitai_kit.testing").joinpath("data", "enums.json").read_text())


GRACE = 0.1
"""Seconds the answer is held once every caller has made its call: time enough to send a request of its own."""


class SlowEnums:
    """``/enums`` that holds each answer until every caller could have sent its own request (or a second has
    passed): without single-flight the callers' requests all arrive here; with it, only one does. Callers
    announce themselves with ``entering``; the answer goes ``GRACE`` seconds after the last one, at once if
    all their requests arrive (single-flight broken), or when a test sets ``release``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.count = 0
        self.entered = 0
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def entering(self) -> None:
        with self._lock:
            self.entered += 1
            if self.entered == CALLERS:
                threading.Timer(GRACE, self.release.set).start()

    def __call__(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            self.count += 1
            if self.count >= CALLERS:
                self.release.set()
        self.first_arrived.set()
        self.release.wait(1.0)
        if self.status != 200:
            return FakeResponse.json({"error": "Bad enums"}, status=self.status)
        return FakeResponse.json(_ENUMS)


@pytest.fixture
def slow() -> Iterator[tuple[FakeCivitai, SlowEnums]]:
    handler = SlowEnums()
    with FakeCivitai() as server:
        server.add_route("GET", "/api/v1/enums", handler)
        yield server, handler
        assert not server.errors.snapshot()


def entering_sync(handler: SlowEnums, client: CivitaiClient) -> Result[CivitaiEnums]:
    handler.entering()
    return client.enums()


async def entering(handler: SlowEnums, client: AsyncCivitaiClient) -> Result[CivitaiEnums]:
    handler.entering()
    return await client.enums()


def test_threads_share_one_request(slow: tuple[FakeCivitai, SlowEnums]) -> None:
    server, handler = slow
    with CivitaiClient(options_for(server.url)) as client, ThreadPoolExecutor(CALLERS) as pool:
        results = list(pool.map(lambda _: entering_sync(handler, client), range(CALLERS)))
        assert handler.count == 1
        values = {id(result.unwrap()) for result in results}
        assert len(values) == 1 and isinstance(results[0].unwrap(), CivitaiEnums)
        assert client.enums().unwrap() is results[0].unwrap()  # then cached
    assert handler.count == 1


async def test_tasks_share_one_request(slow: tuple[FakeCivitai, SlowEnums]) -> None:
    server, handler = slow
    async with AsyncCivitaiClient(options_for(server.url)) as client:
        results = await asyncio.gather(*(entering(handler, client) for _ in range(CALLERS)))
        assert handler.count == 1
        assert len({id(result.unwrap()) for result in results}) == 1
        assert (await client.enums()).unwrap() is results[0].unwrap()
    assert handler.count == 1


async def test_a_failure_is_shared_by_the_waiters_and_not_kept(slow: tuple[FakeCivitai, SlowEnums]) -> None:
    server, handler = slow
    handler.status = 400
    async with AsyncCivitaiClient(options_for(server.url)) as client:
        results = await asyncio.gather(*(entering(handler, client) for _ in range(CALLERS)))
        assert handler.count == 1
        assert {error_of(result).code for result in results} == {ErrorCode.BAD_REQUEST}
        handler.status = 200
        handler.release.set()
        assert isinstance(await client.enums(), Success)
    assert handler.count == 2


async def test_a_waiter_takes_over_when_the_fetching_task_is_cancelled(
    slow: tuple[FakeCivitai, SlowEnums],
) -> None:
    server, handler = slow
    async with AsyncCivitaiClient(options_for(server.url)) as client:
        leader = asyncio.create_task(client.enums())
        assert await asyncio.to_thread(handler.first_arrived.wait, 10)
        waiter = asyncio.create_task(client.enums())
        await asyncio.sleep(0)  # the waiter's first step: it finds the fetch in flight and waits for it
        leader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leader
        handler.release.set()
        assert isinstance((await waiter).unwrap(), CivitaiEnums)
    assert handler.count == 2


def test_a_waiter_takes_over_when_the_fetching_operation_is_abandoned(slow: tuple[FakeCivitai, SlowEnums]) -> None:
    """What a Ctrl-C in the fetching thread does: its operation is closed, and the waiting one fetches instead."""
    server, handler = slow
    with CivitaiClient(options_for(server.url)) as client:
        cache, core = client._enums, client._session.core
        leader = cache.fetch(core, strict=False)
        assert not isinstance(next(leader), WaitFor)  # on its way to the network
        waiter = cache.fetch(core, strict=False)
        waiting = next(waiter)
        assert isinstance(waiting, WaitFor)
        leader.close()
        assert waiting.future.result(timeout=0) is None  # "gave up": nothing shared
        assert not isinstance(waiter.send(None), WaitFor)  # the waiter now fetches itself
        waiter.close()
        assert cache._pending is None
    assert handler.count == 0  # nothing was performed


async def test_a_cancelled_waiter_leaves_the_others_their_answer(slow: tuple[FakeCivitai, SlowEnums]) -> None:
    server, handler = slow
    async with AsyncCivitaiClient(options_for(server.url)) as client:
        leader = asyncio.create_task(client.enums())
        assert await asyncio.to_thread(handler.first_arrived.wait, 10)
        quitter, patient = asyncio.create_task(client.enums()), asyncio.create_task(client.enums())
        await asyncio.sleep(0)  # both find the fetch in flight and wait for it
        quitter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await quitter
        handler.release.set()
        assert (await leader).unwrap() is (await patient).unwrap()
    assert handler.count == 1
