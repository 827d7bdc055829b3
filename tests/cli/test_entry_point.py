"""The installed ``civitai`` script as a real process: help, JSON, progress, secrets never shown, sandbox."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.testing.sandbox import Sandbox

pytestmark = pytest.mark.slow  # every test here runs a process or an example

PROGRESS_MARKS = ("\r", "━", "\x1b[")


def test_help_and_version(run: Any) -> None:
    helped = run("--help")
    assert helped.exit_code == 0
    for command in ("models", "versions", "images", "tags", "creators", "download", "hash", "identify",
                    "generate", "config", "secrets", "sandbox"):  # fmt: skip
        assert command in helped.stdout
    assert run("--version").stdout.startswith("civitai-kit ")
    assert run().exit_code in (0, 2)  # no command: the help text


def test_json_output_is_valid_and_alone_on_stdout(run: Any) -> None:
    outcome = run("--json", "models", "list", "--limit", "2")
    assert outcome.exit_code == 0, outcome.stderr
    assert len(json.loads(outcome.stdout)["items"]) == 2


def test_no_progress_bars_when_stderr_is_not_a_terminal(
    run: Any, sandbox: Sandbox, tmp_path: Path, served_file: Any
) -> None:
    file = served_file
    downloaded = run("download", str(file.version_id), "--dir", str(tmp_path))
    assert downloaded.exit_code == 0, downloaded.stderr
    hashed = run("hash", *(str(p) for p in tmp_path.rglob("*.safetensors")))
    assert hashed.exit_code == 0
    for outcome in (downloaded, hashed):
        assert not any(mark in outcome.stderr for mark in PROGRESS_MARKS), outcome.stderr


def _run_in_pty(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; returns the exit code and what the terminal showed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return process.wait(timeout=30), shown.decode(errors="replace")


def test_progress_is_drawn_on_a_terminal_unless_disabled(
    tmp_path: Path, sandbox_env: dict[str, str], civitai_script: Path
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(64 * 1024 * 1024))
    env = {**os.environ, **sandbox_env, "COLUMNS": "100"}
    code, shown = _run_in_pty([str(civitai_script), "hash", str(big), "--algo", "SHA256"], env)
    assert code == 0
    assert "hashing big.bin" in shown
    uncached = {**env, "XDG_CACHE_HOME": str(tmp_path / "fresh-cache")}  # the hash cache knows big.bin by now
    code, shown = _run_in_pty([str(civitai_script), "--no-progress", "hash", str(big), "--algo", "SHA256"], uncached)
    assert code == 0
    assert "hashing big.bin" not in shown


def test_the_key_never_appears_in_any_output(
    run: Any, sandbox: Sandbox, tmp_path: Path, served_file: Any, fake_key: str
) -> None:
    file = served_file
    key = {"CIVITAI_API_KEY": fake_key}
    outcomes = [
        run("config", "show", env=key),
        run("--json", "config", "show", env=key),
        run("--api-key", fake_key, "config", "show"),
        run("models", "list", "--limit", "2", "--favorites", env=key),
        run("models", "get", "1", env=key),  # a failure
        run("versions", "get", str(file.version_id), env=key),
        run("download", str(file.version_id), "--dir", str(tmp_path), "--json", env=key),
        run("generate", "a cat", "--dir", str(tmp_path / "img"), env=key),
        run("--api-key", f" {fake_key} ", "--base-url", "nope", "models", "list"),
        run("--api-key", fake_key + " with a space", "models", "list"),
        run("secrets", "set", "CivitaiApi:ApiKey", fake_key, env={"CIVITAI_USER_SECRETS": str(tmp_path / "s.json")}),
        run("secrets", "list", env={"CIVITAI_USER_SECRETS": str(tmp_path / "s.json")}),
    ]
    for outcome in outcomes:
        assert fake_key not in outcome.everything
    assert [o.exit_code for o in outcomes[:8]] == [0, 0, 0, 0, 1, 0, 0, 0]
    assert outcomes[8].exit_code == 2
    # the key did reach the server, in the Authorization header only
    seen = [r for r in sandbox.server.requests.snapshot() if fake_key in r.headers.get("authorization", "")]
    assert seen and all(fake_key not in r.target for r in sandbox.server.requests.snapshot())
    assert not sandbox.downloads.storage_saw_authorization


def test_sandbox_command_serves_until_interrupted(tmp_path: Path, civitai_script: Path) -> None:
    env = {**os.environ}
    process = subprocess.Popen(
        [str(civitai_script), "sandbox"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(3)]
        values = dict(line.split("=", 1) for line in lines)
        assert set(values) == {"CIVITAIAPI__BASEURL", "CIVITAIAPI__SDK__BASEURL", "CIVITAIAPI__SDK__APITOKEN"}
        url = values["CIVITAIAPI__BASEURL"]
        assert url.startswith("http://127.0.0.1:") and values["CIVITAIAPI__SDK__BASEURL"] == url
        with urllib.request.urlopen(f"{url}/api/v1/models?limit=1", timeout=10) as response:
            assert json.load(response)["items"]
        listed = subprocess.run(
            [str(civitai_script), "--json", "tags", "list", "--limit", "1"],
            env={**env, **values},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)["items"]) == 1
    finally:
        process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    assert code == 0
    assert "Sandbox stopped." in (process.stderr.read() if process.stderr else "")


def test_sandbox_refuses_a_non_loopback_host(run: Any) -> None:
    outcome = run("sandbox", "--host", "0.0.0.0")
    assert outcome.exit_code == 2
    assert "loopback" in outcome.stderr
