"""The CLI session in the README is real: each ``$ civitai …`` line runs against the sandbox and prints what the
README shows, modulo the volatile parts (the home folder, the sandbox's port, table widths)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from civitai_kit.testing.sandbox import Sandbox, sandbox_environment, start_sandbox

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = "<!-- readme-session -->"
_BOX = re.compile(r"[\u2500-\u257f]+")
_PORT = re.compile(r"http://127\.0\.0\.1:\d+")


def session() -> list[tuple[str, list[str]]]:
    """``(command, expected output lines)`` of the README's session block."""
    text = README.read_text(encoding="utf-8")
    assert MARKER in text, "the README lost its session block"
    block = text.split(MARKER, 1)[1].split("```text\n", 1)[1].split("\n```", 1)[0]
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def normalised(lines: list[str], home: str) -> list[str]:
    """Without the home folder, the port, box drawing and padding; blank lines dropped."""
    out = []
    for line in lines:
        line = _PORT.sub("http://127.0.0.1:PORT", line.replace(home, "~"))
        line = " ".join(_BOX.sub(" ", line).split())
        if line:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox() as running:
        yield running


def test_the_session_has_commands() -> None:
    steps = session()
    assert len(steps) >= 3 and all(command.startswith("civitai ") for command, _ in steps)


def test_the_readme_session_is_what_the_cli_prints(sandbox: Sandbox, tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.upper().startswith(("CIVITAI", "DOTNET_"))}
    environment.update(sandbox_environment(sandbox.url))
    environment.update(
        HOME=str(tmp_path),
        CIVITAI_CONFIG_DIR=str(tmp_path),
        XDG_CACHE_HOME=str(tmp_path / ".cache"),
        COLUMNS="120",
        NO_COLOR="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}",
    )
    for command, expected in session():
        done = subprocess.run(
            shlex.split(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=tmp_path,
            env=environment,
            timeout=120,
            check=False,
        )
        printed = normalised(done.stdout.splitlines(), str(tmp_path))
        assert printed == normalised(expected, str(tmp_path)), command
        failing = bool(expected) and expected[0].startswith("error:")
        assert done.returncode == (1 if failing else 0), (command, done.stdout)
