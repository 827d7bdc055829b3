"""Auto-pagination as a state machine, written once: the sync and async clients only perform its fetches.

Rules (Civitai's pagination metadata changed shape twice since 2023): prefer ``nextCursor``; otherwise take the
cursor or page number out of ``nextPage`` (rebuilding the request on our own base URL, which survives proxies and
path prefixes); keep going through empty pages that still point further; stop when nothing points further, when a
cursor or a verbatim ``nextPage`` repeats (a server loop), or when ``max_items``/``max_pages`` is reached; never
ask for a page number whose ``page * limit`` would pass Civitai's 1000-result cap (that 429 is permanent).

A hostile or broken server cannot hold a walk: it ends with a [`CivitaiError`][] (after every item
received has been handed out) when ``max_empty_pages`` empty pages in a row still point further, when no item
arrives for ``total_timeout`` seconds of fetching, or when a link cannot be used as is (control characters,
too long for a URL, not a URL, another host: a ``nextPage`` is only followed verbatim on the base URL's origin).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import SplitResult, parse_qs, urlsplit

from civitai_kit._http import ApiRequest, ClientSettings, HttpCore
from civitai_kit._redact import redact
from civitai_kit._runtime import Emit, Operation
from civitai_kit.core.calls import fetch
from civitai_kit.core.endpoints import MAX_INT32, PAGE_RESULTS_CAP, Endpoint
from civitai_kit.core.models import Page
from civitai_kit.errors import CivitaiError, Error, ErrorCode
from civitai_kit.result import Failure, Result, Success

T = TypeVar("T")
logger = logging.getLogger("civitai_kit")

MAX_LINK_BYTES = 4096
"""The longest cursor or ``nextPage`` sent back (UTF-8): longer ones do not fit a request line."""
_UNSENDABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters and lone surrogates: no server means them, and surrogates cannot even be encoded."""
_PAGE_NUMBER = re.compile(r"[0-9]{1,10}")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SHOWN_CHARS = 80
_USERINFO = re.compile(r"(//)[^/?#@]*@")

monotonic: Callable[[], float] = time.monotonic
"""The clock of the walk deadline (a seam: tests move it instead of sleeping)."""


@dataclass(frozen=True, slots=True)
class WalkLimits:
    """How long a walk may go without progress (``Resilience:MaxEmptyPages`` / ``TotalTimeoutSeconds``)."""

    max_empty_pages: int = 20
    total_timeout: float = 300.0

    @classmethod
    def of(cls, settings: ClientSettings) -> WalkLimits:
        return cls(settings.max_empty_pages, settings.total_timeout)


def walk(http: HttpCore, pager: Pager[T], *, strict: bool, items: bool) -> Operation[None]:
    """Emits the pages of a walk (``items``: their items, one by one); a failed request raises its
    [`CivitaiError`][], as do the refusals of ``Pager.next_request``."""
    while (request := pager.next_request()) is not None:
        page = pager.accept((yield from fetch(http, request, pager.page_type, strict=strict)).unwrap())
        if not items:
            yield Emit(page)
            continue
        for item in page.items:
            yield Emit(item)


def first_item(http: HttpCore, pager: Pager[T], *, strict: bool) -> Operation[Result[T | None]]:
    """The first item of a walk. A page can be empty yet point further (Civitai filters search results after
    paging them), so ``None`` means the walk ended, not that the first page was empty."""
    try:
        while (request := pager.next_request()) is not None:
            result = yield from fetch(http, request, pager.page_type, strict=strict)
            if isinstance(result, Failure):
                return result
            page = pager.accept(result.value)
            if page.items:
                return Success(page.items[0])
    except CivitaiError as refused:
        return Failure(refused.error)
    return Success(None)


# ------------------------------------------------------------------------------------------ server links


class UnusableLink(ValueError):
    """A cursor or next-page link from the server that must not be sent back; the message says why
    (a predicate: "contains control characters")."""


def check_text(text: object) -> str:
    """``text`` if it can go into a request line, else [`UnusableLink`][]."""
    if not isinstance(text, str):
        raise UnusableLink(f"is a {type(text).__name__}, not text")
    if not text.strip():
        raise UnusableLink("is blank")
    if len(text) > MAX_LINK_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_LINK_BYTES:
        raise UnusableLink(f"is longer than {MAX_LINK_BYTES} bytes")
    if _UNSENDABLE.search(text):
        raise UnusableLink("contains control characters")
    return text


