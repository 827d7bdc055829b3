"""Direct lookups as plans (requests built and arguments checked at call time), shared by both clients."""

from __future__ import annotations

from collections.abc import Iterable

from civitai_kit.core import endpoints as ep
from civitai_kit.core.models import Model, ModelVersion, VersionIdByHash
from civitai_kit.core.paging import Fetch, Plan, chunked, single
from civitai_kit.core.parsing import parser


def model_by_id(model_id: int, *, strict: bool) -> Plan[Model]:
    return single(Fetch(ep.model_by_id(model_id), parser(Model, strict=strict)))


def version_by_id(version_id: int, *, strict: bool) -> Plan[ModelVersion]:
    return single(Fetch(ep.version_by_id(version_id), parser(ModelVersion, strict=strict)))


def version_by_hash(hash: str, *, strict: bool) -> Plan[ModelVersion]:
    return single(Fetch(ep.version_by_hash(hash), parser(ModelVersion, strict=strict)))


def versions_by_hashes(hashes: Iterable[str], *, strict: bool) -> Plan[tuple[ModelVersion, ...]]:
    """``POST /model-versions/by-hash``, 100 hashes per request; unmatched hashes are simply absent."""
    parse = parser(tuple[ModelVersion, ...], strict=strict)
    wanted = ep.sha256_hashes(hashes)
    return _distinct(
        chunked(
            [Fetch(ep.versions_by_hashes(chunk), parse) for chunk in ep.chunks(wanted, ep.HASHES_PER_VERSION_LOOKUP)]
        )
    )


def _distinct(plan: Plan[tuple[ModelVersion, ...]]) -> Plan[tuple[ModelVersion, ...]]:
    """Each version once: two files of one version can match hashes sent in different chunks."""
    found = yield from plan
    return found.map(_first_of_each_id)


def _first_of_each_id(versions: tuple[ModelVersion, ...]) -> tuple[ModelVersion, ...]:
    first: dict[int, ModelVersion] = {}
    for version in versions:
        first.setdefault(version.id, version)
    return tuple(first.values())


def version_ids_by_hashes(hashes: Iterable[str], *, strict: bool) -> Plan[tuple[VersionIdByHash, ...]]:
    """``POST /model-versions/by-hash/ids``, 10 000 hashes per request."""
    parse = parser(tuple[VersionIdByHash, ...], strict=strict)
    wanted = ep.sha256_hashes(hashes)
    return chunked(
        [Fetch(ep.version_ids_by_hashes(chunk), parse) for chunk in ep.chunks(wanted, ep.HASHES_PER_ID_LOOKUP)]
    )
