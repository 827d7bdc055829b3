"""Property: whatever ``metadata`` a server sends (cursors and next pages of any type and content, pages of any
size, empty ones included), a walk over loopback hands out items in order and ends with a result or a
CivitaiError — sync and async — and never makes more than ``max_empty_pages`` empty requests in a row."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.errors import CivitaiError
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Success
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse
from tests.support.core_support import options_for

MAX_EMPTY_PAGES = 3

TEXT = st.text(st.characters(exclude_categories=()), max_size=12)  # control characters and surrogates too
CURSORS = st.one_of(
    st.none(),
    TEXT,
    st.integers(),
    st.booleans(),
    st.floats(),
    st.sampled_from(["1|2", "same", "", "x" * 5000]),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
LINKS = st.sampled_from(
    [
        "{base}/api/v1/models?cursor=7",
        "{base}/api/v1/models?cursor=a%00b",
        "{base}/api/v1/models?page=2",
        "{base}/api/v1/models?page=%C2%B2",
        "{base}/api/v1/models/next?x=1",
        "{other}/api/v1/models/next",
        "http://evil.example/?cursor=9",
        "http://[::1/x",
        "http://127.0.0.1:99999/x",
        "/api/v1/models/next",
        "?page=3",
        "ftp://127.0.0.1/x",
    ]
)
NEXT_PAGES = st.one_of(st.none(), TEXT, st.integers(), LINKS, st.lists(st.integers(), max_size=1))
METADATA = st.fixed_dictionaries({}, optional={"nextCursor": CURSORS, "nextPage": NEXT_PAGES})
PAGES = st.lists(st.tuples(st.integers(0, 3), METADATA), min_size=1, max_size=8)


@dataclass
class Script:
    """The pages the server answers with, one per request in order (then an empty last page)."""

    pages: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    served: list[list[int]] = field(default_factory=list)
    base: str = ""
    other: str = ""

    def restart(self) -> None:
        self.served.clear()

    def answer(self, request: FakeRequest) -> FakeResponse:
        index = len(self.served)
        count, metadata = self.pages[index] if index < len(self.pages) else (0, {})
        items = [index * 10 + n for n in range(count)]
        self.served.append(items)
        body = {"items": [{"id": i} for i in items], "metadata": self._placed(metadata)}
        # ASCII escapes: lone surrogates travel as \udxxx, NaN as NaN, as a broken server may send them.
        return FakeResponse.text(json.dumps(body), content_type="application/json")

    def _placed(self, metadata: dict[str, Any]) -> dict[str, Any]:
        link = metadata.get("nextPage")
        if isinstance(link, str):
            metadata = {**metadata, "nextPage": link.replace("{base}", self.base).replace("{other}", self.other)}
        return metadata


@dataclass
class Clients:
    """One sync and one async client on the scripted server; the async one lives on its own event loop."""

    script: Script
    sync: CivitaiClient
    loop: asyncio.Runner
    asynchronous: AsyncCivitaiClient


@pytest.fixture(scope="module")
def clients() -> Iterator[Clients]:
    with FakeCivitai() as server:
        script = Script(base=server.url, other=server.url_for_host("localhost"))
        server.add_route("GET", "/{rest:path}", script.answer)
        options = options_for(server.url, resilience={"max_retries": 0, "max_empty_pages": MAX_EMPTY_PAGES})
        with CivitaiClient(options) as sync, asyncio.Runner() as loop:
            asynchronous = loop.run(_opened(options))
            yield Clients(script, sync, loop, asynchronous)
            loop.run(asynchronous.aclose())


async def _opened(options: CivitaiApiOptions) -> AsyncCivitaiClient:
    return AsyncCivitaiClient(options)


def served_items(script: Script) -> list[int]:
    return [item for page in script.served for item in page]


def check_requests(script: Script) -> None:
    """No more than MAX_EMPTY_PAGES empty pages in a row, so at most that many per page with items (+1)."""
    run = longest = 0
    for page in script.served:
        run = 0 if page else run + 1
        longest = max(longest, run)
    with_items = sum(1 for page in script.served if page)
    assert longest <= MAX_EMPTY_PAGES
    assert len(script.served) <= with_items + (with_items + 1) * MAX_EMPTY_PAGES


def walk_sync(client: CivitaiClient, operation: str, k: int) -> tuple[list[int], Any]:
    got: list[int] = []
    try:
        if operation == "first_or_none":
            return got, client.models.first_or_none()
        if operation == "iterate":
            got.extend(m.id for m in client.models.iterate(max_items=k))
        else:
            got.extend(m.id for page in client.models.pages() for m in page.items)
    except CivitaiError as refused:
        return got, refused
    return got, None


async def walk_async(client: AsyncCivitaiClient, operation: str, k: int) -> tuple[list[int], Any]:
    got: list[int] = []
    try:
        if operation == "first_or_none":
            return got, await client.models.first_or_none()
        if operation == "iterate":
            async for model in client.models.iterate(max_items=k):
                got.append(model.id)
        else:
            async for page in client.models.pages():
                got.extend(m.id for m in page.items)
    except CivitaiError as refused:
        return got, refused
    return got, None


def check_outcome(script: Script, operation: str, k: int, got: list[int], outcome: Any) -> None:
    everything = served_items(script)
    if operation == "first_or_none":
        assert isinstance(outcome, Success | Failure)
        if isinstance(outcome, Success):
            assert outcome.value is None or outcome.value.id == everything[0]
        return
    assert outcome is None or isinstance(outcome, CivitaiError)
    assert got == everything[: len(got)]  # in order, nothing skipped or repeated
    if operation == "iterate":
        assert len(got) <= k
        if outcome is None and len(got) < k:
            assert got == everything  # a walk that ended by itself handed out everything


@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(pages=PAGES, k=st.integers(1, 6))
def test_any_metadata_ends_with_items_and_a_result_or_civitai_error(
    clients: Clients, pages: list[tuple[int, dict[str, Any]]], k: int
) -> None:
    script = clients.script
    script.pages = pages
    for operation in ("first_or_none", "iterate", "pages"):
        script.restart()
        check_outcome(script, operation, k, *walk_sync(clients.sync, operation, k))
        check_requests(script)
        script.restart()
        check_outcome(script, operation, k, *clients.loop.run(walk_async(clients.asynchronous, operation, k)))
        check_requests(script)
