"""The clients skip httpx's cookie look-up on answers that set no cookie, and still keep one that is set.

Over real loopback HTTP, every kind of client the library builds (sync; async on httpx's transport and on
aiohttp). The library's requests carry no cookie of their own; httpx sends the jar's cookies only on the hops of a
redirect, so a cookie a redirect sets reaches its target on the same host, as with a plain httpx client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Literal

import pytest

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, HttpClient
from civitai_kit.result import Result
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse


@pytest.fixture
def fake() -> Iterator[FakeCivitai]:
    with FakeCivitai() as server:

        @server.route("GET", "/api/v1/hop/{cookie}")
        def hop(request: FakeRequest) -> FakeResponse:
            sets = [("Set-Cookie", "session=abc123; Path=/")] if request.path_params["cookie"] == "set" else []
            return FakeResponse.redirect("/api/v1/echo", headers=sets)

        @server.route("GET", "/api/v1/echo")
        def echo(request: FakeRequest) -> FakeResponse:
            return FakeResponse.json({"cookie": request.headers.get("cookie")})

        yield server


def _calls(kind: str, url: str, paths: list[str]) -> list[Result[object]]:
    requests = [ApiRequest("GET", path, follow_redirects=True) for path in paths]
    if kind == "sync":
        with HttpClient(ClientSettings(base_url=url)) as client:
            return [client.send_json(request, lambda body: body) for request in requests]

    backend: Literal["httpx", "aiohttp"] = "aiohttp" if kind == "aiohttp" else "httpx"

    async def run() -> list[Result[object]]:
        async with AsyncHttpClient(ClientSettings(base_url=url, backend=backend)) as client:
            return [await client.send_json(request, lambda body: body) for request in requests]

    return asyncio.run(run())


KINDS = ["sync", "httpx", "aiohttp"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_cookie_a_redirect_sets_reaches_its_target(fake: FakeCivitai, kind: str) -> None:
    results = _calls(kind, fake.url, ["/api/v1/echo", "/api/v1/hop/set"])
    assert [r.unwrap() for r in results] == [{"cookie": None}, {"cookie": "session=abc123"}]


@pytest.mark.parametrize("kind", KINDS)
def test_answers_without_cookies_leave_nothing_to_send(fake: FakeCivitai, kind: str) -> None:
    results = _calls(kind, fake.url, ["/api/v1/hop/none", "/api/v1/echo"])
    assert [r.unwrap() for r in results] == [{"cookie": None}, {"cookie": None}]
