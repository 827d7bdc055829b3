"""Drive the ``civitai`` command against the sandbox: in-process (Typer's runner) or as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from civitai_kit.cli.app import app
from civitai_kit.testing.sandbox import Sandbox, start_sandbox

FAKE_KEY = "ck-FAKE-5up3r-s3cr3t-k3y-0451"
"""A recognisable key: no output of any command may contain it."""

CIVITAI = Path(sys.executable).with_name("civitai")

QUICK_RETRIES = {"CIVITAIAPI__RESILIENCE__BASEDELAYSECONDS": "0.01"}
"""For a command that fails after every retry: the same attempts, without the default 0.5 s, 1 s, 2 s backoff."""


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def everything(self) -> str:
        return self.stdout + self.stderr


Invoke = Callable[..., Outcome]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox() as running:
        yield running


@pytest.fixture
def sandbox_env(sandbox: Sandbox) -> dict[str, str]:
    sandbox.server.faults.clear()
    return sandbox.environment()


@pytest.fixture
def cli(sandbox_env: dict[str, str]) -> Invoke:
    """``cli("models", "list", env={...}, input=...)``: the app in-process, pointed at the sandbox."""
    runner = CliRunner()

    def invoke(*args: str, env: Mapping[str, str] | None = None, input: str | None = None) -> Outcome:
        environment = {"COLUMNS": "400", **sandbox_env, **(env or {})}  # no wrapping inside long tmp paths (xdist)
        result = runner.invoke(app, list(args), env=environment, input=input, catch_exceptions=False)
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def run(sandbox_env: dict[str, str]) -> Invoke:
    """``run("models", "list")``: the installed ``civitai`` console script as a subprocess (no TTY)."""

    def invoke(*args: str, env: Mapping[str, str] | None = None, input: str | None = None) -> Outcome:
        completed = subprocess.run(
            [str(CIVITAI), *args],
            env={**os.environ, **sandbox_env, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Outcome(completed.returncode, completed.stdout, completed.stderr)

    return invoke


@pytest.fixture
def served_file(sandbox: Sandbox) -> Any:
    """A catalogue file the sandbox serves without refusal (a ``FakeFile``: ``version_id``, ``data``, ...)."""
    return next(f for f in sandbox.downloads.files() if f.primary and f.refusal is None and not f.require_login)


@pytest.fixture
def fake_key() -> str:
    return FAKE_KEY


@pytest.fixture
def civitai_script() -> Path:
    return CIVITAI
