"""The one sync/async runtime: an action vocabulary and exactly two drivers.

Every operation of the library that waits for anything (an HTTP call with its retries, a paginated walk, an
SDK poll, a download, identifying a folder of files) is written once, as a generator that yields *actions*
and receives their outcomes::

    def fetch(...) -> Operation[Result[Model]]:
        outcome = yield SomeSend(request)     # the driver sends it and answers with the response
        yield Sleep(0.5)                      # the driver waits
        return Success(model)

``Driver`` performs the actions by blocking, ``AsyncDriver`` by awaiting. The actions themselves
say how they are performed both ways (``perform`` / ``perform_async``); the loops
that feed outcomes back live only here. An iteration (auto-pagination) is an operation that also yields
``Emit``: the value goes to the caller's ``for`` / ``async for``, and the walk resumes when the next
one is asked for.

An operation whose own steps do blocking work (writing and hashing a download) is run by the async driver
with ``offload=True``: each step then runs on a worker thread of its own, so the event loop never blocks. An
action that can be performed on that thread as well (``perform_off_loop``: a body read from the socket lane)
is performed there, and the operation goes on without a round trip through the loop.

When an action cannot complete (a cancellation, Ctrl-C, an iteration left early: ``Abandoned``), the
driver raises that exception inside the operation, where it waits, and performs the clean-up actions it
yields on the way out; then the exception goes on. An operation that holds a resource releases it so::

    except GeneratorExit:       # closed with no driver (garbage collection, a loop that is gone):
        raise                   # nothing can be performed, so nothing is yielded
    except BaseException:
        yield Close(response)
        raise
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeAlias, TypeVar, overload

T = TypeVar("T")
P = ParamSpec("P")
S = TypeVar("S")
logger = logging.getLogger("civitai_kit")


NEEDS_LOOP: Any = object()
"""What ``Action.perform_off_loop`` returns when the action must be performed on the event loop."""


class Action:
    """One thing an operation asks its driver to do; the outcome is sent back into the operation."""

    __slots__ = ()

    def perform(self, driver: Driver) -> Any:
        raise NotImplementedError

    async def perform_async(self, driver: AsyncDriver) -> Any:
        raise NotImplementedError

    def perform_off_loop(self) -> Any:
        """In an operation run with ``offload=True``: the outcome, performed on its worker thread when that
        needs neither the event loop nor another thread; ``NEEDS_LOOP`` (the default) otherwise."""
        return NEEDS_LOOP

    def interrupt(self) -> None:
        """Stop ``perform_off_loop`` while it runs (called from the loop's thread when the caller is
        cancelled); it then returns early or raises."""


Operation: TypeAlias = Generator[Action, Any, T]
"""A generator over the vocabulary, run by either driver; its return value is the driver's result."""


class Abandoned(BaseException):
    """Raised inside an operation whose caller stopped waiting for it (an iteration left early). Like a
    cancellation or Ctrl-C, it reaches the operation where it waits, and the clean-up actions the
    operation yields on the way out are still performed."""


@dataclass(frozen=True, slots=True)
class Sleep(Action):
    """Wait ``seconds`` (with the driver's clock: tests pass one that does not really wait)."""

    seconds: float

    def perform(self, driver: Driver) -> None:
        driver.sleep(self.seconds)

    async def perform_async(self, driver: AsyncDriver) -> None:
        await driver.sleep(self.seconds)


@dataclass(frozen=True, slots=True)
class Now(Action):
    """The driver's monotonic clock, in seconds."""

    def perform(self, driver: Driver) -> float:
        return driver.clock()

    async def perform_async(self, driver: AsyncDriver) -> float:
        return driver.clock()


@dataclass(frozen=True, slots=True)
class Blocking(Action):
    """Run ``function()`` — file work, hashing — where it cannot block an event loop: directly when
    driven synchronously, on a worker thread when driven asynchronously. A thread cannot be stopped: work
    that creates something the operation must clean up belongs in an operation run with ``offload=True``
    (its clean-up then waits for the step), not here."""

    function: Callable[[], Any]
    cancel: Callable[[], None] | None = None
    """Asks a running ``function`` to stop early when the async caller is cancelled (a thread cannot be
    stopped from outside: hashing a folder checks an event between files)."""

    def perform(self, driver: Driver) -> Any:
        return self.function()

    async def perform_async(self, driver: AsyncDriver) -> Any:
        return await run_blocking(self.function, self.cancel)


