"""Direct lookups as operations (requests built and arguments checked at call time), shared by both clients."""

from __future__ import annotations

from collections.abc import Iterable

from civitai_kit._http import HttpCore
from civitai_kit._runtime import Operation
from civitai_kit.core import endpoints as ep
from civitai_kit.core.calls import failed, fetch, fetch_all
from civitai_kit.core.current_user import CurrentUser
from civitai_kit.core.mini_version import MiniModelVersion
from civitai_kit.core.models import Model, ModelVersion, VersionIdByHash
from civitai_kit.errors import Error, ErrorCode
from civitai_kit.result import Failure, Result, Success


def model_by_id(http: HttpCore, model_id: int, *, strict: bool) -> Operation[Result[Model]]:
    return fetch(http, ep.model_by_id(model_id), Model, strict=strict)


def version_by_id(http: HttpCore, version_id: int, *, strict: bool) -> Operation[Result[ModelVersion]]:
    return fetch(http, ep.version_by_id(version_id), ModelVersion, strict=strict)


def version_mini(
    http: HttpCore, version_id: int, epoch: int | None, *, strict: bool
) -> Operation[Result[MiniModelVersion]]:
    return fetch(http, ep.version_mini(version_id, epoch), MiniModelVersion, strict=strict)


def current_user(http: HttpCore, *, strict: bool) -> Operation[Result[CurrentUser]]:
    """``GET /api/v1/me``; without a key, the 401 it would get is answered here, with no request sent."""
    if http.settings.token is None:
        return failed(
            Error(
                ErrorCode.UNAUTHORIZED,
                f"{ep.API}/me needs an API key (Civitai answers 401 Unauthorized without one). {http.auth_advice()}",
                method="GET",
                url=f"{ep.API}/me",
            )
        )
    return fetch(http, ep.me(), CurrentUser, strict=strict)


def version_by_hash(http: HttpCore, hash: str, *, strict: bool) -> Operation[Result[ModelVersion]]:
    return fetch(http, ep.version_by_hash(hash), ModelVersion, strict=strict)


def versions_by_hashes(
    http: HttpCore, hashes: Iterable[str], *, strict: bool
) -> Operation[Result[tuple[ModelVersion, ...]]]:
    """``POST /model-versions/by-hash``, 100 hashes per request; unmatched hashes are simply absent, and each
    version comes once (two files of one version can match hashes sent in different requests)."""
    wanted = ep.sha256_hashes(hashes)
    requests = [ep.versions_by_hashes(chunk) for chunk in ep.chunks(wanted, ep.HASHES_PER_VERSION_LOOKUP)]
    return _distinct((yield from fetch_all(http, requests, tuple[ModelVersion, ...], strict=strict)))


def _distinct(found: Result[tuple[ModelVersion, ...]]) -> Result[tuple[ModelVersion, ...]]:
    if isinstance(found, Failure):
        return found
    first: dict[int, ModelVersion] = {}
    for version in found.value:
        first.setdefault(version.id, version)
    return Success(tuple(first.values()))


def version_ids_by_hashes(
    http: HttpCore, hashes: Iterable[str], *, strict: bool
) -> Operation[Result[tuple[VersionIdByHash, ...]]]:
    """``POST /model-versions/by-hash/ids``, 10 000 hashes per request."""
    wanted = ep.sha256_hashes(hashes)
    requests = [ep.version_ids_by_hashes(chunk) for chunk in ep.chunks(wanted, ep.HASHES_PER_ID_LOOKUP)]
    return (yield from fetch_all(http, requests, tuple[VersionIdByHash, ...], strict=strict))
