"""``civitai sandbox --accept-key`` then ``login`` / ``whoami`` / ``generate`` / ``workflow list`` through the
installed ``civitai`` script."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import CIVITAI

pytestmark = pytest.mark.slow  # processes

GOOD = "ck-entry-g00d-k3y-0451"
BAD = "ck-entry-wr0ng-k3y-0451"


@pytest.fixture
def restricted_sandbox() -> Iterator[dict[str, str]]:
    """A ``civitai sandbox --accept-key GOOD`` process; yields the environment lines it printed."""
    process = subprocess.Popen(
        [str(CIVITAI), "sandbox", "--accept-key", GOOD],
        env={**os.environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(2)]  # no placeholder Generator token
        yield dict(line.split("=", 1) for line in lines)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "only the 1 given with --accept-key" in err and GOOD not in err


def _civitai(environment: dict[str, str], *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CIVITAI), *args],
        env={**os.environ, **environment},
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_login_and_whoami_against_a_sandbox_that_knows_one_key(
    restricted_sandbox: dict[str, str], tmp_path: Path
) -> None:
    env = {**restricted_sandbox, "CIVITAI_USER_SECRETS": str(tmp_path / "secrets.json")}
    rejected = _civitai(env, "login", "--token-stdin", input=BAD)
    assert rejected.returncode == 1 and "key rejected" in rejected.stderr
    assert not (tmp_path / "secrets.json").exists()
    accepted = _civitai(env, "login", "--token-stdin", input=GOOD)
    assert accepted.returncode == 0, accepted.stderr
    assert "Logged in as sandbox_user (tier free)" in accepted.stdout
    who = _civitai(env, "--json", "whoami")
    assert who.returncode == 0, who.stderr
    data = json.loads(who.stdout)
    assert (data["username"], data["tier"], data["accepted"]) == ("sandbox_user", "free", True)
    assert data["source"].startswith("user secrets")
    wrong = _civitai({**env, "CIVITAI_API_KEY": BAD}, "whoami")
    assert wrong.returncode == 1 and "rejected (401 Unauthorized)" in wrong.stdout
    for outcome in (rejected, accepted, who, wrong):
        assert GOOD not in outcome.stdout + outcome.stderr and BAD not in outcome.stdout + outcome.stderr


def test_the_generator_takes_only_the_accepted_key_too(restricted_sandbox: dict[str, str], tmp_path: Path) -> None:
    env = {**restricted_sandbox, "CIVITAI_USER_SECRETS": str(tmp_path / "secrets.json")}
    refused = "UNAUTHORIZED (HTTP 401): The Bearer token is not valid."
    listed = _civitai({**env, "CIVITAI_API_KEY": BAD}, "workflow", "list")
    assert listed.returncode == 1 and refused in listed.stderr
    assert "The key came from environment variable CIVITAI_API_KEY" in listed.stderr
    generated = _civitai({**env, "CIVITAI_API_KEY": BAD}, "generate", "a lighthouse", "--dir", str(tmp_path))
    assert generated.returncode == 1 and refused in generated.stderr
    assert list(tmp_path.glob("*.png")) == []
    accepted = _civitai({**env, "CIVITAI_API_KEY": GOOD}, "--json", "workflow", "list")
    assert accepted.returncode == 0, accepted.stderr
    for outcome in (listed, generated, accepted):
        assert GOOD not in outcome.stdout + outcome.stderr and BAD not in outcome.stdout + outcome.stderr


def test_an_empty_accept_key_is_a_usage_error() -> None:
    outcome = _civitai({}, "sandbox", "--accept-key", " ")
    assert outcome.returncode == 2 and "--accept-key" in outcome.stderr
