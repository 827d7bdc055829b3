"""Cursor pagination shared by v2 workflow queries and v1 job queries, as an iteration of the runtime.

The orchestrator's listings differ from the REST API's: a page is ``{next, items}`` or ``{cursor, jobs}``,
and an empty page is the end (results are filtered before paging), so the walk is this one; the check of a
server's cursor is core's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from civitai_kit._runtime import Emit, Operation
from civitai_kit.core.paging import cursor_refusal
from civitai_kit.errors import CivitaiError
from civitai_kit.result import Result

T = TypeVar("T")
PageT = TypeVar("PageT")


def cursor_walk(
    fetch: Callable[[str | None], Operation[Result[PageT]]],
    read: Callable[[PageT], tuple[Sequence[T], str | None]],
    max_items: int | None,
) -> Operation[None]:
    """Emits every item of the pages ``fetch(cursor)`` returns (``read`` gives a page's items and next cursor);
    a failed page raises its ``CivitaiError``, after the items already handed out."""
    walk: CursorWalk[T] = CursorWalk(max_items)
    while not walk.done:
        page = yield from fetch(walk.cursor)
        for item in walk.accept(page.map(read)):
            yield Emit(item)
    walk.end()


@dataclass
class CursorWalk(Generic[T]):
    """Where a walk through the pages is: the next cursor, how many items are left, cursors seen, and why it
    cannot go on (raised by ``end`` once the last page's items are handed out)."""

    max_items: int | None
    cursor: str | None = None
    done: bool = False
    yielded: int = 0
    seen: set[str] = field(default_factory=set)
    refusal: CivitaiError | None = None

    def accept(self, page: Result[tuple[Sequence[T], str | None]]) -> list[T]:
        items, next_cursor = page.unwrap()  # iterations raise: they cannot hand out a Result
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
