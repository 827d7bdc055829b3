"""Building the SDK clients from configuration: token rules, defaults, and a run through the options path."""

from __future__ import annotations

import logging

import pytest

from civitai_kit._http import AsyncHttpClient, HttpClient
from civitai_kit.errors import ConfigurationError, ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.sdk import AsyncSdkClient, SdkClient
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import install_orchestration_routes
from tests.support.sdk_support import SDXL, TOKEN, settings_for

PLACES = (
    "CivitaiApi:Sdk:ApiToken",
    "CivitaiApi:ApiKey",
    "CIVITAI_API_TOKEN",
    "CIVITAI_API_KEY",
    "civitai secrets set CivitaiApi:Sdk:ApiToken",
)


@pytest.mark.parametrize("make", [SdkClient, AsyncSdkClient], ids=["sync", "async"])
def test_no_token_names_every_place_to_set_one(make: type) -> None:
    with pytest.raises(ConfigurationError) as raised:
        make()
    assert raised.value.code == ErrorCode.CONFIGURATION_INVALID and isinstance(raised.value, ValueError)
    for place in PLACES:
        assert place in str(raised.value)


def test_a_given_http_client_without_token_is_refused(fake_civitai: FakeCivitai) -> None:
    with HttpClient(settings_for(fake_civitai, token=None)) as http, pytest.raises(ConfigurationError):
        SdkClient(http_client=http)
    with pytest.raises(ConfigurationError, match="CIVITAI_API_TOKEN"):
        AsyncSdkClient(http_client=AsyncHttpClient(settings_for(fake_civitai, token=None)))


def test_defaults_and_token_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVITAI_API_KEY", "key-from-env")
    with SdkClient() as sdk:
        assert sdk.base_url == "https://orchestration.civitai.com"
        assert sdk.http.settings.timeout == 600
        assert "CIVITAI_API_KEY" in sdk.http.settings.token_source
        assert "key-from-env" not in repr(sdk) and "key-from-env" not in repr(sdk.http.settings)
    options = CivitaiApiOptions(api_key="general-key", sdk={"api_token": "sdk-token", "timeout_seconds": 900})
    with SdkClient(options) as sdk:
        token = sdk.http.settings.token
        assert token is not None and token.get_secret_value() == "sdk-token"
        assert sdk.http.settings.timeout == 900


async def test_configured_through_the_environment_end_to_end(
    fake_civitai: FakeCivitai, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    install_orchestration_routes(fake_civitai)
    monkeypatch.setenv("CIVITAI_API_TOKEN", TOKEN)
    monkeypatch.setenv("CivitaiApi__Sdk__BaseUrl", fake_civitai.url)
    caplog.set_level(logging.DEBUG, logger="civitai_kit")
    with SdkClient() as sdk:
        done = sdk.workflows.text_to_image().with_model(SDXL).with_prompt("a fox").submit(wait=10).unwrap()
    async with AsyncSdkClient() as asdk:
        fetched = (await asdk.workflows.get(done.id or "")).unwrap()
    assert fetched.succeeded and fetched.id == done.id
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in fake_civitai.requests.snapshot())
    assert "POST" in caplog.text and TOKEN not in caplog.text
