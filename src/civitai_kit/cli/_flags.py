"""The global flags as the root callback read them, kept until a command asks for its ``CliState``.

The root callback runs before every command, ``civitai models --help`` included; composing the container there
would import the whole library for a help text. ``state_of`` composes it from these flags on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from civitai_kit.cli._output import Output


@dataclass(frozen=True, slots=True)
class GlobalFlags:
    """``--json``/``--quiet``/``--no-progress`` (in ``output``) and the arguments of the invocation's container."""

    output: Output
    overrides: dict[str, object]
    config_dir: Path | None
    environment: str | None
