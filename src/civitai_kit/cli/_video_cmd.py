"""``civitai generate-video PROMPT``: a v2 ``videoGen`` workflow (text-to-video, or image-to-video with
``--image``, uploaded first), waited for, its videos downloaded.

Every engine of the spec's ``VideoGenInput`` is accepted; its own fields come with ``--set name=value``. Each
argument is checked against the spec before anything is uploaded or submitted (both cost something): with
``--image``, the input is checked with a stand-in URL first, and the upload happens only if it passes. When
the engine picks its schema by ``operation`` and none is set, the text-to-video or image-to-video one is
chosen; the image goes to the first image field that schema has (``images``, ``image``, ``sourceImage``…).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from civitai_kit.cli import _workflow_run as run
from civitai_kit.cli._blobs_cmd import checked_upload, upload_file
from civitai_kit.cli._output import Output
from civitai_kit.cli._state import USAGE_ERROR, JsonFlag, state_of
from civitai_kit.sdk import spec_inputs

VIDEO_INPUT = "VideoGenInput"
DEFAULT_ENGINE = "kling"
IMAGE_FIELDS = ("images", "image", "sourceImage", "startImage", "firstFrameImage", "sourceImageUrl")
"""Where an engine's schema takes the image of an image-to-video run, in order of preference."""
_OPERATIONS = {True: ("imagetovideo", "createvideo"), False: ("texttovideo", "createvideo")}
"""Operation names (lower case, without ``-``/``_``) chosen for an image-to-video run and a text-to-video one."""
STAND_IN_URL = "https://example.invalid/civitai-kit-input.png"
"""Fills the image field while the input is checked, before the real file is uploaded."""


def video_engines() -> list[str]:
    return sorted(spec_inputs.engines(VIDEO_INPUT))


def generate_video_command(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="What to film.")],
    engine: Annotated[
        str, typer.Option("--engine", "-e", help=f"One of the spec's video engines: {', '.join(video_engines())}.")
    ] = DEFAULT_ENGINE,
    image: Annotated[
        Path | None,
        typer.Option("--image", "-i", help="Image-to-video: this file is uploaded first.", show_default=False),
    ] = None,
    duration: Annotated[
        str | None, typer.Option("--duration", help="Length in seconds (the engine's values).", show_default=False)
    ] = None,
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="An engine field, name=value (JSON or text): --set version=v2.6.", show_default=False
        ),
    ] = None,
    directory: Annotated[Path, typer.Option("--dir", "-d", help="Where the videos are saved.")] = Path(),
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the workflow.", min=1)] = 900,
    json_output: JsonFlag = False,
) -> None:
    """Generate a video from PROMPT (and --image), wait for it and save it to --dir."""
    state = state_of(ctx, json_output)
    output = state.output
    run.output_directory(output, directory)  # before anything is uploaded or submitted
    values = _input_values(output, engine, prompt, duration, fields or [], with_image=image is not None)
    content_type = checked_upload(output, image, None, argument="--image") if image is not None else None
    sdk = state.sdk_client()
    uploaded = None
    if image is not None and content_type is not None:
        uploaded = upload_file(output, sdk, image, content_type)
        values = _with_image(values, uploaded.as_input())
    builder = sdk.workflows.video_gen(engine, **{key: value for key, value in values.items() if key != "engine"})
    input_image = None if uploaded is None else {"blob_id": uploaded.id, "url": uploaded.url}
    extra = {"engine": engine, "input_image": input_image}
    run.run_and_save(output, sdk, run.body_of(builder), directory, timeout=timeout, kind="videos", extra=extra)


def _input_values(
    output: Output, engine: str, prompt: str, duration: str | None, fields: list[str], *, with_image: bool
) -> dict[str, Any]:
    """The step input as the spec spells it, checked (with a stand-in image URL): a usage error otherwise."""
    if engine not in spec_inputs.engines(VIDEO_INPUT):
        output.fail(f"--engine: unknown {engine!r}; one of {', '.join(video_engines())}", exit_code=USAGE_ERROR)
    values: dict[str, Any] = {"engine": engine, "prompt": prompt, **run.parse_sets(output, fields)}
    schema = _choose_operation(values, with_image=with_image)
    if duration is not None:
        values["duration"] = _duration(schema, duration)
    if with_image:
        field = next((name for name in IMAGE_FIELDS if name in spec_inputs.shape(schema).properties), None)
        if field is None:
            output.fail(
                f"--image: the {engine} engine ({schema}) takes no input image; choose another engine or "
                "--set operation=… for an image-to-video variant",
                exit_code=USAGE_ERROR,
            )
        values = _with_image(values, STAND_IN_URL, field)
    try:
        return spec_inputs.check_step_input("videoGen", values)
    except ValueError as exc:
        output.fail(f"{exc} (engine fields are set with --set name=value)", exit_code=USAGE_ERROR)


def _choose_operation(values: dict[str, Any], *, with_image: bool) -> str:
    """The schema ``values`` select so far, after filling a missing ``operation`` with the text-to-video or
    image-to-video one (other discriminators, like ``version``, stay the user's to choose)."""
    name = VIDEO_INPUT
    while (found := spec_inputs.shape(name).discriminator) is not None:
        key, mapping = found
        if key not in values and key == "operation":
            wanted = _OPERATIONS[with_image]
            normal = {option.replace("-", "").replace("_", "").lower(): option for option in mapping}
            choice = next((normal[w] for w in wanted if w in normal), None)
            if choice is not None:
                values[key] = choice
        if values.get(key) not in mapping or mapping[values[key]] == name:
            return name
        name = mapping[values[key]]
    return name


def _duration(schema: str, text: str) -> Any:
    """``--duration`` as the schema's type: some engines take ``"5"`` (a string enum), others ``5``."""
    prop: Mapping[str, Any] = spec_inputs.shape(schema).properties.get("duration", {})
    if "$ref" in prop:
        prop = spec_inputs.schemas()[prop["$ref"].rsplit("/", 1)[-1]]
    kinds = prop.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    enum = prop.get("enum", [])
    if "string" in kinds or any(isinstance(option, str) for option in enum):
        return text
    try:
        return float(text) if "number" in kinds else int(text)
    except ValueError:
        return text  # the check names the field and what it takes


def _with_image(values: Mapping[str, Any], url: str, field: str | None = None) -> dict[str, Any]:
    """``values`` with ``url`` in the image field (``field``, or the one holding the stand-in)."""
    if field is None:
        field = next(key for key, value in values.items() if value in (STAND_IN_URL, [STAND_IN_URL]))
    kind = spec_inputs.shape(_schema_of(values)).properties.get(field, {}).get("type")
    is_list = kind == "array" or (isinstance(kind, list) and "array" in kind)
    return {**values, field: [url] if is_list else url}


def _schema_of(values: Mapping[str, Any]) -> str:
    return _choose_operation(dict(values), with_image=False)
