"""How one SDK operation is written once and run both synchronously and asynchronously.

An operation is a *program*: a generator that yields actions (``Call`` this request, ``Pause``, read the
clock with ``Now``, ``Download`` to a file) and receives their outcomes. ``SyncRunner`` performs the
actions with an ``HttpClient`` and ``time.sleep``; ``AsyncRunner`` with an
``AsyncHttpClient`` and ``asyncio.sleep``. Everything else — request building, parsing, polling
schedules, error handling — lives in the programs and is shared.

``Operation`` turns a program function into a method whose return type follows the object's mode:
``Result[T]`` on ``Workflows[Sync]``, a coroutine of ``Result[T]`` on ``Workflows[Async]``.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeAlias, TypeVar, overload

from civitai_kit._http import ApiRequest, AsyncHttpClient, HttpClient, Response, StreamingResponse
from civitai_kit._http.core import parse_json
from civitai_kit.errors import CivitaiError, Error, ErrorCode
from civitai_kit.result import Failure, Result, Success

T = TypeVar("T")
P = ParamSpec("P")
S = TypeVar("S")
M = TypeVar("M", bound="Mode")
HOLD_SLACK_SECONDS = 30.0
"""How much longer than a server-side hold a read may take (the work around the wait itself)."""


class Mode:
    """Marker for how a client runs its operations."""


class Sync(Mode):
    """Operations return their result."""


class Async(Mode):
    """Operations return a coroutine to await."""


# ---------------------------------------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """Send ``request``; the program receives ``Result[T]``. ``hold``: seconds the server may keep the
    request open on purpose (``wait``), which the read timeout must outlast."""

    request: ApiRequest
    read: Callable[[Response], Result[T]]
    hold: float = 0.0

    @staticmethod
    def json(request: ApiRequest, parse: Callable[[Any], T], hold: float = 0.0) -> Call[T]:
        """A call answered with JSON, parsed by ``parse`` (shape errors become DESERIALIZATION_FAILED)."""
        return Call(request, lambda response: parse_json(response, parse), hold)

    @staticmethod
    def empty(request: ApiRequest) -> Call[None]:
        """A call whose answer has no useful body (204)."""
        return Call(request, lambda response: Success(None))

    @staticmethod
    def raw(request: ApiRequest, read: Callable[[Response], Result[T]]) -> Call[T]:
        return Call(request, read)

    def prepared(self, timeout: float) -> ApiRequest:
        """The request to send by a client whose read timeout is ``timeout``: stretched to the hold plus
        ``HOLD_SLACK_SECONDS`` when shorter, so a ``wait`` is not cut off (and a submit not lost)."""
        needed = self.hold + HOLD_SLACK_SECONDS
        if self.hold <= 0 or self.request.timeout is not None or timeout >= needed:
            return self.request
        return replace(self.request, timeout=needed)

    def finish(self, sent: Result[Response]) -> Result[T]:
        return sent.bind(self.read)


@dataclass(frozen=True, slots=True)
class Pause:
    seconds: float


@dataclass(frozen=True, slots=True)
class Now:
    """The runner's monotonic clock, in seconds."""


@dataclass(frozen=True, slots=True)
class Download:
    """Stream ``request``'s body into ``destination`` (atomically); the program receives ``Result[Path]``."""

    request: ApiRequest
    destination: Path
    overwrite: bool = False


Action: TypeAlias = "Call[Any] | Pause | Now | Download"
Program: TypeAlias = Generator[Action, Any, T]


def call(request: ApiRequest, parse: Callable[[Any], T], *, hold: float = 0.0) -> Program[Result[T]]:
    """The one-request program (most operations)."""
    result: Result[T] = yield Call.json(request, parse, hold)
    return result


def call_empty(request: ApiRequest) -> Program[Result[None]]:
    result: Result[None] = yield Call.empty(request)
    return result


# ---------------------------------------------------------------------------------------------- runners


