"""Terminals and direct lookups over loopback against the sample catalogue, sync and async."""

from __future__ import annotations

import hashlib

import pytest

from civitai_kit.core import (
    AsyncCivitaiClient,
    CivitaiClient,
    Image,
    Model,
    ModelType,
    ModelVersion,
    NsfwLevel,
    Page,
    Tag,
)
from civitai_kit.errors import ErrorCode, NotFoundError
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.rest import RestData
from tests.support.core_support import error_of, options_for

REAL_SHA256 = "260F2989F160C67B09FD68482D1CC45DE61A33EEC5D2FA6FCD6CF7E09BBA7D47"


def test_execute_returns_a_typed_page(client: CivitaiClient, server: FakeCivitai) -> None:
    page = client.models.where_nsfw().execute(limit=7).unwrap()
    assert isinstance(page, Page) and len(page.items) == 7 and all(isinstance(m, Model) for m in page.items)
    assert page.next_cursor and page.next_page and page.has_more
    assert page.next_page.startswith(server.url)  # nextPage points back at the server that was asked


def test_filters_are_honoured(client: CivitaiClient, data: RestData) -> None:
    loras = client.models.where_nsfw().where_type(ModelType.LORA, ModelType.DORA).execute(limit=100).unwrap()
    assert loras.items and {m.type for m in loras.items} <= {ModelType.LORA, ModelType.DORA}
    expected = sum(1 for m in data.models if m["type"] in ("LORA", "DoRA"))
    assert len(list(client.models.where_nsfw().where_type("LORA", "DoRA").iterate())) == expected
    mine = client.models.where_nsfw().where_username("LeonDoesntDraw").execute().unwrap()
    assert mine.items and all(m.creator and m.creator.username == "LeonDoesntDraw" for m in mine.items)
    chosen = client.models.where_nsfw().where_ids(11821, 1102).execute().unwrap()
    assert sorted(m.id for m in chosen.items) == [1102, 11821]
    by_version = client.models.where_nsfw().where_version_ids(127062).execute().unwrap()
    assert [m.id for m in by_version.items] == [11821]
    primary = client.models.where_nsfw().where_ids(1102).where_primary_file_only().execute().unwrap()
    assert all(len(v.files) <= 1 for v in primary.items[0].model_versions)


def test_default_nsfw_keeps_public_content(client: CivitaiClient) -> None:
    everything = {m.id for m in client.models.where_nsfw().iterate()}
    public = list(client.models.iterate())
    assert public and {m.id for m in public} < everything
    assert all(i.nsfw_level in (None, 1) for m in public for v in m.model_versions for i in v.images)


def test_first_or_none(client: CivitaiClient, server: FakeCivitai) -> None:
    first = client.models.where_nsfw().order_by("Newest").first_or_none().unwrap()
    assert isinstance(first, Model)
    assert server.requests.last.query["limit"] == "1"
    assert client.models.where_name("no such model anywhere").first_or_none().unwrap() is None


async def test_first_or_none_and_execute_async(aclient: AsyncCivitaiClient) -> None:
    first = (await aclient.images.with_meta().first_or_none()).unwrap()
    assert isinstance(first, Image)
    page = (await aclient.tags.execute(limit=3)).unwrap()
    assert len(page.items) == 3 and all(isinstance(t, Tag) for t in page.items) and page.total_items


def test_iterate_and_pages_cover_everything_once(client: CivitaiClient, data: RestData) -> None:
    ids = [m.id for m in client.models.where_nsfw().iterate(page_size=37)]
    assert len(ids) == len(set(ids)) == len(data.models)
    pages = list(client.models.where_nsfw().pages(page_size=100))
    assert [len(p.items) for p in pages] == [100, 100, len(data.models) - 200]
    assert pages[-1].next_cursor is None


async def test_iterate_and_pages_async(aclient: AsyncCivitaiClient, data: RestData) -> None:
    ids = [m.id async for m in aclient.models.where_nsfw().iterate(page_size=50)]
    assert len(set(ids)) == len(data.models)
    sizes = [len(p.items) async for p in aclient.tags.pages(page_size=20)]
    assert sum(sizes) == len(data.tag_names()) and sizes[0] == 20


