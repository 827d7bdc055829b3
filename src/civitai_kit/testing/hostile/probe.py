"""Run one client call against a hostile server and classify what came back, with a hard bound.

    outcome = probe(ClientMode.ASYNC_AIOHTTP, options, lambda client: client.models.get_by_id(1))
    assert outcome.kind in (OutcomeKind.SUCCESS, OutcomeKind.FAILURE), outcome.label
    assert not outcome.leaks("my-api-key")

The call runs on its own thread (an asyncio loop of its own for async clients); if it is still running
after ``hard_timeout`` seconds the outcome is ``HUNG`` and the thread is left behind (stopping the server
cuts its connections, which normally ends it). The operation is written once for both kinds of client: it
may return a ``Result``, an awaitable of one, an iterator or an async iterator (drained, up to ``max_items``).
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.errors import CivitaiError, Error
from civitai_kit.result import Failure, Success
from civitai_kit.sdk import AsyncSdkClient, SdkClient
from civitai_kit.tools import AsyncDownloadService, DownloadService

if TYPE_CHECKING:
    from civitai_kit.options import CivitaiApiOptions

Api = Literal["core", "sdk", "downloads"]


class ClientMode(enum.Enum):
    """A client flavour: sync over httpx, async over httpx, async over aiohttp (aiohttp is async-only)."""

    SYNC_HTTPX = "sync-httpx"
    ASYNC_HTTPX = "async-httpx"
    ASYNC_AIOHTTP = "async-aiohttp"

    @property
    def is_async(self) -> bool:
        return self is not ClientMode.SYNC_HTTPX

    @property
    def backend(self) -> Literal["httpx", "aiohttp"]:
        return "aiohttp" if self is ClientMode.ASYNC_AIOHTTP else "httpx"

    def options(self, options: CivitaiApiOptions) -> CivitaiApiOptions:
        """``options`` with this mode's ``http_backend``."""
        return options.model_copy(update={"http_backend": self.backend})

    def client_class(self, api: Api) -> type[Any]:
        """The client class this mode uses for ``api``."""
        if api == "core":
            return AsyncCivitaiClient if self.is_async else CivitaiClient
        if api == "sdk":
            return AsyncSdkClient if self.is_async else SdkClient

        return AsyncDownloadService if self.is_async else DownloadService

    def __str__(self) -> str:
        return self.value


class OutcomeKind(enum.Enum):
    SUCCESS = "Success"
    FAILURE = "Failure"
    RAISED = "Raised"
    """A [`CivitaiError`][] raised (what iterators do on failure)."""
    UNTYPED = "Untyped"
    """Any other exception, or a return value that is no Result: always a bug."""
    HUNG = "Hung"
    """Still running after the hard timeout."""


