"""``civitai workflow submit|get|list|cancel|wait``: the v2 workflows API from the command line.

``submit`` takes a workflow JSON file (or ``-`` for stdin), checks every step's input against the spec before
sending (a malformed file or field is a usage error, exit 2, and nothing is spent), and gives it an
``externalId`` so a retried submit cannot run twice. ``--wait`` (or ``--dir``) waits for the end, requires
success and saves the outputs; ``wait ID`` does the same for a workflow already submitted.
"""

from __future__ import annotations

import json
import shlex
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from civitai_kit.cli._output import USAGE_ERROR, Output, cell, table
from civitai_kit.cli._state import JsonFlag, state_of
from civitai_kit.cli._workflow_run import (
    emit_run,
    output_directory,
    require_success,
    save_outputs,
    submit_and_finish,
    wait_until_done,
    with_external_id,
)
from civitai_kit.sdk import SdkClient, Workflow, spec_inputs
from civitai_kit.sdk.workflow_calls import WorkflowFilters

app = typer.Typer(help="Submit, inspect, list, cancel and wait for v2 workflows.", no_args_is_help=True)

DirOption = Annotated[
    Path | None, typer.Option("--dir", "-d", help="Wait, then save the outputs here.", show_default=False)
]
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="The workflow id.")]
TimeoutOption = Annotated[float, typer.Option("--timeout", help="Seconds to wait for the workflow.", min=1)]


@app.command("submit")
def submit_command(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="A workflow JSON file (WorkflowTemplate), or - for stdin.")],
    wait: Annotated[bool, typer.Option("--wait", help="Wait until it ends; exit 1 unless it succeeded.")] = False,
    directory: DirOption = None,
    timeout: TimeoutOption = 600,
    json_output: JsonFlag = False,
) -> None:
    """Submit the workflow in FILE (checked against the spec first); with --wait/--dir, wait and save outputs."""
    output, sdk = _prepared(ctx, json_output, directory)
    body = with_external_id(checked_template(output, read_template(output, file)))
    if not wait and directory is None:
        _emit_workflow(output, output.unwrap(sdk.workflows.submit(body)))
        return
    _finish(output, sdk, submit_and_finish(output, sdk, body, timeout), directory)


@app.command("get")
def get_command(
    ctx: typer.Context,
    workflow_id: IdArgument,
    json_output: JsonFlag = False,
) -> None:
    """Show one workflow: its status, steps, cost and outputs."""
    state = state_of(ctx, json_output)
    workflow: Workflow = state.output.unwrap(state.sdk_client().workflows.get(_checked_id(state.output, workflow_id)))
    _emit_workflow(state.output, workflow)


