"""``civitai generate PROMPT``: a v2 ``textToImage`` workflow, waited for, its images downloaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from civitai_kit.cli._browse import refine
from civitai_kit.cli._output import Output, cell, table
from civitai_kit.cli._state import USAGE_ERROR, JsonFlag, state_of
from civitai_kit.cli._validate import ensure_directory
from civitai_kit.errors import Error, ErrorCode
from civitai_kit.result import Failure, Result
from civitai_kit.sdk import Blob, SdkClient, Workflow
from civitai_kit.tools.formats import detect_format, fix_extension
from civitai_kit.tools.path_patterns import sanitize_filename

DEFAULT_MODEL = "urn:air:sd1:checkpoint:civitai:4384@128713"
"""The checkpoint the API itself uses when a ``textToImage`` step names none."""
SERVER_WAIT_SECONDS = 60
"""How long the server may hold the submit request (the API caps it at 100 s); polling takes over after."""


def generate_command(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="What to draw.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Checkpoint AIR.")] = DEFAULT_MODEL,
    negative: Annotated[str | None, typer.Option("--negative", help="Negative prompt.", show_default=False)] = None,
    width: Annotated[int, typer.Option("--width", help="Pixels, a multiple of 8.")] = 512,
    height: Annotated[int, typer.Option("--height", help="Pixels, a multiple of 8.")] = 512,
    steps: Annotated[int | None, typer.Option("--steps", help="Sampling steps.", show_default=False)] = None,
    cfg_scale: Annotated[float | None, typer.Option("--cfg-scale", help="Prompt guidance.", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed (default: random).", show_default=False)] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="eulerA, dpM2M, ...", show_default=False)] = None,
    quantity: Annotated[int, typer.Option("--quantity", "-n", help="Number of images.", min=1, max=100)] = 1,
    directory: Annotated[Path, typer.Option("--dir", "-d", help="Where the images are saved.")] = Path(),
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the workflow.", min=1)] = 600,
    json_output: JsonFlag = False,
) -> None:
    """Generate images from PROMPT (a textToImage workflow), wait for them and save them to --dir."""
    state = state_of(ctx, json_output)
    output = state.output
    ensure_directory(output, directory, argument="--dir")  # before anything is submitted (and paid for)
    sdk = state.sdk_client()
    try:
        builder = refine(
            sdk.workflows.text_to_image()
            .with_model(model)
            .with_prompt(prompt)
            .with_size(width, height)
            .with_quantity(quantity),
            ("with_negative_prompt", negative),
            ("with_steps", steps),
            ("with_cfg_scale", cfg_scale),
            ("with_seed", seed),
            ("with_scheduler", scheduler),
        )
        builder.build()
    except ValueError as exc:
        output.fail(str(exc), exit_code=USAGE_ERROR)
    workflow = _run(output, sdk, builder, timeout)
    if not workflow.succeeded:
        output.fail(Error(ErrorCode.RESOURCE_UNAVAILABLE, f"Workflow {workflow.id} ended {workflow.status}."))
    saved = _save(output, sdk, workflow.images, directory)

    def render(console: Console) -> None:
        listing = table("Image", "Size", "Saved to")
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
    output.emit(
        {
            "workflow_id": workflow.id,
            "status": workflow.status,
            "cost": workflow.cost,
            "images": [{**blob.model_dump(mode="json", by_alias=True), "path": str(path)} for blob, path in saved],
        },
        render,
    )


def _run(output: Output, sdk: SdkClient, builder: Any, timeout: float) -> Workflow:
    """Submit (the server holds the request while it finishes), then poll until the workflow is terminal."""
    with output.err.status("submitting…") if output.show_progress else _Quiet() as status:
        submitted: Workflow = output.unwrap(sdk.workflows.submit(builder, wait=SERVER_WAIT_SECONDS))
        output.info(f"Submitted workflow {submitted.id} ({submitted.status})")
        if submitted.is_terminal or submitted.id is None:
            return submitted
        status.update(f"waiting for workflow {submitted.id} ({submitted.status})…")
        finished: Workflow = output.unwrap(sdk.workflows.wait_for(submitted.id, timeout=timeout))
        return finished


def _save(output: Output, sdk: SdkClient, blobs: list[Blob], directory: Path) -> list[tuple[Blob, Path]]:
    """Download each produced image into ``directory`` (checked before submitting), named after its blob id with
    the right extension."""
    saved: list[tuple[Blob, Path]] = []
    with output.progress() as progress:
        task = progress.add_task("downloading images", total=len(blobs))
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


class _Quiet:
    """Stands in for ``console.status`` when nothing should be drawn."""

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def update(self, _status: str) -> None:
        return None
