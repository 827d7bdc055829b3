"""The one run path of every command that starts a v2 workflow (``generate``, ``generate-video``,
``workflow submit --wait``) and of ``workflow wait``.

- ``output_directory``: ``--dir`` checked (created, a directory, writable) BEFORE anything is submitted, so a
  bad destination never costs Buzz.
- ``submit_and_finish``: the body gets an ``externalId`` (unless it has one), so the HTTP layer may retry the
  submit on 429/5xx without spending twice; the server holds the request while it finishes, then polling takes
  over with progress on stderr.
- ``require_success``: a failed, canceled or expired workflow exits 1 with the step's own reason.
- ``save_outputs``: each produced file downloaded into the directory (the download is written to a temporary
  file and renamed), named after its blob id with the extension of its real format.
- ``emit_run``: the common human table / ``--json`` document of a finished run.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console

from civitai_kit.cli._output import USAGE_ERROR, Output, cell, table
from civitai_kit.cli._validate import ensure_directory
from civitai_kit.errors import Error, ErrorCode
from civitai_kit.result import Failure, Result
from civitai_kit.sdk import Blob, SdkClient, Workflow, spec_inputs
from civitai_kit.sdk.builders import _WorkflowBuilderBase
from civitai_kit.tools.formats import detect_format, fix_extension
from civitai_kit.tools.path_patterns import sanitize_filename

SERVER_WAIT_SECONDS = 60
"""How long the server may hold the submit request (the API caps it at 100 s); polling takes over after."""
EXTERNAL_ID_PREFIX = "civitai-cli-"
"""Prefix of the ``externalId`` the CLI gives a workflow that names none (the retry/idempotency key)."""


def output_directory(output: Output, directory: Path, *, argument: str = "--dir") -> Path:
    """``directory`` created if needed and writable; otherwise a usage error (exit 2) before any submit."""
    ensure_directory(output, directory, argument=argument)
    if not os.access(directory, os.W_OK | os.X_OK):
        output.fail(f"{argument}: {directory} is not writable", exit_code=USAGE_ERROR)
    return directory


def with_external_id(body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` with an ``externalId`` (a fresh one unless it carries its own)."""
    if isinstance(body.get("externalId"), str) and body["externalId"]:
        return dict(body)
    return {**body, "externalId": f"{EXTERNAL_ID_PREFIX}{uuid.uuid4().hex}"}


def body_of(builder: _WorkflowBuilderBase[Any]) -> dict[str, Any]:
    """The request body a (spec-checked) builder sends; its ``ValueError`` names the field."""
    return dict(builder.build().to_json())


def submit_and_finish(output: Output, sdk: SdkClient, body: Mapping[str, Any], timeout: float) -> Workflow:
    """Submit ``body`` (idempotent: see ``with_external_id``), then wait until the workflow is terminal."""
    sent = with_external_id(body)
    with output.err.status("submitting…") if output.show_progress else _Quiet() as status:
        submitted: Workflow = output.unwrap(sdk.workflows.submit(sent, wait=SERVER_WAIT_SECONDS))
        output.info(f"Submitted workflow {submitted.id} ({submitted.status})")
        if submitted.is_terminal or submitted.id is None:
            return submitted
        status.update(f"waiting for workflow {submitted.id} ({submitted.status})…")
        return wait_until_done(output, sdk, submitted.id, timeout)


def wait_until_done(output: Output, sdk: SdkClient, workflow_id: str, timeout: float) -> Workflow:
    """Poll ``workflow_id`` until it is terminal; past ``timeout`` seconds, exit 1 (the workflow runs on)."""
    finished: Workflow = output.unwrap(sdk.workflows.wait_for(workflow_id, timeout=timeout))
    return finished


def failure_reason(workflow: Workflow) -> str:
    """Why ``workflow`` did not succeed, in the words of its steps (their output ``errors``), if they say."""
    reasons: list[str] = []
    for step in workflow.steps:
        label = f"step {step.name} ({step.type})" if step.name else f"step {step.type}"
        errors = step.output.errors if step.output is not None else None
        if errors:
            reasons.extend(f"{label}: {error}" for error in errors)
        elif step.status not in (None, "succeeded"):
            reasons.append(f"{label} {step.status}")
    return "; ".join(dict.fromkeys(reasons))


