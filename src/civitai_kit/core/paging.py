"""Auto-pagination as a state machine, written once: the sync and async clients only perform its fetches.

Rules (``spec/rest-api.md`` §0, §9): prefer ``nextCursor``; otherwise take the cursor or page number out of
``nextPage`` (rebuilding the request on our own base URL, which survives proxies and path prefixes); keep
going through empty pages that still point further; stop when nothing points further, when a cursor or a
verbatim ``nextPage`` repeats (a server loop), or when ``max_items``/``max_pages`` is reached; never ask for a
page number whose ``page * limit`` would pass Civitai's 1000-result cap (that 429 is permanent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

from civitai_kit._http import ApiRequest
from civitai_kit.core.endpoints import PAGE_RESULTS_CAP, Endpoint
from civitai_kit.core.models import Page
from civitai_kit.result import CivitaiError, Error, ErrorCode, Failure, Result, Success

T = TypeVar("T")
logger = logging.getLogger("civitai_kit")


@dataclass(frozen=True, slots=True)
class Fetch(Generic[T]):
    """One request and how to parse its answer."""

    request: ApiRequest
    parse: Callable[[Any], T]


Plan = Generator[Fetch[Any], Result[Any], Result[T]]
"""A multi-request operation (e.g. a chunked bulk lookup): yields fetches, receives their results."""


def single(fetch: Fetch[T]) -> Plan[T]:
    result: Result[T] = yield fetch
    return result


def chunked(fetches: list[Fetch[tuple[T, ...]]]) -> Plan[tuple[T, ...]]:
    """Run fetches in order and concatenate their tuples; the first failure ends the plan."""
    collected: list[T] = []
    for fetch in fetches:
        result: Result[tuple[T, ...]] = yield fetch
        if isinstance(result, Failure):
            return result
        collected.extend(result.value)
    return Success(tuple(collected))


def first_item(pager: Pager[T]) -> Plan[T | None]:
    """The first item of a walk. A page can be empty yet point further (Civitai filters search results after
    paging them), so ``None`` means the walk ended, not that the first page was empty."""
    try:
        while (fetch := pager.next_fetch()) is not None:
            result: Result[Page[T]] = yield fetch
            if isinstance(result, Failure):
                return result
            page = pager.accept(result.value)
            if page.items:
                return Success(page.items[0])
    except CivitaiError as refused:
        return Failure(refused.error)
    return Success(None)


class Pager(Generic[T]):
    """Decides the next request of an auto-paginated walk from the page that just arrived.

    ``request_for(cursor, page, limit)`` builds the list request for the query being walked. ``limit`` is
    what each request asks for; ``page_size`` (``None``: the server's default) is the wider window used to
    continue by cursor after an empty page, when ``limit`` was narrowed to fit ``max_items``. Cursors are
    offsets, so the window may change between requests; page numbers keep ``limit`` (their offsets depend on it).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        request_for: Callable[[str | None, int | None, int | None], ApiRequest],
        parse: Callable[[Any], Page[T]],
        *,
        limit: int | None,
        start_page: int | None,
        page_size: int | None = None,
        max_items: int | None = None,
        max_pages: int | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._request_for = request_for
        self._parse = parse
        self._limit = limit
        self._page_size = page_size
        self._max_items = max_items
        self._max_pages = max_pages
        self._page = start_page
        self._seen_cursors: set[str] = set()
        self._seen_urls: set[str] = set()
        self._fetched_pages = 0
        self._emitted = 0
        self._refusal: CivitaiError | None = None
        self._next: ApiRequest | None = request_for(None, start_page, limit)
        if max_items == 0 or max_pages == 0:
            self._next = None

    def next_fetch(self) -> Fetch[Page[T]] | None:
        """The next request to make, or ``None`` when the walk is over.

        Raises :class:`CivitaiError` when the walk cannot go on without breaking Civitai's page cap (only
        after every item already received has been handed out)."""
        if self._refusal is not None:
            raise self._refusal
        return None if self._next is None else Fetch(self._next, self._parse)

    def accept(self, page: Page[T]) -> Page[T]:
        """Record a page and decide what follows; returns it trimmed to ``max_items``."""
        self._fetched_pages += 1
        if self._max_items is not None:
            room = self._max_items - self._emitted
            if len(page.items) >= room:
                page = page.model_copy(update={"items": page.items[:room]})
                self._next = None
                self._emitted += len(page.items)
                return page
        self._emitted += len(page.items)
        self._next = self._follow(page)
        if self._max_pages is not None and self._fetched_pages >= self._max_pages:
            self._next = None
        return page

    def _follow(self, page: Page[T]) -> ApiRequest | None:
        cursor = page.next_cursor
        next_page_number: int | None = None
        if cursor is None and page.next_page:
            query = parse_qs(urlsplit(page.next_page).query)
            if query.get("cursor"):
                cursor = query["cursor"][0]
            elif query.get("page") and query["page"][0].isdigit():
                next_page_number = int(query["page"][0])
            elif page.next_page in self._seen_urls:
                logger.debug("Stopping pagination: the server repeated nextPage %r", page.next_page)
                return None
            else:
                self._seen_urls.add(page.next_page)
                return ApiRequest("GET", page.next_page)  # nothing to rebuild from: follow it verbatim
        if cursor is not None:
            if cursor in self._seen_cursors:
                logger.debug("Stopping pagination: the server repeated cursor %r", cursor)
                return None
            self._seen_cursors.add(cursor)
            self._page = None
            return self._request_for(cursor, None, self._limit if page.items else self._page_size)
        if next_page_number is None or (self._page is not None and next_page_number <= self._page):
            return None
        limit = self._limit or self._endpoint.default_limit
        if self._endpoint.page_capped and next_page_number * limit > PAGE_RESULTS_CAP:
            self._refusal = self._cap_refusal(next_page_number, limit)
            return None
        self._page = next_page_number
        return self._request_for(None, next_page_number, self._limit)

    def _cap_refusal(self, page_number: int, limit: int) -> CivitaiError:
        return CivitaiError(
            Error(
                ErrorCode.RESOURCE_UNAVAILABLE,
                f"{self._endpoint.path} serves at most {PAGE_RESULTS_CAP} results by page number "
                f"(page {page_number} x limit {limit}) and offered no cursor to continue; stopped after "
                f"{self._emitted} items. Narrow the query to walk further.",
            )
        )
