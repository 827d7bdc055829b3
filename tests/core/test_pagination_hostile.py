"""Auto-pagination against hostile servers, over loopback: endless empty pages, walks that never progress,
and next-page links the client cannot (or must not) use. Every walk ends with items and a CivitaiError,
never a hang, a foreign request or an exception from deep inside."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from itertools import count
from typing import Any

import pytest

from civitai_kit.core import AsyncCivitaiClient, CivitaiClient, paging
from civitai_kit.errors import ApiTimeoutError, CivitaiError, ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Success
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse
from tests.support.core_support import options_for

SAFETY_VALVE = 200
"""Endless servers stop pointing further after this many requests, so code without the guard ends (and
fails its assertions) instead of hanging the suite."""


def options(url: str, api_key: str | None = None, **resilience: Any) -> CivitaiApiOptions:
    fast = {"max_retries": 2, "base_delay_seconds": 0.01, "max_delay_seconds": 0.02}
    return options_for(url, api_key=api_key, resilience={**fast, **resilience})


@pytest.fixture(params=["sync", "async"])
async def make_client(request: pytest.FixtureRequest, fake_civitai: FakeCivitai) -> AsyncIterator[Callable[..., Any]]:
    """Builds a sync or async client on ``fake_civitai`` with the given resilience options."""
    opened: list[Any] = []

    def make(**resilience: Any) -> Any:
        kind = CivitaiClient if request.param == "sync" else AsyncCivitaiClient
        client = kind(options(fake_civitai.url, **resilience))
        opened.append(client)
        return client

    yield make
    for client in opened:
        if isinstance(client, CivitaiClient):
            client.close()
        else:
            await client.aclose()


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def drain(walk: Any) -> tuple[list[Any], CivitaiError | None]:
    """Everything a sync or async iterator hands out, and the CivitaiError that ended it (if any)."""
    got: list[Any] = []
    try:
        if hasattr(walk, "__aiter__"):
            async for item in walk:
                got.append(item)
        else:
            got.extend(walk)
    except CivitaiError as refused:
        return got, refused
    return got, None


def endless(
    server: FakeCivitai, items_at: Callable[[int], list[int]], *, each: Callable[[], object] = lambda: None
) -> None:
    """Page ``n`` (1-based, by request count) holds ``items_at(n)`` and a fresh cursor (until the valve);
    ``each()`` runs as every request is answered."""
    served = count(1)

    def handler(request: FakeRequest) -> FakeResponse:
        n = next(served)
        each()
        metadata = {"nextCursor": f"{n}|fresh"} if n < SAFETY_VALVE else {}
        return FakeResponse.json({"items": [{"id": i} for i in items_at(n)], "metadata": metadata})

    for path in ("/api/v1/models", "/api/v1/images"):
        server.add_route("GET", path, handler)


def no_items(n: int) -> list[int]:
    return []


# ------------------------------------------------------------------------------------------ empty pages


async def test_first_or_none_gives_up_after_max_empty_pages(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai
) -> None:
    endless(fake_civitai, no_items)
    result = await resolve(make_client().models.first_or_none())
    assert isinstance(result, Failure), result
    assert result.error.code is ErrorCode.RESOURCE_UNAVAILABLE
    assert "20 empty pages" in result.error.message and "Resilience:MaxEmptyPages" in result.error.message
    assert len(fake_civitai.requests) == 20  # the default, from the options


@pytest.mark.parametrize("walk", ["iterate", "pages"])
async def test_iterators_raise_after_max_empty_pages(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai, walk: str
) -> None:
    endless(fake_civitai, lambda n: [n] if n <= 2 else [])
    client = make_client(max_empty_pages=5)
    query = client.models
    got, refused = await drain(query.iterate(max_items=3) if walk == "iterate" else query.pages())
    assert refused is not None and refused.code is ErrorCode.RESOURCE_UNAVAILABLE
    assert "5 empty pages" in str(refused)
    handed = got if walk == "iterate" else [m for page in got for m in page.items]
    assert [m.id for m in handed] == [1, 2]  # every item received was handed out first
    assert len(fake_civitai.requests) == 2 + 5


async def test_iterate_one_item_stops_on_endless_empty_pages(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai
) -> None:
    endless(fake_civitai, no_items)
    got, refused = await drain(make_client(max_empty_pages=3).images.iterate(max_items=1))
    assert got == [] and refused is not None and refused.code is ErrorCode.RESOURCE_UNAVAILABLE
    assert len(fake_civitai.requests) == 3


async def test_empty_pages_between_items_reset_the_count(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai
) -> None:
    endless(fake_civitai, lambda n: [n] if n % 3 == 0 else [])  # two empty pages before each item
    got, refused = await drain(make_client(max_empty_pages=3).models.iterate(max_items=10))
    assert refused is None and [m.id for m in got] == list(range(3, 31, 3))


async def test_an_empty_last_page_is_no_error(make_client: Callable[..., Any], fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/api/v1/models", lambda r: {"items": [], "metadata": {}})
    assert (await resolve(make_client(max_empty_pages=1).models.first_or_none())) == Success(None)


# ------------------------------------------------------------------------------------------ walk deadline


class FakeClock:
    """The walk deadline's clock; the server moves it (a slow page) or the test does (a slow caller)."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(paging, "monotonic", fake)
    return fake


