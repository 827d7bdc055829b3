"""The ``civitai`` Typer application: global flags, then one sub-command per library area."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from civitai_kit._version import __version__
from civitai_kit.cli._flags import GlobalFlags
from civitai_kit.cli._lazy_group import LazyCommand, LazyGroup
from civitai_kit.cli._output import Output
from civitai_kit.cli._usage import CivitaiGroup
from civitai_kit.cli._warnings import library_warnings

_CLI = "civitai_kit.cli."

#: Every command in ``--help`` order: name, where it is, its help line (``tests/cli/test_lazy_commands.py`` keeps
#: each line equal to the command's own). A command's module is imported only when the command runs.
COMMANDS: tuple[LazyCommand, ...] = tuple(
    LazyCommand(name, _CLI + target, line)
    for name, target, line in (
        (
            "download",
            "_download_cmd:download_command",
            "Download model files: streamed to <name>.part, resumed if cut, verified, then renamed into place.",
        ),
        (
            "hash",
            "_hashing:hash_command",
            "Hash files the way Civitai does (upper-case hex; every algorithm in one read of each file).",
        ),
        (
            "identify",
            "_hashing:identify_command",
            "Find out which Civitai model version each file in DIRECTORY is (hashes, then bulk lookups).",
        ),
        (
            "generate",
            "_generate_cmd:generate_command",
            "Generate images from PROMPT, wait for them and save them to --dir.",
        ),
        (
            "generate-video",
            "_video_cmd:generate_video_command",
            "Generate a video from PROMPT (and --image), wait for it and save it to --dir.",
        ),
        (
            "login",
            "_login_cmd:login_command",
            "Check an API key with Civitai and store it in user secrets (CivitaiApi:ApiKey, mode 0600).",
        ),
        (
            "logout",
            "_login_cmd:logout_command",
            "Remove the API key that ``civitai login`` stored (and say if another source still provides one).",
        ),
        (
            "whoami",
            "_login_cmd:whoami_command",
            "Whose API key is in use (Civitai's ``/me``: username and tier) and which source it came from.",
        ),
        (
            "sandbox",
            "_sandbox_cmd:sandbox_command",
            "Serve a fake Civitai (REST, downloads, Generator) with realistic data until Ctrl-C.",
        ),
        (
            "enums",
            "_enums_cmd:enums_command",
            "Model types, file types and base models as Civitai currently spells them.",
        ),
        ("models", "_browse:models_app", "Search and look up models."),
        ("versions", "_browse:versions_app", "Look up model versions by id or by file hash."),
        ("images", "_images_cmd:images_app", "Browse images and their generation metadata."),
        ("tags", "_browse:tags_app", "Browse tags."),
        ("creators", "_browse:creators_app", "Browse creators."),
        ("blobs", "_blobs_cmd:app", "Upload files for workflows to use as inputs."),
        ("workflow", "_workflow_cmd:app", "Submit, inspect, list, cancel and wait for v2 workflows."),
        ("config", "_config_cmd:app", "Inspect the effective configuration."),
        ("secrets", "_secrets_cmd:app", "Manage user secrets (a per-user file outside every project)."),
    )
)


class _Root(CivitaiGroup):
    lazy_commands = COMMANDS


app = typer.Typer(
    name="civitai",
    cls=_Root,  # commands imported on use; usage errors: one line, exit 2, JSON with --json
    help="Civitai from the command line: search, look up by hash, download and verify, identify, generate.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion
    pretty_exceptions_enable=False,  # never render locals (they may hold a key)
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"civitai-kit {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")] = False,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Civitai base URL (CivitaiApi:BaseUrl).", show_default=False)
    ] = None,
    sdk_base_url: Annotated[
        str | None,
        typer.Option("--sdk-base-url", help="Generator API base URL (CivitaiApi:Sdk:BaseUrl).", show_default=False),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", help="API key for this run (CivitaiApi:ApiKey); never printed.", show_default=False),
    ] = None,
    config_dir: Annotated[
        Path | None,
        typer.Option("--config-dir", help="Where appsettings*.json and .env are read.", show_default=False),
    ] = None,
    environment: Annotated[
        str | None,
        typer.Option("--environment", help="Selects appsettings.{Environment}.json.", show_default=False),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only results; no notes or progress.")] = False,
    no_progress: Annotated[
        bool, typer.Option("--no-progress", envvar="CIVITAI_NO_PROGRESS", help="No progress bars.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Global flags apply to every command; they rank above every configuration source (they are the
    arguments of the invocation's one container, see ``CliState.compose``)."""
    overrides: dict[str, object] = {}
    if base_url is not None:
        overrides["base_url"] = base_url
    if api_key is not None:
        overrides["api_key"] = api_key
    if sdk_base_url is not None:
        overrides["sdk"] = {"base_url": sdk_base_url}
    output = Output(json_mode=json_output, quiet=quiet, progress=not no_progress)
    if api_key:
        output.add_secret(api_key.strip())
    ctx.with_resource(library_warnings(output))
    ctx.obj = GlobalFlags(output, overrides, config_dir, environment)  # composed when a command needs it


def every_command() -> LazyGroup:
    """The root click command with every command loaded (what the docs generator and tests walk)."""
    root = typer.main.get_command(app)
    assert isinstance(root, LazyGroup)
    root.load_all()
    return root
