"""``sdk.services`` (``/v2/services``: what the orchestrator runs and how healthy it is) and ``sdk.users``
(``/v2/consumer/civitai/{userId}``: drop the orchestrator's cached view of a Civitai user)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeAlias
from urllib.parse import quote

from civitai_kit._http import ApiRequest, HttpCore, encode_query
from civitai_kit._runtime import M, Operation
from civitai_kit.result import Result
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk.calls import call, call_empty
from civitai_kit.sdk.schema import PaginatedResponseOfServiceResponse, ServiceResponse
from civitai_kit.sdk.service import Service, over_http

SERVICES = "/v2/services"
USERS = "/v2/consumer/civitai"
WINDOWS = ("1h", "24h", "7d")
INTERVALS = ("5m", "1h", "1d")


ServiceInfo: TypeAlias = ServiceResponse
"""One service (the spec's ``ServiceResponse``): id, category, status, metrics; unknown keys kept."""
ServicePage: TypeAlias = PaginatedResponseOfServiceResponse
"""One page of ``GET /v2/services`` (the spec's ``PaginatedResponseOfServiceResponse``)."""


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def list_services(
    http: HttpCore,
    *,
    category: str | None = None,
    prefix: str | None = None,
    tags: Iterable[str] = (),
    query: str | None = None,
    status: str | None = None,
    window: str = "24h",
    offset: int = 0,
    limit: int | None = None,
) -> Operation[Result[ServicePage]]:
    """``GET /v2/services``: filter by ``category``, id ``prefix``, ``tags``, free text ``query``, ``status``;
    metrics over ``window`` (1h, 24h, 7d)."""
    params = encode_query(
        {
            "category": category,
            "prefix": prefix,
            "tags": list(check.strings("tags", tags)),
            "query": query,
            "status": status,
            "window": _choice("window", window, WINDOWS),
            "offset": check.integer("offset", offset, 0, 1_000_000) or None,
            "limit": None if limit is None else check.integer("limit", limit, 1, 1000),
        }
    )
    return call(http, ApiRequest("GET", SERVICES, params=params), ServicePage.model_validate)


def get_service(
    http: HttpCore, service_id: str, *, window: str = "24h", interval: str = "1h"
) -> Operation[Result[ServiceInfo]]:
    """``GET /v2/services/{serviceId}`` (the id may contain ``/``: ``image/flux2/klein/createImage/9b``)."""
    path = SERVICES + "/" + quote(check.text("service_id", service_id), safe="")
    params = encode_query(
        {"window": _choice("window", window, WINDOWS), "interval": _choice("interval", interval, INTERVALS)}
    )
    return call(http, ApiRequest("GET", path, params=params), ServiceInfo.model_validate)


def _user_path(user_id: int, *rest: str) -> str:
    return "/".join((USERS, str(check.integer("user_id", user_id, 1, 2**31 - 1)), *rest))


def invalidate_cache(http: HttpCore, user_id: int) -> Operation[Result[None]]:
    """``DELETE /v2/consumer/civitai/{userId}``: forget the cached user (tier, limits…)."""
    return call_empty(http, ApiRequest("DELETE", _user_path(user_id)))


def invalidate_tokens(http: HttpCore, user_id: int) -> Operation[Result[None]]:
    """``DELETE /v2/consumer/civitai/{userId}/tokens``: forget the user's cached API tokens."""
    return call_empty(http, ApiRequest("DELETE", _user_path(user_id, "tokens")))


class Services(Service[M], Generic[M]):
    """``sdk.services``: the orchestrator's services catalogue."""

    list = over_http(list_services)
    get = over_http(get_service)


class Users(Service[M], Generic[M]):
    """``sdk.users``: the orchestrator's cache of Civitai users."""

    invalidate_cache = over_http(invalidate_cache)
    invalidate_tokens = over_http(invalidate_tokens)
