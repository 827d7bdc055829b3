"""The sync and async twins expose the same public API with the same signatures."""

from __future__ import annotations

import inspect

import pytest

from civitai_kit.core import (
    AsyncCivitaiClient,
    AsyncCreatorQuery,
    AsyncImageQuery,
    AsyncModelQuery,
    AsyncTagQuery,
    CivitaiClient,
    CreatorQuery,
    ImageQuery,
    ModelQuery,
    TagQuery,
)

PAIRS = [
    (ModelQuery, AsyncModelQuery),
    (ImageQuery, AsyncImageQuery),
    (TagQuery, AsyncTagQuery),
    (CreatorQuery, AsyncCreatorQuery),
]
AWAITED = {"execute", "first_or_none", "get_by_id", "get_by_version_id", "get_by_version_hash",
           "get_by_version_hashes", "get_version_ids_by_hashes", "get_version_mini"}  # fmt: skip
ITERATORS = {"iterate", "pages"}


def _public(cls: type) -> dict[str, object]:
    return {name: member for name, member in inspect.getmembers(cls) if not name.startswith("_")}


def _parameters(function: object) -> list[tuple[str, object, object]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_builders_are_twins(sync: type, async_: type) -> None:
    sync_members, async_members = _public(sync), _public(async_)
    assert sorted(sync_members) == sorted(async_members)
    for name, member in sync_members.items():
        twin = async_members[name]
        if isinstance(member, property):
            continue
        assert _parameters(member) == _parameters(twin), name
        if name in AWAITED:
            assert inspect.iscoroutinefunction(twin) and not inspect.iscoroutinefunction(member), name
        else:
            assert not inspect.iscoroutinefunction(twin), name


def test_terminals_exist_everywhere() -> None:
    for sync, async_ in PAIRS:
        for name in ("execute", "first_or_none", *ITERATORS):
            assert hasattr(sync, name) and hasattr(async_, name)
    assert {"get_by_id", "get_by_version_hashes"} <= set(_public(ModelQuery))


def test_clients_are_twins() -> None:
    sync, async_ = _public(CivitaiClient), _public(AsyncCivitaiClient)
    assert set(sync) - {"close"} == set(async_) - {"aclose"}
    assert _parameters(CivitaiClient.__init__) == _parameters(AsyncCivitaiClient.__init__)
    assert inspect.iscoroutinefunction(AsyncCivitaiClient.aclose)
