"""Hashing with a progress bar (``civitai hash``, ``versions by-hash FILE``) and ``civitai identify``."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from civitai_kit.cli._output import FAILURE, Output, cell, error_document, human_size, table
from civitai_kit.cli._state import USAGE_ERROR, JsonFlag, state_of
from civitai_kit.core.models import FileHashes
from civitai_kit.errors import Error
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools import HashAlgorithm
from civitai_kit.tools.hashing import FileHashingService
from civitai_kit.tools.library import IdentifiedFile

#: ``civitai hash`` without ``--algo``: every hash Civitai stores, in one read.
DEFAULT_ALGORITHMS = (
    HashAlgorithm.SHA256,
    HashAlgorithm.AUTOV1,
    HashAlgorithm.AUTOV2,
    HashAlgorithm.AUTOV3,
    HashAlgorithm.CRC32,
    HashAlgorithm.BLAKE3,
)


def compute_with_progress(
    output: Output, hasher: FileHashingService, path: Path, algorithms: list[HashAlgorithm]
) -> Result[FileHashes]:
    """Hash ``path`` (one read pass for all ``algorithms``; none for hashes the cache holds), drawing a progress
    bar on an interactive stderr."""
    with output.progress(transfer=True) as progress:
        task = progress.add_task(f"hashing {path.name}", total=None)

        def advance(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        return hasher.compute(path, algorithms, on_progress=advance)


def hash_with_progress(
    output: Output, hasher: FileHashingService, path: Path, algorithms: list[HashAlgorithm]
) -> FileHashes:
    """Like ``compute_with_progress``; a failure ends the command with its one-line reason."""
    hashes: FileHashes = output.unwrap(compute_with_progress(output, hasher, path, algorithms))
    return hashes


def hash_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Files to hash.", show_default=False)],
    algorithms: Annotated[
        list[str] | None,
        typer.Option("--algo", "-a", help="SHA256, SHA512, BLAKE3, CRC32, AutoV1, AutoV2, AutoV3 (repeatable)."),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Hash files the way Civitai does (upper-case hex; every algorithm in one read of each file)."""
    state = state_of(ctx, json_output)
    output = state.output
    chosen = _algorithms(output, algorithms)
    hasher = state.hasher()
    rows: list[dict[str, Any]] = []
    failures: list[Error] = []
    for path in files:
        match compute_with_progress(output, hasher, path, chosen):
            case Success(hashes):
                values = {algorithm.value: hashes.get(algorithm) for algorithm in chosen}
                rows.append({"path": str(path), "size": path.stat().st_size, "hashes": values})
            case Failure(error):
                failures.append(error)
                if output.json_mode:
                    rows.append({"path": str(path), "error": error_document(error, FAILURE)["error"]})

    def render(console: Console) -> None:
        # Lines, not a table: a table folds 64-character hashes on a narrow terminal, and a hash cut in two
        # cannot be copied or grepped. ``soft_wrap`` leaves long lines whole at any width.
        width = max(len(algorithm.value) for algorithm in chosen)
        for row in rows:
            if "hashes" not in row:
                continue
            console.print(f"{row['path']}  {human_size(row['size'])}", soft_wrap=True)
            for name, value in row["hashes"].items():
                console.print(f"  {name:<{width}}  {cell(value)}", soft_wrap=True)

    if rows:
        output.emit(rows, render)
    if failures:
        output.fail_after_results(failures)


def _algorithms(output: Output, names: list[str] | None) -> list[HashAlgorithm]:
    if not names:
        return list(DEFAULT_ALGORITHMS)
    chosen: list[HashAlgorithm] = []
    for name in names:
        try:
            algorithm = HashAlgorithm(name)
        except ValueError:
            valid = ", ".join(a.value for a in HashAlgorithm)
            output.fail(f"--algo: {name!r} is not a hash algorithm (valid: {valid})", exit_code=USAGE_ERROR)
        if algorithm not in chosen:
            chosen.append(algorithm)
    return chosen


def identify_command(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Folder of model files (.safetensors, .ckpt, .gguf, ...).")],
    write_sidecars: Annotated[
        bool,
        typer.Option(
            "--write-sidecars",
            help="Write the preview and metadata files apps read beside each file (Downloads:Sidecars).",
        ),
    ] = False,
    recursive: Annotated[bool, typer.Option("--recursive/--no-recursive", help="Include sub-folders.")] = True,
    json_output: JsonFlag = False,
) -> None:
    """Find out which Civitai model version each file in DIRECTORY is (hashes, then bulk lookups)."""
    state = state_of(ctx, json_output)
    output = state.output
    if not directory.is_dir():
        output.fail(f"{directory} is not a directory", exit_code=USAGE_ERROR)
    progress = output.err.status("identifying…") if output.show_progress else nullcontext()
    scanner = state.library()
    with progress:
        records = scanner.identify_folder(directory, recursive=recursive, write_sidecars=write_sidecars)
    data = [_record(record) for record in records]

    def render(console: Console) -> None:
        if not records:
            console.print(f"No model files in {directory}", highlight=False)
            return
        listing = table("File", "Size", "Model", "Version", "Matched by", "Note")
        for record in records:
            version = record.version
            listing.add_row(
                _relative(record.path, directory),
                human_size(record.size),
                f"{record.model_name or ''} ({record.model_id})" if record.model_id else cell(record.model_name),
                f"{cell(version.name)} ({version.id})" if version is not None else "",
                cell(record.matched_by),
                record.reason,
            )
        console.print(listing)
        known = sum(1 for record in records if record.identified)
        console.print(f"{known} of {len(records)} file(s) identified", highlight=False)

    output.emit(data, render)
    errors = [record.error for record in records if record.error is not None]
    if errors:
        output.fail_after_results(errors)


def _record(record: IdentifiedFile) -> dict[str, Any]:
    version = record.version
    return {
        "path": str(record.path),
        "size": record.size,
        "identified": record.identified,
        "model_id": record.model_id,
        "model_name": record.model_name,
        "version_id": record.version_id,
        "version_name": version.name if version is not None else None,
        "air": version.air if version is not None else None,
        "matched_by": record.matched_by,
        "reason": record.reason or None,
        "error": str(record.error) if record.error is not None else None,
        "sidecar": str(record.sidecar) if record.sidecar is not None else None,
        "hashes": record.hashes,
    }


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
