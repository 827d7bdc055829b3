"""Every failed call's Error names the request it concerns: its method and its URL, redacted."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, HttpClient, RetryPolicy
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure
from civitai_kit.testing import FakeCivitai, Fault

KEY = "sk-request-url-0123456789abcdef"


def test_a_failed_call_carries_its_method_and_redacted_url(fake_civitai: FakeCivitai) -> None:
    fake_civitai.faults.add(Fault.status(404), path="/api/v1/models", times=None)
    settings = ClientSettings(base_url=fake_civitai.url, token=SecretStr(KEY), retry=RetryPolicy(max_retries=0))
    request = ApiRequest("GET", "/api/v1/models", params=(("token", KEY), ("limit", "1")))
    with HttpClient(settings) as sync:
        sync_result = sync.send(request)

    async def main() -> object:
        async with AsyncHttpClient(settings) as aio:
            return await aio.send(request)

    for result in (sync_result, asyncio.run(main())):
        assert isinstance(result, Failure) and result.error.code is ErrorCode.NOT_FOUND
        error = result.error
        assert error.method == "GET"
        assert error.url is not None and error.url.startswith(f"{fake_civitai.url}/api/v1/models?")
        assert KEY not in error.url and KEY not in str(error) and "limit=1" in error.url
        assert str(error).endswith(f"[GET {error.url}]")


def test_a_call_refused_before_sending_names_its_request_too(fake_civitai: FakeCivitai) -> None:
    settings = ClientSettings(base_url=fake_civitai.url, retry=RetryPolicy(max_retries=0))
    with HttpClient(settings) as sync:
        result = sync.send(ApiRequest("GET", "http://127.0.0.1:70000/x"))
    assert isinstance(result, Failure) and result.error.code is ErrorCode.INVALID_URL
    assert result.error.method == "GET" and result.error.url is not None
