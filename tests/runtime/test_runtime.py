"""The one runtime: both drivers run the same operations, iterate what they emit, close what they abandon,
offload blocking steps, and read streamed bodies chunk by chunk over real loopback HTTP."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Generator
from typing import Any

import pytest

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, Close, HttpClient, Read
from civitai_kit._runtime import (
    Action,
    AsyncDriver,
    Blocking,
    Bound,
    Driver,
    Emit,
    Now,
    Operation,
    OperationMethod,
    Sleep,
    Sync,
)
from civitai_kit.errors import ApiConnectionError
from civitai_kit.result import Failure, Result, Success
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse, Fault


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def __call__(self) -> float:
        return self.now


def waits_and_reads_the_clock() -> Operation[tuple[float, float, str]]:
    before = yield Now()
    yield Sleep(2.5)
    after = yield Now()
    thread = yield Blocking(lambda: threading.current_thread().name)
    return before, after, thread


def counts_to(n: int) -> Operation[None]:
    for value in range(n):
        yield Sleep(0)
        yield Emit(value)


def both(operation: Any) -> tuple[Any, Any]:
    clock = Clock()
    sync = Driver(sleep=clock.sleep, clock=clock).run(operation())
    clock = Clock()
    aio = asyncio.run(AsyncDriver(sleep=clock.async_sleep, clock=clock).run(operation()))
    return sync, aio


def test_both_drivers_perform_the_same_vocabulary() -> None:
    sync, aio = both(waits_and_reads_the_clock)
    assert sync[:2] == aio[:2] == (100.0, 102.5)
    assert sync[2] == threading.current_thread().name  # blocking work runs where the caller blocks
    assert aio[2] != threading.current_thread().name  # and off the event loop when awaited


def test_iterate_hands_out_what_an_operation_emits() -> None:
    assert list(Driver(sleep=lambda _: None).iterate(counts_to(3))) == [0, 1, 2]

    async def collect() -> list[int]:
        return [value async for value in AsyncDriver().iterate(counts_to(3))]

    assert asyncio.run(collect()) == [0, 1, 2]


def test_run_refuses_an_operation_that_emits() -> None:
    with pytest.raises(TypeError, match="iterate"):
        Driver(sleep=lambda _: None).run(counts_to(1))


class Boom(Action):
    __slots__ = ()

    def perform(self, driver: Driver) -> Any:
        raise KeyboardInterrupt

    async def perform_async(self, driver: AsyncDriver) -> Any:
        raise asyncio.CancelledError


def holds_a_resource(released: list[str]) -> Operation[None]:
    try:
        yield Boom()
    finally:
        released.append("released")


def test_an_operation_is_closed_when_performing_raises() -> None:
    released: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        Driver().run(holds_a_resource(released))

    async def cancelled() -> None:
        with pytest.raises(asyncio.CancelledError):
            await AsyncDriver().run(holds_a_resource(released))

    asyncio.run(cancelled())
    assert released == ["released", "released"]


class Fails(Action):
    __slots__ = ()

    def perform(self, driver: Driver) -> Any:
        raise OSError("the disk went away")

    async def perform_async(self, driver: AsyncDriver) -> Any:
        raise OSError("the disk went away")


def cleans_up_with_boom(first: Action) -> Operation[None]:
    """Emits (or performs ``first``); whatever ends it, its clean-up is interrupted (Ctrl-C, a cancellation)."""
    try:
        yield first
        yield Emit(2)
    except BaseException:
        yield Boom()
        raise


def test_a_ctrl_c_during_the_clean_up_of_an_iteration_left_early_goes_on() -> None:
    """Nobody re-raises what interrupts the clean-up of an abandoned iteration: swallowed, it would be lost."""
    values = Driver().iterate(cleans_up_with_boom(Emit(1)))
    assert next(values) == 1
    with pytest.raises(KeyboardInterrupt):
        values.close()

    async def left_early() -> None:
        values = AsyncDriver().iterate(cleans_up_with_boom(Emit(1)))
        assert await anext(values) == 1
        with pytest.raises(asyncio.CancelledError):
            await values.aclose()

    asyncio.run(left_early())


def test_a_ctrl_c_during_the_clean_up_of_a_failure_wins_over_it() -> None:
    with pytest.raises(KeyboardInterrupt) as caught:
        Driver().run(cleans_up_with_boom(Fails()))
    assert isinstance(caught.value.__context__, OSError)  # the failure is still in the chain

    async def failed() -> None:
        with pytest.raises(asyncio.CancelledError):
            await AsyncDriver().run(cleans_up_with_boom(Fails()))

    asyncio.run(failed())


def steps_on(threads: list[str]) -> Operation[int]:
    threads.append(threading.current_thread().name)
    yield Sleep(0)
    threads.append(threading.current_thread().name)
    return 7


def test_offloaded_steps_run_on_one_worker_thread_in_order() -> None:
    threads: list[str] = []
    assert asyncio.run(AsyncDriver().run(steps_on(threads), offload=True)) == 7
    assert len(set(threads)) == 1 and threads[0] != threading.current_thread().name


def test_an_offloaded_operation_is_closed_on_its_worker_when_cancelled() -> None:
    closed_on: list[str] = []
    started = threading.Event()

    def long_wait() -> Operation[None]:
        try:
            started.set()
            yield Sleep(3600)
        finally:
            closed_on.append(threading.current_thread().name)

    async def main() -> None:
        task = asyncio.create_task(AsyncDriver().run(long_wait(), offload=True))
        while not started.is_set():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert closed_on and closed_on[0].startswith("civitai-kit-step")


class OffLoop(Action):
    """An action an offloaded operation's worker may perform itself: counts where it was performed."""

    __slots__ = ("interrupted", "log", "release", "value")

    def __init__(self, value: int, log: list[str], release: threading.Event | None = None) -> None:
        self.value, self.log, self.release = value, log, release
        self.interrupted = False

    def perform(self, driver: Driver) -> int:
        self.log.append("sync")
        return self.value

    async def perform_async(self, driver: AsyncDriver) -> int:
        self.log.append("loop")
        return self.value

    def perform_off_loop(self) -> int:
        self.log.append(threading.current_thread().name)
        if self.release is not None:
            self.release.wait(10)
        return -1 if self.interrupted else self.value

    def interrupt(self) -> None:
        self.interrupted = True
        assert self.release is not None
        self.release.set()


