"""Optional transports chosen by options: the HTTP cache (``cache`` extra) and the aiohttp backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, HttpClient
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse

REQUEST = ApiRequest("GET", "/api/v1/tags", params=(("limit", "1"),))


@pytest.fixture
def server() -> Iterator[FakeCivitai]:
    with FakeCivitai() as fake:
        counter = iter(range(1, 1000))

        @fake.route("GET", "/api/v1/tags")
        def tags(request: FakeRequest) -> FakeResponse:
            return FakeResponse.json({"items": [{"name": f"tag-{next(counter)}"}]})

        yield fake


def _settings(server: FakeCivitai, tmp_path: Path, **values: object) -> ClientSettings:
    options = CivitaiApiOptions.isolated(base_url=server.url, **values)
    return ClientSettings.for_core(options)


def test_cache_serves_a_repeated_get_without_a_request(server: FakeCivitai, tmp_path: Path) -> None:
    settings = _settings(server, tmp_path, cache={"enabled": True, "directory": tmp_path / "cache"})
    with HttpClient(settings) as client:
        first = client.send_json(REQUEST, lambda p: p).unwrap()
        second = client.send_json(REQUEST, lambda p: p).unwrap()
    assert first == second == {"items": [{"name": "tag-1"}]}
    assert len(server.requests) == 1
    assert any((tmp_path / "cache").iterdir())


def test_without_the_cache_every_get_reaches_the_server(server: FakeCivitai, tmp_path: Path) -> None:
    with HttpClient(_settings(server, tmp_path)) as client:
        client.send(REQUEST).unwrap()
        client.send(REQUEST).unwrap()
    assert len(server.requests) == 2


async def test_async_cache(server: FakeCivitai, tmp_path: Path) -> None:
    settings = _settings(server, tmp_path, cache={"enabled": True, "directory": tmp_path / "cache"})
    async with AsyncHttpClient(settings) as client:
        for _ in range(3):
            assert (await client.send_json(REQUEST, lambda p: p)).unwrap() == {"items": [{"name": "tag-1"}]}
    assert len(server.requests) == 1


async def test_aiohttp_backend_speaks_to_the_same_server(server: FakeCivitai, tmp_path: Path) -> None:
    settings = _settings(server, tmp_path, http_backend="aiohttp", api_key="aiohttp-key")
    assert settings.backend == "aiohttp"
    async with AsyncHttpClient(settings) as client:
        result = await client.send_json(REQUEST, lambda p: p)
        assert client._client._transport.__class__.__name__ == "AiohttpTransport"
    assert result.unwrap() == {"items": [{"name": "tag-1"}]}
    assert server.requests[0].headers["authorization"] == "Bearer aiohttp-key"
