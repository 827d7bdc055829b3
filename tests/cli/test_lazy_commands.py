"""``civitai --help`` lists every command without importing one: no pydantic, httpx or dependency_injector for
a help text, while each command still loads (with its own help line) when it runs or is completed."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import pytest

from civitai_kit.cli._lazy_group import LazyCommand
from civitai_kit.cli.app import COMMANDS

HEAVY = ("pydantic", "httpx", "dependency_injector")

SHOW_HEAVY = f"""
import sys
sys.argv = ["civitai", *sys.argv[1:]]
from civitai_kit.cli import main
try:
    main()
except SystemExit:
    pass
import gc
print("frozen:", gc.get_freeze_count())
print("loaded:", *sorted(name for name in {HEAVY!r} if name in sys.modules))
"""


def _civitai(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", SHOW_HEAVY, *args], capture_output=True, text=True, env=environment, timeout=120
    )


def _first_paragraph(text: str | None) -> str:
    return " ".join(inspect.cleandoc(text or "").split("\n\n")[0].split())


@pytest.mark.slow
def test_help_lists_every_command_without_importing_the_library() -> None:
    completed = _civitai("--help")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.rstrip().endswith("loaded:"), completed.stdout  # none of HEAVY
    for command in COMMANDS:
        assert f" {command.name} " in completed.stdout
        assert command.help.split()[0] in completed.stdout


@pytest.mark.slow
def test_a_command_that_runs_is_loaded_with_its_imports() -> None:
    completed = _civitai("--json", "config", "show")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.rstrip().endswith("loaded: dependency_injector httpx pydantic"), completed.stdout
    # what is alive when the command ends is frozen, so the interpreter's exit does not trace it all again
    frozen = int(completed.stdout.split("frozen:")[1].split()[0])
    assert frozen > 10_000, completed.stdout


@pytest.mark.slow
def test_shell_completion_reaches_commands_and_their_options() -> None:
    def complete(words: str) -> str:
        env = {"_CIVITAI_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": words}
        completed = _civitai(env=env)
        assert completed.returncode == 0, completed.stderr
        return completed.stdout

    assert '"whoami":"Whose API key is in use' in complete("civitai who")
    assert '"list"' in complete("civitai models li")
    assert '"--sort"' in complete("civitai models list --so")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command.name)
def test_each_listed_help_line_is_the_commands_own(command: LazyCommand) -> None:
    loaded = command.load()
    assert loaded.name == command.name
    assert _first_paragraph(command.help) == _first_paragraph(loaded.short_help or loaded.help)
