"""Write ``docs/generator/coverage.md``: what of the v2 orchestration spec the kit covers (step types,
imageGen/videoGen engines, operations with their SDK method and CLI command, recipes), from the packaged spec,
``civitai_kit.sdk.operations`` and the generated recipes. ``--check``: fail if the page is not what this
script writes (``make check``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from civitai_kit.cli.app import every_command
from civitai_kit.sdk._recipes_generated import RECIPES
from civitai_kit.sdk.operations import NOT_YET, OPERATIONS
from civitai_kit.testing.orchestration_outputs import STEP_TYPES

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "src/civitai_kit/sdk/openapi/v2-consumer-openapi.json"
TARGET = ROOT / "docs/generator/coverage.md"

# The CLI commands that call an SDK method (checked against the Typer app: a renamed command fails the script).
CLI: dict[str, tuple[str, ...]] = {
    "workflows.submit": ("civitai generate", "civitai generate-video", "civitai workflow submit"),
    "workflows.get": ("civitai workflow get", "civitai workflow wait"),
    "workflows.query": ("civitai workflow list",),
    "blobs.upload": ("civitai blobs upload",),
}

HEADER = """# Generator coverage

What of Civitai's orchestration API (the v2 consumer spec packaged in `civitai_kit/sdk/openapi/`) the kit
covers. Written by `scripts/generate_coverage_docs.py` from the spec, `civitai_kit.sdk.operations` and the
generated recipes (`make generate`); `make check` fails when it is out of date, so it cannot drift.

Every step type, engine, operation and recipe below is also served by the [sandbox](../testing.md): a step
completes with an output that is valid against the spec, with real media files sized as requested.
"""


def _ref_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[1] if isinstance(ref, str) else f"JSON {schema.get('type', 'value')}"


def _property(schemas: dict[str, Any], name: str, key: str) -> str:
    schema = schemas[name]
    for part in schema.get("allOf", [schema]):
        if key in part.get("properties", {}):
            return _ref_name(part["properties"][key])
    return "—"


def _discriminator(schemas: dict[str, Any], name: str) -> dict[str, Any] | None:
    schema = schemas[name]
    for part in [schema, *schema.get("allOf", [])]:
        if "discriminator" in part:
            found: dict[str, Any] = part["discriminator"]
            return found
    return None


def cli_commands() -> set[str]:
    """Every command of the ``civitai`` app, as typed (``civitai blobs upload``)."""
    commands: set[str] = set()
    pending: list[tuple[Any, str]] = [(every_command(), "civitai")]
    while pending:
        group, prefix = pending.pop()
        for name, command in group.commands.items():
            if getattr(command, "commands", None):
                pending.append((command, f"{prefix} {name}"))
            else:
                commands.add(f"{prefix} {name}")
    return commands


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def step_types(schemas: dict[str, Any]) -> list[str]:
    mapping: dict[str, str] = schemas["WorkflowStep"]["discriminator"]["mapping"]
    rows = []
    for step_type, ref in sorted(mapping.items(), key=lambda item: item[0].lower()):
        step = ref.rsplit("/", 1)[1]
        served = "yes" if step_type in STEP_TYPES else "no"
        rows.append(
            (
                f"`{step_type}`",
                f"`{_property(schemas, step, 'input')}`",
                f"`{_property(schemas, step, 'output')}`",
                served,
            )
        )
    title = (
        f"## Step types ({len(rows)})\n\n"
        "Each `$type` of a workflow step, its input and output models in `civitai_kit.sdk.schema`."
    )
    return [title, "", *_table(("`$type`", "input", "output", "sandbox"), rows)]


def engines(schemas: dict[str, Any], base: str, heading: str) -> list[str]:
    mapping: dict[str, str] = schemas[base]["discriminator"]["mapping"]
    rows = []
    for engine, ref in sorted(mapping.items(), key=lambda item: item[0].lower()):
        model = ref.rsplit("/", 1)[1]
        inner = _discriminator(schemas, model)
        variants = ", ".join(f"`{value}`" for value in inner["mapping"]) if inner else "—"
        rows.append((f"`{engine}`", f"`{model}`", variants))
    title = (
        f"## {heading} engines ({len(rows)})\n\n"
        f"The `engine` values of `{base}`, and the `model` values an engine splits into."
    )
    return [title, "", *_table(("engine", "input model", "models"), rows)]


def operations(spec: dict[str, Any], commands: set[str]) -> list[str]:
    rows = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            operation_id = operation.get("operationId", "")
            if operation_id in RECIPES:
                continue
            sdk = OPERATIONS.get(operation_id)
            if sdk is None:
                cell = f"not yet: {NOT_YET.get(operation_id, 'not mapped')}"
                cli = "—"
            else:
                cell = f"`sdk.{sdk}`"
                for command in CLI.get(sdk, ()):
                    if command not in commands:
                        raise SystemExit(f"CLI[{sdk!r}] names {command!r}, which the civitai app does not have")
                cli = ", ".join(f"`{command}`" for command in CLI.get(sdk, ())) or "—"
            rows.append((f"`{operation_id}`", f"`{method.upper()} {path}`", cell, cli))
    title = (
        f"## Operations ({len(rows)})\n\n"
        "Every operation of the spec but the recipes, the SDK method calling it and the CLI commands using it."
    )
    return [title, "", *_table(("operationId", "request", "SDK method", "CLI"), rows)]


def recipes(spec: dict[str, Any]) -> list[str]:
    paths = {
        operation.get("operationId"): path for path, methods in spec["paths"].items() for operation in methods.values()
    }
    rows = [
        (f"`{paths[operation_id]}`", f"`sdk.recipes.{method}`")
        for operation_id, method in sorted(RECIPES.items(), key=lambda item: item[1])
    ]
    title = (
        f"## Recipes ({len(rows)})\n\nOne-step workflows answered synchronously: `POST /v2/consumer/recipes/{{name}}`."
    )
    return [title, "", *_table(("path", "SDK method"), rows)]


def render() -> str:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    schemas: dict[str, Any] = spec["components"]["schemas"]
    sections = [
        HEADER.rstrip("\n").split("\n"),
        step_types(schemas),
        engines(schemas, "ImageGenInput", "imageGen"),
        engines(schemas, "VideoGenInput", "videoGen"),
        operations(spec, cli_commands()),
        recipes(spec),
    ]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the page is out of date")
    parser.add_argument("--output", type=Path, default=TARGET, help="the page to write or check")
    args = parser.parse_args(argv)
    target: Path = args.output
    text = render()
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run `make generate`", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