def adds_up(log: list[str], count: int) -> Operation[int]:
    total = 0
    for value in range(count):
        total += yield OffLoop(value, log)
    now: float = yield Now()  # an action that needs the loop
    return total + int(now)


def test_an_offloaded_operation_performs_what_it_can_on_its_worker_without_the_loop() -> None:
    log: list[str] = []
    result = asyncio.run(AsyncDriver(clock=lambda: 1000.0).run(adds_up(log, 5), offload=True))
    assert result == sum(range(5)) + 1000
    assert len(log) == 5 and all(name.startswith("civitai-kit-step") for name in log)


def test_without_offload_and_in_the_sync_driver_every_action_is_performed_as_usual() -> None:
    log: list[str] = []
    assert asyncio.run(AsyncDriver(clock=lambda: 1000.0).run(adds_up(log, 3))) == 1003
    assert Driver(clock=lambda: 1000.0).run(adds_up(log, 3)) == 1003
    assert log == ["loop"] * 3 + ["sync"] * 3


def test_a_cancellation_interrupts_the_action_on_the_worker_and_performs_no_more_there() -> None:
    log: list[str] = []
    outcomes: list[int] = []
    release = threading.Event()

    def reads_until_told() -> Operation[None]:
        try:
            outcomes.append((yield OffLoop(1, log, release)))
            outcomes.append((yield OffLoop(2, log)))
            yield Sleep(3600)
        finally:
            log.append("cleaned up")

    async def main() -> None:
        task = asyncio.create_task(AsyncDriver().run(reads_until_told(), offload=True))
        while not log:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert outcomes == [-1]  # interrupted; the next action was not performed on the worker
    assert log[0].startswith("civitai-kit-step") and log[-1] == "cleaned up" and "loop" not in log


class Greeter(Bound[Sync]):
    def __init__(self, driver: Driver | None) -> None:
        self._driver = driver

    def _greet(self, name: str, *, punctuation: str = "!") -> Operation[str]:
        """Say hello."""
        yield Sleep(0)
        return f"hello {name}{punctuation}"

    greet = OperationMethod(_greet)


def test_an_operation_method_runs_through_its_objects_driver_and_has_a_real_signature() -> None:
    greeter = Greeter(Driver(sleep=lambda _: None))
    assert greeter.greet("you") == "hello you!"
    assert str(inspect.signature(greeter.greet)) == "(name: 'str', *, punctuation: 'str' = '!')"
    assert str(inspect.signature(Greeter.greet)).startswith("(self, name")
    assert greeter.greet.__doc__ == "Say hello."
    with pytest.raises(TypeError, match="needs a client"):
        Greeter(None).greet("nobody")


