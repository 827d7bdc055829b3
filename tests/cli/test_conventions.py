"""The conventions every ``civitai`` command follows, through the real ``civitai`` entry point over loopback:
usage errors on one line with exit 2, JSON errors on stdout with ``--json``, shell-quoted hints, hashes that
never wrap, the real API limits in help and validation, local checks before any (paid) request."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.testing.sandbox import Sandbox


def _tokens(line: str) -> list[str]:
    """``line`` split the way a shell splits it, pipes and semicolons as their own tokens."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def test_the_more_hint_pastes_into_a_shell_as_one_argument(run: Any) -> None:
    page = run("--json", "models", "list", "--limit", "2").json()
    cursor = page["metadata"]["nextCursor"]
    assert "|" in cursor  # the sandbox's cursors look like Civitai's: "3|1715393280000"
    hinted = run("models", "list", "--limit", "2")
    assert hinted.exit_code == 0, hinted.stderr
    hint = next(line for line in hinted.stderr.splitlines() if "--cursor" in line)
    tokens = _tokens(hint[hint.index("--cursor") :])
    assert tokens == ["--cursor", cursor]  # unquoted, the shell would see a pipe here


@pytest.mark.parametrize("columns", ["40", "200"])
def test_hashes_never_wrap(run: Any, tmp_path: Path, columns: str) -> None:
    file = tmp_path / "model.safetensors"
    file.write_bytes(b"weights" * 1000)
    hashes = run("--json", "hash", str(file)).json()[0]["hashes"]
    shown = run("hash", str(file), env={"COLUMNS": columns})
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert len(hashes["SHA256"]) == len(hashes["BLAKE3"]) == 64
    for name, value in hashes.items():
        if value is None:  # AutoV3 of a file that is not safetensors
            continue
        assert any(line.split() == [name, value] for line in lines), (name, shown.stdout)


def test_models_list_limit_is_the_real_apis_1_to_100(run: Any) -> None:
    assert "1-100" in run("models", "list", "--help", env={"COLUMNS": "200"}).stdout
    assert "1-200" in run("images", "list", "--help", env={"COLUMNS": "200"}).stdout
    over = run("models", "list", "--limit", "101")
    assert over.exit_code == 2 and over.stdout == ""
    assert len(over.stderr.strip().splitlines()) == 1 and "--limit" in over.stderr
    assert run("models", "list", "--limit", "100").exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ("models", "list", "--limit", "0"),
        ("models", "get", "not-a-number"),
        ("models", "get", "0"),
        ("versions", "get"),
        ("models", "list", "--no-such-flag"),
        ("no-such-command",),
    ],
)
def test_usage_errors_are_one_line_with_exit_2_and_json_on_stdout(run: Any, args: tuple[str, ...]) -> None:
    plain = run(*args)
    assert plain.exit_code == 2
    assert len(plain.stderr.strip().splitlines()) == 1 and plain.stderr.startswith("error: ")
    as_json = run("--json", *args)
    assert as_json.exit_code == 2
    error = as_json.json()["error"]
    assert error["code"] == "usage" and error["exit_code"] == 2 and error["message"]


@pytest.mark.parametrize("bad", ["zzz", "A57F0E4FE", "G" * 64, "A57F0E4FED" + "0" * 60])
def test_a_malformed_hash_is_a_local_usage_error(run: Any, sandbox: Sandbox, bad: str) -> None:
    before = len(sandbox.server.requests.snapshot())
    outcome = run("--json", "versions", "by-hash", bad)
    assert outcome.exit_code == 2, outcome.stderr
    assert "not a Civitai hash" in outcome.json()["error"]["message"]
    assert len(sandbox.server.requests.snapshot()) == before  # nothing was sent


def test_an_api_failure_with_json_is_a_json_error_on_stdout(run: Any) -> None:
    outcome = run("--json", "models", "get", "999999999")
    assert outcome.exit_code == 1
    error = outcome.json()["error"]
    assert error["name"] == "NOT_FOUND" and error["http_status"] == 404 and error["exit_code"] == 1
    assert outcome.stderr.startswith("error: ")


def test_generate_checks_dir_before_submitting(run: Any, sandbox: Sandbox, tmp_path: Path, fake_key: str) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("not a folder")
    before = len(sandbox.server.requests.snapshot())
    outcome = run("--json", "generate", "a cat", "--dir", str(a_file), env={"CIVITAIAPI__SDK__APITOKEN": fake_key})
    assert outcome.exit_code == 2, outcome.stderr
    assert "--dir" in outcome.json()["error"]["message"]
    assert not [r for r in sandbox.server.requests.snapshot()[before:] if r.path.startswith("/v2/")]  # no Buzz spent


def test_bash_completion_installs_into_home(run: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # Typer detects the shell from the parent processes (under `make`, that is sh); with detection off the shell
    # is the option's value, so the test does not depend on who started pytest.
    env = {"HOME": str(home), "SHELL": "/bin/bash", "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    installed = run("--install-completion", "bash", env=env)
    assert installed.exit_code == 0, installed.stderr
    script = home / ".bash_completions" / "civitai.sh"
    assert script.is_file() and "_CIVITAI_COMPLETE" in script.read_text()
    assert str(script) in (home / ".bashrc").read_text()
    shown = run("--show-completion", "bash", env=env)
    assert shown.exit_code == 0 and re.search(r"complete .*civitai", shown.stdout)


def test_api_key_after_any_command_reaches_the_request(run: Any, sandbox: Sandbox, fake_key: str) -> None:
    outcome = run("models", "list", "--limit", "1", "--api-key", fake_key, "--json")
    assert outcome.exit_code == 0, outcome.stderr
    request = sandbox.server.requests.matching(path="/api/v1/models")[-1]
    assert request.headers.get("authorization") == f"Bearer {fake_key}"
    assert fake_key not in outcome.everything
    equals = run("config", "show", f"--api-key={fake_key}", "--json")
    assert equals.exit_code == 0 and fake_key not in equals.everything
