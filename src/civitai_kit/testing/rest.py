"""Civitai's public REST API (``/api/v1/*``) on the fake server, answering like the real one.

    with FakeCivitai() as server:
        data = install_rest_routes(server)          # RestData.sample(): 240 models, ~2 500 images
        # GET {server.url}/api/v1/models?types=LORA&limit=5 ...

Behaviour copies civitai.com's: the filters each endpoint honours, opaque string cursors
(``"12|1712265847499"``; a plain offset with ``query``), ``nextPage`` URLs built from the request, totals only
on ``/tags`` and ``/creators``, and the real error bodies — zod error objects (400), ``Cannot use page param
with query search`` (400), ``Invalid cursor`` (400, a different shape per endpoint), ``Unauthorized`` for
favourites/hidden and ``/me`` without an accepted key (401), ``No model with id N`` / ``Model not found``
(404), the permanent ``too many pages`` 429 when ``page * limit > 1000``, and zod issue arrays from
``/tags``/``/creators`` (500).
Known server bugs are reproduced where a client must survive them: with ``query`` plus other filters the
filters run after paging, so pages can be empty yet carry a cursor; ``page`` is ignored by ``/images``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from civitai_kit.testing.image_cdn import CDN_PATH, serve_image, to_local_cdn
from civitai_kit.testing.keys import key_accepted
from civitai_kit.testing.messages import FakeRequest, FakeResponse
from civitai_kit.testing.rest_data import JSON, RestData, air_for, browsing_level_of, published_at
from civitai_kit.testing.server import FakeCivitai

__all__ = ["RestData", "install_rest_routes"]

MAX_INT32 = 2_147_483_647
PAGE_CAP = 1000
TOO_MANY_PAGES = "You've requested too many pages, please use cursors instead"
_MODEL_SORTS = (
    "Highest Rated", "Most Downloaded", "Most Liked", "Most Discussed", "Most Collected", "Most Images", "Newest",
    "Oldest",
)  # fmt: skip
_IMAGE_SORTS = ("Most Reactions", "Most Comments", "Most Collected", "Newest", "Oldest", "Random")
_PERIODS = {"AllTime": None, "Year": 365, "Month": 30, "Week": 7, "Day": 1}
_MODEL_TYPES = (
    "Checkpoint", "TextualInversion", "Hypernetwork", "AestheticGradient", "LORA", "LoCon", "DoRA", "Controlnet",
    "Upscaler", "MotionModule", "VAE", "TextEncoder", "UNet", "CLIPVision", "Poses", "Wildcards", "Workflows",
    "ComfyWorkflows", "Detection", "VisionLanguage", "CLIP", "LLM", "Other",
)  # fmt: skip
_COMMERCIAL = ("None", "Image", "RentCivit", "Rent", "Sell")
_NSFW_LABEL_MASKS = {"None": 1, "Soft": 3, "Mature": 7, "X": 31, "Blocked": 32}
_BOOL_TRUE = {"true", "1", "yes", "on", "y", "enabled"}
_BOOL_FALSE = {"false", "0", "no", "off", "n", "disabled"}


class _Invalid(Exception):
    """A zod validation failure: becomes the endpoint's own 400/500 body."""

    def __init__(self, issues: list[JSON]) -> None:
        super().__init__(issues[0]["message"])
        self.issues = issues


def _issue(path: str, message: str, code: str = "invalid_type") -> JSON:
    return {"code": code, "path": [path], "message": message}