def slow_pages(server: FakeCivitai, clock: FakeClock, items_at: Callable[[int], list[int]], seconds: float) -> None:
    """Like :func:`endless`, each answer taking ``seconds`` of the fake clock."""
    endless(server, items_at, each=lambda: clock.advance(seconds))


async def test_a_walk_without_progress_stops_at_the_total_timeout(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai, clock: FakeClock
) -> None:
    slow_pages(fake_civitai, clock, lambda n: [n] if n == 1 else [], seconds=61)
    got, refused = await drain(make_client(total_timeout_seconds=300).models.iterate())
    assert [m.id for m in got] == [1]
    assert isinstance(refused, ApiTimeoutError) and refused.code is ErrorCode.TIMEOUT
    assert "Resilience:TotalTimeoutSeconds" in str(refused)
    assert len(fake_civitai.requests) == 1 + 5  # 5 x 61 s without an item passes 300 s


async def test_first_or_none_times_out_as_a_failure(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai, clock: FakeClock
) -> None:
    slow_pages(fake_civitai, clock, no_items, seconds=100)
    result = await resolve(make_client(total_timeout_seconds=250).models.first_or_none())
    assert isinstance(result, Failure) and result.error.code is ErrorCode.TIMEOUT
    assert len(fake_civitai.requests) == 3


async def test_items_reset_the_deadline(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai, clock: FakeClock
) -> None:
    slow_pages(fake_civitai, clock, lambda n: [n] if n % 3 == 0 else [], seconds=100)
    got, refused = await drain(make_client(total_timeout_seconds=301).models.iterate(max_items=5))
    assert refused is None and [m.id for m in got] == [3, 6, 9, 12, 15]


async def test_time_spent_by_the_caller_does_not_count(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai, clock: FakeClock
) -> None:
    slow_pages(fake_civitai, clock, lambda n: [n] if n == 4 else [], seconds=1)
    client = make_client(total_timeout_seconds=10)
    pages = client.models.pages(max_pages=4)
    seen: list[int] = []
    if hasattr(pages, "__aiter__"):
        async for page in pages:
            seen.extend(m.id for m in page.items)
            clock.advance(1000)  # the caller is slow, not the server
    else:
        for page in pages:
            seen.extend(m.id for m in page.items)
            clock.advance(1000)
    assert seen == [4]


# ------------------------------------------------------------------------------------------ unusable links


def page_then_stop(server: FakeCivitai, metadata: dict[str, Any], items: list[int]) -> None:
    """The first request gets ``items`` and ``metadata``; anything else an empty last page."""
    served = count(1)

    def handler(request: FakeRequest) -> FakeResponse:
        if next(served) > 1:
            return FakeResponse.json({"items": [{"id": 99}], "metadata": {}})
        return FakeResponse.json({"items": [{"id": i} for i in items], "metadata": metadata})

    for path in ("/api/v1/models", "/api/v1/models/{rest:path}", "/x", "/5"):
        server.add_route("GET", path, handler)


def unusable_links(url: str) -> list[tuple[str, dict[str, Any]]]:
    other_host = url.replace("127.0.0.1", "localhost")  # the same server under another name
    return [
        ("broken IPv6 host", {"nextPage": "http://[::1/x"}),
        ("port over 65535", {"nextPage": "http://127.0.0.1:99999/api/v1/models/next"}),
        ("NUL in the cursor", {"nextCursor": "a\x00b"}),
        ("CR LF in the cursor", {"nextCursor": "a\r\nSet-Cookie: x"}),
        ("DEL in the cursor", {"nextCursor": "a\x7fb"}),
        ("cursor too long for a URL", {"nextCursor": "c" * 5000}),
        ("NUL in a nextPage cursor", {"nextPage": f"{url}/api/v1/models?cursor=a%00b"}),
        ("NUL in a verbatim nextPage", {"nextPage": "/api/v1/models/next?x=\x00"}),
        ("nextPage too long", {"nextPage": f"{url}/api/v1/models/next?x={'y' * 5000}"}),
        ("superscript page number", {"nextPage": f"{url}/api/v1/models?page=%C2%B2"}),
        ("nextPage on another host", {"nextPage": f"{other_host}/api/v1/models/next?token=opaque"}),
        ("nextPage on another scheme", {"nextPage": url.replace("http://", "https://") + "/api/v1/models/next"}),
        ("nextPage on another protocol", {"nextPage": "ftp://127.0.0.1/api/v1/models/next"}),
        ("scheme-relative nextPage", {"nextPage": "//evil.example/api/v1/models/next"}),
        ("nextPage with credentials", {"nextPage": url.replace("http://", "http://user:pw@") + "/x"}),
        ("nextPage that is no URL", {"nextPage": 5}),
        ("cursor of the wrong type", {"nextCursor": {"a": 1}}),
        ("nextPage of the wrong type", {"nextPage": [1]}),
        ("boolean cursor", {"nextCursor": True}),
    ]


