"""One invocation's composition: its output streams and its ``CivitaiContainer``.

The ``civitai`` command is an application of the library like any other: it builds one container per
invocation, binds the options with ``add_civitai_api`` (``--base-url``/``--api-key``/... as *arguments*, ranking
above every configuration source, exactly as they would in code) and takes every object from its providers, so
clients, limits and the hash cache are shared as in an application. ``shutdown_resources()`` runs when the
invocation ends, however it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from civitai_kit.cli._flags import GlobalFlags
from civitai_kit.cli._output import FAILURE, USAGE_ERROR, Output
from civitai_kit.container import CivitaiContainer
from civitai_kit.core import CivitaiClient
from civitai_kit.errors import ConfigurationError
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.tools.downloads import DownloadService
from civitai_kit.tools.hashing import FileHashingService
from civitai_kit.tools.library import LibraryScanner

if TYPE_CHECKING:
    from civitai_kit.sdk import SdkClient

__all__ = ["FAILURE", "USAGE_ERROR", "CliState", "JsonFlag", "state_of"]

T = TypeVar("T")


@dataclass
class CliState:
    """Per-invocation state, stored on the Typer context object."""

    output: Output
    container: CivitaiContainer

    @classmethod
    def compose(
        cls,
        ctx: typer.Context,
        output: Output,
        *,
        overrides: dict[str, Any],
        config_dir: Path | None,
        environment: str | None,
    ) -> CliState:
        """The invocation's one container, bound to the flags; its resources close when ``ctx`` closes
        (normal end, an error exit or Ctrl-C alike)."""
        container = CivitaiContainer()
        container.add_civitai_api(config_dir=config_dir, environment=environment, overrides=overrides)
        ctx.call_on_close(container.shutdown_resources)
        return cls(output=output, container=container)

    def options(self) -> CivitaiApiOptions:
        """The effective options; their keys are masked in all output from here on.

        A bad value exits with one line: code 2 when it came from a flag, 1 when from configuration.
        """
        try:
            return self.options_quietly()
        except ConfigurationError as exc:
            self.output.fail(exc.error, exit_code=USAGE_ERROR if _from_arguments(exc) else FAILURE)

    def options_quietly(self) -> CivitaiApiOptions:
        """The effective options (keys masked from here on); a bad value raises ``ConfigurationError``."""
        options: CivitaiApiOptions = self.container.options()
        self.output.add_secret(options.api_key)
        self.output.add_secret(options.sdk.api_token)
        return options

    def core_client(self) -> CivitaiClient:
        return self._configured(self.container.core_client)

    def sdk_client(self) -> SdkClient:
        return self._configured(self.container.sdk_client)

    def downloader(self) -> DownloadService:
        return self._configured(self.container.downloader)

    def library(self) -> LibraryScanner:
        return self._configured(self.container.library)

    def hasher(self) -> FileHashingService:
        hasher: FileHashingService = self.container.hasher()  # needs no options: a broken config does not matter
        return hasher

    def _configured(self, provide: Callable[[], T]) -> T:
        """``provide()`` once the options loaded; a configuration problem (no SDK token...) ends the command."""
        self.options()
        try:
            return provide()
        except ConfigurationError as exc:
            self.output.fail(exc.error)


JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout (also a global flag).")]
"""``--json`` accepted after the command too (``civitai models list --json``), not only before it."""


def state_of(ctx: typer.Context, json_output: bool = False) -> CliState:
    """The invocation's ``CliState``, composed on first use from the root callback's flags; ``json_output``
    turns JSON on."""
    root = ctx.find_root()
    if isinstance(root.obj, GlobalFlags):
        flags: GlobalFlags = root.obj
        root.obj = CliState.compose(
            ctx, flags.output, overrides=flags.overrides, config_dir=flags.config_dir, environment=flags.environment
        )
    state = root.obj
    if not isinstance(state, CliState):  # pragma: no cover - the root callback always sets the flags
        raise RuntimeError("civitai: command invoked without the root callback")
    if json_output:
        state.output.json_mode = True
    return state


def _from_arguments(error: ConfigurationError) -> bool:
    problems = (error.error.details or {}).get("problems", ())
    return any(problem.get("source") == "argument" for problem in problems)
