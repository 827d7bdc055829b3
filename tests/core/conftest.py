"""Fixtures for the REST client tests: the fake REST API on loopback and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.rest import RestData, install_rest_routes
from tests.support.core_support import options_for


@pytest.fixture(scope="module")
def rest_server() -> Iterator[tuple[FakeCivitai, RestData]]:
    with FakeCivitai() as server:
        data = install_rest_routes(server)
        yield server, data


@pytest.fixture
def server(rest_server: tuple[FakeCivitai, RestData]) -> Iterator[FakeCivitai]:
    """The shared sample-data server, with an empty request log and no pending faults."""
    fake, _ = rest_server
    fake.requests.clear()
    fake.faults.clear()
    yield fake
    fake.faults.clear()
    assert not fake.errors.snapshot(), fake.errors.snapshot()


@pytest.fixture
def data(rest_server: tuple[FakeCivitai, RestData]) -> RestData:
    return rest_server[1]


@pytest.fixture
def client(server: FakeCivitai) -> Iterator[CivitaiClient]:
    with CivitaiClient(options_for(server.url)) as client:
        yield client


@pytest.fixture
def authed_client(server: FakeCivitai) -> Iterator[CivitaiClient]:
    with CivitaiClient(options_for(server.url, api_key="test-key-123")) as client:
        yield client


@pytest.fixture
async def aclient(server: FakeCivitai) -> AsyncIterator[AsyncCivitaiClient]:
    async with AsyncCivitaiClient(options_for(server.url)) as client:
        yield client
