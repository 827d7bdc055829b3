"""Immutable query builders: the filters of each list endpoint, shared by the sync and async clients.

Every method returns a new builder, so a builder can be kept, reused and shared between threads and tasks.
Filters are validated when they are set (a ``ValueError``/``TypeError`` naming the argument), and request
building lives here once; the clients add only the terminal methods that perform requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

from civitai_kit._http import ApiRequest, HttpCore, encode_query
from civitai_kit._runtime import Operation
from civitai_kit.core import endpoints as ep
from civitai_kit.core.calls import failed, fetch, page_of
from civitai_kit.core.endpoints import Endpoint
from civitai_kit.core.enum_lists import check_base_models
from civitai_kit.core.enums import (
    BrowsingLevel,
    CheckpointType,
    CommercialUse,
    ImageSort,
    MediaType,
    ModelSort,
    ModelType,
    NsfwLevel,
    OpenEnum,
    PeriodMode,
    TimePeriod,
)
from civitai_kit.core.models import Creator, Image, Model, Page, Tag
from civitai_kit.core.paging import Pager, WalkLimits, cursor_refusal, first_item, walk
from civitai_kit.errors import ConfigurationError, Error, ErrorCode
from civitai_kit.result import Result

T = TypeVar("T")
H = TypeVar("H")
E = TypeVar("E", bound=OpenEnum)

_TRUE = ("true",)


@dataclass(frozen=True, slots=True)
class Session(Generic[H]):
    """What a builder needs from its client: the HTTP session (whose driver runs the operations), the HTTP
    core (which builds them), whether a key is configured, strict mode, the base URL (the only origin a
    server's ``nextPage`` is followed on) and when a walk without progress stops."""

    http: H
    core: HttpCore
    authenticated: bool
    strict: bool
    base_url: str
    limits: WalkLimits


class QueryBuilder(Generic[T, H]):
    """State and request building common to every list endpoint."""

    __slots__ = ("_filters", "_page", "_session")
    _endpoint: Endpoint

    def __init__(
        self, session: Session[H], filters: tuple[tuple[str, tuple[str, ...]], ...] = (), page: int | None = None
    ) -> None:
        self._session = session
        self._filters = filters
        self._page = page

    # -- state ------------------------------------------------------------------------------------------

    def _with(self, key: str, *values: str) -> Self:
        """A copy with ``key`` set to ``values`` (replacing an earlier value); no values removes the key."""
        kept = tuple(item for item in self._filters if item[0] != key)
        filters = (*kept, (key, tuple(values))) if values else kept
        return type(self)(self._session, filters, self._page)

    def _with_page(self, page: int | None) -> Self:
        return type(self)(self._session, self._filters, page)

    def _flag(self, key: str, value: bool) -> Self:
        """A flag Civitai reads with ``z.coerce.boolean`` (any text, even ``false``, is true): set or omitted."""
        return self._with(key, *_TRUE) if _bool(value, "value") else self._with(key)

    def _filter(self, key: str) -> tuple[str, ...] | None:
        return next((values for name, values in self._filters if name == key), None)

    @property
    def query_params(self) -> tuple[tuple[str, str], ...]:
        """The filters as the query string will carry them (without ``limit``/``cursor``)."""
        return self._params(None, None, self._page)

    def __repr__(self) -> str:
        shown = "&".join(f"{k}={v}" for k, v in self.query_params)
        return f"{type(self).__name__}({self._endpoint.path}{'?' + shown if shown else ''})"

    # -- requests -----------------------------------------------------------------------------------------

    def _params(self, limit: int | None, cursor: str | None, page: int | None) -> tuple[tuple[str, str], ...]:
        values: dict[str, Any] = {key: list(items) for key, items in self._filters}
        values["limit"] = limit
        values["cursor"] = cursor
        values["page"] = None if cursor is not None else page
        return encode_query(values)

    def _list_request(self, cursor: str | None, page: int | None, limit: int | None) -> ApiRequest:
        return ApiRequest("GET", self._endpoint.path, params=self._params(limit, cursor, page))

    def _page_type(self) -> type[Page[T]]:
        return page_of(self._endpoint.item_type)

    def _check(self, limit: int | None, cursor: str | None) -> None:
        """Refuse, before sending, what Civitai would refuse."""
        self._endpoint.check_limit(limit)
        if cursor is not None and (not isinstance(cursor, str) or not cursor.strip()):
            raise ValueError(f"cursor must be a non-blank str, got {cursor!r}")
        if self._page is not None and cursor is None:
            if self._filter("query") is not None and self._endpoint is ep.MODELS:
                raise ValueError(
                    "with_page_index cannot be combined with where_name: Civitai's model search pages by "
                    "cursor only (it answers 400 'Cannot use page param with query search')"
                )
            effective = limit or self._endpoint.default_limit
            if self._endpoint.page_capped and self._page * effective > ep.PAGE_RESULTS_CAP:
                raise ValueError(
                    f"with_page_index({self._page}) with limit {effective} asks for results past Civitai's cap "
                    f"of page*limit <= {ep.PAGE_RESULTS_CAP}; use iterate()/pages() or a cursor instead"
                )

    def _page_operation(self, limit: int | None, cursor: str | None) -> Operation[Result[Page[T]]]:
        """What ``execute`` performs. A cursor the server handed out may be unusable (control characters, too
        long): a failure then, like the walks report it, not a crash in the HTTP layer."""
        self._check(limit, cursor)
        refused = None if cursor is None else cursor_refusal(cursor)
        if refused is not None:
            return failed(refused)
        request = self._list_request(cursor, self._page, limit)
        return fetch(self._session.core, request, self._page_type(), strict=self._session.strict)

    def _first(self) -> Operation[Result[T | None]]:
        """What ``first_or_none`` performs: one result asked for, then past empty pages that point further."""
        return first_item(self._session.core, self._pager(None, 1), strict=self._session.strict)

    def _walk(self, pager: Pager[T], *, items: bool) -> Operation[None]:
        """What ``iterate`` (``items``) and ``pages`` perform."""
        return walk(self._session.core, pager, strict=self._session.strict, items=items)

    def _pager(self, page_size: int | None, max_items: int | None, max_pages: int | None = None) -> Pager[T]:
        self._endpoint.check_limit(page_size, "page_size")
        for name, value in (("max_items", max_items), ("max_pages", max_pages)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        limit = page_size
        if max_items is not None and max_items > 0 and self._page is None:
            # Ask for no more than wanted; not with a start page, whose offset is page * limit.
            limit = min(page_size or self._endpoint.default_limit, max_items)
        self._check(limit, None)
        return Pager(
            self._endpoint,
            self._list_request,
            self._page_type(),
            base_url=self._session.base_url,
            limit=limit,
            start_page=self._page,
            page_size=page_size,
            max_items=max_items,
            max_pages=max_pages,
            limits=self._session.limits,
        )


# ------------------------------------------------------------------------------------------ argument helpers


def _bool(value: bool, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def _enum(kind: type[E], value: E | str, name: str) -> E:
    if isinstance(value, kind):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a {kind.__name__} or its API string, got {value!r}")
    return kind(value.strip())


def _enums(kind: type[E], values: Iterable[E | str], name: str) -> list[str]:
    items = [str(_enum(kind, value, f"{name}[{index}]")) for index, value in enumerate(values)]
    if not items:
        raise ValueError(f"{name}: at least one value must be given")
    return list(dict.fromkeys(items))


def _ids(values: Iterable[int], name: str) -> str:
    items = [ep.positive_id(value, f"{name}[{index}]") for index, value in enumerate(values)]
    if not items:
        raise ValueError(f"{name}: at least one id must be given")
    return ",".join(str(item) for item in dict.fromkeys(items))


def _texts(values: Iterable[str], name: str) -> list[str]:
    items = [ep.non_blank(value, f"{name}[{index}]") for index, value in enumerate(values)]
    if not items:
        raise ValueError(f"{name}: at least one value must be given")
    return list(dict.fromkeys(items))


def _require_key(session: Session[Any], method: str) -> None:
    if not session.authenticated:
        raise ConfigurationError(
            Error(
                ErrorCode.CONFIGURATION_INVALID,
                f"{method} needs an API key (Civitai answers 401 without one); run `civitai login`, or set "
                "CIVITAI_API_KEY or CivitaiApi:ApiKey in appsettings.json / user secrets.",
            )
        )


# ------------------------------------------------------------------------------------------ filters


class ModelFilters(QueryBuilder[Model, H]):
    """Filters of ``GET /api/v1/models``."""

    __slots__ = ()
    _endpoint = ep.MODELS

    def where_name(self, query: str) -> Self:
        """Full-text search (``query``); results then page by cursor only."""
        return self._with("query", ep.non_blank(query, "query"))

    def where_tag(self, tag: str) -> Self:
        return self._with("tag", ep.non_blank(tag, "tag"))

    def where_username(self, username: str) -> Self:
        """Models by one creator."""
        return self._with("username", ep.username(username))

    def where_type(self, *types: ModelType | str) -> Self:
        """Any of these types (``types=LORA&types=LoCon``)."""
        return self._with("types", *_enums(ModelType, types, "types"))

    def where_base_model(self, base_model: str) -> Self:
        """One base model; see [`where_base_models`][]."""
        return self._with("baseModels", *check_base_models(_texts((base_model,), "base_model"), stacklevel=2))

    def where_base_models(self, *base_models: str) -> Self:
        """Any of these base models, spelled as Civitai does (``SD 1.5``, ``SDXL 1.0``, ``Pony``…). A name the
        bundled snapshot does not know is still sent, after an [`UnknownBaseModelWarning`][] naming the closest
        known spellings."""
        return self._with("baseModels", *check_base_models(_texts(base_models, "base_models"), stacklevel=2))

    def where_checkpoint_type(self, checkpoint_type: CheckpointType | str) -> Self:
        return self._with("checkpointType", _enum(CheckpointType, checkpoint_type, "checkpoint_type"))

    def where_nsfw(self, nsfw: bool = True) -> Self:
        """``True`` includes every NSFW level; ``False`` keeps public (PG) content only."""
        return self._with("nsfw", "true" if _bool(nsfw, "nsfw") else "false")

    def where_ids(self, *ids: int) -> Self:
        """Only these model ids (ignored by Civitai together with ``where_name``)."""
        return self._with("ids", _ids(ids, "ids"))

    def where_version_ids(self, *version_ids: int) -> Self:
        """Models that contain any of these version ids."""
        return self._with("modelVersionIds", _ids(version_ids, "version_ids"))

    def where_favorites(self) -> Self:
        """Your favourites (needs an API key)."""
        _require_key(self._session, "where_favorites")
        return self._with("favorites", "true")

    def where_hidden(self) -> Self:
        """Models you hid (needs an API key)."""
        _require_key(self._session, "where_hidden")
        return self._with("hidden", "true")

    def where_primary_file_only(self) -> Self:
        return self._with("primaryFileOnly", "true")

    def where_commercial_use(self, *permissions: CommercialUse | str) -> Self:
        """Any of these commercial-use permissions."""
        return self._with("allowCommercialUse", *_enums(CommercialUse, permissions, "permissions"))

    def where_supports_generation(self, supports_generation: bool = True) -> Self:
        """Only models usable in Civitai's generator. ``False`` removes the filter: Civitai reads any value
        of this flag as true, so "not supported" cannot be asked for."""
        return self._flag("supportsGeneration", supports_generation)

    def where_early_access(self, early_access: bool = True) -> Self:
        """Only models in early access (``False`` removes the filter, as for ``where_supports_generation``)."""
        return self._flag("earlyAccess", early_access)

    def where_from_platform(self, from_platform: bool = True) -> Self:
        """Only models trained on Civitai (``False`` removes the filter)."""
        return self._flag("fromPlatform", from_platform)

    def where_archived(self, archived: bool = True) -> Self:
        """Only archived models (``False`` removes the filter)."""
        return self._flag("archived", archived)

    def where_period(self, period: TimePeriod | str) -> Self:
        return self._with("period", _enum(TimePeriod, period, "period"))

    def where_period_mode(self, period_mode: PeriodMode | str) -> Self:
        """Whether ``where_period`` ranks by stats in the period or by publication in it."""
        return self._with("periodMode", _enum(PeriodMode, period_mode, "period_mode"))

    def order_by(self, sort: ModelSort | str) -> Self:
        return self._with("sort", _enum(ModelSort, sort, "sort"))

    def with_page_index(self, page: int) -> Self:
        """Start at this 1-based page (``page * limit`` must stay ≤ 1000; not with ``where_name``)."""
        return self._with_page(ep.positive_id(page, "page"))


class ImageFilters(QueryBuilder[Image, H]):
    """Filters of ``GET /api/v1/images`` (cursor-paged; Civitai ignores ``page`` here)."""

    __slots__ = ()
    _endpoint = ep.IMAGES

    def where_model_id(self, model_id: int) -> Self:
        return self._with("modelId", str(ep.positive_id(model_id, "model_id")))

    def where_model_version_id(self, model_version_id: int) -> Self:
        return self._with("modelVersionId", str(ep.positive_id(model_version_id, "model_version_id")))

    def where_post_id(self, post_id: int) -> Self:
        return self._with("postId", str(ep.positive_id(post_id, "post_id")))

    def where_image_id(self, image_id: int) -> Self:
        return self._with("imageId", str(ep.positive_id(image_id, "image_id")))

    def where_user_id(self, user_id: int) -> Self:
        return self._with("userId", str(ep.positive_id(user_id, "user_id")))

    def where_username(self, username: str) -> Self:
        return self._with("username", ep.username(username))

    def where_nsfw_level(self, level: NsfwLevel | str) -> Self:
        """Content up to this label (cumulative: ``MATURE`` means PG, PG-13 and R)."""
        return self._with("nsfw", _enum(NsfwLevel, level, "level"))

    def where_browsing_level(self, level: BrowsingLevel | int) -> Self:
        """Exactly these levels, as a [`BrowsingLevel`][] bitmask (wins over ``where_nsfw_level``)."""
        if isinstance(level, bool) or not isinstance(level, int):
            raise TypeError(f"level must be a BrowsingLevel or int, got {type(level).__name__}")
        if not 1 <= int(level) <= 63:
            raise ValueError(f"level must be a BrowsingLevel bitmask between 1 and 63, got {int(level)}")
        return self._with("browsingLevel", str(int(level)))

    def where_type(self, media_type: MediaType | str) -> Self:
        """Images, videos or audio."""
        return self._with("type", _enum(MediaType, media_type, "media_type"))

    def where_base_models(self, *base_models: str) -> Self:
        """Any of these base models (Civitai validates the names here; an unknown one is a 400, so a name the
        bundled snapshot does not know first gives an [`UnknownBaseModelWarning`][] with the closest spellings)."""
        return self._with("baseModels", ",".join(check_base_models(_texts(base_models, "base_models"), stacklevel=2)))

    def where_tags(self, *tag_ids: int) -> Self:
        """Images carrying any of these tag ids."""
        return self._with("tags", _ids(tag_ids, "tag_ids"))

    def where_period(self, period: TimePeriod | str) -> Self:
        return self._with("period", _enum(TimePeriod, period, "period"))

    def order_by(self, sort: ImageSort | str) -> Self:
        return self._with("sort", _enum(ImageSort, sort, "sort"))

    def with_meta(self, with_meta: bool = True) -> Self:
        """Include generation metadata (``meta`` is null without it)."""
        return self._with("withMeta", "true") if _bool(with_meta, "with_meta") else self._with("withMeta")

    def with_tags(self, with_tags: bool = True) -> Self:
        """Include each image's tags."""
        return self._with("withTags", "true") if _bool(with_tags, "with_tags") else self._with("withTags")

    def where_requiring_meta(self) -> Self:
        """Only images that carry generation metadata."""
        return self._with("requiringMeta", "true")


class _PagedByNumber(QueryBuilder[T, H]):
    """``/tags`` and ``/creators``: a name search and page numbers."""

    __slots__ = ()

    def where_name(self, query: str) -> Self:
        """Partial match on the name."""
        return self._with("query", ep.non_blank(query, "query"))

    def with_page_index(self, page: int) -> Self:
        return self._with_page(ep.positive_id(page, "page"))


class TagFilters(_PagedByNumber[Tag, H]):
    """Filters of ``GET /api/v1/tags``."""

    __slots__ = ()
    _endpoint = ep.TAGS


class CreatorFilters(_PagedByNumber[Creator, H]):
    """Filters of ``GET /api/v1/creators``."""

    __slots__ = ()
    _endpoint = ep.CREATORS


__all__ = ["CreatorFilters", "ImageFilters", "ModelFilters", "QueryBuilder", "Session", "TagFilters"]
