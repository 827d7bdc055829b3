"""The SDK's paged queries against hostile servers, sync and async, over loopback: a cursor the client
cannot send back ends the walk with one CivitaiError after the items received; empty pages never loop."""

from __future__ import annotations

import json
from itertools import count
from typing import Any

import pytest

from civitai_kit.errors import CivitaiError, ErrorCode
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse
from tests.support.sdk_support import collect

HOSTILE_CURSORS = ["a\x00b", "a\r\nSet-Cookie: x", "c" * 5000, "\ud800"]


def workflow_pages(server: FakeCivitai, first_next: str, *, items: int = 2) -> None:
    """The first page carries ``first_next``; any later request gets a page saying the listing went on."""
    served = count(1)

    def handler(request: FakeRequest) -> FakeResponse:
        if next(served) > 1:
            return FakeResponse.json({"next": "", "items": [{"id": "followed"}]})
        body = {"next": first_next, "items": [{"id": f"wf-{i}"} for i in range(items)]}
        return FakeResponse.text(json_text(body), content_type="application/json")

    server.add_route("GET", "/v2/consumer/workflows", handler)


def json_text(body: Any) -> str:
    return json.dumps(body)  # ASCII escapes: a lone surrogate travels as \ud800, as a server may send it


async def drain(items: Any) -> tuple[list[Any], CivitaiError | None]:
    """Everything a sync or async iteration hands out, and the CivitaiError that ended it (if any)."""
    got: list[Any] = []
    try:
        if hasattr(items, "__aiter__"):
            async for item in items:
                got.append(item)
        else:
            got.extend(items)
    except CivitaiError as refused:
        return got, refused
    return got, None


@pytest.mark.parametrize("cursor", HOSTILE_CURSORS, ids=["NUL", "CRLF", "5000 chars", "lone surrogate"])
async def test_an_unusable_workflow_cursor_ends_the_query(client: Any, server: FakeCivitai, cursor: str) -> None:
    workflow_pages(server, cursor)
    got, refused = await drain(client.workflows.query())
    assert refused is not None and refused.code is ErrorCode.INVALID_URL
    assert [w.id for w in got] == ["wf-0", "wf-1"]  # the page's items first
    assert len([r for r in server.requests.snapshot() if r.path == "/v2/consumer/workflows"]) == 1


@pytest.mark.parametrize("cursor", HOSTILE_CURSORS, ids=["NUL", "CRLF", "5000 chars", "lone surrogate"])
async def test_an_unusable_job_cursor_ends_the_query(client: Any, server: FakeCivitai, cursor: str) -> None:
    served = count(1)

    def handler(request: FakeRequest) -> FakeResponse:
        if next(served) > 1:
            return FakeResponse.json({"jobs": [{"jobId": "followed"}]})
        body = json_text({"cursor": cursor, "jobs": [{"jobId": "j1"}]})
        return FakeResponse.text(body, content_type="application/json")

    server.add_route("POST", "/v1/consumer/jobs/query", handler)
    got, refused = await drain(client.jobs.query.where_property("batch", "b1").iterate())
    assert refused is not None and refused.code is ErrorCode.INVALID_URL and "cannot be followed" in str(refused)
    assert [job.job_id for job in got] == ["j1"]
    assert len([r for r in server.requests.snapshot() if r.path == "/v1/consumer/jobs/query"]) == 1


async def test_endless_empty_pages_end_the_query_at_once(client: Any, server: FakeCivitai) -> None:
    """An empty page ends an SDK walk (the orchestrator filters before paging), so fresh cursors cannot loop."""
    served = count(1)
    server.add_route(
        "GET", "/v2/consumer/workflows", lambda r: FakeResponse.json({"next": f"c{next(served)}", "items": []})
    )
    assert await collect(client.workflows.query()) == []
    assert len([r for r in server.requests.snapshot() if r.path == "/v2/consumer/workflows"]) == 1
