"""Commands registered by name, import path and one line of help, imported only when they run.

Every command module imports the library (pydantic, httpx, the container). Listing them all for ``civitai
--help`` used to cost ~0.9 s of imports; [`LazyGroup`][] lists each from its table entry instead, and swaps in
the real command when click resolves the name (to run it, show its own help or complete its arguments).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """One command: its name, where it is (``"package.module:attribute"``, a Typer app or a command function)
    and the line ``civitai --help`` shows for it (a test keeps it equal to the command's own help)."""

    name: str
    target: str
    help: str

    def listed(self) -> _Listed:
        """What the command list needs: the name and the help line."""
        return _Listed(self.name, help=self.help, callback=_not_loaded)

    def load(self) -> TyperCommand | TyperGroup:
        """The real command: the target's module imported, a Typer app as its group, a function as a command."""
        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            command: object = typer.main.get_group(found)
        else:
            single = typer.Typer(add_completion=False)
            single.command(self.name)(found)
            command = typer.main.get_command(single)
        if not isinstance(command, TyperCommand | TyperGroup):  # pragma: no cover - Typer builds only these
            raise TypeError(f"{self.target} is not a Typer command")
        command.name = self.name
        return command


class _Listed(TyperCommand):
    """A command's stand-in in the list until it is resolved."""


def _not_loaded() -> NoReturn:  # pragma: no cover - resolve_command loads the command before it can run
    raise RuntimeError("a listed command ran before it was loaded")


class LazyGroup(TyperGroup):
    """A Typer group whose commands come from ``lazy_commands``: listed from the table, loaded on use."""

    lazy_commands: ClassVar[Sequence[LazyCommand]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for entry in self.lazy_commands:
            self.commands.setdefault(entry.name, entry.listed())

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:  # Typer's own signature names click's types
        """Load the named command before click resolves it (to run it, show its help or complete it)."""
        if args:
            self.load(args[0])
        return super().resolve_command(ctx, args)

    def load_all(self) -> None:
        """Every command loaded: for tools that walk the whole tree (generated docs, tests)."""
        for entry in self.lazy_commands:
            self.load(entry.name)

    def load(self, name: str) -> None:
        """Swap the stand-in of ``name`` (if it is one) for the real command."""
        if isinstance(self.commands.get(name), _Listed):
            entry = next(entry for entry in self.lazy_commands if entry.name == name)
            self.commands[name] = entry.load()
