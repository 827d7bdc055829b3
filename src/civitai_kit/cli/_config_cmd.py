"""``civitai config show``: the effective options and where each value came from (keys as ``***``)."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console

from civitai_kit.cli._output import FAILURE, MASK, table
from civitai_kit.cli._state import CliState, JsonFlag, state_of
from civitai_kit.errors import ConfigurationError
from civitai_kit.options import CivitaiApiOptions, leaving_out

app = typer.Typer(help="Inspect the effective configuration.", no_args_is_help=True)

_LIBRARY_MASK = "**********"


@app.command("show")
def show(
    ctx: typer.Context,
    json_output: JsonFlag = False,
) -> None:
    """Every option with its value and source, highest-priority source first (keys shown as ***)."""
    state = state_of(ctx, json_output)
    options, problems = _load(state)
    invalid = {problem["key"]: problem for problem in problems}
    rows: list[dict[str, Any]] = []
    for row in options.describe():
        if row.key in invalid:
            problem = invalid[row.key]
            rows.append({"key": row.key, "value": None, "source": problem["source"], "invalid": problem["rule"]})
        else:
            value = MASK if row.value == _LIBRARY_MASK else row.value
            rows.append({"key": row.key, "value": value, "source": row.source})
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
            shown = f"INVALID: {row['invalid']}" if "invalid" in row else row["value"]
            listing.add_row(row["key"], shown, row["source"])
        console.print(listing)
        for label, used in (("API key", api_key), ("SDK token", sdk_token)):
            console.print(f"{label}: {'***' if used['configured'] else 'not configured'} ({used['source']})")
        for name, value in files.items():
            console.print(f"{name}: {value}", highlight=False)
        # unknown keys: each was a warning line on stderr when the options loaded (cli._warnings)

    payload = {
        "options": rows,
        "api_key": api_key,
        "sdk_token": sdk_token,
        "sources": files,
        "unknown_keys": unknown,
        "problems": problems,
    }
    state.output.emit(payload, render)
    if problems:
        for problem in problems:
            state.output.error_line(f"{problem['key']} {problem['rule']} (from {problem['source']})")
        raise typer.Exit(FAILURE)


def _load(state: CliState) -> tuple[CivitaiApiOptions, list[dict[str, str]]]:
    """The effective options and no problems; or, when some configured values are invalid, the options
    without them and one problem per invalid key (key, source, rule: never the value). A bad flag, or
    options that cannot load even without the invalid values, end the command as any other would."""
    try:
        return state.options_quietly(), []
    except ConfigurationError as exc:
        problems = list((exc.error.details or {}).get("problems", ()))
    if not problems or any(problem.get("source") == "argument" for problem in problems):
        state.options()  # fails again, reported with its usual exit code
    try:
        with leaving_out(problem["key"] for problem in problems):
            options = state.options_quietly()
    except ConfigurationError:
        state.options()  # not only bad values (a misshapen file...): reported as usual
        raise
    return options, [{key: str(problem[key]) for key in ("key", "source", "rule")} for problem in problems]
