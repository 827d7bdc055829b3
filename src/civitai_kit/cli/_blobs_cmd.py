"""``civitai blobs upload PATH``: store a file with the orchestrator, to use as a workflow's input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from civitai_kit.cli._output import Output, cell, table
from civitai_kit.cli._state import USAGE_ERROR, JsonFlag, state_of
from civitai_kit.sdk import SdkClient, UploadedBlob
from civitai_kit.sdk.upload_source import request_body

app = typer.Typer(help="Upload files for workflows to use as inputs.", no_args_is_help=True)


@app.command("upload")
def upload_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The image or video to upload.")],
    content_type: Annotated[
        str | None,
        typer.Option("--content-type", help="Media type (default: from the suffix or the file).", show_default=False),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Upload PATH as a blob; prints its id and the URL a step input takes (e.g. an image-to-video --image)."""
    state = state_of(ctx, json_output)
    output = state.output
    checked_type = checked_upload(output, path, content_type, argument="PATH")
    blob = upload_file(output, state.sdk_client(), path, checked_type)

    def render(console: Console) -> None:
        listing = table("Blob", "Type", "Bytes", "URL expires")
        listing.add_row(blob.id, blob.content_type, cell(blob.size), cell(blob.url_expires_at))
        console.print(listing)
        console.print(blob.url or "", highlight=False, soft_wrap=True)

    if output.quiet and not output.json_mode:
        output.line(blob.url or blob.id)
        return
    output.emit(uploaded_json(blob, path), render)


def checked_upload(output: Output, path: Path, content_type: str | None, *, argument: str) -> str:
    """The media type ``path`` will be uploaded as; a missing, empty or unknown file is a usage error (exit 2)
    raised before anything is sent."""
    try:
        return request_body(path, content_type, None).content_type
    except (ValueError, TypeError) as exc:
        output.fail(f"{argument}: {str(exc).removeprefix('source: ')}", exit_code=USAGE_ERROR)


def upload_file(output: Output, sdk: SdkClient, path: Path, content_type: str) -> UploadedBlob:
    """Upload ``path`` with a transfer progress bar on an interactive terminal; a failure exits 1."""
    with output.progress(transfer=True) as progress:
        task = progress.add_task(f"uploading {path.name}", total=None)
        report: Callable[[int, int | None], None] = lambda sent, total: progress.update(  # noqa: E731
            task, completed=sent, total=total
        )
        blob: UploadedBlob = output.unwrap(sdk.blobs.upload(path, content_type=content_type, progress=report))
    output.info(f"Uploaded {path.name} as blob {blob.id}")
    return blob


def uploaded_json(blob: UploadedBlob, path: Path) -> dict[str, object]:
    """The JSON form of an upload: the spec's ``Blob`` as answered, plus what was sent and the input to use."""
    return {
        **blob.blob.model_dump(mode="json", by_alias=True, exclude_none=True),
        "contentType": blob.content_type,
        "size": blob.size,
        "path": str(path),
        "input": blob.url,
    }