@dataclass(frozen=True)
class Outcome:
    """What one call ended with, and everything a user could see of it."""

    kind: OutcomeKind
    seconds: float
    value: Any = None
    """A Success's value, the items drained from an iterator, or an unexpected return value."""
    error: Error | None = None
    """A Failure's error, or the error of a raised CivitaiError."""
    exception: BaseException | None = field(default=None, repr=False)
    """The raised exception (typed or not)."""
    result: Any = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """``Success``, ``Failure:TIMEOUT``, ``Raised:ApiTimeoutError:TIMEOUT``, ``Untyped:RecursionError``,
        ``Hung``."""
        if self.kind is OutcomeKind.FAILURE and self.error is not None:
            return f"Failure:{self.error.code.name}"
        if self.kind is OutcomeKind.RAISED and self.error is not None:
            return f"Raised:{type(self.exception).__name__}:{self.error.code.name}"
        if self.kind is OutcomeKind.UNTYPED:
            shown = (
                type(self.exception).__name__ if self.exception is not None else f"returned {type(self.value).__name__}"
            )
            return f"Untyped:{shown}"
        return str(self.kind.value)

    @property
    def typed(self) -> bool:
        """Success, Failure or a CivitaiError: the only outcomes the library promises."""
        return self.kind in (OutcomeKind.SUCCESS, OutcomeKind.FAILURE, OutcomeKind.RAISED)

    def summary(self) -> str:
        """One line: the label, the exception or error text and where an untyped exception came from."""
        if self.kind is OutcomeKind.UNTYPED and self.exception is not None:
            frames = traceback.extract_tb(self.exception.__traceback__)
            where = next(
                (
                    f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}"
                    for f in reversed(frames)
                    if "civitai_kit" in f.filename and "/testing/" not in f.filename
                ),
                frames[-1].filename.rsplit("/", 1)[-1] if frames else "?",
            )
            return f"{self.label} ({str(self.exception)[:160]!r}) raised via {where}"
        if self.error is not None:
            return f"{self.label}: {str(self.error)[:160]}"
        return f"{self.label} after {self.seconds:.1f}s"

    def describe(self) -> str:
        """One paragraph for an assertion message (the exception's traceback for untyped outcomes)."""
        text = f"{self.label} after {self.seconds:.2f}s"
        if self.error is not None:
            text += f": {str(self.error)[:400]}"
        if self.kind is OutcomeKind.UNTYPED and self.exception is not None:
            text += "\n" + "".join(traceback.format_exception(self.exception))[-3000:]
        return text

    def visible_texts(self) -> list[tuple[str, str]]:
        """(where, text) for everything of this outcome a user may print or log: ``str``/``repr`` of a
        Failure and its error, the details, the message, ``unwrap()``'s exception with its whole
        cause/context chain (formatted as a traceback), and any raised exception with its chain. A Success's
        value is the server's own data and is not searched."""
        texts: list[tuple[str, str]] = []
        if isinstance(self.result, Failure):  # a Success holds the server's data, not the library's words
            texts.append(("repr(result)", _safe(repr, self.result)))
            texts.append(("str(result)", _safe(str, self.result)))
        if self.error is not None:
            error = self.error
            texts += [
                ("str(error)", _safe(str, error)),
                ("repr(error)", _safe(repr, error)),
                ("error.message", error.message),
                ("error.details", _safe(repr, error.details)),
                ("error.trace_id", str(error.trace_id)),
            ]
            if error.cause is not None:
                texts += _chain_texts("error.cause", error.cause)
        if isinstance(self.result, Failure):
            try:
                self.result.unwrap()
            except BaseException as raised:
                texts += _chain_texts("unwrap()", raised)
        if self.exception is not None:
            texts += _chain_texts("raised", self.exception)
        return texts

    def leaks(self, secret: str) -> list[str]:
        """Where ``secret`` shows in [`visible_texts`][] (empty when nowhere)."""
        return [where for where, text in self.visible_texts() if secret in text]


class LogCapture(logging.Handler):
    """Collects log records while active (``with LogCapture() as logs:``): ``civitai_kit`` at DEBUG and
    ``httpx`` at INFO (its request lines), from every thread. Levels are restored after."""

    WATCHED: ClassVar[Mapping[str, int]] = {"civitai_kit": logging.DEBUG, "httpx": logging.INFO}

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._guard = threading.Lock()
        self._previous: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self.records.append(record)

    def __enter__(self) -> LogCapture:
        for name, level in self.WATCHED.items():
            self._previous[name] = logging.getLogger(name).level
            logging.getLogger(name).setLevel(level)
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        logging.getLogger().removeHandler(self)
        for name, level in self._previous.items():
            logging.getLogger(name).setLevel(level)


LOGGERS_CHECKED = ("civitai_kit", "httpx")
"""Loggers whose records are searched for secrets: the library's own and httpx's request lines.
(httpcore's and aiohttp's DEBUG traces dump raw response headers, which no client library can scrub.)"""


def log_leaks(
    records: Iterable[logging.LogRecord], secret: str, loggers: Iterable[str] | None = LOGGERS_CHECKED
) -> list[str]:
    """Log records (formatted message, exception text, stack) that contain ``secret``, from ``loggers``
    and their children (every logger if None)."""
    roots = None if loggers is None else tuple(loggers)
    found = []
    for record in records:
        if roots is not None and not any(record.name == r or record.name.startswith(r + ".") for r in roots):
            continue
        parts = [_safe(record.getMessage)]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append("".join(traceback.format_exception(record.exc_info[1])))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        if any(secret in part for part in parts):
            found.append(f"{record.name}:{record.levelname}: {parts[0][:200]}")
    return found


def _safe(fn: Callable[..., object], *args: Any) -> str:
    try:
        return str(fn(*args))
    except Exception as exc:  # a broken __repr__ is itself visible
        return f"<{type(exc).__name__} while rendering: {exc}>"


def _chain_texts(where: str, exc: BaseException) -> list[tuple[str, str]]:
    texts = [(f"{where} traceback", "".join(traceback.format_exception(exc)))]
    seen: set[int] = set()
    current: BaseException | None = exc
    depth = 0
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts.append((f"{where} chain[{depth}] str", _safe(str, current)))
        texts.append((f"{where} chain[{depth}] repr", _safe(repr, current)))
        texts.append((f"{where} chain[{depth}] args", _safe(repr, current.args)))
        current = current.__cause__ or current.__context__
        depth += 1
    return texts


