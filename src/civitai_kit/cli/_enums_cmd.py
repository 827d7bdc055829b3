"""``civitai enums``: Civitai's current value lists (``GET /api/v1/enums``)."""

from __future__ import annotations

import typer
from rich.console import Console

from civitai_kit.cli._state import JsonFlag, state_of
from civitai_kit.core import CivitaiEnums


def enums_command(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """Model types, file types and base models as Civitai currently spells them."""
    state = state_of(ctx, json_output)
    output = state.output
    enums: CivitaiEnums = output.unwrap(state.core_client().enums())
    output.emit(enums, lambda console: render_enums(console, enums))


def render_enums(console: Console, enums: CivitaiEnums) -> None:
    active = set(enums.active_base_model)
    retired = [name for name in enums.base_model if name not in active]
    sections = [
        ("Model types", [str(value) for value in enums.model_type]),
        ("File types", [str(value) for value in enums.model_file_type]),
        ("Base models", list(enums.active_base_model)),
        ("Retired base models", retired),
        ("Base model types", [str(value) for value in enums.base_model_type]),
        *((str(key), [str(item) for item in value]) for key, value in (enums.model_extra or {}).items()),
    ]
    for title, values in sections:
        if values:
            console.print(f"{title}: {', '.join(values)}", markup=False, highlight=False, soft_wrap=True)