def link_error(what: str, link: object, unusable: UnusableLink, emitted: int | None = None) -> Error:
    """``INVALID_URL`` for a link the server sent, shown shortened, escaped and without credentials."""
    stopped = "" if emitted is None else f"; stopped after {emitted} items"
    message = f"The server's {what} {_shown(link)} cannot be followed: it {unusable}{stopped}."
    return Error(ErrorCode.INVALID_URL, message)


def cursor_refusal(cursor: object) -> Error | None:
    """Why a server-supplied cursor cannot be sent back (an ``INVALID_URL`` error), or ``None``."""
    try:
        check_text(cursor)
    except UnusableLink as unusable:
        return link_error("cursor", cursor, unusable)
    return None


def _shown(link: object) -> str:
    text = redact(_USERINFO.sub(r"\1***@", str(link)))  # before cutting: a cut key would not be recognised
    if len(text) > _SHOWN_CHARS:
        text = f"{text[:_SHOWN_CHARS]}… ({len(text)} characters)"
    return repr(text)


def _split(link: str) -> SplitResult:
    try:
        return urlsplit(check_text(link))
    except UnusableLink:
        raise
    except ValueError as exc:
        raise UnusableLink(f"is not a valid URL ({exc})") from None


def _origin(parts: SplitResult) -> tuple[str, str, int]:
    """Scheme, host and port (default port filled in) of an absolute http(s) URL."""
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise UnusableLink("is not an http(s) URL")
    try:
        port = parts.port
    except ValueError as exc:
        raise UnusableLink(f"has an invalid port ({exc})") from None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


# ------------------------------------------------------------------------------------------ the walk


