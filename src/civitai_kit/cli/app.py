"""The ``civitai`` Typer application: global flags, then one sub-command per library area."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from civitai_kit._version import __version__
from civitai_kit.cli import (
    _blobs_cmd,
    _browse,
    _config_cmd,
    _download_cmd,
    _enums_cmd,
    _generate_cmd,
    _hashing,
    _images_cmd,
    _login_cmd,
    _sandbox_cmd,
    _secrets_cmd,
    _video_cmd,
    _workflow_cmd,
)
from civitai_kit.cli._output import Output
from civitai_kit.cli._state import CliState
from civitai_kit.cli._usage import CivitaiGroup

app = typer.Typer(
    name="civitai",
    cls=CivitaiGroup,  # usage errors: one line, exit 2, JSON with --json
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
    ctx.obj = CliState.compose(ctx, output, overrides=overrides, config_dir=config_dir, environment=environment)


app.add_typer(_browse.models_app, name="models")
app.add_typer(_browse.versions_app, name="versions")
app.add_typer(_browse.images_app, name="images")
_browse.images_app.command("download")(_images_cmd.images_download)
app.add_typer(_browse.tags_app, name="tags")
app.add_typer(_browse.creators_app, name="creators")
app.command("download")(_download_cmd.download_command)
app.command("hash")(_hashing.hash_command)
app.command("identify")(_hashing.identify_command)
app.command("generate")(_generate_cmd.generate_command)
app.command("generate-video")(_video_cmd.generate_video_command)
app.add_typer(_blobs_cmd.app, name="blobs")
app.add_typer(_workflow_cmd.app, name="workflow")
app.add_typer(_config_cmd.app, name="config")
app.add_typer(_secrets_cmd.app, name="secrets")
app.command("login")(_login_cmd.login_command)
app.command("logout")(_login_cmd.logout_command)
app.command("whoami")(_login_cmd.whoami_command)
app.command("sandbox")(_sandbox_cmd.sandbox_command)
app.command("enums")(_enums_cmd.enums_command)