class _Params:
    """Typed reads of a request's query string with zod-like failures collected."""

    def __init__(self, request: FakeRequest) -> None:
        self.request = request
        self.issues: list[JSON] = []

    def text(self, name: str) -> str | None:
        value = self.request.query.get(name)
        return value if value not in (None, "") else None

    def texts(self, name: str) -> list[str]:
        return [v for v in self.request.query_all(name) if v != ""]

    def number(
        self, name: str, *, default: int | None = None, low: int | None = None, high: int | None = None
    ) -> int | None:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            self.issues.append(_issue(name, "Expected number, received nan"))
            return default
        if not value.is_integer():
            self.issues.append(_issue(name, "Expected integer, received float"))
            return default
        if low is not None and value < low:
            self.issues.append(_issue(name, f"Number must be greater than or equal to {low}", "too_small"))
        if high is not None and value > high:
            self.issues.append(_issue(name, f"Number must be less than or equal to {high}", "too_big"))
        return int(value)

    def boolean(self, name: str) -> bool | None:
        """zod ``stringbool``: true/false words; anything else is an issue."""
        raw = self.text(name)
        if raw is None:
            return None
        if raw.lower() in _BOOL_TRUE:
            return True
        if raw.lower() in _BOOL_FALSE:
            return False
        self.issues.append(_issue(name, f"Invalid boolean string: {raw!r}"))
        return None

    def coerced(self, name: str) -> bool:
        """``z.coerce.boolean()``: any non-empty value — even ``false`` — is true."""
        return bool(self.request.query.get(name))

    def choice(self, name: str, allowed: Sequence[str]) -> str | None:
        raw = self.text(name)
        if raw is not None and raw not in allowed:
            options = " | ".join(f"'{a}'" for a in allowed)
            self.issues.append(
                _issue(name, f"Invalid enum value. Expected {options}, received '{raw}'", "invalid_enum_value")
            )
            return None
        return raw

    def ids(self, name: str) -> set[int] | None:
        """Comma-delimited numbers (``ids=1,2,3``); repeated keys are joined too."""
        values = [part.strip() for raw in self.texts(name) for part in raw.split(",") if part.strip()]
        if not values:
            return None
        if not all(v.isdigit() for v in values):
            self.issues.append(_issue(name, "Expected number, received nan"))
            return None
        return {int(v) for v in values}

    def check(self) -> None:
        if self.issues:
            raise _Invalid(self.issues)


def _zod_body(issues: list[JSON]) -> JSON:
    return {"error": {"name": "ZodError", "issues": issues}}


def _error(status: int, message: str, **extra: Any) -> FakeResponse:
    return FakeResponse.json({"error": message, **extra}, status=status)


def _origin(request: FakeRequest) -> str:
    return f"http://{request.headers.get('host', '127.0.0.1')}"


