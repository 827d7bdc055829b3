"""``GET /api/v1/me`` (``client.me()``), sync and async, against a sandbox that accepts one key only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from civitai_kit.core import AsyncCivitaiClient, CivitaiClient, CurrentUser
from civitai_kit.errors import AuthenticationError, ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing.sandbox import Sandbox, start_sandbox
from tests.support.core_support import error_of

GOOD = "good-key-for-me-0123456789"
WRONG = "wrong-key-for-me-9876543210"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(accepted_keys=[GOOD]) as running:
        yield running


def _options(sandbox: Sandbox, key: str | None) -> CivitaiApiOptions:
    values: dict[str, Any] = {"base_url": sandbox.url, "resilience": {"max_retries": 0}}
    if key is not None:
        values["api_key"] = key
    return CivitaiApiOptions.isolated(**values)


def _me_requests(sandbox: Sandbox) -> list[Any]:
    return [request for request in sandbox.server.requests if request.path == "/api/v1/me"]


def test_me_with_an_accepted_key(sandbox: Sandbox) -> None:
    with CivitaiClient(_options(sandbox, GOOD)) as client:
        user = client.me().unwrap()
    assert isinstance(user, CurrentUser)
    assert (user.id, user.username, user.tier, user.status) == (4242, "sandbox_user", "free", "active")
    assert _me_requests(sandbox)[-1].headers["authorization"] == f"Bearer {GOOD}"


async def test_async_me_with_an_accepted_key(sandbox: Sandbox) -> None:
    async with AsyncCivitaiClient(_options(sandbox, GOOD)) as client:
        user = (await client.me()).unwrap()
    assert user.username == "sandbox_user"


def _assert_no_key_failure(sandbox: Sandbox, error: Any, sent_before: int) -> None:
    assert error.code is ErrorCode.UNAUTHORIZED and error.http_status is None
    for place in ("CIVITAI_API_KEY", "CIVITAI_API_TOKEN", "CIVITAI_TOKEN", "CivitaiApi:ApiKey", "civitai login"):
        assert place in error.message
    assert len(_me_requests(sandbox)) == sent_before  # answered without a request


def test_me_without_a_key_fails_without_a_request(sandbox: Sandbox) -> None:
    before = len(_me_requests(sandbox))
    with CivitaiClient(_options(sandbox, None)) as client:
        result = client.me()
    _assert_no_key_failure(sandbox, error_of(result), before)
    with pytest.raises(AuthenticationError):
        result.unwrap()


async def test_async_me_without_a_key_fails_without_a_request(sandbox: Sandbox) -> None:
    before = len(_me_requests(sandbox))
    async with AsyncCivitaiClient(_options(sandbox, None)) as client:
        result = await client.me()
    _assert_no_key_failure(sandbox, error_of(result), before)


@pytest.mark.parametrize("driver", ["sync", "async"])
async def test_a_rejected_key_is_civitais_401_and_never_shown(sandbox: Sandbox, driver: str) -> None:
    if driver == "sync":
        with CivitaiClient(_options(sandbox, WRONG)) as client:
            result = client.me()
    else:
        async with AsyncCivitaiClient(_options(sandbox, WRONG)) as aclient:
            result = await aclient.me()
    error = error_of(result)
    assert (error.code, error.http_status) == (ErrorCode.UNAUTHORIZED, 401)
    assert "Unauthorized" in error.message and "The key came from" in error.message
    assert WRONG not in str(error) and WRONG not in repr(result)


def test_the_model_is_open_and_tier_status_optional() -> None:
    user = CurrentUser.model_validate({"id": 7, "username": "a", "tier": None, "isMember": True})
    assert (user.tier, user.status) == (None, None)
    assert user.model_extra == {"isMember": True}
    assert CurrentUser.model_validate({"id": 8}).username is None
    assert "inferred" in (CurrentUser.__doc__ or "")


def test_strict_parsing_names_unknown_fields_of_me(sandbox: Sandbox) -> None:
    sandbox.rest.current_user = {**sandbox.rest.current_user, "isMember": False}
    try:
        options = _options(sandbox, GOOD).model_copy(update={"strict_json_parsing": True})
        with CivitaiClient(options) as client:
            error = error_of(client.me())
    finally:
        sandbox.rest.current_user = {k: v for k, v in sandbox.rest.current_user.items() if k != "isMember"}
    assert error.code is ErrorCode.DESERIALIZATION_FAILED and "$.isMember" in error.message


# ------------------------------------------------------------------------------------------ the sandbox's keys


def test_restricted_keys_also_gate_favourites_and_login_only_downloads(sandbox: Sandbox) -> None:
    with CivitaiClient(_options(sandbox, WRONG)) as client:
        assert error_of(client.models.where_favorites().execute(limit=1)).http_status == 401
    with CivitaiClient(_options(sandbox, GOOD)) as client:
        assert client.models.where_favorites().execute(limit=1).is_success
    file = sandbox.downloads.add(b"members" * 10, name="members.safetensors", version_id=99_001, require_login=True)
    url = f"{sandbox.url}/api/download/models/{file.version_id}"
    assert httpx.get(url, headers={"Authorization": f"Bearer {WRONG}"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {GOOD}"}).status_code == 307
    assert httpx.get(url, params={"token": GOOD}).status_code == 307


def test_by_default_the_sandbox_accepts_any_key() -> None:
    with start_sandbox() as open_sandbox:
        response = httpx.get(f"{open_sandbox.url}/api/v1/me", headers={"Authorization": "Bearer anything"})
        assert response.json()["username"] == "sandbox_user"
        refused = httpx.get(f"{open_sandbox.url}/api/v1/me")
        assert (refused.status_code, refused.json()) == (401, {"error": "Unauthorized"})


@pytest.mark.parametrize(
    ("keys", "exception"), [("one-key", TypeError), ([], ValueError), ([" "], ValueError), ([3], ValueError)]
)
def test_accepted_keys_are_checked(keys: Any, exception: type[Exception]) -> None:
    with pytest.raises(exception, match="accepted_keys"):
        start_sandbox(accepted_keys=keys)
