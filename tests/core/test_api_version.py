"""``CivitaiApi:ApiVersion`` on the wire: every REST path is ``/api/{ApiVersion}/...`` (sync and async, lookups,
bulk by-hash POSTs, list pages), a server's ``nextPage`` URL is followed exactly as given, and the file download
endpoint (``/api/download/...``) stays unversioned."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from civitai_kit._http import ApiRequest
from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.core.endpoints import api_path, versioned
from tests.support.core_support import options_for
from tests.support.recording_server import RecordingServer

HASH = "A" * 64
VERSION = {"id": 7, "modelId": 3, "name": "v"}


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as recording:
        yield recording


def _json(server: RecordingServer, payload: object) -> None:
    server.answer(200, json.dumps(payload).encode(), content_type="application/json")


def test_api_path_builds_the_versioned_root() -> None:
    assert api_path("v1", "/models") == "/api/v1/models"
    assert api_path("v2", "enums") == "/api/v2/enums"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_lookups_and_bulk_posts_use_the_configured_version(server: RecordingServer, version: str) -> None:
    with CivitaiClient(options_for(server.url, api_version=version)) as client:
        _json(server, VERSION)
        client.models.get_by_version_id(7).unwrap()
        client.models.get_by_version_hash(HASH).unwrap()
        _json(server, [VERSION])
        client.models.get_by_version_hashes([HASH]).unwrap()
        _json(server, [])
        client.models.get_version_ids_by_hashes([HASH]).unwrap()
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", f"/api/{version}/model-versions/7"),
        ("GET", f"/api/{version}/model-versions/by-hash/{HASH}"),
        ("POST", f"/api/{version}/model-versions/by-hash"),
        ("POST", f"/api/{version}/model-versions/by-hash/ids"),
    ]


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_async_client_uses_the_configured_version(server: RecordingServer, version: str) -> None:
    _json(server, {"items": [{"name": "anime"}], "metadata": {}})
    async with AsyncCivitaiClient(options_for(server.url, api_version=version)) as client:
        (await client.tags.execute(limit=1)).unwrap()
        _json(server, [VERSION])
        (await client.models.get_by_version_hashes([HASH])).unwrap()
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", f"/api/{version}/tags"),
        ("POST", f"/api/{version}/model-versions/by-hash"),
    ]


def test_a_next_page_url_is_followed_as_given(server: RecordingServer) -> None:
    # nothing to rebuild it from (no page, no cursor): the link is used verbatim, its version never rewritten
    _json(server, {"items": [{"name": "anime"}], "metadata": {"nextPage": f"{server.url}/api/v9/tags?after=x"}})
    with CivitaiClient(options_for(server.url, api_version="v2")) as client:
        pages = list(client.tags.pages(page_size=1, max_pages=2))
    assert len(pages) == 2
    assert [r.path for r in server.requests] == ["/api/v2/tags", "/api/v9/tags"]
    assert server.requests[1].query == [("after", "x")]


def test_a_relative_next_page_link_keeps_its_own_version(server: RecordingServer) -> None:
    _json(server, {"items": [{"name": "anime"}], "metadata": {"nextPage": "/api/v1/tags?after=x"}})
    with CivitaiClient(options_for(server.url, api_version="v2")) as client:
        list(client.tags.pages(page_size=1, max_pages=2))
    assert [r.path for r in server.requests] == ["/api/v2/tags", "/api/v1/tags"]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"nextCursor": "abc"}, ("cursor", "abc")),
        ({"nextPage": "https://civitai.com/api/v1/tags?page=2"}, ("page", "2")),
    ],
)
def test_rebuilt_next_pages_stay_under_the_configured_version(
    server: RecordingServer, metadata: dict[str, str], expected: tuple[str, str]
) -> None:
    # a cursor or page number is rebuilt on our BaseUrl and ApiVersion (Civitai's links name civitai.com)
    _json(server, {"items": [{"name": "anime"}], "metadata": metadata})
    with CivitaiClient(options_for(server.url, api_version="v3")) as client:
        list(client.tags.pages(page_size=1, max_pages=2))
    assert [r.path for r in server.requests] == ["/api/v3/tags", "/api/v3/tags"]
    assert expected in server.requests[1].query


def test_the_download_endpoint_is_not_versioned() -> None:
    request = ApiRequest("GET", "/api/download/models/5")
    assert versioned(request, "v2") is request
    assert versioned(ApiRequest("GET", "/api/v1/models"), "v2").path == "/api/v2/models"
