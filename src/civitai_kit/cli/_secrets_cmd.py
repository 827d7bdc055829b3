"""``civitai secrets set|list|remove``: the per-user secrets file, like ``dotnet user-secrets``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from civitai_kit.cli._output import MASK, table
from civitai_kit.cli._state import JsonFlag, state_of
from civitai_kit.errors import ConfigurationError
from civitai_kit.options import UserSecrets

app = typer.Typer(help="Manage user secrets (a per-user file outside every project).", no_args_is_help=True)

_LIBRARY_MASK = "**********"


def _store(ctx: typer.Context) -> UserSecrets:
    state = state_of(ctx)
    try:
        return UserSecrets()
    except ConfigurationError as exc:
        state.output.fail(exc.error)


@app.command("set")
def set_secret(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Configuration key, e.g. CivitaiApi:ApiKey or CivitaiApi:Sdk:ApiToken.")],
    value: Annotated[
        str | None,
        typer.Argument(help="The value; omit it to be prompted (keeps it out of shell history).", show_default=False),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Store a value for KEY in the user secrets file (mode 0600)."""
    state = state_of(ctx, json_output)
    output = state.output
    if value is None:
        value = typer.prompt(f"Value for {key}", hide_input=True)
    output.add_secret(value.strip())
    store = _store(ctx)
    try:
        stored = store.set(key, value)
    except ConfigurationError as exc:
        output.fail(exc.error, exit_code=2)
    output.emit(
        {"key": stored, "path": str(store.path)},
        lambda console: console.print(f"Saved {stored} to {store.path}", highlight=False),
    )


@app.command("list")
def list_secrets(
    ctx: typer.Context,
    json_output: JsonFlag = False,
) -> None:
    """Every stored key; values of keys and tokens are shown as ***."""
    output = state_of(ctx, json_output).output
    store = _store(ctx)
    try:
        entries = {key: MASK if value == _LIBRARY_MASK else value for key, value in store.list().items()}
    except ConfigurationError as exc:
        output.fail(exc.error)

    def render(console: Console) -> None:
        if not entries:
            console.print(f"No user secrets in {store.path}", highlight=False)
            return
        listing = table("Key", "Value", title=str(store.path))
        for key, value in entries.items():
            listing.add_row(key, value)
        console.print(listing)

    output.emit({"path": str(store.path), "secrets": entries}, render)


@app.command("remove")
def remove_secret(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Configuration key to forget, e.g. CivitaiApi:ApiKey.")],
    json_output: JsonFlag = False,
) -> None:
    """Forget KEY. Exits with 1 when it was not stored."""
    output = state_of(ctx, json_output).output
    store = _store(ctx)
    try:
        removed = store.remove(key)
    except ConfigurationError as exc:
        output.fail(exc.error)
    if not removed:
        output.fail(f"{key} is not in {store.path}")
    output.emit(
        {"key": key, "removed": True, "path": str(store.path)},
        lambda console: console.print(f"Removed {key} from {store.path}", highlight=False),
    )