LINK_CASES = [name for name, _ in unusable_links("http://127.0.0.1:1")]
UNUSABLE = (ErrorCode.INVALID_URL, ErrorCode.DESERIALIZATION_FAILED)


def link_case(server: FakeCivitai, name: str) -> dict[str, Any]:
    return dict(unusable_links(server.url))[name]


@pytest.mark.parametrize("name", LINK_CASES)
async def test_an_unusable_link_ends_iterate_with_one_civitai_error(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai, name: str
) -> None:
    page_then_stop(fake_civitai, link_case(fake_civitai, name), items=[1, 2])
    got, refused = await drain(make_client().models.iterate())
    assert refused is not None and refused.code in UNUSABLE, refused
    if refused.code is ErrorCode.INVALID_URL:
        assert [m.id for m in got] == [1, 2]  # the page's items first
        assert len(str(refused)) < 400 and "\x00" not in str(refused) and "\r" not in str(refused)
    assert len(fake_civitai.requests) == 1  # never followed


@pytest.mark.parametrize("name", LINK_CASES)
async def test_an_unusable_link_is_a_failure_for_first_or_none(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai, name: str
) -> None:
    page_then_stop(fake_civitai, link_case(fake_civitai, name), items=[])
    result = await resolve(make_client().models.first_or_none())
    assert isinstance(result, Failure) and result.error.code in UNUSABLE, result
    assert len(fake_civitai.requests) == 1


async def test_a_foreign_next_page_is_never_requested(fake_civitai: FakeCivitai) -> None:
    foreign = fake_civitai.url_for_host("localhost") + "/api/v1/models/next?token=opaque"
    page_then_stop(fake_civitai, {"nextPage": foreign}, items=[1])
    with CivitaiClient(options(fake_civitai.url, api_key="hostile-paging-key-1234")) as client:
        got, refused = await drain(client.models.pages())
    assert refused is not None and refused.code is ErrorCode.INVALID_URL
    assert "never followed" in str(refused) and "token=opaque" not in str(refused)
    assert [r.host for r in fake_civitai.requests] == ["127.0.0.1"] and len(got) == 1


async def test_a_cursor_in_a_foreign_next_page_is_rebuilt_on_our_base_url(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai
) -> None:
    served = count(1)

    def handler(request: FakeRequest) -> FakeResponse:
        if next(served) == 1:
            return FakeResponse.json({"items": [{"id": 1}], "metadata": {"nextPage": "http://evil.example/?cursor=7"}})
        return FakeResponse.json({"items": [{"id": 2}], "metadata": {}})

    fake_civitai.add_route("GET", "/api/v1/models", handler)
    got, refused = await drain(make_client().models.iterate())
    assert refused is None and [m.id for m in got] == [1, 2]
    assert fake_civitai.requests.last.query.get("cursor") == "7"


async def test_a_lone_surrogate_cursor_is_refused(make_client: Callable[..., Any], fake_civitai: FakeCivitai) -> None:
    body = '{"items":[{"id":1}],"metadata":{"nextCursor":"\\ud800x"}}'
    fake_civitai.add_route("GET", "/api/v1/models", lambda r: FakeResponse.text(body, content_type="application/json"))
    got, refused = await drain(make_client().models.iterate())
    assert [m.id for m in got] == [1] and refused is not None and refused.code is ErrorCode.INVALID_URL
    assert len(fake_civitai.requests) == 1


@pytest.mark.parametrize("cursor", ["a\x00b", "x" * 5000, "\ud800"])
async def test_execute_refuses_an_unusable_cursor_without_a_request(
    make_client: Callable[..., Any], fake_civitai: FakeCivitai, cursor: str
) -> None:
    result = await resolve(make_client().models.execute(cursor=cursor))
    assert isinstance(result, Failure) and result.error.code is ErrorCode.INVALID_URL
    assert len(fake_civitai.requests) == 0


def test_cursors_are_checked_by_one_function_the_sdk_shares() -> None:
    assert paging.cursor_refusal("1|1712265847499") is None
    refused = paging.cursor_refusal("a\x00b" + "x" * 500)
    assert refused is not None and refused.code is ErrorCode.INVALID_URL
    assert "contains control characters" in refused.message and "\\x00" in refused.message
    assert "(503 characters)" in refused.message
    shown = paging.link_error("nextPage", "http://user:secret@host/x", paging.UnusableLink("carries credentials"))
    assert "secret" not in shown.message and "//***@host" in shown.message
