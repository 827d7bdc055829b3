"""Thread-safe records of what the fake server saw: requests (`server.requests`) and handler crashes
(`server.errors`). Connection threads append; the test thread reads snapshots."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

from civitai_kit.testing.messages import FakeRequest
from civitai_kit.testing.routing import path_filter

T = TypeVar("T")


class _Log(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[T] = []

    def append(self, item: T) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[T]:
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.snapshot())

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        with self._lock:
            return self._items[index]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.snapshot()!r})"


class RequestLog(_Log[FakeRequest]):
    """Every request received, in arrival order (faulted ones included)."""

    @property
    def last(self) -> FakeRequest:
        """The most recent request (IndexError if none)."""
        return self[-1]

    def matching(self, path: str | None = None, method: str | None = None) -> list[FakeRequest]:
        """Requests whose path matches `path` (same forms as fault paths) and method, if given."""
        matches = path_filter(path)
        wanted = method.upper() if method else None
        return [r for r in self.snapshot() if matches(r.path) and (wanted is None or r.method == wanted)]


@dataclass(frozen=True)
class HandlerError:
    """A route handler (or a streamed body) raised: the client got a 500 or a cut connection."""

    request: FakeRequest | None  # None: the connection layer itself failed
    exception: BaseException
    traceback: str

    def __str__(self) -> str:
        where = f"{self.request.method} {self.request.target}" if self.request else "connection"
        return f"{where} raised:\n{self.traceback}"


class ErrorLog(_Log[HandlerError]):
    """Handler crashes, so a test (or the pytest fixture's teardown) can see server-side bugs."""
