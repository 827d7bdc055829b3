"""``civitai download TARGET... [-i FILE]``: model files, planned, streamed with progress, verified, renamed into place.

A TARGET is what people copy from Civitai (a version id, an AIR, a model page URL or the API download URL); the
library reads it (``civitai_kit.tools.DownloadTarget``) and the container's downloader fetches it. One TARGET
prints that file (or, with ``--json``, one object as before); several TARGETs, ``-i FILE``, ``--all-files`` or
``--all-versions`` make a batch (``DownloadService.download_targets``): one progress display, one summary table
(``--json``: ``{"ok", "downloaded", "failed", "files": [...]}``), exit 1 if any file failed. Every target and the
destination are checked before any request (exit 2).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.text import Text

from civitai_kit.cli._output import Output, cell, human_size, print_rows, table
from civitai_kit.cli._state import USAGE_ERROR, CliState, JsonFlag, state_of
from civitai_kit.core import CivitaiClient, ModelFile, ModelVersion
from civitai_kit.errors import Error, ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Result
from civitai_kit.tools.download_batch import BatchEntry, BatchReport, ResolvedFile, prepare_batch
from civitai_kit.tools.download_errors import OVERWRITE_HINT
from civitai_kit.tools.download_plan import plan_model_file
from civitai_kit.tools.download_targets import DownloadTarget
from civitai_kit.tools.download_types import DownloadedFile, DownloadPlan, DownloadProgress

CLI_OVERWRITE_HINT = "pass --overwrite to replace it"


def resolve_version(client: CivitaiClient, target: DownloadTarget) -> Result[ModelVersion]:
    """The version a target names (a model's newest version when only the model is named)."""
    if target.version_id is not None:
        return client.models.get_by_version_id(target.version_id)
    assert target.model_id is not None
    model = client.models.get_by_id(target.model_id)
    if isinstance(model, Failure):
        return model
    latest = model.value.latest_version
    if latest is None:
        return Failure.of(ErrorCode.NOT_FOUND, f"Model {target.model_id} has no versions.")
    # a version embedded in a model lacks its model's name and type, which path patterns use
    return client.models.get_by_version_id(latest.id)


def read_target_list(path: Path) -> list[str]:
    """The targets of a list file (``-`` is stdin): one per line; blank lines and ``#`` comment lines skipped."""
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def cli_error(error: Error) -> Error:
    """``error`` worded for the command line: a file conflict names ``--overwrite``, not a Python argument."""
    if (error.details or {}).get("remedy") != "overwrite":
        return error
    return replace(error, message=error.message.replace(OVERWRITE_HINT, CLI_OVERWRITE_HINT))


def download_command(
    ctx: typer.Context,
    targets: Annotated[
        list[str] | None,
        typer.Argument(help="Version ids, AIRs, model URLs or API download URLs.", show_default=False),
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option(
            "--input", "-i", help="A file of targets, one per line ('#' comments; '-' reads stdin).", show_default=False
        ),
    ] = None,
    all_files: Annotated[
        bool, typer.Option("--all-files", help="Every file of each version, not only the primary.")
    ] = False,
    all_versions: Annotated[bool, typer.Option("--all-versions", help="Every version of each target's model.")] = False,
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir", "-d", help="Base directory (default: Downloads:Models:BaseDirectory).", show_default=False
        ),
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option(
            "--layout",
            help="flat, comfyui or a1111 (also forge, reforge): a folder per model type (default: Downloads:Layout).",
            show_default=False,
        ),
    ] = None,
    root: Annotated[
        Path | None,
        typer.Option("--root", help="The app's folder for --layout (default: Downloads:Root).", show_default=False),
    ] = None,
    pattern: Annotated[
        str | None,
        typer.Option("--pattern", help="Path pattern, e.g. '{ModelType}/{ModelName}/{FileName}'.", show_default=False),
    ] = None,
    file_id: Annotated[
        int | None, typer.Option("--file-id", help="A specific file of the version (one TARGET only).", min=1)
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", "-j", help="Files at once (default: Downloads:MaxConcurrency).", min=1, max=64),
    ] = None,
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Skip the hash check against Civitai's.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing file.")] = False,
    allow_unsafe: Annotated[
        bool, typer.Option("--allow-unsafe", help="Download files Civitai's pickle or virus scan marks Danger.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be downloaded where (one TARGET); fetch nothing.")
    ] = False,
    sidecars: Annotated[
        bool | None,
        typer.Option(
            "--sidecars/--no-sidecars",
            help="Write the preview and metadata files apps read beside each model (Downloads:Sidecars:Enabled).",
            show_default=False,
        ),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Download model files: streamed to <name>.part, resumed if cut, verified, then renamed into place."""
    state = state_of(ctx, json_output)
    output = state.output
    texts = list(targets or [])
    if input_file is not None:
        try:
            texts += read_target_list(input_file)
        except (OSError, UnicodeDecodeError) as exc:
            output.fail(f"--input: cannot read {str(input_file)!r}: {exc}", exit_code=USAGE_ERROR)
    if not texts:
        output.fail("give at least one TARGET, or --input FILE", exit_code=USAGE_ERROR)
    if directory is not None and root is not None:
        output.fail("--dir and --root name the same folder: give one", exit_code=USAGE_ERROR)
    batch = len(texts) > 1 or input_file is not None or all_files or all_versions
    if batch and (file_id is not None or dry_run):
        output.fail("--file-id and --dry-run take exactly one TARGET", exit_code=USAGE_ERROR)
    arguments: dict[str, Any] = {
        "directory": root or directory,
        "pattern": pattern,
        "layout": layout,
        "verify": False if no_verify else None,
        "overwrite": True if overwrite else None,
        "allow_unsafe": True if allow_unsafe else None,
    }
    options = state.options()
    try:  # every target and the destination, before any request
        request = prepare_batch(texts, options, all_files=all_files, all_versions=all_versions, **arguments)
    except ValueError as exc:
        output.fail(str(exc), exit_code=USAGE_ERROR)
    parsed = [target for _, target in request.targets]
    if file_id is not None:
        parsed = [replace(parsed[0], file_id=file_id)]
    if batch:
        as_given = [text for text, _ in request.targets]  # the summary names each target as the user wrote it
        report = _run_batch(state, as_given, request.choices, all_files, all_versions, concurrency)
        if _wants_sidecars(sidecars, options):
            for entry in report.entries:
                if not isinstance(entry.result, Failure) and entry.version is not None:
                    _write_sidecars(state, entry.result.value.path, entry.version)
        _show_batch(output, report)
        return
    version: ModelVersion = output.unwrap(resolve_version(state.core_client(), parsed[0]))
    file: ModelFile = output.unwrap(parsed[0].choose_file(version))
    if dry_run:
        plan: DownloadPlan = output.unwrap(plan_model_file(file, version, options, **request.choices))
        data = _plan_data(plan, version.id, file.id, file.name, file.size_bytes)
        output.emit(data, lambda console: _render_plan(console, plan, cell(file.name), file.size_bytes))
        return
    result = _download_one(state, file, version, request.choices)
    if not isinstance(result, Failure) and _wants_sidecars(sidecars, options):
        _write_sidecars(state, result.value.path, version)
    _show_single(output, result)


def _wants_sidecars(flag: bool | None, options: CivitaiApiOptions) -> bool:
    return options.downloads.sidecars.enabled if flag is None else flag


def _write_sidecars(state: CliState, path: Path, version: ModelVersion) -> None:
    """The sidecars next to a landed file; one that could not be written is a warning, not a failure."""
    report = state.downloader().write_sidecars(path, version)
    for kind, reason in report.skipped.items():
        state.output.warn(escape(f"{path.name}: no {kind.value} sidecar: {reason}"))


# ---------------------------------------------------------------------------------------------- running


def _run_batch(
    state: CliState,
    targets: list[str],
    choices: dict[str, Any],
    all_files: bool,
    all_versions: bool,
    concurrency: int | None,
) -> BatchReport:
    output = state.output
    downloader = state.downloader()
    with output.progress(transfer=True) as progress:
        display = _Display(progress)
        report: BatchReport = downloader.download_targets(
            targets,
            all_files=all_files,
            all_versions=all_versions,
            max_concurrency=concurrency,
            on_resolved=display.resolved,
            on_progress=display.update,
            **choices,
        )
    for entry in report.entries:
        if isinstance(entry.result, Failure):
            continue
        for warning in entry.result.value.warnings:
            output.warn(escape(warning))
    return report


class _Display:
    """One progress display for a batch: a bar for all bytes, and one per file while it downloads."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._lock = threading.Lock()
        self._tasks: dict[Path, TaskID] = {}
        self._done: dict[Path, int] = {}
        self._overall = progress.add_task("looking up targets", total=None)

    def resolved(self, files: Sequence[ResolvedFile]) -> None:
        sizes = [one.file.size_bytes for one in files]
        total = sum(size for size in sizes if size) or None
        self._progress.update(self._overall, description=f"{len(files)} file(s)", total=total)

    def update(self, update: DownloadProgress) -> None:
        with self._lock:
            task = self._tasks.get(update.path)
            if task is None:
                task = self._tasks[update.path] = self._progress.add_task(cell(update.path.name), total=update.total)
            self._done[update.path] = update.downloaded
            self._progress.update(task, completed=update.downloaded, total=update.total)
            self._progress.update(self._overall, completed=sum(self._done.values()))


def _download_one(
    state: CliState, file: ModelFile, version: ModelVersion, choices: dict[str, Any]
) -> Result[DownloadedFile]:
    output = state.output
    name = escape(cell(file.name))
    output.info(f"Downloading [bold]{name}[/] ({human_size(file.size_bytes)}) of version {version.id}")
    with output.progress(transfer=True) as progress:
        task = progress.add_task(cell(file.name), total=file.size_bytes)

        def report(update: DownloadProgress) -> None:
            progress.update(task, completed=update.downloaded, total=update.total)

        result: Result[DownloadedFile] = state.downloader().download_model_file(
            file, version, on_progress=report, **choices
        )
    return result


# ---------------------------------------------------------------------------------------------- showing


def _show_single(output: Output, result: Result[DownloadedFile]) -> None:
    if isinstance(result, Failure):
        output.fail(cli_error(result.error))
    done = result.value
    for warning in done.warnings:
        output.warn(escape(warning))
    if output.quiet and not output.json_mode:
        output.line(str(done.path))
        return
    output.emit(_done_data(done), lambda console: _render_done(console, done))


def _show_batch(output: Output, report: BatchReport) -> None:
    data = {
        "ok": report.ok,
        "downloaded": len(report.succeeded),
        "failed": len(report.failed),
        "files": [_entry_data(entry) for entry in report.entries],
    }
    if output.quiet and not output.json_mode:
        for entry in report.entries:
            if not isinstance(entry.result, Failure):
                output.line(str(entry.result.value.path))
    else:
        output.emit(data, lambda console: _render_batch(console, report))
    for entry in report.failed:
        if isinstance(entry.result, Failure):
            output.error_line(f"{entry.target}: {cli_error(entry.result.error)}")
    if not report.ok:
        raise typer.Exit(1)


def _entry_data(entry: BatchEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "target": entry.target,
        "version_id": entry.version.id if entry.version is not None else None,
        "file_id": entry.file.id if entry.file is not None else None,
        "name": entry.file.name if entry.file is not None else None,
        "ok": entry.ok,
    }
    if isinstance(entry.result, Failure):
        error = cli_error(entry.result.error)
        return data | {"error": {"code": error.code.name, "message": error.message}}
    return data | _done_data(entry.result.value)


def _render_batch(console: Console, report: BatchReport) -> None:
    rows = table("Target", "File", "Status", "Size", "Path or reason", title="Downloads")
    for entry in report.entries:
        name = cell(entry.file.name) if entry.file is not None else ""
        if isinstance(entry.result, Failure):
            error = cli_error(entry.result.error)
            rows.add_row(
                cell(entry.target), name, "failed", "", " ".join(f"{error.code.name}: {error.message}".split())
            )
            continue
        done = entry.result.value
        rows.add_row(cell(entry.target), name, _how(done), human_size(done.size), str(done.path))
    console.print(rows)
    console.print(f"{len(report.succeeded)} downloaded or present, {len(report.failed)} failed", highlight=False)


def _how(done: DownloadedFile) -> str:
    how = "already present" if done.already_present else "resumed" if done.resumed else "downloaded"
    return how + (", verified" if done.verified else ", not verified")


def _plan_data(plan: DownloadPlan, version_id: int, file_id: int, name: str | None, size: int | None) -> dict[str, Any]:
    return {
        "version_id": version_id,
        "file_id": file_id,
        "name": name,
        "size": size,
        "url": plan.url,
        "destination": str(plan.destination),
        "exists": plan.destination.exists(),
        "overwrite": plan.overwrite,
        "verify": None
        if plan.expected is None
        else {"algorithm": plan.expected.algorithm, "hash": plan.expected.value},
        "warnings": list(plan.warnings),
    }


def _render_plan(console: Console, plan: DownloadPlan, name: str, size: int | None) -> None:
    console.print(Text.assemble(("Dry run", "bold"), ": nothing was downloaded."))
    expected = plan.expected
    exists = plan.destination.exists()
    print_rows(
        console,
        [
            ("File", f"{name} ({human_size(size)})"),
            ("From", plan.url),
            ("To", str(plan.destination)),
            (
                "Exists",
                "yes (would be replaced)" if exists and plan.overwrite else "yes (would be kept)" if exists else "no",
            ),
            ("Verify", f"{expected.algorithm.value} {expected.value}" if expected else "no"),
            *(("Warning", warning) for warning in plan.warnings),
        ],
    )


def _done_data(done: DownloadedFile) -> dict[str, Any]:
    return {
        "path": str(done.path),
        "size": done.size,
        "verified": done.verified,
        "verified_with": done.verified_with,
        "hashes": {algorithm.value: value for algorithm, value in done.hashes.items()},
        "resumed": done.resumed,
        "already_present": done.already_present,
        "warnings": list(done.warnings),
    }


def _render_done(console: Console, done: DownloadedFile) -> None:
    check = f"{done.verified_with.value} verified" if done.verified and done.verified_with else "not verified"
    how = "already present" if done.already_present else "resumed" if done.resumed else "downloaded"
    console.print(f"{done.path} ({human_size(done.size)}, {how}, {check})", highlight=False)
