"""The suite's own guards (tests/conftest.py): each test gets a fresh, empty configuration home of its own,
and only tests marked ``slow`` may start a Python process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

_SEEN_HOMES: list[str] = []


@pytest.mark.parametrize("turn", [1, 2])
def test_every_test_gets_a_fresh_empty_home(turn: int) -> None:
    project = Path(os.environ["CIVITAI_CONFIG_DIR"])
    home = project.parent
    assert project.is_dir()
    assert list(home.iterdir()) == [project]
    set_by_the_suite = {"CIVITAI_CONFIG_DIR", "CIVITAI_SECRETS_DIR", "CIVITAI_USER_SECRETS"}
    assert {name for name in os.environ if name.upper().startswith("CIVITAI")} == set_by_the_suite
    for variable in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "CIVITAI_SECRETS_DIR", "CIVITAI_USER_SECRETS"):
        assert Path(os.environ[variable]).parent == home
    assert str(home) not in _SEEN_HOMES
    _SEEN_HOMES.append(str(home))
    (home / "cache").mkdir()  # left behind on purpose: the next test must not see it
    (home / "cache" / "entry").write_text(str(turn))


def test_a_fast_test_may_not_start_python() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"mark the test @pytest\.mark\.slow"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)


def test_a_fast_test_may_start_other_programs() -> None:
    assert subprocess.run(["true"], check=True).returncode == 0


@pytest.mark.slow
def test_a_slow_test_may_start_python() -> None:
    assert subprocess.run([sys.executable, "-c", "pass"], check=True).returncode == 0