@app.command("list")
def list_command(
    ctx: typer.Context,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="Only workflows with this tag (repeatable).")
    ] = None,
    query: Annotated[str | None, typer.Option("--query", help="Text in the metadata.", show_default=False)] = None,
    since: Annotated[
        datetime | None, typer.Option("--since", help="Created at or after (ISO date/time).", show_default=False)
    ] = None,
    until: Annotated[
        datetime | None, typer.Option("--until", help="Created before (ISO date/time).", show_default=False)
    ] = None,
    exclude_failed: Annotated[bool, typer.Option("--exclude-failed", help="Leave failed workflows out.")] = False,
    oldest_first: Annotated[bool, typer.Option("--oldest-first", help="Oldest first.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-l", help="At most this many.", min=1, max=1000)] = 20,
    cursor: Annotated[
        str | None, typer.Option("--cursor", help="Continue a previous listing.", show_default=False)
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """List your workflows, newest first (--quiet: just their ids); the next page's --cursor is on stderr."""
    state = state_of(ctx, json_output)
    output = state.output
    filters: WorkflowFilters = {"exclude_failed": exclude_failed}
    if tags:
        filters["tags"] = tags
    if query is not None:
        filters["query"] = query
    if since is not None:
        filters["from_date"] = since
    if until is not None:
        filters["to_date"] = until
    if oldest_first:
        filters["ascending"] = True
    sdk = state.sdk_client()
    try:
        page_call = sdk.workflows.query_page(cursor=cursor, take=limit, **filters)
    except ValueError as exc:
        output.fail(str(exc), exit_code=USAGE_ERROR)
    page = output.unwrap(page_call)
    if page.next:
        output.info(f"More: civitai workflow list --limit {limit} --cursor {shlex.quote(page.next)}")

    def render(console: Console) -> None:
        listing = table("Workflow", "Status", "Created", "Steps", "Cost", "Tags")
        for item in page.items:
            cost = item.cost.total if item.cost is not None else None
            steps = ", ".join(step.type for step in item.steps)
            listing.add_row(item.id, item.status, cell(item.created_at), steps, cell(cost), ", ".join(item.tags))
        console.print(listing)

    if output.quiet and not output.json_mode:
        for item in page.items:
            output.line(item.id or "")
        return
    output.emit({"items": [_dump(item) for item in page.items], "next": page.next}, render)


@app.command("cancel")
def cancel_command(
    ctx: typer.Context,
    workflow_id: IdArgument,
    json_output: JsonFlag = False,
) -> None:
    """Cancel a workflow that has not finished (its unspent Buzz is refunded)."""
    state = state_of(ctx, json_output)
    output = state.output
    sdk = state.sdk_client()
    checked = _checked_id(output, workflow_id)
    output.unwrap(sdk.workflows.cancel(checked))
    workflow: Workflow = output.unwrap(sdk.workflows.get(checked))
    output.info(f"Canceled workflow {checked}")
    _emit_workflow(output, workflow)


@app.command("wait")
def wait_command(
    ctx: typer.Context,
    workflow_id: IdArgument,
    timeout: TimeoutOption = 600,
    directory: DirOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Wait until a workflow ends (exit 1 unless it succeeded, or past --timeout); --dir saves its outputs."""
    output, sdk = _prepared(ctx, json_output, directory)
    _finish(output, sdk, wait_until_done(output, sdk, _checked_id(output, workflow_id), timeout), directory)


def read_template(output: Output, file: str) -> dict[str, Any]:
    """The JSON object in ``file`` (``-``: stdin); unreadable or not an object → usage error."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        output.fail(f"FILE: cannot read {file}: {getattr(exc, 'strerror', None) or exc}", exit_code=USAGE_ERROR)
    try:
        document = json.loads(text)
    except ValueError as exc:
        output.fail(f"FILE: {file} is not JSON: {exc}", exit_code=USAGE_ERROR)
    if not isinstance(document, dict):
        output.fail(f"FILE: {file} must hold a JSON object (a WorkflowTemplate)", exit_code=USAGE_ERROR)
    return document


def checked_template(output: Output, template: dict[str, Any]) -> dict[str, Any]:
    """``template`` checked against the spec: every step's input (its ``$type``'s input schema), then the whole
    ``WorkflowTemplate`` (``currencies`` defaults to ``[]``, as the builders send it)."""
    steps = template.get("steps")
    if not isinstance(steps, list) or not steps:
        output.fail("FILE: steps: a workflow needs a non-empty list of steps", exit_code=USAGE_ERROR)
    checked_steps = []
    for index, step in enumerate(steps):
        where = f"FILE: steps[{index}]"
        if not isinstance(step, dict) or not isinstance(step.get("$type"), str):
            output.fail(f"{where}: each step is an object with a $type", exit_code=USAGE_ERROR)
        try:
            spec_inputs.step_input_schema(step["$type"])
            checked = spec_inputs.check_step_input(step["$type"], step.get("input") or {})
        except (ValueError, KeyError, LookupError) as exc:
            output.fail(f"{where} ({step['$type']}): {exc}", exit_code=USAGE_ERROR)
        checked_steps.append({**step, "input": checked})
    whole = {"currencies": [], **template, "steps": checked_steps}  # the builders' default: any currency
    try:
        spec_inputs.check_object("WorkflowTemplate", whole, "FILE: ")
    except ValueError as exc:
        output.fail(str(exc), exit_code=USAGE_ERROR)
    return whole


def _checked_id(output: Output, workflow_id: str) -> str:
    if not workflow_id.strip():
        output.fail("ID: a workflow id is required", exit_code=USAGE_ERROR)
    return workflow_id.strip()


def _prepared(ctx: typer.Context, json_output: bool, directory: Path | None) -> tuple[Output, SdkClient]:
    """The output and the SDK client, after ``--dir`` is checked (before anything is sent)."""
    state = state_of(ctx, json_output)
    if directory is not None:
        output_directory(state.output, directory)
    return state.output, state.sdk_client()


def _finish(output: Output, sdk: SdkClient, workflow: Workflow, directory: Path | None) -> None:
    """A workflow that has ended: exit 1 unless it succeeded; then its summary, or its outputs saved."""
    require_success(output, workflow)
    if directory is None:
        _emit_workflow(output, workflow)
        return
    emit_run(output, workflow, save_outputs(output, sdk, workflow.blobs(), directory), kind="outputs")


def _dump(workflow: Workflow) -> dict[str, Any]:
    return workflow.model_dump(mode="json", by_alias=True, exclude_none=True)


def _emit_workflow(output: Output, workflow: Workflow) -> None:
    """One workflow: a compact summary and its steps; ``--json``: the workflow as the API answered."""

    def render(console: Console) -> None:
        cost = workflow.cost.total if workflow.cost is not None else None
        console.print(f"Workflow {workflow.id}: {workflow.status}, cost {cell(cost)} Buzz", highlight=False)
        listing = table("Step", "Type", "Status", "Outputs")
        for step in workflow.steps:
            listing.add_row(step.name, step.type, cell(step.status), cell(len(step.blobs())))
        console.print(listing)

    if output.quiet and not output.json_mode:
        output.line(f"{workflow.id} {workflow.status}")
        return
    output.emit(_dump(workflow), render)
