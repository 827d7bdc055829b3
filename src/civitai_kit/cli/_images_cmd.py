"""``civitai images download``: images matching the ``images list`` filters, each with its generation metadata.

Each image is saved under ``Downloads:Images:PathPattern`` (default ``{Id}.{Extension}``) with the extension of its
real format (read from the bytes, not the URL: Civitai serves PNGs from ``.jpeg`` URLs), and beside it
``<name>.json``: the image record as Civitai returned it (prompt, seed, sampler, resources ...). At most
``--concurrency`` transfers run at once. The sidecar is written last, so an image counts as present — and a rerun
skips it — only when ``<id>.json`` exists in ``--dir`` and the file it names is still there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from civitai_kit.cli._browse import (
    Cursor,
    ImageModelId,
    ImageNsfwLevel,
    ImagePostId,
    ImageSort,
    ImageUsername,
    ImageVersionId,
    Limit,
    MaxItems,
    Period,
    image_query,
    images_app,
    usage_errors,
)
from civitai_kit.cli._output import FAILURE, USAGE_ERROR, Output, error_document, human_size, table
from civitai_kit.cli._state import JsonFlag, state_of
from civitai_kit.cli._validate import ensure_directory
from civitai_kit.core import Image
from civitai_kit.errors import CivitaiError, Error, ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.tools.download_files import write_json_sidecar

SIDECAR_SUFFIX = ".json"


@images_app.command("download")
def images_download(
    ctx: typer.Context,
    model_id: ImageModelId = None,
    version_id: ImageVersionId = None,
    post_id: ImagePostId = None,
    username: ImageUsername = None,
    nsfw_level: ImageNsfwLevel = None,
    sort: ImageSort = None,
    period: Period = None,
    limit: Limit = 20,
    cursor: Cursor = None,
    max_items: MaxItems = None,
    directory: Annotated[Path, typer.Option("--dir", "-d", help="Where images and their .json go.")] = Path(),
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-j", help="Transfers at once (1-64).", min=1, max=64)
    ] = 4,
    json_output: JsonFlag = False,
) -> None:
    """Download images matching the filters, each with a <name>.json of its generation metadata."""
    state = state_of(ctx, json_output)
    output = state.output
    if cursor is not None and max_items is not None:
        output.fail("--cursor and --max-items cannot be combined", exit_code=USAGE_ERROR)
    ensure_directory(output, directory, argument="--dir")  # before the listing and the transfers
    client = state.core_client()
    with usage_errors(output):
        query = image_query(
            client,
            meta=True,
            model_id=model_id,
            version_id=version_id,
            post_id=post_id,
            username=username,
            nsfw_level=nsfw_level,
            sort=sort,
            period=period,
        )
        images = _fetch(output, query, limit=limit, cursor=cursor, max_items=max_items)
    present = {image.id: path for image in images if (path := _present(directory, image)) is not None}
    wanted = [image for image in images if image.id not in present]
    downloader = state.downloader()
    with output.progress() as progress:
        task = progress.add_task("downloading images", total=len(wanted))
        results = downloader.download_many(wanted, max_concurrency=concurrency, directory=directory)
        progress.update(task, completed=len(wanted))
    rows: list[dict[str, Any]] = [
        {"id": image.id, "path": str(path), "sidecar": str(_sidecar(path)), "skipped": True}
        for image, path in ((image, present[image.id]) for image in images if image.id in present)
    ]
    errors: list[Error] = []
    for image, result in zip(wanted, results, strict=True):
        match result:
            case Success(saved):
                sidecar = _write_sidecar(output, saved.path, image)
                rows.append({"id": image.id, "path": str(saved.path), "size": saved.size, "sidecar": str(sidecar)})
            case Failure(error):
                errors.append(error)
                rows.append({"id": image.id, "error": error_document(error, FAILURE)["error"]})

    def render(console: Console) -> None:
        listing = table("Image", "Size", "Saved to")
        for row in rows:
            note = "already present" if row.get("skipped") else human_size(row.get("size"))
            listing.add_row(str(row["id"]), note if "error" not in row else "failed", row.get("path", ""))
        console.print(listing)

    output.emit(rows, render)
    if errors:
        output.fail_after_results(errors)


def _fetch(output: Output, query: Any, *, limit: int, cursor: str | None, max_items: int | None) -> list[Image]:
    if max_items is not None:
        try:
            return list(query.iterate(page_size=limit, max_items=max_items))
        except CivitaiError as exc:
            output.fail(exc.error)
    page = output.unwrap(query.execute(limit=limit, cursor=cursor))
    if page.next_cursor:
        output.hint("more:", "--cursor", page.next_cursor)
    return list(page.items)


def _sidecar(image_path: Path) -> Path:
    return image_path.with_suffix(SIDECAR_SUFFIX)


def _present(directory: Path, image: Image) -> Path | None:
    """The saved image whose sidecar ``<id>.json`` sits in ``directory`` and still names an existing file."""
    sidecar = directory / f"{image.id}{SIDECAR_SUFFIX}"
    try:
        recorded = json.loads(sidecar.read_text(encoding="utf-8")).get("file")
    except (OSError, ValueError, AttributeError):
        return None
    path = directory / str(recorded) if recorded else None
    return path if path is not None and path.is_file() else None


def _write_sidecar(output: Output, image_path: Path, image: Image) -> Path:
    """``<name>.json`` beside the image: the record Civitai returned plus ``file`` (the image's name), written
    through a temporary file so a crash never leaves half a sidecar (which would mark the image present)."""
    sidecar = _sidecar(image_path)
    document = {"file": image_path.name, **image.model_dump(mode="json", by_alias=True, exclude_none=True)}
    try:
        write_json_sidecar(sidecar, document, indent=2)
    except OSError as exc:
        output.fail(Error(ErrorCode.FILE_WRITE_FAILED, f"Cannot write {sidecar}: {exc.strerror or exc}"))
    return sidecar