async def run_blocking(function: Callable[[], T], cancel: Callable[[], None] | None = None) -> T:
    """How ``Blocking`` is performed asynchronously, for I/O code below the operations that awaits it directly
    (the large-body read): ``function()`` on a worker thread; ``cancel()`` when the caller is cancelled."""
    try:
        return await asyncio.to_thread(function)
    except asyncio.CancelledError:
        if cancel is not None:
            cancel()
        raise


@dataclass(frozen=True, slots=True)
class WaitFor(Action):
    """The result of ``future``, which another operation completes (on any thread, under either driver):
    blocking when driven synchronously, awaited when driven asynchronously, so the loop stays free. A waiter
    that is cancelled stops waiting; the future itself is left alone for the others."""

    future: Future[Any]

    def perform(self, driver: Driver) -> Any:
        return self.future.result()

    async def perform_async(self, driver: AsyncDriver) -> Any:
        return await asyncio.shield(asyncio.wrap_future(self.future))


@dataclass(frozen=True, slots=True)
class Emit(Action):
    """Hand ``value`` to the caller of ``iterate``; the operation resumes when the next is asked for."""

    value: Any


# ---------------------------------------------------------------------------------------------- drivers


class Driver:
    """Runs operations by blocking. ``network`` is whatever the I/O actions of this driver's client send
    through (the sync HTTP session); ``sleep`` and ``clock`` are seams for tests."""

    def __init__(
        self,
        network: Any = None,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.network = network
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic

    def run(self, operation: Operation[T], *, offload: bool = False) -> T:
        """Perform ``operation`` to its end and return its result (``offload`` means nothing here: the
        caller's thread is the one that may block)."""
        done, value = self._advance(operation)
        if not done:
            self._unwind(operation, Abandoned())
            raise TypeError("an operation run for one result emitted values; iterate it instead")
        result: T = value
        return result

    def iterate(self, operation: Operation[None]) -> Generator[Any, None, None]:
        """The values ``operation`` emits, as a blocking iterator."""
        try:
            while True:
                done, value = self._advance(operation)
                if done:
                    return
                yield value
        finally:  # the caller stopped early, or the walk failed: let it close what it opened
            self._unwind(operation, Abandoned())

    def _advance(self, operation: Operation[Any]) -> tuple[bool, Any]:
        """Perform actions until the operation emits a value or ends: ``(ended, value)``. If performing
        raises (Ctrl-C), the operation unwinds first (``_unwind``), so it releases what it holds."""
        outcome: Any = None
        while True:
            try:
                action = operation.send(outcome)
            except StopIteration as stop:
                return True, stop.value
            if isinstance(action, Emit):
                return False, action.value
            try:
                outcome = action.perform(self)
            except BaseException as exc:
                self._unwind(operation, exc)
                raise

    def _unwind(self, operation: Operation[Any], exc: BaseException) -> None:
        """Raise ``exc`` inside ``operation``, where it waits, and perform the clean-up actions it yields on
        the way out (``finally: yield Close(response)``). Whatever the clean-up raises, ``exc`` is what
        goes on to the caller, unless it is a Ctrl-C that arrived meanwhile (see ``_interrupted``)."""
        try:
            action = operation.throw(exc)
            while True:
                action = operation.send(None if isinstance(action, Emit) else action.perform(self))
        except BaseException as raised:  # the operation has ended; exc is re-raised by the caller
            if _interrupted(raised, exc):
                raise
        finally:
            abandon(operation)


class AsyncDriver:
    """Runs operations by awaiting: the twin of ``Driver``."""

    def __init__(
        self,
        network: Any = None,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.network = network
        self.sleep = sleep or asyncio.sleep
        self.clock = clock or time.monotonic

    async def run(self, operation: Operation[T], *, offload: bool = False) -> T:
        """Perform ``operation`` to its end and return its result. ``offload``: the operation's own steps
        do blocking work, so each runs on a worker thread (see ``_Offload``)."""
        steps = _Offload() if offload else None
        try:
            done, value = await self._advance(operation, steps)
        finally:
            if steps is not None:
                steps.finish(partial(abandon, operation))  # lets the worker thread end once it has ended
        if not done:
            await self._unwind(operation, Abandoned(), None)
            raise TypeError("an operation run for one result emitted values; iterate it instead")
        result: T = value
        return result

    async def iterate(self, operation: Operation[None]) -> AsyncGenerator[Any, None]:
        """The values ``operation`` emits, as an async iterator."""
        try:
            while True:
                done, value = await self._advance(operation)
                if done:
                    return
                yield value
        finally:  # the caller stopped early, or the walk failed: let it close what it opened
            await self._unwind(operation, Abandoned(), None)

    async def _advance(self, operation: Operation[Any], steps: _Offload | None = None) -> tuple[bool, Any]:
        """The twin of ``Driver._advance``; with ``steps``, the operation's steps run on its worker thread."""
        outcome: Any = None
        while True:
            try:
                if steps is None:  # the common case, without a detour: the path of every async call
                    try:
                        action = operation.send(outcome)
                    except StopIteration as stop:
                        return True, stop.value
                else:
                    ended, action = await steps.run(operation.send, outcome, then=operation.send)
                    if ended:
                        return True, action
                if isinstance(action, Emit):
                    return False, action.value
                outcome = await action.perform_async(self)
            except BaseException as exc:  # cancelled, or the operation failed (then it has already ended)
                if not isinstance(exc, GeneratorExit):
                    await asyncio.shield(self._unwind(operation, exc, steps))
                elif steps is None:  # a coroutine being closed (its loop is gone) cannot await any more
                    abandon(operation)
                raise

    async def _unwind(self, operation: Operation[Any], exc: BaseException, steps: _Offload | None) -> None:
        """The twin of ``Driver._unwind`` (shielded by the caller: a second cancellation does not cut the
        clean-up short)."""
        try:
            ended, action = await _step(operation.throw, exc, steps)
            while not ended:
                outcome = None if isinstance(action, Emit) else await action.perform_async(self)
                ended, action = await _step(operation.send, outcome, steps)
        except BaseException as raised:  # the operation has ended; exc is re-raised by the caller
            if _interrupted(raised, exc):
                raise
        finally:
            if steps is None:
                abandon(operation)


async def _step(step: Callable[[Any], Action], argument: Any, steps: _Offload | None) -> tuple[bool, Any]:
    """``step(argument)`` (the operation's ``send`` or ``throw``) here or on its worker thread: ``(ended,
    the next action or the result)``."""
    if steps is not None:
        return await steps.run(step, argument)
    return _next_action(step, argument)


class _Offload:
    """Runs one operation's steps one at a time, in order, on a thread of its own.

    Why not ``asyncio.to_thread``: a generator must never be entered by two threads at once. When the caller
    is cancelled, or its loop shuts down (which cancels every task, ``to_thread``'s helpers included, and then
    closes the default executor), a step may still be running; closing the operation is queued behind it here
    instead of racing it, and runs even if nobody waits for it any more.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="civitai-kit-step")
        self._lock = threading.Lock()
        self._performing: Action | None = None
        """The action ``perform_off_loop`` runs on the worker thread now."""
        self._stopped = False
        """The caller was cancelled: no more actions are performed off the loop."""

    async def run(
        self, step: Callable[[Any], Action], outcome: Any, *, then: Callable[[Any], Action] | None = None
    ) -> tuple[bool, Any]:
        """``step(outcome)`` on the worker thread: ``(ended, the next action or the result)``. With ``then``
        (the operation's ``send``), each next action that can be performed off the loop is, there, and its
        outcome goes to ``then``. A cancellation stops the wait and interrupts such an action, never a step."""
        context = contextvars.copy_context()
        future = self._pool.submit(context.run, self._steps, step, outcome, then)
        try:
            ended_and_value: tuple[bool, Any] = await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            self._stop()
            raise
        return ended_and_value

    def _steps(
        self, step: Callable[[Any], Action], outcome: Any, then: Callable[[Any], Action] | None
    ) -> tuple[bool, Any]:
        ended, action = _next_action(step, outcome)
        while not ended and then is not None:
            with self._lock:
                if self._stopped:
                    break
                self._performing = action
            try:
                outcome = action.perform_off_loop()
            finally:
                with self._lock:
                    self._performing = None
            if outcome is NEEDS_LOOP:
                break
            ended, action = _next_action(then, outcome)
        return ended, action

    def _stop(self) -> None:
        with self._lock:
            self._stopped = True
            performing = self._performing
        if performing is not None:
            performing.interrupt()

    def finish(self, close: Callable[[], object]) -> Future[None]:
        """Queue the operation's close behind any step still running; the thread ends once it has run."""
        done = self._pool.submit(_quietly, close)
        self._pool.shutdown(wait=False)
        return done


def _next_action(step: Callable[[Any], Action], outcome: Any) -> tuple[bool, Any]:
    """``StopIteration`` cannot cross a future (it would end the awaiting coroutine): it travels as a value."""
    try:
        return False, step(outcome)
    except StopIteration as stop:
        return True, stop.value


_INTERRUPTIONS = (KeyboardInterrupt, SystemExit, asyncio.CancelledError)


def _interrupted(raised: BaseException, exc: BaseException) -> bool:
    """Whether ``raised``, met while an operation unwound with ``exc``, must go on instead: a Ctrl-C, an exit
    or a cancellation that arrived during the clean-up, when ``exc`` is not one itself (an iteration left
    early, a failure). Swallowed there, it would be lost: nobody else will raise it again."""
    return raised is not exc and isinstance(raised, _INTERRUPTIONS) and not isinstance(exc, _INTERRUPTIONS)


MAX_ABANDONED_ACTIONS = 64
"""How many clean-up actions an abandoned operation may yield before it is closed outright."""


def abandon(operation: Operation[Any]) -> None:
    """End ``operation`` where no driver can perform anything any more (its event loop is gone): the
    exit is raised where it waits, and the clean-up actions it still yields are answered with ``None``
    unperformed (a response of a closed loop went with its loop). Never raises."""
    try:
        operation.throw(GeneratorExit)
        for _ in range(MAX_ABANDONED_ACTIONS):
            operation.send(None)
    except BaseException:  # ended, as it should
        return
    with contextlib.suppress(BaseException):
        operation.close()


def _quietly(close: Callable[[], object]) -> None:
    """Close an abandoned operation; a failure there must not replace the exception being propagated."""
    try:
        close()
    except Exception:
        logger.exception("Cleaning up an abandoned operation failed")


# ---------------------------------------------------------------------------------------------- binding


class Mode:
    """How a client runs its operations (a type marker)."""


class Sync(Mode):
    """Operations return their result."""


class Async(Mode):
    """Operations return a coroutine to await."""


M = TypeVar("M", bound=Mode)


class Bound(Generic[M]):
    """Something whose ``OperationMethod`` methods run through a driver (``None``: a detached builder)."""

    _driver: Driver | AsyncDriver | None


class OperationMethod(Generic[S, P, T]):
    """Makes a method from an operation function ``fn(obj, ...)``: called on a ``Bound[Sync]`` object it
    returns the result, on a ``Bound[Async]`` one a coroutine of it. The method's signature is the
    function's without its first parameter."""

    def __init__(self, function: Callable[Concatenate[S, P], Operation[T]], *, offload: bool = False) -> None:
        self._function = function
        self._offload = offload
        """The operation writes files in its steps: an async driver runs them on a worker thread."""
        self.__doc__ = function.__doc__
        self.__name__ = function.__name__
        self.__wrapped__ = function
        self.__signature__ = inspect.signature(function).replace(return_annotation=inspect.Signature.empty)
        """As an unbound method's, ``(self, ...)``; no return type, which depends on the mode (a result, or a
        coroutine of it)."""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__name__ = name

    def __call__(self, obj: S, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        """Called on the class (``Workflows.get(workflows, ...)``), like any method."""
        return self._bind(obj)(*args, **kwargs)

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, obj: Bound[Sync], owner: type[Any]) -> Callable[P, T]: ...

    @overload
    def __get__(self, obj: Bound[Async], owner: type[Any]) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, obj: Any, owner: type[Any]) -> Any:
        return self if obj is None else self._bind(obj)

    def _bind(self, obj: Any) -> Callable[P, Any]:
        function, name, offload = self._function, self.__name__, self._offload

        def run(*args: P.args, **kwargs: P.kwargs) -> Any:
            driver = obj._driver
            if driver is None:
                raise TypeError(
                    f"{type(obj).__name__}.{name}() needs a client: create this builder from a client "
                    "(e.g. sdk.workflows.text_to_image()) or pass its build() to the client"
                )
            return driver.run(function(obj, *args, **kwargs), offload=offload)

        run.__doc__ = function.__doc__
        run.__name__ = name
        signature = self.__signature__
        run.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])  # type: ignore[attr-defined]
        return run
