"""Client construction and lifetime: options, a shared HTTP client, context managers, the container."""

from __future__ import annotations

from typing import Any

import pytest

from civitai_kit._http import AsyncHttpClient, ClientSettings, HttpClient
from civitai_kit.container import CivitaiContainer
from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.testing import FakeCivitai
from tests.support.core_support import options_for


def test_owned_http_client_is_closed_by_the_context_manager(server: FakeCivitai) -> None:
    with CivitaiClient(options_for(server.url)) as client:
        assert client.base_url == server.url
        assert client.models.first_or_none().is_success
    with pytest.raises(RuntimeError):
        client.http._client.get(server.url)  # closed with the client


def test_shared_http_client_is_left_open(server: FakeCivitai) -> None:
    options = options_for(server.url, api_key="sk-shared-key-000")
    with HttpClient(ClientSettings.for_core(options)) as http:
        with CivitaiClient(options, http_client=http) as client:
            assert client.http is http and "authenticated=True" in repr(client)
            assert "sk-shared" not in repr(client)
        assert CivitaiClient(options, http_client=http).tags.execute(limit=1).is_success  # still usable


async def test_async_client_lifetime(server: FakeCivitai) -> None:
    options = options_for(server.url)
    async with AsyncHttpClient(ClientSettings.for_core(options)) as http:
        async with AsyncCivitaiClient(options, http_client=http) as client:
            assert (await client.tags.execute(limit=1)).is_success
        assert (await AsyncCivitaiClient(options, http_client=http).creators.execute(limit=1)).is_success


def test_default_options_come_from_the_environment(server: FakeCivitai, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVITAIAPI__BASEURL", server.url)
    with CivitaiClient() as client:
        assert client.base_url == server.url and client.models.execute(limit=1).is_success


def test_container_provides_the_clients(server: FakeCivitai) -> None:
    container = CivitaiContainer()
    container.add_civitai_api(options_for(server.url))
    client = container.core_client()
    assert isinstance(client, CivitaiClient) and client is container.core_client()
    assert client.models.get_by_id(11821).unwrap().id == 11821
    container.shutdown_resources()


async def test_container_provides_the_async_client(server: FakeCivitai) -> None:
    container = CivitaiContainer()
    container.add_civitai_api(options_for(server.url))
    pending: Any = container.async_core_client()  # an awaitable: its HTTP client is an async resource
    client = await pending
    assert isinstance(client, AsyncCivitaiClient)
    assert (await client.models.get_by_id(11821)).unwrap().id == 11821
    closing: Any = container.shutdown_resources()
    await closing