class Runner(Generic[M]):
    """Performs a program's actions. Subclasses differ only in how they wait for I/O."""

    def drive(self, program: Program[T]) -> Any:
        raise NotImplementedError


class SyncRunner(Runner[Sync]):
    def __init__(
        self,
        http: HttpClient,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.http = http
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic

    def drive(self, program: Program[T]) -> T:
        outcome: Any = None
        try:
            while True:
                outcome = self._perform(program.send(outcome))
        except StopIteration as stop:
            value: T = stop.value
            return value

    def _perform(self, action: Action) -> Any:
        if isinstance(action, Call):
            return action.finish(self.http.send(action.prepared(self.http.settings.timeout)))
        if isinstance(action, Pause):
            self._sleep(action.seconds)
            return None
        if isinstance(action, Now):
            return self._clock()
        if refused := PartFile.refuse(action):
            return refused
        with self.http.stream(action.request) as opened:
            sink = PartFile.start(opened, action)
            if isinstance(sink, Failure):
                return sink
            with sink.receiving():
                for chunk in sink.response.iter_bytes():
                    sink.write(chunk)
            return sink.finish()


class AsyncRunner(Runner[Async]):
    def __init__(
        self,
        http: AsyncHttpClient,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.http = http
        self._sleep = sleep or asyncio.sleep
        self._clock = clock or time.monotonic

    async def drive(self, program: Program[T]) -> T:
        outcome: Any = None
        try:
            while True:
                outcome = await self._perform(program.send(outcome))
        except StopIteration as stop:
            value: T = stop.value
            return value

    async def _perform(self, action: Action) -> Any:
        if isinstance(action, Call):
            return action.finish(await self.http.send(action.prepared(self.http.settings.timeout)))
        if isinstance(action, Pause):
            await self._sleep(action.seconds)
            return None
        if isinstance(action, Now):
            return self._clock()
        if refused := PartFile.refuse(action):
            return refused
        async with self.http.stream(action.request) as opened:
            sink = PartFile.start(opened, action)
            if isinstance(sink, Failure):
                return sink
            with sink.receiving():
                async for chunk in sink.response.aiter_bytes():
                    sink.write(chunk)
            return sink.finish()


class PartFile:
    """A download target: bytes go to a temporary file beside ``destination``, renamed only on success."""

    def __init__(self, response: StreamingResponse, destination: Path, handle: Any, temporary: Path) -> None:
        self.response = response
        self.destination = destination
        self._handle = handle
        self._temporary = temporary
        self._failure: Failure | None = None

    @staticmethod
    def refuse(action: Download) -> Failure | None:
        """Refuse an existing destination before anything is requested (unless ``overwrite``)."""
        if action.destination.exists() and not action.overwrite:
            return Failure.of(
                ErrorCode.FILE_WRITE_FAILED,
                f"{action.destination} already exists; pass overwrite=True to replace it.",
            )
        return None

    @classmethod
    def start(cls, opened: Result[StreamingResponse], action: Download) -> PartFile | Failure:
        """Open the temporary file for a successfully opened stream (or pass its failure on)."""
        if isinstance(opened, Failure):
            return opened
        if refused := cls.refuse(action):  # it may have appeared while the request was under way
            return refused
        destination = action.destination
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
        except OSError as exc:
            return Failure.of(ErrorCode.DIRECTORY_CREATION_FAILED, f"Cannot write to {destination.parent}: {exc}")
        return cls(opened.value, destination, os.fdopen(fd, "wb"), Path(name))

    def write(self, chunk: bytes) -> None:
        self._handle.write(chunk)

    @contextmanager
    def receiving(self) -> Iterator[None]:
        """Around the body's chunks: a cut connection or a full disk becomes the failure ``finish``
        returns; a cancellation or Ctrl-C removes the temporary file and propagates. Never a partial file."""
        try:
            yield
        except Exception as exc:
            self._failure = self.fail(exc)
        except BaseException:
            self.discard()
            raise

    def finish(self) -> Result[Path]:
        """The completed file (renamed into place), or why it could not be written."""
        return self._failure if self._failure is not None else self.commit()

    def commit(self) -> Result[Path]:
        try:
            self._handle.close()
            self._temporary.replace(self.destination)
        except OSError as exc:
            return self.fail(exc)
        return Success(self.destination)

    def discard(self) -> None:
        self._handle.close()
        self._temporary.unlink(missing_ok=True)

    def fail(self, exc: BaseException) -> Failure:
        self.discard()
        if isinstance(exc, CivitaiError):  # the transport's own verdict (TIMEOUT, HTTP_ERROR …)
            return Failure(Error(exc.code, f"Download to {self.destination} failed: {exc.error.message}", cause=exc))
        code = ErrorCode.FILE_WRITE_FAILED if isinstance(exc, OSError) else ErrorCode.HTTP_ERROR
        return Failure(Error(code, f"Download to {self.destination} failed: {type(exc).__name__}: {exc}", cause=exc))


# ---------------------------------------------------------------------------------------------- binding


class Bound(Generic[M]):
    """Something whose ``Operation`` methods run through a runner."""

    _runner: Runner[M] | None


class Operation(Generic[S, P, T]):
    """A method made from a program function ``fn(obj, ...)``; see the module docstring.

    Its signature is the program's: on the class with ``obj`` first (like a function), bound without it
    (like a method), so ``inspect.signature`` and ``help()`` show the real parameters.
    """

    def __init__(self, program: Callable[Concatenate[S, P], Program[T]]) -> None:
        self._program = program
        self.__wrapped__ = program
        self.__doc__ = program.__doc__
        self.__name__ = program.__name__

    @cached_property
    def __signature__(self) -> inspect.Signature:
        """The program's parameters; no return type, since it follows the mode (a result or a coroutine)."""
        return inspect.signature(self._program).replace(return_annotation=inspect.Signature.empty)

    @cached_property
    def _bound_signature(self) -> inspect.Signature:
        return self.__signature__.replace(parameters=list(self.__signature__.parameters.values())[1:])

    def __call__(self, obj: Bound[Any], /, *args: P.args, **kwargs: P.kwargs) -> Any:
        """``Workflows.get(workflows, ...)``, like a method called on its class."""
        method: Callable[P, Any] = self.__get__(obj, type(obj))
        return method(*args, **kwargs)

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__name__ = name

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, obj: Bound[Sync], owner: type[Any]) -> Callable[P, T]: ...

    @overload
    def __get__(self, obj: Bound[Async], owner: type[Any]) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, obj: Any, owner: type[Any]) -> Any:
        if obj is None:
            return self
        program, name = self._program, self.__name__

        def run(*args: P.args, **kwargs: P.kwargs) -> Any:
            runner = obj._runner
            if runner is None:
                raise TypeError(
                    f"{type(obj).__name__}.{name}() needs a client: create this builder from "
                    "an SdkClient (e.g. sdk.workflows.text_to_image()) or pass its build() to the client"
                )
            return runner.drive(program(obj, *args, **kwargs))

        run.__doc__ = program.__doc__
        run.__name__ = name
        run.__signature__ = self._bound_signature  # type: ignore[attr-defined]
        return run


def detached(program: Callable[P, Program[T]]) -> Callable[Concatenate[Any, P], Program[T]]:
    """A program that does not need the object it is called on, as an ``Operation`` function."""

    def bound(_owner: Any, /, *args: P.args, **kwargs: P.kwargs) -> Program[T]:
        return program(*args, **kwargs)

    bound.__doc__, bound.__name__ = program.__doc__, program.__name__
    signature = inspect.signature(program)
    owner = inspect.Parameter("_owner", inspect.Parameter.POSITIONAL_ONLY)
    bound.__signature__ = signature.replace(parameters=[owner, *signature.parameters.values()])  # type: ignore[attr-defined]
    return bound
