"""``Blocking(function, cancel=...)``: a cancelled async caller asks the work still running on its thread to
stop (hashing a folder stops after the file it is reading); a run that is not cancelled never calls it."""

from __future__ import annotations

import asyncio
import threading

import pytest

from civitai_kit._runtime import AsyncDriver, Blocking, Driver, Operation


class Work:
    """Blocking work that runs until it is asked to stop (or 10 s pass), and says whether it was."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.stop = threading.Event()
        self.stopped_early: list[bool] = []

    def run(self) -> str:
        self.started.set()
        self.stopped_early.append(self.stop.wait(10))
        return "done"


def blocking(work: Work) -> Operation[str]:
    result: str = yield Blocking(work.run, cancel=work.stop.set)
    return result


def test_a_cancelled_caller_asks_the_running_work_to_stop() -> None:
    work = Work()

    async def main() -> None:
        task = asyncio.create_task(AsyncDriver().run(blocking(work)))
        assert await asyncio.to_thread(work.started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())  # returns once the default executor's thread has finished the work
    assert work.stop.is_set() and work.stopped_early == [True]


def test_the_hook_is_not_called_when_nobody_cancels() -> None:
    work = Work()
    work.stop.set()  # the work ends at once: nobody needs to ask it
    calls: list[str] = []

    def operation() -> Operation[str]:
        result: str = yield Blocking(work.run, cancel=lambda: calls.append("cancel"))
        return result

    assert Driver().run(operation()) == "done"
    assert asyncio.run(AsyncDriver().run(operation())) == "done"
    assert calls == []