def _json(request: FakeRequest, body: Any, status: int = 200) -> FakeResponse:
    """A JSON answer whose civitai.com API links point back at this server."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("https://civitai.com/api/", f"{_origin(request)}/api/")
    text = to_local_cdn(text, _origin(request))
    return FakeResponse.bytes(text.encode(), "application/json; charset=utf-8", status=status)


def _next_page(request: FakeRequest, **replace: str) -> str:
    """The request URL with ``cursor``/``page`` replaced, as Civitai builds ``nextPage``."""
    items = [(k, v) for k, v in request.query_items if k not in replace]
    items += list(replace.items())
    return f"{_origin(request)}{request.path}?{urlencode(items)}"


def _cursor(offset: int, item: JSON | None) -> str:
    stamp = 0
    if item is not None:
        moment = item.get("createdAt") or next(
            (v.get("publishedAt") for v in item.get("modelVersions") or () if v.get("publishedAt")), None
        )
        if isinstance(moment, str) and moment:
            stamp = int(datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp() * 1000)
    return f"{offset}|{stamp}"


def _offset_of(cursor: str) -> int | None:
    head = cursor.split("|", 1)[0]
    return int(head) if head.isdigit() else None


def _newest(model: JSON) -> datetime:
    dates = [d for d in (published_at(v) for v in model.get("modelVersions") or ()) if d is not None]
    return max(dates) if dates else datetime(2000, 1, 1).astimezone()


def _stat(item: JSON, key: str) -> float:
    value = (item.get("stats") or {}).get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def _commercial(model: JSON) -> set[str]:
    value = model.get("allowCommercialUse")
    if isinstance(value, str):
        return {p.strip() for p in value.strip("{}").split(",") if p.strip()}
    return {v for v in value or () if isinstance(v, str)}


def _tags_of(model: JSON) -> list[str]:
    return [t.get("name", "") if isinstance(t, dict) else str(t) for t in model.get("tags") or ()]


def _drop_empty(record: JSON) -> JSON:
    return {k: v for k, v in record.items() if v is not None and v != "" and v != []}


class _RestApi:
    """The route handlers, over one [`RestData`][]."""

    def __init__(self, data: RestData) -> None:
        self.data = data

    # -- /models -------------------------------------------------------------------------------------------

    def models(self, request: FakeRequest) -> FakeResponse:
        params = _Params(request)
        limit = params.number("limit", default=100, low=0, high=100) or 0
        page = params.number("page", low=1)
        cursor = params.text("cursor")
        query = params.text("query")
        sort = params.choice("sort", _MODEL_SORTS) or "Highest Rated"
        period = params.choice("period", tuple(_PERIODS)) or "AllTime"
        params.choice("periodMode", ("stats", "published"))
        types = params.texts("types")
        for value in types:
            if value not in _MODEL_TYPES:
                params.issues.append(_issue("types", f"Invalid enum value. Received '{value}'", "invalid_enum_value"))
        nsfw = params.boolean("nsfw")
        primary_only = params.boolean("primaryFileOnly")
        ids, version_ids = params.ids("ids"), params.ids("modelVersionIds")
        commercial = params.texts("allowCommercialUse")
        for value in commercial:
            if value not in _COMMERCIAL:
                params.issues.append(_issue("allowCommercialUse", f"Invalid enum value. Received '{value}'"))
        checkpoint_type = params.choice("checkpointType", ("Trained", "Merge"))
        try:
            params.check()
        except _Invalid as invalid:
            return FakeResponse.json(_zod_body(invalid.issues), status=400)
        if ("favorites" in request.query or "hidden" in request.query) and not key_accepted(
            request, self.data.api_keys
        ):
            return _error(401, "Unauthorized")
        if page is not None and query is not None:
            return _error(400, "Cannot use page param with query search. Use cursor-based pagination.")
        if page is not None and page * max(limit, 1) > PAGE_CAP:
            return _error(429, TOO_MANY_PAGES)
        offset = 0
        if cursor is not None:
            parsed = _offset_of(cursor) if query is None else (int(cursor) if cursor.isdigit() else None)
            if parsed is None:
                return FakeResponse.json({"message": f"Invalid cursor: {cursor}"}, status=400)
            offset = parsed
        elif page is not None:
            offset = (page - 1) * limit

        filters: list[Callable[[JSON], bool]] = []
        tag, username = params.text("tag") or params.text("tagname"), params.text("username") or params.text("user")
        if tag:
            filters.append(lambda m: tag.lower() in (t.lower() for t in _tags_of(m)))
        if username:
            filters.append(lambda m: str((m.get("creator") or {}).get("username", "")).lower() == username.lower())
        if types:
            filters.append(lambda m: m.get("type") in types)
        base_models = params.texts("baseModels")
        if base_models:
            filters.append(lambda m: any(v.get("baseModel") in base_models for v in m.get("modelVersions") or ()))
        if checkpoint_type:
            filters.append(lambda m: self.data.checkpoint_types.get(m["id"]) == checkpoint_type)
        if not nsfw:
            filters.append(_public)
        if ids:
            filters.append(lambda m: m["id"] in ids)
        if version_ids:
            filters.append(lambda m: any(v.get("id") in version_ids for v in m.get("modelVersions") or ()))
        if "favorites" in request.query and params.boolean("favorites"):
            filters.append(lambda m: m["id"] in self.data.favorites)
        if "hidden" in request.query and params.boolean("hidden"):
            filters.append(lambda m: m["id"] in self.data.hidden)
        if commercial:
            filters.append(lambda m: bool(_commercial(m) & set(commercial)))
        if params.coerced("supportsGeneration"):
            filters.append(lambda m: bool(m.get("supportsGeneration")))
        if params.coerced("earlyAccess"):
            filters.append(lambda m: any(v.get("availability") == "EarlyAccess" for v in m.get("modelVersions") or ()))
        if params.coerced("fromPlatform"):
            filters.append(lambda m: m["id"] in self.data.from_platform)
        if params.coerced("archived"):
            filters.append(lambda m: m.get("mode") == "Archived")
        days = _PERIODS[period]
        if days is not None:
            since = self.data.now - timedelta(days=days)
            filters.append(lambda m: _newest(m) >= since)

        models = _sort_models(self.data.models, sort)
        if query is not None:
            # Search pages first and filters afterwards (a real server bug): pages may come back empty.
            matches = [m for m in models if query.lower() in str(m.get("name", "")).lower()]
            window = matches[offset : offset + limit]
            items = [m for m in window if all(f(m) for f in filters)]
            more = offset + limit < len(matches)
            next_cursor = str(offset + limit) if more else None
        else:
            matches = [m for m in models if all(f(m) for f in filters)]
            items = matches[offset : offset + limit]
            more = offset + limit < len(matches)
            next_cursor = _cursor(offset + limit, items[-1] if items else None) if more else None
        shaped = [_list_item(m, nsfw=bool(nsfw), primary_only=bool(primary_only)) for m in items]
        metadata: JSON = {}
        if next_cursor is not None:
            metadata["nextCursor"] = next_cursor
            metadata["nextPage"] = (
                _next_page(request, page=str(page + 1)) if page is not None else _next_page(request, cursor=next_cursor)
            )
        if page is not None:
            metadata["currentPage"] = page
            metadata["pageSize"] = limit
        return _json(request, {"items": shaped, "metadata": metadata})

    def model(self, request: FakeRequest) -> FakeResponse:
        model_id = _path_id(request.path_params["id"])
        if model_id is None:
            return _error(400, "✖ Invalid input: expected a positive integer\n  → at id")
        model = self.data.model(model_id)
        if model is None:
            return _error(404, f"No model with id {model_id}")
        return _json(request, _detail(model))

    # -- /model-versions -------------------------------------------------------------------------------------

    def version(self, request: FakeRequest) -> FakeResponse:
        raw = request.path_params["id"]
        try:
            number = float(raw)
        except ValueError:
            return _error(400, "✖ Invalid input: expected number, received NaN\n  → at id")
        if number == 0:
            return _error(400, "Missing modelVersionId")
        found = self.data.version(int(number)) if number.is_integer() else None
        if found is None:
            return _error(404, "Model not found")
        return _json(request, _version_body(*found))

    def version_mini(self, request: FakeRequest) -> FakeResponse:
        """The trimmed record. The catalogue has no training epochs, so any ``epoch`` is Civitai's 404."""
        version_id = _path_id(request.path_params["id"])
        found = self.data.version(version_id) if version_id is not None else None
        if found is None:
            return _error(404, "Model not found")
        if "epoch" in request.query:
            return _error(404, "Missing epoch")
        return _json(request, _mini_body(*found))

    def enums(self, request: FakeRequest) -> FakeResponse:
        """``/enums`` from ``data/enums.json`` (provenance in ``data/SOURCES.md``)."""
        return _json(request, json.loads(_ENUMS.read_text()))

    def me(self, request: FakeRequest) -> FakeResponse:
        """``/me``: the sandbox user for an accepted key, Civitai's 401 body otherwise."""
        if not key_accepted(request, self.data.api_keys):
            return _error(401, "Unauthorized")
        return FakeResponse.json(self.data.current_user)

    def version_by_hash(self, request: FakeRequest) -> FakeResponse:
        wanted = request.path_params["hash"].strip().upper()
        if not wanted:
            return _error(400, "Missing hash")
        found = self._hash_index(any_type=True).get(wanted)
        if not found:
            return _error(404, "Model not found")
        return _json(request, _version_body(*found))

    def versions_by_hashes(self, request: FakeRequest) -> FakeResponse:
        hashes = _hash_list(request, 100)
        if isinstance(hashes, FakeResponse):
            return hashes
        index = self._hash_index(any_type=False)
        bodies: dict[int, JSON] = {}
        for value in hashes:
            if value in index:
                model, version = index[value]
                bodies.setdefault(version["id"], _version_body(model, version))
        return _json(request, list(bodies.values()))

    def version_ids_by_hashes(self, request: FakeRequest) -> FakeResponse:
        hashes = _hash_list(request, 10_000)
        if isinstance(hashes, FakeResponse):
            return hashes
        index = self._hash_index(any_type=False)
        return _json(request, [{"modelVersionId": index[h][1]["id"], "hash": h} for h in hashes if h in index])

    def _hash_index(self, *, any_type: bool) -> dict[str, tuple[JSON, JSON]]:
        """Upper-case hash → the oldest published version holding a file with it (how Civitai resolves
        duplicates). Rebuilt per request, so a test may edit the data at any time."""
        index: dict[str, tuple[JSON, JSON]] = {}
        ordered = sorted(
            self.data.versions(), key=lambda mv: (published_at(mv[1]) or datetime.max.astimezone(), mv[1]["id"])
        )
        for model, version in ordered:
            for file in version.get("files") or ():
                hashes = file.get("hashes") or {}
                for value in hashes.values() if any_type else [hashes.get("SHA256")]:
                    if isinstance(value, str):
                        index.setdefault(value.upper(), (model, version))
        for value, (algorithm, version_id) in self.data.hash_aliases.items():
            found = self.data.version(version_id)
            if found is not None and (any_type or algorithm == "SHA256"):
                index.setdefault(value, found)
        return index

    # -- /images ---------------------------------------------------------------------------------------------

    def images(self, request: FakeRequest) -> FakeResponse:
        params = _Params(request)
        limit = params.number("limit", default=100, low=0, high=200) or 0
        page = params.number("page", low=1)
        cursor = params.text("cursor")
        sort = params.choice("sort", _IMAGE_SORTS) or "Most Reactions"
        period = params.choice("period", tuple(_PERIODS)) or "AllTime"
        numbers = {
            name: params.number(name, low=1) for name in ("postId", "modelId", "modelVersionId", "imageId", "userId")
        }
        username = params.text("username")
        if username is not None and not username.replace("_", "").isalnum():
            params.issues.append(_issue("username", "Invalid", "invalid_string"))
        media = params.choice("type", ("image", "video", "audio"))
        level = params.number("browsingLevel", low=0)
        nsfw_raw = params.text("nsfw")
        mask = _NSFW_LABEL_MASKS.get(nsfw_raw or "")
        if nsfw_raw is not None and mask is None:
            flag = params.boolean("nsfw")
            mask = 60 if flag else 1
        base_models = [b for raw in params.texts("baseModels") for b in raw.split(",") if b]
        known_bases = {v.get("baseModel") for _, v in self.data.versions()}
        for base in base_models:
            if base not in known_bases:
                params.issues.append(
                    _issue("baseModels", f"Invalid enum value. Received '{base}'", "invalid_enum_value")
                )
        tag_ids = params.ids("tags")
        with_meta, with_tags = params.boolean("withMeta"), params.boolean("withTags")
        flat_meta, requiring_meta = params.boolean("flatMeta"), params.boolean("requiringMeta")
        try:
            params.check()
        except _Invalid as invalid:
            return FakeResponse.json(_zod_body(invalid.issues), status=400)
        if page is not None and page * max(limit, 1) > PAGE_CAP:
            return _error(429, TOO_MANY_PAGES)
        offset = 0
        if cursor is not None:
            parsed = _offset_of(cursor)
            if parsed is None:
                return _error(400, f"Invalid cursor: {cursor}", code="BAD_REQUEST")
            offset = parsed

        mask = level if level else (mask or 1)
        checks: list[Callable[[JSON], bool]] = [lambda i: bool(i["browsingLevel"] & mask)]
        values_of: dict[str, Callable[[JSON], Iterable[Any]]] = {
            "postId": lambda i: (i.get("postId"),),
            "imageId": lambda i: (i.get("id"),),
            "modelId": lambda i: (i.get("_modelId"),),
            "modelVersionId": lambda i: i.get("modelVersionIds") or (),
            "userId": lambda i: (self.data.user_id(str(i.get("username"))),),
        }
        for name, value in numbers.items():
            if value is not None:
                checks.append(_holds(values_of[name], value))
        if username:
            checks.append(lambda i: str(i.get("username", "")).lower() == username.lower())
        if media:
            checks.append(lambda i: i.get("type") == media)
        if base_models:
            checks.append(lambda i: i.get("baseModel") in base_models)
        if tag_ids:
            checks.append(lambda i: any(t["id"] in tag_ids for t in i.get("tags") or ()))
        if requiring_meta:
            checks.append(lambda i: bool(i.get("meta")))
        days = _PERIODS[period]
        if days is not None:
            since = self.data.now - timedelta(days=days)
            checks.append(lambda i: datetime.fromisoformat(i["createdAt"].replace("Z", "+00:00")) >= since)

        matches = _sort_images([i for i in self.data.images if all(c(i) for c in checks)], sort)
        window = matches[offset : offset + limit]
        legacy = numbers["imageId"] is not None or (
            numbers["modelId"] is not None and numbers["modelVersionId"] is None
        )
        nested = (not flat_meta) if flat_meta is not None else legacy
        items = [_image_item(i, with_meta=bool(with_meta), with_tags=bool(with_tags), nested=nested) for i in window]
        metadata: JSON = {}
        if offset + limit < len(matches):
            metadata["nextCursor"] = _cursor(offset + limit, window[-1] if window else None)
            metadata["nextPage"] = _next_page(request, cursor=metadata["nextCursor"])
        if page is not None:
            metadata["currentPage"], metadata["pageSize"] = page, limit
        return _json(request, {"items": items, "metadata": metadata})

    # -- /tags, /creators ------------------------------------------------------------------------------------

    def tags(self, request: FakeRequest) -> FakeResponse:
        origin = _origin(request)
        rows = [{"name": n, "link": f"{origin}/api/v1/models?tag={n}"} for n in self.data.tag_names()]
        return self._numbered(request, rows, key="name")

    def creators(self, request: FakeRequest) -> FakeResponse:
        origin = _origin(request)
        rows = []
        for creator in self.data.creators():
            row: JSON = {"username": creator["username"]}
            if creator.get("modelCount"):
                row["modelCount"] = creator["modelCount"]
            row["link"] = f"{origin}/api/v1/models?username={creator['username']}"
            if creator.get("image"):
                row["image"] = creator["image"]
            rows.append(row)
        return self._numbered(request, rows, key="username")

    def _numbered(self, request: FakeRequest, rows: list[JSON], *, key: str) -> FakeResponse:
        params = _Params(request)
        limit = params.number("limit", default=20, low=1, high=200) or 20
        page = params.number("page", default=1, low=0) or 1
        query = params.text("query")
        try:
            params.check()
        except _Invalid as invalid:
            # tags.ts / creators.ts pass tRPC's message through JSON.parse: a bare array of zod issues.
            return FakeResponse.json(invalid.issues, status=500)
        if query:
            rows = [r for r in rows if query.lower() in str(r[key]).lower()]
        total = len(rows)
        pages = max(1, math.ceil(total / limit))
        metadata: JSON = {"totalItems": total, "currentPage": page, "pageSize": limit, "totalPages": pages}
        if page < pages:
            metadata["nextPage"] = _next_page(request, page=str(page + 1))
        if page > 1:
            metadata["prevPage"] = _next_page(request, page=str(page - 1))
        return _json(request, {"items": rows[(page - 1) * limit : page * limit], "metadata": metadata})