# ---------------------------------------------------------------------------------------------- running

Operation = Callable[[Any], Any]


def classify(returned: Any, seconds: float) -> Outcome:
    """The outcome of a value an operation produced (after awaiting/draining)."""
    if isinstance(returned, Success):
        return Outcome(OutcomeKind.SUCCESS, seconds, value=returned.value, result=returned)
    if isinstance(returned, Failure):
        return Outcome(OutcomeKind.FAILURE, seconds, error=returned.error, result=returned)
    return Outcome(OutcomeKind.UNTYPED, seconds, value=returned)


def classify_exception(exc: BaseException, seconds: float) -> Outcome:
    if isinstance(exc, CivitaiError):
        return Outcome(OutcomeKind.RAISED, seconds, error=exc.error, exception=exc)
    return Outcome(OutcomeKind.UNTYPED, seconds, exception=exc)


def _iterable(value: Any) -> bool:
    """An iterator or a collection-like iterable (an SDK pager), but not a Result, text, mapping or model."""
    if isinstance(value, Success | Failure | str | bytes | Mapping) or hasattr(value, "model_dump"):
        return False
    return isinstance(value, Iterable)


def drive_sync(value: Any, max_items: int) -> Any:
    """Drain an iterator (or iterable pager) into a ``Success(list)``; pass a Result (or anything else) through."""
    if _iterable(value):
        items = []
        for item in value:
            items.append(item)
            if len(items) >= max_items:
                break
        return Success(items)
    return value


async def drive_async(value: Any, max_items: int, *, is_async: bool = True) -> Any:
    """Await an awaitable and drain an async iterable (when ``is_async``) or a sync one into a ``Success(list)``."""
    if inspect.isawaitable(value):
        value = await value
    if is_async and hasattr(value, "__aiter__"):
        items = []
        async for item in value:
            items.append(item)
            if len(items) >= max_items:
                break
        return Success(items)
    return drive_sync(value, max_items)


def run_guarded(target: Callable[[], Outcome], hard_timeout: float, name: str = "hostile-probe") -> Outcome:
    """``target()`` on a daemon thread; ``HUNG`` if it has not finished after ``hard_timeout`` seconds."""
    box: list[Outcome] = []
    started = time.monotonic()

    def runner() -> None:
        try:
            box.append(target())
        except BaseException as exc:
            box.append(classify_exception(exc, time.monotonic() - started))

    thread = threading.Thread(target=runner, name=name, daemon=True)
    thread.start()
    thread.join(hard_timeout)
    if thread.is_alive() or not box:
        return Outcome(OutcomeKind.HUNG, time.monotonic() - started)
    return box[0]


def probe(
    mode: ClientMode,
    options: CivitaiApiOptions,
    operation: Operation,
    *,
    api: Api = "core",
    hard_timeout: float = 30.0,
    max_items: int = 10_000,
    make_client: Callable[[CivitaiApiOptions], Any] | None = None,
) -> Outcome:
    """Build a ``mode`` client for ``api`` from ``options`` (its backend set by the mode), run ``operation``
    on it and classify the result. Client construction errors are part of the outcome too."""
    configured = mode.options(options)
    factory = make_client or mode.client_class(api)
    if mode.is_async:
        return run_guarded(lambda: asyncio.run(_async_probe(factory, configured, operation, max_items)), hard_timeout)
    return run_guarded(lambda: _sync_probe(factory, configured, operation, max_items), hard_timeout)


def _sync_probe(factory: Callable[[Any], Any], options: Any, operation: Operation, max_items: int) -> Outcome:
    started = time.monotonic()
    client = factory(options)
    try:
        returned = drive_sync(operation(client), max_items)
    except BaseException as exc:
        return classify_exception(exc, time.monotonic() - started)
    finally:
        client.close()
    return classify(returned, time.monotonic() - started)


async def _async_probe(factory: Callable[[Any], Any], options: Any, operation: Operation, max_items: int) -> Outcome:
    started = time.monotonic()
    client = factory(options)
    try:
        returned = await drive_async(operation(client), max_items)
    except BaseException as exc:
        return classify_exception(exc, time.monotonic() - started)
    finally:
        close = getattr(client, "aclose", None) or client.close
        closing = close()
        if inspect.isawaitable(closing):
            await closing
    return classify(returned, time.monotonic() - started)
