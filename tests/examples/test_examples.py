"""Every runnable example runs to completion against the sandbox, as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test here runs a process or an example

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RUNNABLE = sorted(
    path
    for path in EXAMPLES.glob("*.py")
    if not path.name.startswith("_") and 'if __name__ == "__main__"' in path.read_text(encoding="utf-8")
)


def test_examples_are_found() -> None:
    assert EXAMPLES / "quickstart.py" in RUNNABLE


@pytest.mark.parametrize("example", RUNNABLE, ids=lambda path: path.stem)
def test_example_runs_against_the_sandbox(example: Path, tmp_path: Path) -> None:
    # The suite's isolation fixture has removed every CIVITAI* variable: nothing is configured, so each
    # example starts the sandbox itself (and must say so).
    completed = subprocess.run(
        [sys.executable, str(example)],
        cwd=tmp_path,  # no appsettings.json or .env here
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
    assert "sandbox" in completed.stdout.lower()


def test_quickstart_prints_every_step(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py"), "--out", str(tmp_path)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    output = completed.stdout
    assert output.startswith("No Civitai key or base URL configured: using the local sandbox")
    for number in range(1, 9):
        assert f"\n== {number}. " in output
    assert "SHA256 verified" in output
    assert "(matched by SHA256)" in output
    assert "workflow " in output and ": succeeded" in output
    assert len(list((tmp_path / "images").glob("*.png"))) == 1
    assert len(list((tmp_path / "models").rglob("*.safetensors"))) == 1
