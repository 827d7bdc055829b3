"""Cursor pagination shared by v2 workflow queries and v1 job queries: ``for`` (sync) or ``async for``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from civitai_kit.core.paging import cursor_refusal
from civitai_kit.errors import CivitaiError
from civitai_kit.result import Result
from civitai_kit.sdk._runtime import Async, M, Program, Runner, Sync

T = TypeVar("T")
PageFetch = Callable[[str | None], Program[Result[tuple[Sequence[T], str | None]]]]


@dataclass
class _Walk(Generic[T]):
    """Where a walk through the pages is: the next cursor, how many items are left, cursors seen, and why it
    cannot go on (raised by ``end`` once the last page's items are handed out)."""

    max_items: int | None
    cursor: str | None = None
    started: bool = False
    done: bool = False
    yielded: int = 0
    seen: set[str] = field(default_factory=set)
    refusal: CivitaiError | None = None

    def accept(self, page: Result[tuple[Sequence[T], str | None]]) -> list[T]:
        items, next_cursor = page.unwrap()  # iterators raise: they cannot yield a Result
        self.started = True
        batch = list(items)
        if self.max_items is not None:
            batch = batch[: max(self.max_items - self.yielded, 0)]
        self.yielded += len(batch)
        # Stop on an empty page, a missing cursor, a cursor seen before (a server loop) or enough items.
        self.done = (
            not items
            or not next_cursor
            or next_cursor in self.seen
            or (self.max_items is not None and self.yielded >= self.max_items)
        )
        if next_cursor:
            self.seen.add(next_cursor)
        self.cursor = next_cursor
        if not self.done and (refused := cursor_refusal(next_cursor)) is not None:
            self.done, self.refusal = True, refused.to_exception()
        return batch

    def end(self) -> None:
        """Raise why the walk stopped early, if it did (a cursor the client cannot send back)."""
        if self.refusal is not None:
            raise self.refusal


@dataclass(frozen=True)
class Pager(Generic[M, T]):
    """Every item of a cursor-paged listing; raises the failure's exception if a page fails."""

    runner: Runner[M]
    fetch: PageFetch[T]
    max_items: int | None = None

    def __iter__(self: Pager[Sync, T]) -> Iterator[T]:
        walk: _Walk[T] = _Walk(self.max_items)
        while not walk.done:
            yield from walk.accept(self.runner.drive(self.fetch(walk.cursor)))
        walk.end()

    async def __aiter__(self: Pager[Async, T]) -> AsyncIterator[T]:
        walk: _Walk[T] = _Walk(self.max_items)
        while not walk.done:
            for item in walk.accept(await self.runner.drive(self.fetch(walk.cursor))):
                yield item
        walk.end()


def pages(
    fetch: Callable[..., Program[Result[Any]]], read: Callable[[Any], tuple[Sequence[T], str | None]]
) -> PageFetch[T]:
    """Adapt ``fetch(cursor=…)`` returning a page model into a [`PageFetch`][] via ``read(page)``."""

    def fetch_page(cursor: str | None) -> Program[Result[tuple[Sequence[T], str | None]]]:
        result = yield from fetch(cursor=cursor)
        return result.map(read)

    return fetch_page
