"""What each REST endpoint accepts, and the requests for the direct lookups — pure, shared by both clients.

The ranges and rules are the server's own (its request validation), checked here before anything is sent,
so a bad argument fails at once with a clear message instead of a round trip and a zod error body.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from civitai_kit._http import ApiRequest
from civitai_kit.core.models import Creator, Image, Model, Tag

API = "/api/v1"
"""The prefix every REST path is written with here; [`versioned`][] swaps in ``CivitaiApi:ApiVersion`` when a
request is sent, so a new endpoint is just ``f"{API}/enums"``. ``/api/download/...`` is not versioned."""
MAX_INT32 = 2_147_483_647
PAGE_RESULTS_CAP = 1000
"""``/models`` and ``/images`` answer 429 "too many pages" when ``page * limit`` exceeds this."""
HASHES_PER_VERSION_LOOKUP = 100
HASHES_PER_ID_LOOKUP = 10_000

_USERNAME = re.compile(r"[A-Za-z0-9_]+")
_SHA256 = re.compile(r"[0-9A-Fa-f]{64}")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A paged list endpoint."""

    path: str
    item_type: type[Any]
    max_limit: int
    default_limit: int
    """What the server uses when ``limit`` is not sent (also the page size auto-pagination asks for)."""
    page_capped: bool
    """``page * limit`` must stay ≤ 1000 (a non-retryable 429 otherwise)."""

    def check_limit(self, limit: int | None, name: str = "limit") -> None:
        if limit is None:
            return
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError(f"{name} must be an int, got {type(limit).__name__}")
        if not 1 <= limit <= self.max_limit:
            raise ValueError(f"{name} must be between 1 and {self.max_limit} for {self.path}, got {limit}")


MODELS = Endpoint(f"{API}/models", Model, max_limit=100, default_limit=100, page_capped=True)
IMAGES = Endpoint(f"{API}/images", Image, max_limit=200, default_limit=100, page_capped=True)
TAGS = Endpoint(f"{API}/tags", Tag, max_limit=200, default_limit=20, page_capped=False)
CREATORS = Endpoint(f"{API}/creators", Creator, max_limit=200, default_limit=20, page_capped=False)


def api_path(version: str, path: str) -> str:
    """``/api/{version}{path}`` for a path under the REST root (``api_path("v2", "/models")``), like
    CivitaiSharp's ``GetApiPath``."""
    return f"/api/{version}/{path.lstrip('/')}"


def versioned(request: ApiRequest, version: str) -> ApiRequest:
    """``request`` with its ``/api/v1/`` prefix replaced by ``/api/{version}/``; absolute URLs (a server's
    ``nextPage``, followed as given) and paths outside the REST root are left alone."""
    prefix = f"{API}/"
    if version == "v1" or not request.path.startswith(prefix):
        return request
    return replace(request, path=api_path(version, request.path.removeprefix(prefix)))


# ------------------------------------------------------------------------------------------ argument checks


def positive_id(value: int, name: str) -> int:
    """A database id: a positive int that fits Civitai's int32 columns."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not 1 <= value <= MAX_INT32:
        raise ValueError(f"{name} must be between 1 and {MAX_INT32}, got {value}")
    return value


def non_blank(value: str, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be blank")
    return value.strip()


def username(value: str, name: str = "username") -> str:
    """Civitai usernames are letters, digits and underscores (``/images`` answers 400 for anything else)."""
    text = non_blank(value, name)
    if not _USERNAME.fullmatch(text):
        raise ValueError(f"{name} may contain only letters, digits and underscores, got {value!r}")
    return text


def sha256_hashes(hashes: Iterable[str], name: str = "hashes") -> list[str]:
    """Upper-cased, de-duplicated SHA256 hex digests in first-seen order (the bulk endpoints take only these)."""
    if isinstance(hashes, str):
        raise TypeError(f"{name} must be an iterable of hashes, not a single str")
    seen: dict[str, None] = {}
    for index, value in enumerate(hashes):
        text = value.strip() if isinstance(value, str) else ""
        if not _SHA256.fullmatch(text):
            raise ValueError(f"{name}[{index}] must be a 64-character SHA256 hex digest, got {value!r}")
        seen.setdefault(text.upper(), None)
    return list(seen)


def chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ------------------------------------------------------------------------------------------ lookups


def model_by_id(model_id: int) -> ApiRequest:
    return ApiRequest("GET", f"{MODELS.path}/{positive_id(model_id, 'model_id')}")


def version_by_id(version_id: int) -> ApiRequest:
    return ApiRequest("GET", f"{API}/model-versions/{positive_id(version_id, 'version_id')}")


def version_mini(version_id: int, epoch: int | None = None) -> ApiRequest:
    """The trimmed record; ``epoch`` picks a training epoch's file of a trained version."""
    params: tuple[tuple[str, str], ...] = ()
    if epoch is not None:
        params = (("epoch", str(positive_id(epoch, "epoch"))),)
    return ApiRequest("GET", f"{API}/model-versions/mini/{positive_id(version_id, 'version_id')}", params=params)


def enums() -> ApiRequest:
    return ApiRequest("GET", f"{API}/enums")


def me() -> ApiRequest:
    """The key's own account: Civitai answers it only with a valid key (401 otherwise)."""
    return ApiRequest("GET", f"{API}/me")


def version_by_hash(hash: str) -> ApiRequest:
    """Any of Civitai's hash types works here (SHA256, AutoV1/V2/V3, CRC32, BLAKE3)."""
    text = non_blank(hash, "hash")
    return ApiRequest("GET", f"{API}/model-versions/by-hash/{quote(text.upper(), safe='')}")


def versions_by_hashes(chunk: list[str]) -> ApiRequest:
    return _bulk_post(f"{API}/model-versions/by-hash", chunk)


def version_ids_by_hashes(chunk: list[str]) -> ApiRequest:
    return _bulk_post(f"{API}/model-versions/by-hash/ids", chunk)


def _bulk_post(path: str, chunk: list[str]) -> ApiRequest:
    # A read-only lookup: safe to retry, which _http allows for a POST only with an idempotency key.
    key = hashlib.sha256("\n".join(chunk).encode()).hexdigest()[:32]
    return ApiRequest("POST", path, json=chunk, idempotency_key=key)
