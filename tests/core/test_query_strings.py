"""Every builder method, sync and async, over loopback: the exact query string Civitai would receive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civitai_kit.core import (
    AsyncCivitaiClient,
    BrowsingLevel,
    CheckpointType,
    CivitaiClient,
    CommercialUse,
    ImageSort,
    MediaType,
    ModelSort,
    ModelType,
    NsfwLevel,
    PeriodMode,
    TimePeriod,
)
from civitai_kit.testing import FakeCivitai

Build = Callable[[Any], Any]

MODEL_CASES: list[tuple[str, Build, str]] = [
    ("where_name", lambda q: q.where_name("anime girl"), "query=anime+girl"),
    ("where_tag", lambda q: q.where_tag("comic book"), "tag=comic+book"),
    ("where_username", lambda q: q.where_username("LeonDoesntDraw"), "username=LeonDoesntDraw"),
    ("where_type one", lambda q: q.where_type(ModelType.LORA), "types=LORA"),
    ("where_type many", lambda q: q.where_type(ModelType.LORA, "LoCon", ModelType.DORA),
     "types=LORA&types=LoCon&types=DoRA"),
    ("where_type replaces", lambda q: q.where_type("Checkpoint").where_type("VAE"), "types=VAE"),
    ("where_base_model", lambda q: q.where_base_model("SD 1.5"), "baseModels=SD+1.5"),
    ("where_base_models", lambda q: q.where_base_models("SD 1.5", "Pony"), "baseModels=SD+1.5&baseModels=Pony"),
    ("where_checkpoint_type", lambda q: q.where_checkpoint_type(CheckpointType.MERGE), "checkpointType=Merge"),
    ("where_nsfw", lambda q: q.where_nsfw(), "nsfw=true"),
    ("where_nsfw false", lambda q: q.where_nsfw(False), "nsfw=false"),
    ("where_ids", lambda q: q.where_ids(11821, 1102, 11821), "ids=11821%2C1102"),
    ("where_version_ids", lambda q: q.where_version_ids(127062), "modelVersionIds=127062"),
    ("where_primary_file_only", lambda q: q.where_primary_file_only(), "primaryFileOnly=true"),
    ("where_commercial_use", lambda q: q.where_commercial_use(CommercialUse.SELL, "Image"),
     "allowCommercialUse=Sell&allowCommercialUse=Image"),
    ("where_supports_generation", lambda q: q.where_supports_generation(), "supportsGeneration=true"),
    ("where_supports_generation off", lambda q: q.where_supports_generation().where_supports_generation(False), ""),
    ("where_early_access", lambda q: q.where_early_access(), "earlyAccess=true"),
    ("where_from_platform", lambda q: q.where_from_platform(), "fromPlatform=true"),
    ("where_archived", lambda q: q.where_archived(), "archived=true"),
    ("where_archived off", lambda q: q.where_archived(False), ""),
    ("where_period", lambda q: q.where_period(TimePeriod.MONTH), "period=Month"),
    ("where_period_mode", lambda q: q.where_period_mode(PeriodMode.STATS), "periodMode=stats"),
    ("order_by", lambda q: q.order_by(ModelSort.MOST_DOWNLOADED), "sort=Most+Downloaded"),
    ("with_page_index", lambda q: q.with_page_index(3), "page=3"),
    ("combined sorted keys", lambda q: q.where_type("LORA").order_by("Newest").where_tag("style").where_nsfw(),
     "nsfw=true&sort=Newest&tag=style&types=LORA"),
]  # fmt: skip

IMAGE_CASES: list[tuple[str, Build, str]] = [
    ("where_model_id", lambda q: q.where_model_id(11821), "modelId=11821"),
    ("where_model_version_id", lambda q: q.where_model_version_id(127062), "modelVersionId=127062"),
    ("where_post_id", lambda q: q.where_post_id(7000001), "postId=7000001"),
    ("where_image_id", lambda q: q.where_image_id(1743604), "imageId=1743604"),
    ("where_user_id", lambda q: q.where_user_id(42), "userId=42"),
    ("where_username", lambda q: q.where_username("justmaier"), "username=justmaier"),
    ("where_nsfw_level", lambda q: q.where_nsfw_level(NsfwLevel.MATURE), "nsfw=Mature"),
    ("where_browsing_level", lambda q: q.where_browsing_level(BrowsingLevel.PG | BrowsingLevel.PG13),
     "browsingLevel=3"),
    ("where_type", lambda q: q.where_type(MediaType.VIDEO), "type=video"),
    ("where_base_models", lambda q: q.where_base_models("SD 1.5", "Pony"), "baseModels=SD+1.5%2CPony"),
    ("where_tags", lambda q: q.where_tags(101, 102), "tags=101%2C102"),
    ("where_period", lambda q: q.where_period("Week"), "period=Week"),
    ("order_by", lambda q: q.order_by(ImageSort.NEWEST), "sort=Newest"),
    ("with_meta", lambda q: q.with_meta(), "withMeta=true"),
    ("with_meta off", lambda q: q.with_meta().with_meta(False), ""),
    ("with_tags", lambda q: q.with_tags(), "withTags=true"),
    ("where_requiring_meta", lambda q: q.where_requiring_meta(), "requiringMeta=true"),
]  # fmt: skip

NUMBERED_CASES: list[tuple[str, Build, str]] = [
    ("where_name", lambda q: q.where_name("ani"), "query=ani"),
    ("with_page_index", lambda q: q.with_page_index(2), "page=2"),
    ("both", lambda q: q.with_page_index(2).where_name("a"), "page=2&query=a"),
]


def _with_limit(query: str) -> str:
    """``query`` plus ``limit=2`` where a sorted encoder puts it (values of one key keep their order)."""
    pairs = [*(p for p in query.split("&") if p), "limit=2"]
    return "&".join(sorted(pairs, key=lambda pair: pair.partition("=")[0]))


def _expect(server: FakeCivitai, path: str, query: str) -> None:
    sent = server.requests.last
    assert sent.path == path
    assert sent.query_string == query


@pytest.mark.parametrize(("name", "build", "query"), MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_models_query_string(client: CivitaiClient, server: FakeCivitai, name: str, build: Build, query: str) -> None:
    result = build(client.models).execute(limit=2)
    assert result.is_success, result
    _expect(server, "/api/v1/models", _with_limit(query))


@pytest.mark.parametrize(("name", "build", "query"), MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
async def test_models_query_string_async(
    aclient: AsyncCivitaiClient, server: FakeCivitai, name: str, build: Build, query: str
) -> None:
    result = await build(aclient.models).execute(limit=2)
    assert result.is_success, result
    _expect(server, "/api/v1/models", _with_limit(query))


@pytest.mark.parametrize(("name", "build", "query"), IMAGE_CASES, ids=[c[0] for c in IMAGE_CASES])
def test_images_query_string(client: CivitaiClient, server: FakeCivitai, name: str, build: Build, query: str) -> None:
    result = build(client.images).execute()
    assert result.is_success, result
    _expect(server, "/api/v1/images", query)


@pytest.mark.parametrize(("name", "build", "query"), IMAGE_CASES, ids=[c[0] for c in IMAGE_CASES])
async def test_images_query_string_async(
    aclient: AsyncCivitaiClient, server: FakeCivitai, name: str, build: Build, query: str
) -> None:
    result = await build(aclient.images).execute()
    assert result.is_success, result
    _expect(server, "/api/v1/images", query)


@pytest.mark.parametrize("endpoint", ["tags", "creators"])
@pytest.mark.parametrize(("name", "build", "query"), NUMBERED_CASES, ids=[c[0] for c in NUMBERED_CASES])
def test_numbered_query_string(
    client: CivitaiClient, server: FakeCivitai, endpoint: str, name: str, build: Build, query: str
) -> None:
    assert build(getattr(client, endpoint)).execute().is_success
    _expect(server, f"/api/v1/{endpoint}", query)


@pytest.mark.parametrize("endpoint", ["tags", "creators"])
@pytest.mark.parametrize(("name", "build", "query"), NUMBERED_CASES, ids=[c[0] for c in NUMBERED_CASES])
async def test_numbered_query_string_async(
    aclient: AsyncCivitaiClient, server: FakeCivitai, endpoint: str, name: str, build: Build, query: str
) -> None:
    assert (await build(getattr(aclient, endpoint)).execute()).is_success
    _expect(server, f"/api/v1/{endpoint}", query)


def test_cursor_is_url_encoded_and_replaces_page(client: CivitaiClient, server: FakeCivitai) -> None:
    assert client.models.with_page_index(2).execute(limit=3, cursor="12|1712265847499").is_success
    _expect(server, "/api/v1/models", "cursor=12%7C1712265847499&limit=3")
    client.models.execute(cursor="12976:2764:4481")
    assert server.requests.last.query["cursor"] == "12976:2764:4481"
    client.images.execute(cursor="2024-09-15T02:47:40.810Z")
    assert server.requests.last.query_string == "cursor=2024-09-15T02%3A47%3A40.810Z"


def test_query_params_property_and_repr(client: CivitaiClient) -> None:
    query = client.models.where_type("LORA", "LoCon").order_by(ModelSort.NEWEST)
    assert query.query_params == (("sort", "Newest"), ("types", "LORA"), ("types", "LoCon"))
    assert "types=LORA" in repr(query) and "ModelQuery" in repr(query)
    assert "key" not in repr(client).lower() or "authenticated" in repr(client)
