"""Every name a user gives their one Civitai key (``CIVITAI_API_KEY``, ``CIVITAI_API_TOKEN``,
``CIVITAI_TOKEN``) authenticates REST calls, downloads and the generator, proven on the wire."""

from __future__ import annotations

from pathlib import Path

import pytest

from civitai_kit.core import CivitaiClient
from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.sdk import SdkClient
from civitai_kit.tools import DownloadService
from tests.support.options_places import ConfigPlaces
from tests.support.recording_server import RecordingServer

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
NAMES = ("CIVITAI_API_KEY", "CIVITAI_API_TOKEN", "CIVITAI_TOKEN")


def _authorizations(server: RecordingServer) -> list[str | None]:
    return [request.headers.get("authorization") for request in server.requests]


@pytest.mark.parametrize("name", NAMES)
def test_each_key_name_reaches_rest_downloads_and_the_generator(
    name: str, places: ConfigPlaces, tmp_path: Path
) -> None:
    with RecordingServer() as server:
        places.env(name, KEY)
        places.env("CivitaiApi__BaseUrl", server.url)
        places.env("CivitaiApi__Sdk__BaseUrl", server.url)
        options = CivitaiApiOptions()
        server.answer(404, b'{"error":"No model with id 1"}', content_type="application/json")
        with CivitaiClient(options) as client:
            client.models.get_by_id(1)
        server.answer(200, b"weights", content_type="application/octet-stream")
        with DownloadService(options) as downloads:
            landed = downloads.download_url(f"{server.url}/api/download/models/1", tmp_path / "model.bin")
        assert landed.is_success and (tmp_path / "model.bin").read_bytes() == b"weights"
        server.answer(404, b'{"title":"Not Found","status":404}', content_type="application/problem+json")
        with SdkClient(options) as sdk:
            sdk.workflows.get("wf-1")
    assert _authorizations(server) == [f"Bearer {KEY}"] * 3


def test_an_explicit_generator_token_still_wins_for_the_generator(places: ConfigPlaces) -> None:
    places.env("CIVITAI_API_KEY", KEY)
    places.env("CivitaiApi__Sdk__ApiToken", "generator-only-token")
    options = CivitaiApiOptions()
    rest, generator = options.rest_key(), options.sdk_token()
    assert rest is not None and rest.get_secret_value() == KEY
    assert generator is not None and generator.get_secret_value() == "generator-only-token"


def test_the_rest_key_says_where_it_came_from(places: ConfigPlaces) -> None:
    places.env("CIVITAI_TOKEN", KEY)
    options = CivitaiApiOptions()
    assert options.rest_key_source() == "environment variable CIVITAI_TOKEN (Sdk:ApiToken, used as the API key)"
    assert KEY not in options.rest_key_source()


def test_without_any_key_an_unauthorized_answer_names_every_variable(places: ConfigPlaces) -> None:
    with RecordingServer() as server:
        places.env("CivitaiApi__BaseUrl", server.url)
        server.answer(401, b'{"error":"Unauthorized"}', content_type="application/json")
        with CivitaiClient(CivitaiApiOptions()) as client:
            result = client.models.get_by_id(1)
    assert result.error is not None and result.error.code == ErrorCode.UNAUTHORIZED
    for name in NAMES:
        assert name in result.error.message