# ------------------------------------------------------------------------------------------ shaping


def _public(model: JSON) -> bool:
    """What ``nsfw`` absent/false lets through: models with public (PG) content."""
    level = model.get("nsfwLevel")
    if isinstance(level, int) and not isinstance(level, bool):
        return bool(level & 1)
    return not model.get("nsfw")


def _sort_models(models: list[JSON], sort: str) -> list[JSON]:
    keys: dict[str, Callable[[JSON], Any]] = {
        "Highest Rated": lambda m: (_stat(m, "thumbsUpCount") + _stat(m, "rating"), m["id"]),
        "Most Downloaded": lambda m: (_stat(m, "downloadCount"), m["id"]),
        "Most Liked": lambda m: (_stat(m, "thumbsUpCount"), m["id"]),
        "Most Discussed": lambda m: (_stat(m, "commentCount"), m["id"]),
        "Most Collected": lambda m: (_stat(m, "favoriteCount") + _stat(m, "collectedCount"), m["id"]),
        "Most Images": lambda m: (sum(len(v.get("images") or ()) for v in m.get("modelVersions") or ()), m["id"]),
        "Newest": lambda m: (_newest(m), m["id"]),
        "Oldest": lambda m: (_newest(m), m["id"]),
    }
    return sorted(models, key=keys[sort], reverse=sort != "Oldest")


