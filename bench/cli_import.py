"""The ``civitai --help`` row: the whole process vs ``python -c "import typer, rich.console"`` (target ≤ 2.5×).

Both are fresh interpreters started the same way, alternately. The row also checks what ``--help`` imports:
neither pydantic, httpx nor dependency_injector should be loaded just to print the command list.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench._table import Row, interleave

TARGET = 2.5
HEAVY = ("pydantic", "httpx", "dependency_injector")


def _civitai() -> list[str]:
    script = Path(sys.executable).with_name("civitai")
    return [str(script)] if script.exists() else [sys.executable, "-m", "civitai_kit.cli"]


def heavy_imports() -> list[str]:
    """Which of ``HEAVY`` a ``civitai --help`` process has imported (read from ``-X importtime``)."""
    code = "import sys; sys.argv = ['civitai', '--help']; from civitai_kit.cli import main; main()"
    completed = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True)
    loaded = {line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines() if "|" in line}
    return [name for name in HEAVY if name in loaded]


def run(rounds: int) -> list[Row]:
    command = _civitai()

    def ours() -> None:
        subprocess.run([*command, "--help"], check=True, capture_output=True)

    def baseline() -> None:
        subprocess.run([sys.executable, "-c", "import typer, rich.console"], check=True, capture_output=True)

    mine, theirs = interleave(rounds, ours, baseline)
    heavy = heavy_imports()
    notes = (f"imports {', '.join(heavy)}",) if heavy else ("imports none of " + ", ".join(HEAVY),)
    checks = {"no " + "/".join(HEAVY): not heavy}
    return [
        Row(
            "`civitai --help`, whole process",
            '`python -c "import typer, rich.console"`',
            tuple(mine),
            tuple(theirs),
            TARGET,
            notes,
            checks,
        )
    ]
