"""Auto-pagination edge cases over loopback: empty pages, the page cap, cursor vs page, end of data, loops."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.errors import CivitaiError, ErrorCode, ServerError
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse
from tests.support.core_support import options_for

Pages = dict[str | None, tuple[list[int], dict[str, Any]]]


def serve_pages(server: FakeCivitai, pages: Pages, path: str = "/api/v1/models") -> None:
    """Answer ``path`` by cursor (``None`` = no cursor sent) from a fixed script."""

    def handler(request: FakeRequest) -> FakeResponse:
        items, metadata = pages[request.query.get("cursor")]
        return FakeResponse.json({"items": [{"id": i} for i in items], "metadata": metadata})

    server.add_route("GET", path, handler)


@pytest.fixture
def client(fake_civitai: FakeCivitai) -> Iterator[CivitaiClient]:
    with CivitaiClient(options_for(fake_civitai.url)) as client:
        yield client


@pytest.fixture
async def aclient(fake_civitai: FakeCivitai) -> Any:
    async with AsyncCivitaiClient(options_for(fake_civitai.url)) as client:
        yield client


EMPTY_PAGES: Pages = {
    None: ([1, 2], {"nextCursor": "a|1"}),
    "a|1": ([], {"nextCursor": "b|2"}),
    "b|2": ([], {"nextCursor": "c|3", "nextPage": "http://elsewhere/ignored?cursor=c%7C3"}),
    "c|3": ([3], {}),
}


def test_empty_pages_with_a_cursor_are_walked_through(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    serve_pages(fake_civitai, EMPTY_PAGES)
    assert [m.id for m in client.models.iterate()] == [1, 2, 3]
    sent = [r.query.get("cursor") for r in fake_civitai.requests]
    assert sent == [None, "a|1", "b|2", "c|3"]
    assert all(r.host == "127.0.0.1" for r in fake_civitai.requests)  # rebuilt on our base URL, not nextPage's


async def test_empty_pages_with_a_cursor_async(aclient: AsyncCivitaiClient, fake_civitai: FakeCivitai) -> None:
    serve_pages(fake_civitai, EMPTY_PAGES)
    assert [m.id async for m in aclient.models.iterate()] == [1, 2, 3]
    assert [len(p.items) async for p in aclient.models.pages()] == [2, 0, 0, 1]


def test_search_with_filters_yields_empty_pages_on_the_real_fake(server: FakeCivitai, data: Any) -> None:
    with CivitaiClient(options_for(server.url)) as client:
        query = client.models.where_nsfw().where_name("a").where_type("Checkpoint")
        pages = list(query.pages(page_size=5))
        expected = [m for m in data.models if "a" in m["name"].lower() and m["type"] == "Checkpoint"]
        assert sum(len(p.items) for p in pages) == len(expected)
        assert any(not p.items and p.next_cursor for p in pages)  # the server bug is survived
        assert all("page" not in r.query for r in server.requests)  # never page with query


def test_end_of_data_missing_or_null_cursor(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    serve_pages(fake_civitai, {None: ([1], {"nextCursor": "x"}), "x": ([2], {"nextCursor": None, "nextPage": None})})
    assert [m.id for m in client.models.iterate()] == [1, 2]
    assert len(fake_civitai.requests) == 2


def test_repeated_cursor_stops_instead_of_looping(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    serve_pages(fake_civitai, {None: ([1], {"nextCursor": "same"}), "same": ([2], {"nextCursor": "same"})})
    assert [m.id for m in client.models.iterate()] == [1, 2]
    assert len(fake_civitai.requests) == 2


def test_cursor_taken_from_next_page_url(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    serve_pages(
        fake_civitai,
        {None: ([1], {"nextPage": "https://civitai.com/api/v1/models?limit=1&cursor=7%7C99"}), "7|99": ([2], {})},
    )
    assert [m.id for m in client.models.iterate(page_size=1)] == [1, 2]
    assert fake_civitai.requests.last.query_string == "cursor=7%7C99&limit=1"


def test_next_page_without_cursor_or_page_is_followed_verbatim(
    client: CivitaiClient, fake_civitai: FakeCivitai
) -> None:
    url = f"{fake_civitai.url}/api/v1/models/next-batch?token=opaque"
    serve_pages(fake_civitai, {None: ([1], {"nextPage": url})})
    fake_civitai.add_route("GET", "/api/v1/models/next-batch", lambda r: {"items": [{"id": 2}], "metadata": {}})
    assert [m.id for m in client.models.iterate()] == [1, 2]
    assert fake_civitai.requests.last.target == "/api/v1/models/next-batch?token=opaque"


def _page_numbers(server: FakeCivitai, *, with_cursor: bool, total_pages: int = 50) -> None:
    def handler(request: FakeRequest) -> FakeResponse:
        limit = int(request.query.get("limit", "100"))
        if "cursor" in request.query:
            page = int(request.query["cursor"].split("|")[0])
        else:
            page = int(request.query.get("page", "1"))
        if "page" in request.query and page * limit > 1000:
            return FakeResponse.json({"error": "You've requested too many pages, please use cursors instead"}, 429)
        metadata: dict[str, Any] = {"currentPage": page, "pageSize": limit}
        if page < total_pages:
            metadata["nextPage"] = f"{server.url}/api/v1/models?limit={limit}&page={page + 1}"
            if with_cursor:
                metadata["nextCursor"] = f"{page + 1}|1712265847499"
        return FakeResponse.json({"items": [{"id": page * 1000 + i} for i in range(limit)], "metadata": metadata})

    server.add_route("GET", "/api/v1/models", handler)


def test_page_index_start_switches_to_cursors(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    _page_numbers(fake_civitai, with_cursor=True)
    items = list(client.models.with_page_index(9).iterate(page_size=100, max_items=500))
    assert len(items) == 500
    sent = [(r.query.get("page"), r.query.get("cursor")) for r in fake_civitai.requests]
    assert sent[0] == ("9", None)
    assert all(page is None and cursor for page, cursor in sent[1:])  # never page=11 (the permanent 429)


def test_page_numbers_only_stop_before_the_cap(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    _page_numbers(fake_civitai, with_cursor=False)
    seen: list[int] = []
    with pytest.raises(CivitaiError) as caught:
        seen.extend(m.id for m in client.models.with_page_index(8).iterate(page_size=100))
    assert caught.value.code is ErrorCode.RESOURCE_UNAVAILABLE and "1000" in str(caught.value)
    assert [r.query["page"] for r in fake_civitai.requests] == ["8", "9", "10"]
    assert len(seen) == 300


def test_tags_follow_page_numbers_to_the_end(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    def handler(request: FakeRequest) -> FakeResponse:
        page = int(request.query.get("page", "1"))
        metadata: dict[str, Any] = {"totalItems": 5, "currentPage": page, "pageSize": 2, "totalPages": 3}
        if page < 3:
            metadata["nextPage"] = f"https://civitai.com/api/v1/tags?limit=2&page={page + 1}"
        names = [f"t{n}" for n in range((page - 1) * 2, min(page * 2, 5))]
        return FakeResponse.json({"items": [{"name": n} for n in names], "metadata": metadata})

    fake_civitai.add_route("GET", "/api/v1/tags", handler)
    assert [t.name for t in client.tags.iterate(page_size=2)] == ["t0", "t1", "t2", "t3", "t4"]
    assert [r.query_string for r in fake_civitai.requests] == ["limit=2", "limit=2&page=2", "limit=2&page=3"]


def test_2023_numeric_cursor_is_sent_as_text(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    serve_pages(fake_civitai, {None: ([1], {"nextCursor": 101}), "101": ([2], {})}, path="/api/v1/images")
    assert [i.id for i in client.images.iterate()] == [1, 2]
    assert fake_civitai.requests.last.query_string == "cursor=101"


def test_failure_mid_walk_raises_with_civitais_message(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    body = {"message": "An unexpected error occurred", "error": "Cannot read properties of undefined"}

    def handler(request: FakeRequest) -> FakeResponse:
        if request.query.get("cursor") == "x":
            return FakeResponse.json(body, 500)
        return FakeResponse.json({"items": [{"id": 1}], "metadata": {"nextCursor": "x"}})

    fake_civitai.add_route("GET", "/api/v1/models", handler)
    seen: list[int] = []
    with pytest.raises(ServerError) as caught:
        seen.extend(m.id for m in client.models.iterate())
    assert seen == [1] and "Cannot read properties of undefined" in str(caught.value)
    assert len(fake_civitai.requests) == 1 + 3  # the failing page was retried (max_retries=2)


async def test_failure_mid_walk_async(aclient: AsyncCivitaiClient, fake_civitai: FakeCivitai) -> None:
    def handler(request: FakeRequest) -> FakeResponse:
        if request.query.get("cursor"):
            return FakeResponse.json({"error": "You've requested too many pages, please use cursors instead"}, 429)
        return FakeResponse.json({"items": [{"id": 1}], "metadata": {"nextCursor": "2|0"}})

    fake_civitai.add_route("GET", "/api/v1/images", handler)
    with pytest.raises(CivitaiError) as caught:
        _ = [i async for i in aclient.images.iterate()]
    assert caught.value.code is ErrorCode.RATE_LIMITED
    assert len(fake_civitai.requests) == 2  # the permanent 429 is not retried


@pytest.mark.parametrize(
    "make",
    [
        lambda c: c.models.iterate(page_size=101),
        lambda c: c.images.pages(page_size=0),
        lambda c: c.tags.iterate(max_items=-1),
        lambda c: c.models.with_page_index(20).iterate(),
        lambda c: c.models.where_name("x").with_page_index(2).pages(),
    ],
)
def test_bad_paging_arguments_fail_before_any_request(
    client: CivitaiClient, fake_civitai: FakeCivitai, make: Callable[[CivitaiClient], Any]
) -> None:
    with pytest.raises(ValueError):
        make(client)
    assert len(fake_civitai.requests) == 0


def test_first_or_none_looks_past_empty_pages_that_point_further(
    client: CivitaiClient, fake_civitai: FakeCivitai
) -> None:
    """Civitai filters search results after paging, so a first page can be empty yet carry a cursor."""
    serve_pages(fake_civitai, {None: ([], {"nextCursor": "1"}), "1": ([], {"nextCursor": "101"}), "101": ([7], {})})
    assert client.models.first_or_none().unwrap().id == 7  # type: ignore[union-attr]
    sent = [(r.query.get("cursor"), r.query.get("limit")) for r in fake_civitai.requests]
    assert sent == [(None, "1"), ("1", None), ("101", None)]  # one result asked first, then whole windows


async def test_first_or_none_looks_past_empty_pages_async(
    aclient: AsyncCivitaiClient, fake_civitai: FakeCivitai
) -> None:
    serve_pages(fake_civitai, {None: ([], {"nextCursor": "1"}), "1": ([8, 9], {})}, path="/api/v1/images")
    first = (await aclient.images.first_or_none()).unwrap()
    assert first is not None and first.id == 8
    assert [r.query.get("limit") for r in fake_civitai.requests] == ["1", None]


def test_first_or_none_is_none_only_at_the_end(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    serve_pages(fake_civitai, {None: ([], {"nextCursor": "1"}), "1": ([], {})})
    assert client.models.first_or_none().unwrap() is None
    assert len(fake_civitai.requests) == 2


def test_search_with_filters_first_or_none_on_the_real_fake(server: FakeCivitai, data: Any) -> None:
    with CivitaiClient(options_for(server.url)) as client:
        query = client.models.where_nsfw().where_name("a").where_type("LoCon")
        first = query.first_or_none().unwrap()
        assert first is not None and first.id == next(iter(query.iterate())).id


def test_max_items_walk_widens_its_window_after_an_empty_page(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    serve_pages(fake_civitai, {None: ([1], {"nextCursor": "1"}), "1": ([], {"nextCursor": "2"}), "2": ([2, 3], {})})
    assert [m.id for m in client.models.iterate(page_size=50, max_items=2)] == [1, 2]
    assert [r.query.get("limit") for r in fake_civitai.requests] == ["2", "2", "50"]


def test_a_repeated_verbatim_next_page_stops_instead_of_looping(
    client: CivitaiClient, fake_civitai: FakeCivitai
) -> None:
    url = f"{fake_civitai.url}/api/v1/models/again?token=opaque"
    serve_pages(fake_civitai, {None: ([1], {"nextPage": url})})
    fake_civitai.add_route(
        "GET", "/api/v1/models/again", lambda r: {"items": [{"id": 2}], "metadata": {"nextPage": url}}
    )
    assert [m.id for m in client.models.iterate()] == [1, 2]
    assert len(fake_civitai.requests) == 2


def test_max_items_does_not_move_the_start_page(server: FakeCivitai) -> None:
    """``with_page_index(2)`` starts at the second page of ``page_size`` items, however few are wanted."""
    with CivitaiClient(options_for(server.url)) as client:
        query = client.models.where_nsfw().with_page_index(2)
        page_two = [m.id for m in query.execute(limit=20).unwrap().items]
        assert [m.id for m in query.iterate(page_size=20, max_items=3)] == page_two[:3]
        assert [r.query_string for r in server.requests][-1] == "limit=20&nsfw=true&page=2"
        assert query.first_or_none().unwrap().id == query.execute().unwrap().items[0].id  # type: ignore[union-attr]
        assert [r.query.get("limit") for r in server.requests][-2:] == [None, None]
