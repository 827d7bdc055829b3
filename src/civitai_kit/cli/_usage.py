"""click's own usage errors (an unknown option, a missing argument, ``--limit 500``) in our shape, and
``--api-key`` accepted after any command.

click prints a usage block, a hint and the error over several lines (Typer draws a rich panel): a script cannot
parse that and a human has to look for the message. [`CivitaiGroup`][] reports them like every other failure:
one ``error: ...`` line on stderr, exit code 2, and with ``--json`` the error object on stdout too.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer

from civitai_kit.cli._lazy_group import LazyGroup
from civitai_kit.cli._output import FAILURE, USAGE_ERROR, Output

_KEY_FLAG = "--api-key"
_HELP_SHOWN = "NoArgsIsHelpError"
"""``civitai models`` without a command: the help was already printed, nothing to add (Typer checks the same)."""


class CivitaiGroup(LazyGroup):
    """The root command: runs non-standalone so click's exceptions reach us, then exits like click would; its
    commands are imported only when they run (see ``app.COMMANDS``)."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        arguments = hoist_global_flags(list(sys.argv[1:] if args is None else args))
        try:
            returned = super().main(arguments, prog_name, complete_var, False, **extra)
        except typer.TyperException as exc:  # click's errors (Typer vendors click; this is their public base)
            if type(exc).__name__ != _HELP_SHOWN:
                _output_for(arguments).report(_message(exc), exc.exit_code)
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("Aborted.\n")
            sys.exit(FAILURE)
        sys.exit(returned if isinstance(returned, int) else 0)


def hoist_global_flags(arguments: list[str]) -> list[str]:
    """``--api-key VALUE`` anywhere before ``--`` moved to the front, where the root callback reads it: so
    ``civitai models list --api-key ...`` works for every command, present and future, like ``hf ... --token``."""
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if argument == "--":
            rest.extend(arguments[index:])
            break
        if argument == _KEY_FLAG and index + 1 < len(arguments):
            hoisted += arguments[index : index + 2]
            index += 2
            continue
        if argument.startswith(_KEY_FLAG + "="):
            hoisted.append(argument)
        else:
            rest.append(argument)
        index += 1
    return hoisted + rest


def _output_for(arguments: list[str]) -> Output:
    """An ``Output`` for a failure before (or while) the root callback ran: ``--json`` anywhere turns JSON on,
    and an ``--api-key`` value is masked should click echo it."""
    output = Output(json_mode="--json" in arguments)
    for index, argument in enumerate(arguments):
        if argument == _KEY_FLAG and index + 1 < len(arguments):
            output.add_secret(arguments[index + 1])
        elif argument.startswith(_KEY_FLAG + "="):
            output.add_secret(argument.partition("=")[2])
    return output


def _message(exc: typer.TyperException) -> str:
    """The message, naming the command and where its help is (``civitai models list --help``)."""
    message = " ".join(exc.format_message().split())
    context = getattr(exc, "ctx", None)
    if exc.exit_code == USAGE_ERROR and context is not None:
        return f"{message} (see: {context.command_path} --help)"
    return message