def test_max_items_and_max_pages(client: CivitaiClient, server: FakeCivitai) -> None:
    assert len(list(client.models.where_nsfw().iterate(max_items=5))) == 5
    assert server.requests.last.query["limit"] == "5" and len(server.requests) == 1
    assert len(list(client.models.where_nsfw().iterate(page_size=10, max_items=25))) == 25
    assert len(list(client.images.pages(page_size=10, max_pages=3))) == 3
    assert list(client.models.iterate(max_items=0)) == []


def test_images_with_meta_and_levels(client: CivitaiClient) -> None:
    images = list(client.images.with_meta().where_nsfw_level(NsfwLevel.X).iterate(max_items=300))
    assert any(i.meta is not None and i.meta.prompt for i in images)
    assert {i.nsfw_level for i in images} <= {1, 2, 4, 8, 16} and max(i.nsfw_level or 0 for i in images) > 1
    assert all(i.meta is None for i in client.images.execute(limit=20).unwrap().items)  # withMeta off: null


def test_images_legacy_path_nested_meta_is_unwrapped(client: CivitaiClient, data: RestData) -> None:
    with_meta = next(i for i in data.images if i.get("meta"))
    page = client.images.where_image_id(with_meta["id"]).where_browsing_level(63).with_meta().execute().unwrap()
    assert page.items[0].meta is not None and page.items[0].meta.prompt == with_meta["meta"]["prompt"]


def test_images_filters(client: CivitaiClient, data: RestData) -> None:
    version_id = data.images[0]["modelVersionIds"][0]
    found = client.images.where_nsfw_level("X").where_model_version_id(version_id).execute().unwrap()
    assert found.items and all(version_id in i.model_version_ids for i in found.items)
    videos = client.images.where_nsfw_level("X").where_type("video").execute().unwrap()
    assert videos.items and all(i.is_video for i in videos.items)
    tagged = client.images.with_tags().execute(limit=5).unwrap()
    assert any(i.tags for i in tagged.items)


def test_creators_and_tags(client: CivitaiClient, data: RestData) -> None:
    creators = list(client.creators.iterate(page_size=4))
    assert [c.username for c in creators] == [c["username"] for c in data.creators()]
    assert all(c.link and "/api/v1/models?username=" in c.link for c in creators)
    tags = client.tags.where_name("ANI").execute().unwrap()
    assert tags.items and all("ani" in (t.name or "").lower() for t in tags.items)


def test_get_by_id_and_version(client: CivitaiClient) -> None:
    model = client.models.get_by_id(11821).unwrap()
    assert model.name == "VSK-94 | Girls' Frontline" and model.latest_version is not None
    assert all(i.id is None for v in model.model_versions for i in v.images)  # /models/{id} drops image ids
    version = client.models.get_by_version_id(127062).unwrap()
    assert version.model_id == 11821 and version.model is not None and version.model.type is ModelType.LORA
    assert version.air == "urn:air:sd1:lora:civitai:11821@127062"
    air = version.air_identifier
    assert air is not None and air.model_id == 11821 and air.version_id == 127062
    assert version.primary_file is not None and version.primary_file.primary
    assert sum(f.primary for f in version.files) == 1


def test_not_found_lookups_carry_civitais_message(client: CivitaiClient) -> None:
    missing = client.models.get_by_id(424242)
    assert error_of(missing).message == "No model with id 424242"
    assert error_of(missing).code is ErrorCode.NOT_FOUND and error_of(missing).http_status == 404
    with pytest.raises(NotFoundError):
        missing.unwrap()
    assert error_of(client.models.get_by_version_id(424242)).message == "Model not found"


def test_by_hash_any_type(client: CivitaiClient, server: FakeCivitai) -> None:
    for value in (REAL_SHA256, REAL_SHA256.lower(), "260F2989F1", "93FFD3FC"):
        assert client.models.get_by_version_hash(value).unwrap().id == 127062
    assert server.requests.last.path == "/api/v1/model-versions/by-hash/93FFD3FC"
    assert error_of(client.models.get_by_version_hash("0000000000")).code is ErrorCode.NOT_FOUND


def test_bulk_by_hash_chunks_of_100(client: CivitaiClient, server: FakeCivitai, data: RestData) -> None:
    known = [f.file["hashes"]["SHA256"] for f in data.fake_files() if f.file.get("hashes")][:150]
    unknown = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(100)]
    versions = client.models.get_by_version_hashes([*known, *unknown, known[0].lower()]).unwrap()
    posts = server.requests.matching("/api/v1/model-versions/by-hash", method="POST")
    assert [len(p.json()) for p in posts] == [100, 100, 50]  # 250 distinct hashes, upper-cased, de-duplicated
    assert posts[0].json()[0] == known[0].upper() and posts[0].headers["content-type"] == "application/json"
    assert all(isinstance(v, ModelVersion) for v in versions)
    expected = {f.version_id for f in data.fake_files() if f.file.get("hashes") and f.file["hashes"]["SHA256"] in known}
    assert {v.id for v in versions} == expected