def _sort_images(images: list[JSON], sort: str) -> list[JSON]:
    keys: dict[str, Callable[[JSON], Any]] = {
        "Most Reactions": lambda i: (_stat(i, "likeCount") + _stat(i, "heartCount") + _stat(i, "laughCount"), i["id"]),
        "Most Comments": lambda i: (_stat(i, "commentCount"), i["id"]),
        "Most Collected": lambda i: (_stat(i, "heartCount"), i["id"]),
        "Newest": lambda i: (i["createdAt"], i["id"]),
        "Oldest": lambda i: (i["createdAt"], i["id"]),
        "Random": lambda i: hashlib.sha256(str(i["id"]).encode()).digest(),
    }
    return sorted(images, key=keys[sort], reverse=sort != "Oldest")


def _with_versions(model: JSON, shape: Callable[[JSON], JSON]) -> JSON:
    """``model`` with each version replaced by ``shape(copy of it)``; the catalogue itself is never touched.

    Only the dicts on the way to a change are copied (the answer is serialised straight away), which keeps a
    model's answer at a fraction of a deep copy's cost."""
    versions = model.get("modelVersions")
    if not versions:
        return dict(model)
    return {**model, "modelVersions": [shape(dict(version)) for version in versions]}


def _list_item(model: JSON, *, nsfw: bool, primary_only: bool) -> JSON:
    def shape(version: JSON) -> JSON:
        if not nsfw and version.get("images"):
            version["images"] = [i for i in version["images"] if browsing_level_of(i) <= 1]
        if primary_only and version.get("files"):
            version["files"] = [f for f in version["files"] if f.get("primary")] or version["files"][:1]
        return version

    return _with_versions(model, shape)