def require_success(output: Output, workflow: Workflow) -> Workflow:
    """``workflow`` when it succeeded; otherwise exit 1 naming its status and its steps' reason."""
    if not workflow.succeeded:
        reason = failure_reason(workflow)
        message = f"Workflow {workflow.id} ended {workflow.status}" + (f": {reason}" if reason else ".")
        output.fail(Error(ErrorCode.RESOURCE_UNAVAILABLE, message))
    return workflow


def save_outputs(output: Output, sdk: SdkClient, blobs: list[Blob], directory: Path) -> list[tuple[Blob, Path]]:
    """Download each produced file into ``directory``, named after its blob id with the right extension."""
    saved: list[tuple[Blob, Path]] = []
    with output.progress() as progress:
        task = progress.add_task("downloading outputs", total=len(blobs))
        for blob in blobs:
            result: Result[Path] = sdk.blobs.download(blob, directory / sanitize_filename(blob.id))
            path: Path = output.unwrap(result)
            named = fix_extension(path, detect_format(path))
            if named != path:
                if named.exists():
                    output.unwrap(Failure.of(ErrorCode.IO_ERROR, f"{named} already exists"))
                path = path.rename(named)
            saved.append((blob, path))
            progress.advance(task)
    return saved


def run_and_save(
    output: Output,
    sdk: SdkClient,
    body: Mapping[str, Any],
    directory: Path,
    *,
    timeout: float,
    kind: str,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """The whole run of a generating command: submit, wait, require success, save its ``kind`` outputs
    (``images``, ``videos``, or ``outputs`` for every file) into ``directory`` and print the result."""
    workflow = require_success(output, submit_and_finish(output, sdk, body, timeout))
    blobs = workflow.blobs(None if kind == "outputs" else kind.removesuffix("s"))
    emit_run(output, workflow, save_outputs(output, sdk, blobs, directory), kind=kind, extra=extra)


def saved_json(saved: list[tuple[Blob, Path]]) -> list[dict[str, Any]]:
    return [{**blob.model_dump(mode="json", by_alias=True), "path": str(path)} for blob, path in saved]


def emit_run(
    output: Output,
    workflow: Workflow,
    saved: list[tuple[Blob, Path]],
    *,
    kind: str,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Print a finished run: the saved files (``kind``: ``images``, ``videos``, ``outputs``) and the cost;
    with ``--quiet`` only the paths; with ``--json`` one document."""

    def render(console: Console) -> None:
        listing = table(kind[:-1].capitalize(), "Size", "Saved to")
        for blob, path in saved:
            size = f"{blob.width}x{blob.height}" if blob.width and blob.height else ""
            listing.add_row(blob.id, size, str(path))
        console.print(listing)
        cost = workflow.cost.total if workflow.cost is not None else None
        console.print(f"Workflow {workflow.id}: {workflow.status}, cost {cell(cost)} Buzz", highlight=False)

    if output.quiet and not output.json_mode:
        for _, path in saved:
            output.line(str(path))
        return
    document: dict[str, Any] = {"workflow_id": workflow.id, "status": workflow.status, "cost": workflow.cost}
    output.emit({**document, **(extra or {}), kind: saved_json(saved)}, render)


class _Quiet:
    """Stands in for ``console.status`` when nothing should be drawn."""

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def update(self, _status: str) -> None:
        return None


def parse_sets(output: Output, items: list[str]) -> dict[str, Any]:
    """``--set name=value`` items as step input fields: the value parsed as JSON when it parses (else text),
    ``a.b=1`` nested as ``{"a": {"b": 1}}``, names in the spec's spelling; a malformed item exits 2."""
    values: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        path = [spec_inputs.to_wire(part.strip()) for part in name.split(".")]
        if not sep or not all(path):
            output.fail(f"--set: expected name=value, got {item!r}", exit_code=USAGE_ERROR)
        target = values
        for part in path[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                output.fail(f"--set: {name!r} nests inside {part!r}, which is already a value", exit_code=USAGE_ERROR)
            target = nested
        target[path[-1]] = _parsed(text)
    return values


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