class Pager(Generic[T]):
    """Decides the next request of an auto-paginated walk from the page that just arrived.

    ``request_for(cursor, page, limit)`` builds the list request for the query being walked. ``limit`` is
    what each request asks for; ``page_size`` (``None``: the server's default) is the wider window used to
    continue by cursor after an empty page, when ``limit`` was narrowed to fit ``max_items``. Cursors are
    offsets, so the window may change between requests; page numbers keep ``limit`` (their offsets depend on it).
    ``base_url`` is the only origin a ``nextPage`` is followed on verbatim.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        request_for: Callable[[str | None, int | None, int | None], ApiRequest],
        page_type: type[Page[T]],
        *,
        base_url: str,
        limit: int | None,
        start_page: int | None,
        page_size: int | None = None,
        max_items: int | None = None,
        max_pages: int | None = None,
        limits: WalkLimits,
    ) -> None:
        self._endpoint = endpoint
        self._request_for = request_for
        self.page_type = page_type
        self._base_origin = _origin(urlsplit(base_url))
        self._base_url = base_url.rstrip("/")
        self._limit = limit
        self._page_size = page_size
        self._max_items = max_items
        self._max_pages = max_pages
        self._limits = limits
        self._clock = monotonic
        self._page = start_page
        self._seen_cursors: set[str] = set()
        self._seen_urls: set[str] = set()
        self._fetched_pages = 0
        self._emitted = 0
        self._empty_run = 0
        self._stalled = 0.0
        self._asked_at = 0.0
        self._refusal: CivitaiError | None = None
        self._next: ApiRequest | None = request_for(None, start_page, limit)
        if max_items == 0 or max_pages == 0:
            self._next = None

    def next_request(self) -> ApiRequest | None:
        """The next request to make, or ``None`` when the walk is over.

        Raises [`CivitaiError`][] when the walk cannot or must not go on (Civitai's page cap, too many
        empty pages, no item for too long, an unusable link) — only after every item already received has
        been handed out."""
        if self._refusal is not None:
            raise self._refusal
        if self._next is None:
            return None
        self._asked_at = self._clock()
        return self._next

    def accept(self, page: Page[T]) -> Page[T]:
        """Record a page and decide what follows; returns it trimmed to ``max_items``."""
        self._fetched_pages += 1
        self._note_progress(bool(page.items))
        if self._max_items is not None:
            room = self._max_items - self._emitted
            if len(page.items) >= room:
                page = page.model_copy(update={"items": page.items[:room]})
                self._next = None
                self._emitted += len(page.items)
                return page
        self._emitted += len(page.items)
        try:
            self._next = self._follow(page)
        except CivitaiError as refused:
            self._next, self._refusal = None, refused
        if self._max_pages is not None and self._fetched_pages >= self._max_pages:
            self._next = None
        if self._next is not None and (stalled := self._stall()) is not None:
            self._next, self._refusal = None, stalled.to_exception()
        return page

    def _note_progress(self, progressed: bool) -> None:
        """Count empty pages in a row and the time spent fetching them (the caller's own time is not counted)."""
        if progressed:
            self._empty_run, self._stalled = 0, 0.0
        else:
            self._empty_run += 1
            self._stalled += self._clock() - self._asked_at

    def _stall(self) -> Error | None:
        """Why a walk that keeps pointing further without handing out items gives up, if it does."""
        path, limits = self._endpoint.path, self._limits
        if self._empty_run >= limits.max_empty_pages:
            return Error(
                ErrorCode.RESOURCE_UNAVAILABLE,
                f"{path} answered {self._empty_run} empty pages in a row that still pointed further; stopped "
                f"after {self._emitted} items. A very selective query can do this: raise "
                f"Resilience:MaxEmptyPages (now {limits.max_empty_pages}) to look further.",
            )
        if self._stalled >= limits.total_timeout:
            return Error(
                ErrorCode.TIMEOUT,
                f"{path} handed out no item for {self._stalled:.0f} s ({self._empty_run} empty pages that still "
                f"pointed further); stopped after {self._emitted} items. Raise Resilience:TotalTimeoutSeconds "
                f"(now {limits.total_timeout:g}) to wait longer.",
            )
        return None

    def _follow(self, page: Page[T]) -> ApiRequest | None:
        cursor, link = page.next_cursor, page.next_page
        if cursor is None and not link:
            return None
        what, text = ("nextCursor", cursor) if cursor is not None else ("nextPage", str(link))
        try:
            return self._by_cursor(text, page) if cursor is not None else self._by_link(text, page)
        except UnusableLink as unusable:
            raise link_error(what, text, unusable, self._emitted).to_exception() from None

    def _by_link(self, link: str, page: Page[T]) -> ApiRequest | None:
        """``nextPage``: rebuilt on our base URL from its cursor or page number, else followed as is."""
        parts = _split(link)
        query = parse_qs(parts.query)
        if query.get("cursor"):
            try:
                return self._by_cursor(query["cursor"][0], page)
            except UnusableLink as unusable:
                raise UnusableLink(f"has a cursor that {unusable}") from None
        if query.get("page"):
            return self._by_number(query["page"][0])
        return self._verbatim(link, parts)

    def _by_cursor(self, cursor: str, page: Page[T]) -> ApiRequest | None:
        check_text(cursor)
        if cursor in self._seen_cursors:
            logger.debug("Stopping pagination: the server repeated cursor %r", cursor)
            return None
        self._seen_cursors.add(cursor)
        self._page = None
        return self._request_for(cursor, None, self._limit if page.items else self._page_size)

    def _by_number(self, text: str) -> ApiRequest | None:
        if not _PAGE_NUMBER.fullmatch(text) or int(text) > MAX_INT32:
            raise UnusableLink(f"has a page number {text[:20]!r} that is not a number")
        number = int(text)
        if self._page is not None and number <= self._page:
            return None
        limit = self._limit or self._endpoint.default_limit
        if self._endpoint.page_capped and number * limit > PAGE_RESULTS_CAP:
            raise self._cap_refusal(number, limit)
        self._page = number
        return self._request_for(None, number, self._limit)

    def _verbatim(self, link: str, parts: SplitResult) -> ApiRequest | None:
        """Follow a ``nextPage`` with nothing to rebuild from, only on our own origin (the key stays home)."""
        if parts.username is not None or parts.password is not None:
            raise UnusableLink("carries credentials")
        relative_path = not parts.scheme and not parts.netloc and link.startswith("/")
        if not relative_path and _origin(parts) != self._base_origin:
            raise UnusableLink("leaves BaseUrl's scheme, host and port (such a link is never followed)")
        if link in self._seen_urls:
            logger.debug("Stopping pagination: the server repeated nextPage %r", link)
            return None
        self._seen_urls.add(link)
        # made absolute (the same URL the client would build): a link is followed as given, its /api/vN/ never
        # re-versioned to CivitaiApi:ApiVersion
        return ApiRequest("GET", self._base_url + link if relative_path else link)

    def _cap_refusal(self, page_number: int, limit: int) -> CivitaiError:
        return Error(
            ErrorCode.RESOURCE_UNAVAILABLE,
            f"{self._endpoint.path} serves at most {PAGE_RESULTS_CAP} results by page number "
            f"(page {page_number} x limit {limit}) and offered no cursor to continue; stopped after "
            f"{self._emitted} items. Narrow the query to walk further.",
        ).to_exception()
