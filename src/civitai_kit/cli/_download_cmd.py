"""``civitai download TARGET``: one model file, planned, streamed with progress, verified, renamed into place.

TARGET is what people copy from Civitai: a version id, an AIR (``urn:air:sdxl:lora:civitai:328553@368189``),
a model page URL (``https://civitai.com/models/328553?modelVersionId=368189``) or the API download URL
(``https://civitai.com/api/download/models/368189?fileId=...``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs, urlsplit

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from civitai_kit.cli._output import Output, cell, human_size, print_rows
from civitai_kit.cli._state import USAGE_ERROR, JsonFlag, state_of
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools.downloads import pick_file

if TYPE_CHECKING:
    from civitai_kit.core import CivitaiClient, ModelFile, ModelVersion
    from civitai_kit.options import CivitaiApiOptions
    from civitai_kit.tools.download_types import DownloadedFile, DownloadPlan, DownloadProgress

_MODEL_PAGE = re.compile(r"/models/(\d+)(?:/|$)")
_DOWNLOAD_PATH = re.compile(r"/api/download/models/(\d+)/?$")
_FILE_SELECTORS = ("type", "format", "size", "fp")
"""The query keys with which Civitai's download links name a non-primary file (``?type=Training%20Data``)."""


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


@dataclass(frozen=True, slots=True)
class Target:
    """What a TARGET names: a version (possibly one file of it), or a model whose latest version is meant."""

    version_id: int | None = None
    model_id: int | None = None
    file_id: int | None = None
    selectors: tuple[tuple[str, str], ...] = ()
    """``type``/``format``/``size``/``fp`` of a download URL: which file of the version it names."""


def parse_target(text: str) -> Target:
    """Read a version id, AIR, model URL or download URL; ``ValueError`` says which forms are accepted."""
    value = text.strip()
    if value.isdigit() and int(value) > 0:
        return Target(version_id=int(value))
    if value.lower().startswith("urn:air:"):
        from civitai_kit.sdk.air import AirIdentifier

        air = AirIdentifier.try_parse(value)
        if air is not None and air.source.lower() == "civitai" and air.id.isdigit():
            if air.version is not None and air.version.isdigit():
                return Target(version_id=int(air.version))
            return Target(model_id=int(air.id))
    parts = urlsplit(value)
    if parts.scheme in {"http", "https"} and parts.netloc:
        query = parse_qs(parts.query)
        file_id = _int(query.get("fileId"))
        if match := _DOWNLOAD_PATH.search(parts.path):
            selectors = tuple((key, query[key][0]) for key in _FILE_SELECTORS if query.get(key, [""])[0])
            return Target(version_id=int(match.group(1)), file_id=file_id, selectors=selectors)
        if match := _MODEL_PAGE.search(parts.path):
            version_id = _int(query.get("modelVersionId"))
            return Target(version_id=version_id, model_id=None if version_id else int(match.group(1)))
    raise ValueError(
        f"TARGET {text!r} is not a model version id, an AIR (urn:air:...:civitai:MODEL@VERSION), "
        "a model URL (https://civitai.com/models/ID?modelVersionId=ID) or a download URL "
        "(https://civitai.com/api/download/models/ID)"
    )


def _int(values: list[str] | None) -> int | None:
    return int(values[0]) if values and values[0].isdigit() else None


def choose_file(version: ModelVersion, target: Target) -> Result[ModelFile]:
    """The file a target names: by id, else by a download URL's ``type``/``format``/``size``/``fp`` (as the
    download endpoint picks it, the primary one first), else the primary file."""
    if target.file_id is not None or not target.selectors:
        return pick_file(version, target.file_id)
    matching = [file for file in version.files if _selected_by(file, target.selectors)]
    if not matching:
        wanted = "&".join(f"{key}={value}" for key, value in target.selectors)
        files = ", ".join(f"{file.id} {cell(file.type)} {cell(file.name)}" for file in version.files) or "none"
        return Failure.of(
            ErrorCode.NOT_FOUND, f"Model version {version.id} has no file with {wanted} (files: {files})."
        )
    return Success(next((file for file in matching if file.primary), matching[0]))


def _selected_by(file: ModelFile, selectors: tuple[tuple[str, str], ...]) -> bool:
    metadata = file.metadata
    values = {
        "type": file.type,
        "format": metadata.format if metadata is not None else None,
        "size": metadata.size if metadata is not None else None,
        "fp": metadata.fp if metadata is not None else None,
    }
    return all(cell(values[key]).lower() == value.lower() for key, value in selectors)


def resolve_version(client: CivitaiClient, target: Target) -> Result[ModelVersion]:
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
        parsed = parse_target(target)
    except ValueError as exc:
        output.fail(str(exc), exit_code=USAGE_ERROR)
    if file_id is not None:
        parsed = replace(parsed, file_id=file_id)
    with state.core_client() as client:
        version: ModelVersion = output.unwrap(resolve_version(client, parsed))
        chosen = Choice(
            file=output.unwrap(choose_file(version, parsed)),
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
        result = _download(output, client, state.options(), chosen)
    done: DownloadedFile = output.unwrap(result)
    if output.quiet and not output.json_mode:
        output.line(str(done.path))
        return
    output.emit(_done_data(done), lambda console: _render_done(console, done))


def _plan(output: Output, options: CivitaiApiOptions, chosen: Choice) -> DownloadPlan:
    from civitai_kit.tools.download_plan import plan_model_file

    try:
        planned = plan_model_file(chosen.file, chosen.version, options, **chosen.arguments())
    except ValueError as exc:  # a bad --pattern
        output.fail(str(exc), exit_code=USAGE_ERROR)
    plan: DownloadPlan = output.unwrap(planned)
    return plan


def _download(
    output: Output, client: CivitaiClient, options: CivitaiApiOptions, chosen: Choice
) -> Result[DownloadedFile]:
    from civitai_kit.tools.downloads import DownloadService

    file = chosen.file
    name = escape(cell(file.name))
    output.info(f"Downloading [bold]{name}[/] ({human_size(file.size_bytes)}) of version {chosen.version.id}")
    with output.progress(transfer=True) as progress, DownloadService(options, client=client) as service:
        task = progress.add_task(cell(file.name), total=file.size_bytes)

        def report(update: DownloadProgress) -> None:
            progress.update(task, completed=update.downloaded, total=update.total)

        return service.download_model_file(file, chosen.version, on_progress=report, **chosen.arguments())


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
