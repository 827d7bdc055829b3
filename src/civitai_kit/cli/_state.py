"""What the global flags decide for one invocation: output mode and the options' argument layer.

``--base-url``/``--api-key``/... become keyword arguments of :class:`CivitaiApiOptions`, so they rank as
*arguments* above every configuration source, exactly as they would in code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from civitai_kit.cli._output import Output
from civitai_kit.errors import ConfigurationError
from civitai_kit.options import CivitaiApiOptions

if TYPE_CHECKING:
    from civitai_kit.core import CivitaiClient
    from civitai_kit.sdk import SdkClient

USAGE_ERROR = 2
FAILURE = 1


@dataclass
class CliState:
    """Per-invocation settings, stored on the Typer context object."""

    output: Output
    overrides: dict[str, Any] = field(default_factory=dict)
    config_dir: Path | None = None
    environment: str | None = None
    _options: CivitaiApiOptions | None = None

    def options(self, **extra: Any) -> CivitaiApiOptions:
        """The effective options (global flags + ``extra`` as arguments, then every configuration source).

        A bad value exits with one line: code 2 when it came from a flag, 1 when from configuration.
        """
        if self._options is not None and not extra:
            return self._options
        arguments = _merge(self.overrides, extra)
        try:
            options = CivitaiApiOptions.load(self.config_dir, self.environment, **arguments)
        except ConfigurationError as exc:
            self.output.fail(exc.error, exit_code=USAGE_ERROR if _from_arguments(exc) else FAILURE)
        self.output.add_secret(options.api_key)
        self.output.add_secret(options.sdk.api_token)
        if not extra:
            self._options = options
        return options

    @contextmanager
    def core_client(self, **extra: Any) -> Iterator[CivitaiClient]:
        from civitai_kit.core import CivitaiClient

        with CivitaiClient(self.options(**extra)) as client:
            yield client

    @contextmanager
    def sdk_client(self, **extra: Any) -> Iterator[SdkClient]:
        from civitai_kit.sdk import SdkClient

        options = self.options(**extra)
        try:
            client = SdkClient(options)
        except ConfigurationError as exc:
            self.output.fail(exc.error)
        with client:
            yield client


JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout (also a global flag).")]
"""``--json`` accepted after the command too (``civitai models list --json``), not only before it."""


def state_of(ctx: typer.Context, json_output: bool = False) -> CliState:
    """The invocation's :class:`CliState` (set by the root callback); ``json_output`` turns JSON on."""
    state = ctx.find_root().obj
    if not isinstance(state, CliState):  # pragma: no cover - the root callback always sets it
        raise RuntimeError("civitai: command invoked without the root callback")
    if json_output:
        state.output.json_mode = True
    return state


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _from_arguments(error: ConfigurationError) -> bool:
    problems = (error.error.details or {}).get("problems", ())
    return any(problem.get("source") == "argument" for problem in problems)