def _detail(model: JSON) -> JSON:
    """``/models/{id}``: versions through ``removeEmpty``, image ids dropped."""

    def shape(version: JSON) -> JSON:
        version["images"] = [{k: v for k, v in i.items() if k != "id"} for i in version.get("images") or ()]
        version["files"] = [
            {**file, "metadata": _drop_empty(file["metadata"])} if isinstance(file.get("metadata"), dict) else file
            for file in version.get("files") or ()
        ]
        return _drop_empty(version)

    item = _with_versions(model, shape)
    item["modelVersions"] = item.get("modelVersions") or []
    return item


def _version_body(model: JSON, version: JSON) -> JSON:
    """``/model-versions/{id}`` and ``/by-hash``: the current body shape built from the catalogue."""
    files = version.get("files") or []
    primary_id = next((f["id"] for f in files if f.get("primary")), files[0]["id"] if files else None)
    summary: JSON = {
        "name": model.get("name"),
        "type": model.get("type"),
        "nsfw": bool(model.get("nsfw")),
        "poi": bool(model.get("poi")),
    }
    if model.get("mode"):
        summary["mode"] = model["mode"]
    stats = version.get("stats") or {}
    published = version.get("publishedAt") or version.get("createdAt")
    body: JSON = {
        "id": version["id"],
        "modelId": model["id"],
        "name": version.get("name"),
        "nsfwLevel": version.get("nsfwLevel", model.get("nsfwLevel", 1)),
        "createdAt": version.get("createdAt") or published,
        "updatedAt": version.get("updatedAt") or published,
        "status": "Published",
        "publishedAt": published,
        "trainedWords": version.get("trainedWords") or [],
        "trainingStatus": None,
        "trainingDetails": None,
        "baseModel": version.get("baseModel"),
        "baseModelType": version.get("baseModelType"),
        "earlyAccessEndsAt": None,
        "earlyAccessConfig": None,
        "description": version.get("description"),
        "uploadType": "Created",
        "usageControl": "Download",
        "air": air_for(model, version),
        "stats": {"downloadCount": stats.get("downloadCount"), "thumbsUpCount": stats.get("thumbsUpCount", 0)},
        "model": summary,
        "files": [
            {
                **{k: v for k, v in f.items() if k not in ("primary", "url", "metadata")},
                "metadata": {k: (f.get("metadata") or {}).get(k) for k in ("format", "size", "fp")},
                "primary": f["id"] == primary_id,
            }
            for f in files
        ],
        "images": [_version_image(i) for i in (version.get("images") or [])[:10]],
    }
    if version.get("downloadUrl"):
        body["downloadUrl"] = version["downloadUrl"]
    return body