# ---------------------------------------------------------------------------------------------- streams

BODY = bytes(range(256)) * 4096
OCTETS = {"Content-Type": "application/octet-stream"}


def read_all(http: Any, request: ApiRequest) -> Generator[Action, Any, Result[bytes]]:
    opened = yield from http.core.open(request)
    if isinstance(opened, Failure):
        return opened
    pieces: list[bytes] = []
    try:
        while chunk := (yield Read(opened.value)):
            if isinstance(chunk, ApiConnectionError):
                break
            pieces.append(chunk)
    except GeneratorExit:
        raise
    except BaseException:
        yield Close(opened.value)
        raise
    yield Close(opened.value)
    return Failure(chunk.error) if isinstance(chunk, ApiConnectionError) else Success(b"".join(pieces))


@pytest.fixture
def streaming_server(fake_civitai: FakeCivitai) -> FakeCivitai:
    fake_civitai.add_route("GET", "/blob", lambda request: FakeResponse(200, OCTETS, BODY))
    return fake_civitai


def test_a_streamed_body_is_read_chunk_by_chunk_by_both_drivers(streaming_server: FakeCivitai) -> None:
    settings = ClientSettings(base_url=streaming_server.url)
    with HttpClient(settings) as sync:
        assert sync.driver.run(read_all(sync, ApiRequest("GET", "/blob"))) == Success(BODY)

    async def main() -> Result[bytes]:
        async with AsyncHttpClient(settings) as aio:
            return await aio.driver.run(read_all(aio, ApiRequest("GET", "/blob")))

    assert asyncio.run(main()) == Success(BODY)


def test_a_body_cut_mid_stream_is_an_outcome_not_an_exception(fake_civitai: FakeCivitai) -> None:
    def handler(request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, OCTETS, BODY)

    fake_civitai.add_route("GET", "/cut", handler)
    fake_civitai.faults.add(Fault.truncate(1000), path="/cut")
    settings = ClientSettings(base_url=fake_civitai.url)
    with HttpClient(settings) as sync:
        result = sync.driver.run(read_all(sync, ApiRequest("GET", "/cut")))
    assert isinstance(result, Failure)


# ---------------------------------------------------------------------------------------------- unwinding


class Closing(Action):
    """A clean-up action: records which driver performed it."""

    __slots__ = ("log",)

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def perform(self, driver: Driver) -> None:
        self.log.append("closed by the sync driver")

    async def perform_async(self, driver: AsyncDriver) -> None:
        self.log.append("closed by the async driver")


def opens_then_waits(log: list[str]) -> Operation[None]:
    try:
        yield Emit("first")
        yield Sleep(3600)
        yield Emit("second")
    except GeneratorExit:
        raise
    except BaseException:
        yield Closing(log)  # the clean-up an abandoned operation yields is still performed
        raise


def test_an_abandoned_iteration_performs_the_clean_up_it_yields() -> None:
    log: list[str] = []
    for value in Driver(sleep=lambda _: None).iterate(opens_then_waits(log)):
        assert value == "first"
        break

    async def main() -> None:
        iteration = AsyncDriver().iterate(opens_then_waits(log))
        assert await anext(iteration) == "first"
        await iteration.aclose()

    asyncio.run(main())
    assert log == ["closed by the sync driver", "closed by the async driver"]


def waits_then_cleans(log: list[str]) -> Operation[None]:
    try:
        yield Sleep(3600)
    except GeneratorExit:
        raise
    except BaseException:
        yield Closing(log)
        raise


def test_an_operation_closed_without_a_driver_yields_nothing() -> None:
    log: list[str] = []
    operation = waits_then_cleans(log)
    next(operation)
    operation.close()  # what garbage collection does: no RuntimeError, no clean-up action asked for
    assert log == []


@pytest.mark.parametrize("offload", [False, True])
def test_a_cancelled_operation_performs_its_clean_up_before_the_cancellation_returns(offload: bool) -> None:
    log: list[str] = []

    async def main() -> None:
        task = asyncio.create_task(AsyncDriver().run(waits_then_cleans(log), offload=offload))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert log == ["closed by the async driver"]

    asyncio.run(main())


def test_ctrl_c_during_an_action_performs_the_clean_up_then_propagates() -> None:
    log: list[str] = []

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Driver(sleep=interrupted).run(waits_then_cleans(log))
    assert log == ["closed by the sync driver"]
