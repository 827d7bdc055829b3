"""``civitai download TARGET``: one model file, planned, streamed with progress, verified, renamed into place.

TARGET is what people copy from Civitai (a version id, an AIR, a model page URL or the API download URL); the
library reads it (``civitai_kit.tools.DownloadTarget``) and the container's downloader fetches it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from civitai_kit.cli._output import Output, cell, human_size, print_rows
from civitai_kit.cli._state import USAGE_ERROR, JsonFlag, state_of
from civitai_kit.core import CivitaiClient, ModelFile, ModelVersion
from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Result
from civitai_kit.tools.download_plan import plan_model_file
from civitai_kit.tools.download_targets import DownloadTarget
from civitai_kit.tools.download_types import DownloadedFile, DownloadPlan, DownloadProgress
from civitai_kit.tools.downloads import DownloadService


@dataclass(frozen=True, slots=True)
class Choice:
    """One file of one version, and how the user wants it saved (``None``: the options decide)."""

    file: ModelFile
    version: ModelVersion
    directory: Path | None
    pattern: str | None
    verify: bool | None
    overwrite: bool | None

    def arguments(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "pattern": self.pattern,
            "verify": self.verify,
            "overwrite": self.overwrite,
        }


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


def download_command(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="Version id, AIR, model URL or API download URL.")],
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir", "-d", help="Base directory (default: Downloads:Models:BaseDirectory).", show_default=False
        ),
    ] = None,
    pattern: Annotated[
        str | None,
        typer.Option("--pattern", help="Path pattern, e.g. '{ModelType}/{ModelName}/{FileName}'.", show_default=False),
    ] = None,
    file_id: Annotated[
        int | None, typer.Option("--file-id", help="A specific file of the version (default: primary).", min=1)
    ] = None,
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Skip the hash check against Civitai's.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing file.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be downloaded where; fetch nothing.")
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Download one model file: streamed to <name>.part, resumed if cut, verified, then renamed into place."""
    state = state_of(ctx, json_output)
    output = state.output
    try:
        parsed = DownloadTarget.parse(target, name="TARGET")
    except ValueError as exc:
        output.fail(str(exc), exit_code=USAGE_ERROR)
    if file_id is not None:
        parsed = replace(parsed, file_id=file_id)
    version: ModelVersion = output.unwrap(resolve_version(state.core_client(), parsed))
    chosen = Choice(
        file=output.unwrap(parsed.choose_file(version)),
        version=version,
        directory=directory,
        pattern=pattern,
        verify=False if no_verify else None,
        overwrite=True if overwrite else None,
    )
    plan = _plan(output, state.options(), chosen)
    if dry_run:
        output.emit(_plan_data(plan, chosen), lambda console: _render_plan(console, plan, chosen.file))
        return
    done: DownloadedFile = output.unwrap(_download(output, state.downloader(), chosen))
    if output.quiet and not output.json_mode:
        output.line(str(done.path))
        return
    output.emit(_done_data(done), lambda console: _render_done(console, done))


def _plan(output: Output, options: CivitaiApiOptions, chosen: Choice) -> DownloadPlan:
    try:
        planned = plan_model_file(chosen.file, chosen.version, options, **chosen.arguments())
    except ValueError as exc:  # a bad --pattern
        output.fail(str(exc), exit_code=USAGE_ERROR)
    plan: DownloadPlan = output.unwrap(planned)
    return plan


def _download(output: Output, downloader: DownloadService, chosen: Choice) -> Result[DownloadedFile]:
    file = chosen.file
    name = escape(cell(file.name))
    output.info(f"Downloading [bold]{name}[/] ({human_size(file.size_bytes)}) of version {chosen.version.id}")
    with output.progress(transfer=True) as progress:
        task = progress.add_task(cell(file.name), total=file.size_bytes)

        def report(update: DownloadProgress) -> None:
            progress.update(task, completed=update.downloaded, total=update.total)

        return downloader.download_model_file(file, chosen.version, on_progress=report, **chosen.arguments())


def _plan_data(plan: DownloadPlan, chosen: Choice) -> dict[str, Any]:
    file = chosen.file
    return {
        "version_id": chosen.version.id,
        "file_id": file.id,
        "name": file.name,
        "size": file.size_bytes,
        "url": plan.url,
        "destination": str(plan.destination),
        "exists": plan.destination.exists(),
        "overwrite": plan.overwrite,
        "verify": None
        if plan.expected is None
        else {"algorithm": plan.expected.algorithm, "hash": plan.expected.value},
    }


def _render_plan(console: Console, plan: DownloadPlan, file: ModelFile) -> None:
    console.print(Text.assemble(("Dry run", "bold"), ": nothing was downloaded."))
    expected = plan.expected
    print_rows(
        console,
        [
            ("File", f"{cell(file.name)} ({human_size(file.size_bytes)})"),
            ("From", plan.url),
            ("To", str(plan.destination)),
            (
                "Exists",
                "yes (would be replaced)"
                if plan.destination.exists() and plan.overwrite
                else "yes (would be kept)"
                if plan.destination.exists()
                else "no",
            ),
            ("Verify", f"{expected.algorithm.value} {expected.value}" if expected else "no"),
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
    }


def _render_done(console: Console, done: DownloadedFile) -> None:
    how = "already present" if done.already_present else "resumed" if done.resumed else "downloaded"
    check = f"{done.verified_with.value} verified" if done.verified and done.verified_with else "not verified"
    console.print(f"{done.path} ({human_size(done.size)}, {how}, {check})", highlight=False)
