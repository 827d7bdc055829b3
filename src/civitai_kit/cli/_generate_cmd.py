"""``civitai generate PROMPT``: a v2 workflow, waited for, its images downloaded.

By default a ``textToImage`` step (``--model``, ``--width``…); with ``--engine E`` an ``imageGen`` step of any
engine of the spec's ``ImageGenInput`` (``flux2``, ``openai``, ``gemini``, ``seedream``…), its own fields given
with ``--set name=value`` and checked against the spec before anything is submitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from civitai_kit.cli._browse import refine
from civitai_kit.cli._output import Output
from civitai_kit.cli._state import USAGE_ERROR, JsonFlag, state_of
from civitai_kit.cli._workflow_run import body_of, output_directory, parse_sets, run_and_save
from civitai_kit.sdk import SdkClient, spec_inputs

DEFAULT_MODEL = "urn:air:sd1:checkpoint:civitai:4384@128713"
"""The checkpoint the API itself uses when a ``textToImage`` step names none."""
IMAGE_INPUT = "ImageGenInput"


def image_engines() -> list[str]:
    """The engines of the spec's ``imageGen`` step (read from ``sdk.schema``)."""
    return sorted(spec_inputs.engines(IMAGE_INPUT))


def generate_command(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="What to draw.")],
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            "-e",
            help=f"An imageGen engine of the spec ({', '.join(image_engines())}); default: textToImage.",
            show_default=False,
        ),
    ] = None,
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="An input field, name=value (JSON or text; dots nest: --set a.b=1). Repeatable.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help=f"Checkpoint AIR [default: {DEFAULT_MODEL}].")
    ] = None,
    negative: Annotated[str | None, typer.Option("--negative", help="Negative prompt.", show_default=False)] = None,
    width: Annotated[int | None, typer.Option("--width", help="Pixels, a multiple of 8 [default: 512].")] = None,
    height: Annotated[int | None, typer.Option("--height", help="Pixels, a multiple of 8 [default: 512].")] = None,
    steps: Annotated[int | None, typer.Option("--steps", help="Sampling steps.", show_default=False)] = None,
    cfg_scale: Annotated[float | None, typer.Option("--cfg-scale", help="Prompt guidance.", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed (default: random).", show_default=False)] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="eulerA, dpM2M, ...", show_default=False)] = None,
    quantity: Annotated[
        int | None, typer.Option("--quantity", "-n", help="Number of images [default: 1].", min=1, max=100)
    ] = None,
    directory: Annotated[Path, typer.Option("--dir", "-d", help="Where the images are saved.")] = Path(),
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the workflow.", min=1)] = 600,
    json_output: JsonFlag = False,
) -> None:
    """Generate images from PROMPT, wait for them and save them to --dir."""
    state = state_of(ctx, json_output)
    output = state.output
    output_directory(output, directory)  # before anything is submitted (and paid for)
    sdk = state.sdk_client()
    text_options = {
        "--model": model, "--negative": negative, "--width": width, "--height": height, "--steps": steps,
        "--cfg-scale": cfg_scale, "--seed": seed, "--scheduler": scheduler, "--quantity": quantity,
    }  # fmt: skip
    if engine is None:
        if fields:
            output.fail("--set: needs --engine (textToImage takes the options above)", exit_code=USAGE_ERROR)
        body = _text_to_image(output, sdk, prompt, text_options)
    else:
        given = [name for name, value in text_options.items() if value is not None]
        if given:
            output.fail(
                f"{', '.join(given)}: textToImage options; with --engine give fields as --set name=value",
                exit_code=USAGE_ERROR,
            )
        body = _image_gen(output, sdk, engine, prompt, fields or [])
    run_and_save(
        output,
        sdk,
        body,
        directory,
        timeout=timeout,
        kind="images",
        extra=None if engine is None else {"engine": engine},
    )


def _text_to_image(output: Output, sdk: SdkClient, prompt: str, options: dict[str, Any]) -> dict[str, Any]:
    try:
        builder = refine(
            sdk.workflows.text_to_image()
            .with_model(options["--model"] or DEFAULT_MODEL)
            .with_prompt(prompt)
            .with_size(options["--width"] or 512, options["--height"] or 512)
            .with_quantity(options["--quantity"] or 1),
            ("with_negative_prompt", options["--negative"]),
            ("with_steps", options["--steps"]),
            ("with_cfg_scale", options["--cfg-scale"]),
            ("with_seed", options["--seed"]),
            ("with_scheduler", options["--scheduler"]),
        )
        return body_of(builder)
    except ValueError as exc:
        output.fail(str(exc), exit_code=USAGE_ERROR)


def _image_gen(output: Output, sdk: SdkClient, engine: str, prompt: str, fields: list[str]) -> dict[str, Any]:
    if engine not in spec_inputs.engines(IMAGE_INPUT):
        output.fail(f"--engine: unknown {engine!r}; one of {', '.join(image_engines())}", exit_code=USAGE_ERROR)
    values = {"prompt": prompt, **parse_sets(output, fields)}
    values.pop("engine", None)
    try:
        return body_of(sdk.workflows.image_gen_for(engine, **values))
    except ValueError as exc:
        output.fail(f"{exc} (engine fields are set with --set name=value)", exit_code=USAGE_ERROR)
