"""``civitai login`` / ``logout`` / ``whoami`` against the sandbox (which answers ``/api/v1/me`` only for the
keys it knows, like Civitai) and against hostile answers (an HTML 401, a reset connection, nobody listening)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.testing import Fault
from civitai_kit.testing.sandbox import Sandbox
from tests.cli.conftest import QUICK_RETRIES
from tests.support.recording_server import RecordingServer

GOOD = "ck-login-g00d-k3y-0451"
BAD = "ck-login-wr0ng-k3y-0451"


@pytest.fixture
def known_keys(sandbox: Sandbox) -> Iterator[None]:
    before = sandbox.rest.api_keys
    sandbox.rest.api_keys = frozenset({GOOD})
    yield
    sandbox.rest.api_keys = before


def _stored() -> dict[str, Any]:
    path = Path(os.environ["CIVITAI_USER_SECRETS"])
    return json.loads(path.read_text()) if path.exists() else {}


def _stored_key() -> str | None:
    data = _stored()
    key = data.get("CivitaiApi:ApiKey") or data.get("CivitaiApi", {}).get("ApiKey")
    return str(key) if key is not None else None


@pytest.mark.usefixtures("known_keys")
def test_login_from_the_prompt_checks_and_stores_the_key(cli: Any, sandbox: Sandbox) -> None:
    sandbox.server.requests.clear()
    outcome = cli("login", input=GOOD + "\n")
    assert outcome.exit_code == 0, outcome.everything
    assert _stored_key() == GOOD
    path = Path(os.environ["CIVITAI_USER_SECRETS"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    checked = [r for r in sandbox.server.requests if r.path.startswith("/api/v1/")]
    assert [r.path for r in checked] == ["/api/v1/me"]
    assert "Logged in as sandbox_user (tier free)" in outcome.stdout
    assert GOOD not in outcome.everything
    who = cli("--json", "whoami")
    assert who.exit_code == 0, who.everything
    assert who.json()["accepted"] is True and who.json()["source"].startswith("user secrets")
    assert (who.json()["username"], who.json()["tier"], who.json()["user_id"]) == ("sandbox_user", "free", 4242)
    assert GOOD not in who.everything


@pytest.mark.usefixtures("known_keys")
def test_a_rejected_key_is_never_stored(cli: Any) -> None:
    outcome = cli("login", "--token-stdin", input=BAD + "\n")
    assert outcome.exit_code == 1
    assert "key rejected" in outcome.stderr
    assert _stored_key() is None
    assert BAD not in outcome.everything


@pytest.mark.usefixtures("known_keys")
def test_token_flag_warns_about_shell_history_and_no_verify_skips_the_check(cli: Any, sandbox: Sandbox) -> None:
    sandbox.server.requests.clear()
    outcome = cli("login", "--token", BAD, "--no-verify")
    assert outcome.exit_code == 0, outcome.everything
    assert "shell history" in outcome.stderr
    assert not [r for r in sandbox.server.requests if r.path.startswith("/api/v1/")]
    assert _stored_key() == BAD
    assert BAD not in outcome.everything
    who = cli("whoami")
    assert who.exit_code == 1
    assert "rejected" in who.stdout and BAD not in who.everything


def test_logout_removes_the_key_and_names_another_source(cli: Any) -> None:
    assert cli("login", "--token-stdin", "--no-verify", input=GOOD).exit_code == 0
    outcome = cli("--json", "logout", env={"CIVITAI_API_KEY": BAD})
    assert outcome.exit_code == 0, outcome.everything
    data = outcome.json()
    assert data["removed"] is True and data["key_still_from"] == "environment variable CIVITAI_API_KEY"
    assert _stored_key() is None
    again = cli("logout")
    assert again.exit_code == 0 and "No CivitaiApi:ApiKey was stored" in again.stdout


def test_login_warns_when_a_higher_source_wins(cli: Any) -> None:
    outcome = cli("login", "--token-stdin", "--no-verify", input=GOOD, env={"CIVITAI_API_KEY": BAD})
    assert outcome.exit_code == 0
    assert "environment variable CIVITAI_API_KEY also sets the API key" in outcome.stderr


def test_whoami_without_a_key_points_at_login(cli: Any) -> None:
    outcome = cli("whoami")
    assert outcome.exit_code == 1
    assert "civitai login" in outcome.stderr


def test_an_empty_key_is_a_usage_error(cli: Any) -> None:
    assert cli("login", "--token-stdin", input="\n").exit_code == 2
    assert _stored_key() is None


def test_an_html_401_is_a_rejection(cli: Any) -> None:
    with RecordingServer() as server:
        server.answer(401, b"<!DOCTYPE html><html><body>401</body></html>", content_type="text/html")
        outcome = cli("--base-url", server.url, "login", "--token-stdin", input=GOOD)
    assert outcome.exit_code == 1
    assert "key rejected" in outcome.stderr
    assert _stored_key() is None


def test_a_reset_connection_stores_nothing(cli: Any, sandbox: Sandbox) -> None:
    sandbox.server.faults.add(Fault.reset(), path="/api/v1/me", times=None)
    try:
        outcome = cli("login", "--token-stdin", input=GOOD, env=QUICK_RETRIES)
    finally:
        sandbox.server.faults.clear()
    assert outcome.exit_code == 1
    assert "could not reach Civitai" in outcome.stderr and "--no-verify" in outcome.stderr
    assert _stored_key() is None


def test_key_messages_point_at_login(cli: Any, sandbox: Sandbox, known_keys: None) -> None:
    missing = cli("models", "list", "--favorites")
    rejected = cli("--api-key", BAD, "models", "list", "--favorites", "--limit", "1")
    assert "civitai login" in missing.stderr, missing.everything
    assert rejected.exit_code == 1 and "civitai login" in rejected.stderr, rejected.everything
    assert BAD not in rejected.everything


# ------------------------------------------------------------------------------------------ /me


@pytest.mark.usefixtures("known_keys")
def test_login_json_names_the_account(cli: Any) -> None:
    outcome = cli("--json", "login", "--token-stdin", input=GOOD)
    assert outcome.exit_code == 0, outcome.everything
    data = outcome.json()
    assert (data["verified"], data["username"], data["tier"]) == (True, "sandbox_user", "free")


@pytest.mark.usefixtures("known_keys")
def test_whoami_shows_the_account_tier_and_source(cli: Any, sandbox: Sandbox) -> None:
    sandbox.rest.current_user = {"id": 5, "username": "no_tier_user"}  # tier and status are optional
    try:
        plain = cli("whoami", env={"CIVITAI_TOKEN": GOOD})
    finally:
        sandbox.rest.current_user = {"id": 4242, "username": "sandbox_user", "tier": "free", "status": "active"}
    assert plain.exit_code == 0, plain.everything
    assert f"Logged in as no_tier_user at {sandbox.url}" in plain.stdout
    assert (
        "API key from environment variable CIVITAI_TOKEN (Sdk:ApiToken, used as the API key): accepted" in plain.stdout
    )
    tiered = cli("whoami", env={"CIVITAI_API_KEY": GOOD})
    assert "Logged in as sandbox_user (tier free)" in tiered.stdout
    assert GOOD not in plain.everything + tiered.everything


@pytest.mark.usefixtures("known_keys")
def test_whoami_with_a_rejected_key_exits_1_and_says_so(cli: Any) -> None:
    outcome = cli("--json", "whoami", env={"CIVITAI_API_KEY": BAD})
    assert outcome.exit_code == 1
    data = outcome.json()
    assert (data["accepted"], data["username"], data["source"]) == (False, None, "environment variable CIVITAI_API_KEY")
    plain = cli("whoami", env={"CIVITAI_API_KEY": BAD})
    assert "rejected (401 Unauthorized)" in plain.stdout and "civitai login" in plain.stderr
    assert BAD not in outcome.everything + plain.everything


def test_whoami_without_a_key_names_every_place_and_sends_nothing(cli: Any, sandbox: Sandbox) -> None:
    sandbox.server.requests.clear()
    outcome = cli("--json", "whoami")
    assert outcome.exit_code == 1
    message = outcome.json()["error"]["message"]
    for place in ("CIVITAI_API_KEY", "CIVITAI_API_TOKEN", "CIVITAI_TOKEN", "civitai login"):
        assert place in message
    assert not [r for r in sandbox.server.requests if r.path == "/api/v1/me"]


def test_whoami_when_civitai_cannot_be_reached(cli: Any) -> None:
    with RecordingServer() as server:
        url = server.url  # nobody listens there once it has stopped
    outcome = cli("--base-url", url, "whoami", env={"CIVITAI_API_KEY": GOOD, "CIVITAIAPI__RESILIENCE__MAXRETRIES": "0"})
    assert outcome.exit_code == 1
    assert f"could not reach Civitai at {url}" in outcome.stderr
    assert "the key comes from environment variable CIVITAI_API_KEY" in outcome.stderr
    assert GOOD not in outcome.everything


def test_an_answer_other_than_401_is_not_a_rejection_and_stores_nothing(cli: Any) -> None:
    with RecordingServer() as server:
        server.answer(503, b'{"error": "Service Unavailable"}')
        outcome = cli(
            "--base-url",
            server.url,
            "login",
            "--token-stdin",
            input=GOOD,
            env={"CIVITAIAPI__RESILIENCE__MAXRETRIES": "0"},
        )
    assert outcome.exit_code == 1
    assert f"could not check the key with Civitai at {server.url} (HTTP 503)" in outcome.stderr
    assert _stored_key() is None
