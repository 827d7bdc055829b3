"""The Generator routes of a sandbox that accepts one key: the same key rule as ``/me``, over loopback.

A wrong or missing Bearer key is a 401 ``ProblemDetails`` on every v1 and v2 operation the specs guard, the
SDK (sync and async) reports it as ``UNAUTHORIZED`` with the orchestrator's words and never the key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from civitai_kit._http import AsyncHttpClient, ClientSettings, HttpClient, RetryPolicy
from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Success
from civitai_kit.sdk import AsyncSdkClient, SdkClient
from civitai_kit.testing.sandbox import Sandbox, start_sandbox
from tests.support.sdk_openapi import v1, v2
from tests.support.sdk_support import SDXL

GOOD = "gen-good-key-0123456789"
WRONG = "gen-wrong-key-9876543210"
SIGNED = re.compile(r"/(content|blocked|archive)/\{encryptedToken\}$|/streaming-blobs/")
"""Signed links: the token in the path is the permission (the fake serves them without a key)."""


def _guarded_operations() -> list[tuple[str, str]]:
    """(method, path) of every v1 operation (the v1 document guards all) and every v2 one that declares a 401."""
    found = []
    for document, every in ((v1().document, True), (v2().document, False)):
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                guarded = every or "401" in operation.get("responses", {})
                if isinstance(operation, dict) and guarded and not SIGNED.search(path):
                    found.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return found


OPERATIONS = _guarded_operations()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(accepted_keys=[GOOD]) as running:
        yield running


def _settings(sandbox: Sandbox, key: str) -> ClientSettings:
    return ClientSettings(
        base_url=sandbox.url,
        token=SecretStr(key),
        token_source="test",
        retry=RetryPolicy(max_retries=0),
        service="Civitai orchestration API",
    )


def test_the_specs_guard_enough_operations_to_mean_every_route() -> None:
    assert len(OPERATIONS) >= 75 and ("POST", "/v1/consumer/jobs/query") in OPERATIONS


def test_every_guarded_operation_refuses_a_wrong_or_missing_key(sandbox: Sandbox) -> None:
    with httpx.Client(base_url=sandbox.url) as http:
        for method, path in OPERATIONS:
            for headers, challenge in (
                ({"Authorization": f"Bearer {WRONG}"}, 'Bearer error="invalid_token"'),
                ({}, "Bearer"),
            ):
                answer = http.request(method, path, headers=headers, json={})
                assert answer.status_code == 401, (method, path, headers)
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert answer.headers["www-authenticate"] == challenge
                if method != "HEAD":
                    v2().assert_valid("ProblemDetails", answer.json())
                assert WRONG not in answer.text


def test_a_v1_job_token_in_the_query_is_not_a_key(sandbox: Sandbox) -> None:
    with httpx.Client(base_url=sandbox.url) as http:
        assert http.get("/v1/consumer/jobs", params={"token": GOOD}).status_code == 401


def test_the_rule_follows_later_changes_to_the_rest_keys(sandbox: Sandbox) -> None:
    before = sandbox.rest.api_keys
    try:
        with HttpClient(_settings(sandbox, WRONG)) as http, SdkClient(http_client=http) as sdk:
            assert isinstance(sdk.workflows.query_page(), Failure)
            sandbox.rest.api_keys = frozenset({WRONG})
            assert isinstance(sdk.workflows.query_page(), Success)
    finally:
        sandbox.rest.api_keys = before


def _assert_refused(result: Any) -> None:
    assert isinstance(result, Failure)
    error = result.error
    assert (error.code, error.http_status) == (ErrorCode.UNAUTHORIZED, 401)
    assert "The Bearer token is not valid." in error.message and "came from test" in error.message
    assert all(WRONG not in text for text in (str(result), repr(result), str(error.details), error.url or ""))


def test_sync_sdk_with_a_wrong_key_is_unauthorized(sandbox: Sandbox) -> None:
    with HttpClient(_settings(sandbox, WRONG)) as http, SdkClient(http_client=http) as sdk:
        _assert_refused(sdk.workflows.get("1"))
        _assert_refused(sdk.workflows.text_to_image().with_model(SDXL).with_prompt("a key test").submit())
        _assert_refused(sdk.coverage.get(SDXL))
    with HttpClient(_settings(sandbox, GOOD)) as http, SdkClient(http_client=http) as sdk:
        assert isinstance(sdk.coverage.get(SDXL), Success)


async def test_async_sdk_with_a_wrong_key_is_unauthorized(sandbox: Sandbox) -> None:
    async with AsyncHttpClient(_settings(sandbox, WRONG)) as http, AsyncSdkClient(http_client=http) as sdk:
        _assert_refused(await sdk.workflows.get("1"))
        _assert_refused(await sdk.coverage.get(SDXL))
    async with AsyncHttpClient(_settings(sandbox, GOOD)) as http, AsyncSdkClient(http_client=http) as sdk:
        assert isinstance(await sdk.coverage.get(SDXL), Success)


def test_option_values_leave_the_key_to_the_caller(sandbox: Sandbox) -> None:
    """The placeholder Generator token would be refused, and would stand in for a missing ``api_key``."""
    assert "api_token" not in sandbox.option_values()["sdk"]
    for key, accepted in ((GOOD, True), (WRONG, False)):
        options = CivitaiApiOptions.isolated(**sandbox.option_values(), api_key=key, resilience={"max_retries": 0})
        with SdkClient(options) as sdk:
            assert isinstance(sdk.coverage.get(SDXL), Success) is accepted
