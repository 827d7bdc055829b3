"""The asynchronous REST client: the same builders and plans as the sync one, performed with ``await``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, TypeVar

from civitai_kit._http import AsyncHttpClient
from civitai_kit.core import lookups
from civitai_kit.core.client_base import ClientBase
from civitai_kit.core.current_user import CurrentUser
from civitai_kit.core.enum_lists import CivitaiEnums
from civitai_kit.core.mini_version import MiniModelVersion
from civitai_kit.core.models import Creator, Image, Model, ModelVersion, Page, Tag, VersionIdByHash
from civitai_kit.core.queries import CreatorFilters, ImageFilters, ModelFilters, QueryBuilder, TagFilters
from civitai_kit.result import Result

if TYPE_CHECKING:
    from civitai_kit.options import CivitaiApiOptions

T = TypeVar("T")


class AsyncTerminals(QueryBuilder[T, AsyncHttpClient]):
    """``execute`` / ``first_or_none`` / ``iterate`` / ``pages`` for every async builder."""

    __slots__ = ()

    async def execute(self, limit: int | None = None, cursor: str | None = None) -> Result[Page[T]]:
        """One page: ``limit`` items (the server's default when ``None``), from ``cursor`` if given."""
        return await self._session.http.driver.run(self._page_operation(limit, cursor))

    async def first_or_none(self) -> Result[T | None]:
        """The first match, or ``None`` when there is none (empty pages that point further are looked past, up to
        the limits [`pages`][] describes; past them, a [`Failure`][])."""
        return await self._session.http.driver.run(self._first())

    def iterate(self, page_size: int | None = None, max_items: int | None = None) -> AsyncIterator[T]:
        """Every match (``async for``), fetching pages as needed. Raises [`CivitaiError`][] if a request fails
        or the walk cannot go on (see [`pages`][]), after every item already received."""
        return self._session.http.driver.iterate(self._walk(self._pager(page_size, max_items), items=True))

    def pages(self, page_size: int | None = None, max_pages: int | None = None) -> AsyncIterator[Page[T]]:
        """Every page (``async for``). Raises [`CivitaiError`][] if a request fails, after
        ``Resilience:MaxEmptyPages`` empty pages in a row or ``TotalTimeoutSeconds`` without an item, or when the
        server's next link cannot be used (``INVALID_URL``; a ``nextPage`` on another host is never requested)."""
        return self._session.http.driver.iterate(self._walk(self._pager(page_size, None, max_pages), items=False))


class AsyncModelQuery(ModelFilters[AsyncHttpClient], AsyncTerminals[Model]):
    """``client.models``: filters, terminals and direct lookups."""

    __slots__ = ()

    async def get_by_id(self, model_id: int) -> Result[Model]:
        """``GET /api/v1/models/{id}``."""
        return await self._session.http.driver.run(
            lookups.model_by_id(self._session.core, model_id, strict=self._session.strict)
        )

    async def get_by_version_id(self, version_id: int) -> Result[ModelVersion]:
        """``GET /api/v1/model-versions/{id}``."""
        return await self._session.http.driver.run(
            lookups.version_by_id(self._session.core, version_id, strict=self._session.strict)
        )

    async def get_version_mini(self, version_id: int, epoch: int | None = None) -> Result[MiniModelVersion]:
        """``GET /api/v1/model-versions/mini/{id}``: the trimmed record (names, base model, primary file's size,
        hashes and download URLs). ``epoch`` asks for a training epoch of a trained version."""
        return await self._session.http.driver.run(
            lookups.version_mini(self._session.core, version_id, epoch, strict=self._session.strict)
        )

    async def get_by_version_hash(self, hash: str) -> Result[ModelVersion]:
        """``GET /api/v1/model-versions/by-hash/{hash}``: any hash type Civitai stores."""
        return await self._session.http.driver.run(
            lookups.version_by_hash(self._session.core, hash, strict=self._session.strict)
        )

    async def get_by_version_hashes(self, hashes: Iterable[str]) -> Result[tuple[ModelVersion, ...]]:
        """Versions for many SHA256 hashes (``POST``, 100 per request); unmatched hashes are left out."""
        return await self._session.http.driver.run(
            lookups.versions_by_hashes(self._session.core, hashes, strict=self._session.strict)
        )

    async def get_version_ids_by_hashes(self, hashes: Iterable[str]) -> Result[tuple[VersionIdByHash, ...]]:
        """Version ids for many SHA256 hashes (``POST``, 10 000 per request)."""
        return await self._session.http.driver.run(
            lookups.version_ids_by_hashes(self._session.core, hashes, strict=self._session.strict)
        )


class AsyncImageQuery(ImageFilters[AsyncHttpClient], AsyncTerminals[Image]):
    """``client.images``."""

    __slots__ = ()


class AsyncTagQuery(TagFilters[AsyncHttpClient], AsyncTerminals[Tag]):
    """``client.tags``."""

    __slots__ = ()


class AsyncCreatorQuery(CreatorFilters[AsyncHttpClient], AsyncTerminals[Creator]):
    """``client.creators``."""

    __slots__ = ()


class AsyncCivitaiClient(ClientBase[AsyncHttpClient]):
    """The public REST API for asyncio. ``async with AsyncCivitaiClient() as client: ...``"""

    def __init__(self, options: CivitaiApiOptions | None = None, *, http_client: AsyncHttpClient | None = None) -> None:
        super().__init__(options, http_client, AsyncHttpClient, lambda http: http.core)

    async def me(self) -> Result[CurrentUser]:
        """``GET /api/v1/me``: the account the API key belongs to. Without a key configured, a [`Failure`][]
        (``UNAUTHORIZED``, naming where a key can be set) and no request; a rejected key, Civitai's 401."""
        return await self.http.driver.run(lookups.current_user(self._session.core, strict=self._session.strict))

    async def enums(self) -> Result[CivitaiEnums]:
        """``GET /api/v1/enums``: Civitai's current lists of model types, file types and base models. Kept for
        ``Cache:TtlSeconds`` (one request for repeated calls on this client, concurrent first calls included)."""
        return await self.http.driver.run(self._enums.fetch(self._session.core, strict=self._session.strict))

    @property
    def models(self) -> AsyncModelQuery:
        return AsyncModelQuery(self._session)

    @property
    def images(self) -> AsyncImageQuery:
        return AsyncImageQuery(self._session)

    @property
    def tags(self) -> AsyncTagQuery:
        return AsyncTagQuery(self._session)

    @property
    def creators(self) -> AsyncCreatorQuery:
        return AsyncCreatorQuery(self._session)

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncCivitaiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
