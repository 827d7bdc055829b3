"""``civitai config show``: the effective options and where each value came from (keys as ``***``)."""

from __future__ import annotations

import typer
from rich.console import Console

from civitai_kit.cli._output import MASK, table
from civitai_kit.cli._state import JsonFlag, state_of

app = typer.Typer(help="Inspect the effective configuration.", no_args_is_help=True)

_LIBRARY_MASK = "**********"


@app.command("show")
def show(
    ctx: typer.Context,
    json_output: JsonFlag = False,
) -> None:
    """Every option with its value and source, highest-priority source first (keys shown as ***)."""
    state = state_of(ctx, json_output)
    options = state.options()
    rows = [
        {"key": row.key, "value": MASK if row.value == _LIBRARY_MASK else row.value, "source": row.source}
        for row in options.describe()
    ]
    plan = options.sources
    files = (
        {
            "config_dir": str(plan.config_dir),
            "environment": plan.environment,
            "appsettings": str(plan.appsettings_file),
            "environment_appsettings": str(plan.environment_appsettings_file),
            "dotenv": str(plan.dotenv_file),
            "secrets_dir": str(plan.secrets_dir),
            "user_secrets": str(plan.user_secrets),
        }
        if plan is not None
        else {}
    )
    api_key = {"configured": options.rest_key() is not None, "source": options.rest_key_source()}
    sdk_token = {"configured": options.sdk_token() is not None, "source": options.sdk_token_source()}
    unknown = [
        {"key": item.key, "source": item.origin, "suggestion": item.suggestion} for item in options.unknown_keys()
    ]

    def render(console: Console) -> None:
        listing = table("Key", "Value", "Source")
        for row in rows:
            listing.add_row(row["key"], row["value"], row["source"])
        console.print(listing)
        for label, used in (("API key", api_key), ("SDK token", sdk_token)):
            console.print(f"{label}: {'***' if used['configured'] else 'not configured'} ({used['source']})")
        for name, value in files.items():
            console.print(f"{name}: {value}", highlight=False)
        for item in options.unknown_keys():
            console.print(f"warning: {item.message()}", highlight=False, markup=False)

    payload = {"options": rows, "api_key": api_key, "sdk_token": sdk_token, "sources": files, "unknown_keys": unknown}
    state.output.emit(payload, render)