# Assembled by hand, not recorded: ModelType is the server's enums.ts list (as core.enums.ModelType), base models
# and file types come from the recorded REST fixtures plus Civitai's constants; see data/SOURCES.md.
_ENUMS = resources.files("civitai_kit.testing").joinpath("data", "enums.json")


def _mini_body(model: JSON, version: JSON) -> JSON:
    """``/model-versions/mini/{id}``: names, base model and the primary file's size, hashes and URL."""
    files = version.get("files") or []
    primary = next((f for f in files if f.get("primary")), files[0] if files else {})
    download = primary.get("downloadUrl") or version.get("downloadUrl")
    return {
        "air": air_for(model, version),
        "versionName": version.get("name"),
        "modelName": model.get("name"),
        "baseModel": version.get("baseModel"),
        "availability": version.get("availability") or "Public",
        "size": primary.get("sizeKB"),
        "hashes": primary.get("hashes") or {},
        "downloadUrls": [download] if download else [],
        "format": (primary.get("metadata") or {}).get("format"),
        "canGenerate": bool(version.get("canGenerate", model.get("type") in ("Checkpoint", "LORA"))),
        "requireAuth": False,
        "checkPermission": False,
        "earlyAccessEndsAt": None,
        "minor": bool(model.get("minor", False)),
    }