def test_bulk_ids_chunks_of_10000(client: CivitaiClient, server: FakeCivitai) -> None:
    many = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(10_001)]
    found = client.models.get_version_ids_by_hashes([REAL_SHA256, *many]).unwrap()
    assert [(f.model_version_id, f.hash) for f in found] == [(127062, REAL_SHA256)]
    posts = server.requests.matching("/api/v1/model-versions/by-hash/ids", method="POST")
    assert [len(p.json()) for p in posts] == [10_000, 2]


def test_bulk_with_no_hashes_sends_nothing(client: CivitaiClient, server: FakeCivitai) -> None:
    assert client.models.get_by_version_hashes([]).unwrap() == ()
    assert client.models.get_version_ids_by_hashes(iter(())).unwrap() == ()
    assert len(server.requests) == 0


async def test_lookups_async(aclient: AsyncCivitaiClient, server: FakeCivitai) -> None:
    assert (await aclient.models.get_by_id(1102)).unwrap().id == 1102
    assert (await aclient.models.get_by_version_id(127062)).unwrap().model_id == 11821
    assert (await aclient.models.get_by_version_hash("260F2989F1")).unwrap().id == 127062
    assert [v.id for v in (await aclient.models.get_by_version_hashes([REAL_SHA256])).unwrap()] == [127062]
    ids = (await aclient.models.get_version_ids_by_hashes([REAL_SHA256])).unwrap()
    assert ids[0].model_version_id == 127062
    assert (await aclient.models.get_by_id(9_999_999)).is_failure


def test_bulk_failure_stops_at_the_failing_chunk(client: CivitaiClient, server: FakeCivitai) -> None:
    from civitai_kit.testing import Fault

    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(250)]
    server.faults.add(Fault.json(400, {"error": "Bad hashes"}), path="/api/v1/model-versions/by-hash", times=1)
    server.faults.add(Fault.json(400, {"error": "Bad hashes"}), path="/api/v1/model-versions/by-hash", times=1)
    result = client.models.get_by_version_hashes(hashes)
    assert error_of(result).message == "Bad hashes"
    assert len(server.requests.matching("/api/v1/model-versions/by-hash", method="POST")) == 1


def test_everything_the_fake_serves_parses_strictly(server: FakeCivitai, data: RestData) -> None:
    with CivitaiClient(options_for(server.url, strict_json_parsing=True)) as strict:
        assert len(list(strict.models.where_nsfw().iterate())) == len(data.models)
        assert len(list(strict.images.where_browsing_level(63).with_meta().with_tags().iterate(page_size=200))) == len(
            data.images
        )
        for model in data.models[:20]:  # the real templates, as /models/{id} serves them
            assert strict.models.get_by_id(model["id"]).unwrap().id == model["id"]
        versions = [version for _, version in data.versions()][::15]
        for version in versions:
            assert strict.models.get_by_version_id(version["id"]).unwrap().id == version["id"]
        assert len(list(strict.tags.iterate(page_size=200))) == len(data.tag_names())
        assert len(strict.creators.execute(limit=200).unwrap().items) == len(data.creators())


def test_bulk_by_hash_lists_each_version_once_across_chunks(
    client: CivitaiClient, server: FakeCivitai, data: RestData
) -> None:
    """Two files of one version whose hashes land in different chunks still give that version once."""
    by_version: dict[int, list[str]] = {}
    for f in data.fake_files():
        if (f.file.get("hashes") or {}).get("SHA256"):
            by_version.setdefault(f.version_id, []).append(f.file["hashes"]["SHA256"])
    version_id, (first, second, *_) = next((v, h) for v, h in by_version.items() if len(h) >= 2)
    filler = [hashlib.sha256(f"filler {i}".encode()).hexdigest() for i in range(100)]
    versions = client.models.get_by_version_hashes([first, *filler, second]).unwrap()
    assert len(server.requests.matching("/api/v1/model-versions/by-hash", method="POST")) == 2
    assert [v.id for v in versions] == [version_id]