def _version_image(image: JSON) -> JSON:
    shaped: JSON = {k: image[k] for k in ("url", "width", "height", "hash", "type") if k in image}
    shaped["nsfwLevel"] = browsing_level_of(image)
    shaped.setdefault("type", "image")
    shaped["meta"] = image.get("meta")
    return shaped


def _image_item(image: JSON, *, with_meta: bool, with_tags: bool, nested: bool) -> JSON:
    item = {k: v for k, v in image.items() if not k.startswith("_") and k != "tags"}
    meta = item.get("meta") if with_meta else None
    item["meta"] = {"id": item["id"], "meta": meta} if nested and with_meta else meta
    if with_tags:
        item["tags"] = image.get("tags") or []
    return item


def _holds(values_of: Callable[[JSON], Iterable[Any]], wanted: int) -> Callable[[JSON], bool]:
    return lambda item: wanted in values_of(item)


def _path_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_INT32 else None


def _hash_list(request: FakeRequest, maximum: int) -> list[str] | FakeResponse:
    try:
        body = request.json()
    except ValueError:
        return FakeResponse.json(_zod_body([_issue("body", "Invalid JSON")]), status=400)
    if not isinstance(body, list) or not body or len(body) > maximum:
        message = f"Array must contain between 1 and {maximum} element(s)"
        return FakeResponse.json(_zod_body([_issue("body", message, "too_big")]), status=400)
    for index, value in enumerate(body):
        if not isinstance(value, str) or len(value) != 64:
            return FakeResponse.json(
                _zod_body([{"code": "invalid_string", "path": [index], "message": "Invalid SHA256 hash"}]), status=400
            )
    return [value.upper() for value in body]


def install_rest_routes(server: FakeCivitai, data: RestData | None = None) -> RestData:
    """Serve the public REST API from ``data`` (default [`RestData.sample`][]) on ``server``; returns it."""
    data = data if data is not None else RestData.sample()
    api = _RestApi(data)
    routes: Iterable[tuple[str, str, Callable[[FakeRequest], FakeResponse]]] = (
        ("GET", "/api/v1/models", api.models),
        ("GET", "/api/v1/models/{id}", api.model),
        ("GET", "/api/v1/model-versions/{id}", api.version),
        ("GET", "/api/v1/model-versions/by-hash/{hash}", api.version_by_hash),
        ("GET", "/api/v1/model-versions/mini/{id}", api.version_mini),
        ("GET", "/api/v1/enums", api.enums),
        ("GET", "/api/v1/me", api.me),
        ("POST", "/api/v1/model-versions/by-hash", api.versions_by_hashes),
        ("POST", "/api/v1/model-versions/by-hash/ids", api.version_ids_by_hashes),
        ("GET", "/api/v1/images", api.images),
        ("GET", "/api/v1/tags", api.tags),
        ("GET", "/api/v1/creators", api.creators),
        ("GET", f"{CDN_PATH}{{path:path}}", serve_image),
    )
    for method, pattern, handler in routes:
        server.add_route(method, pattern, handler)
    return data
