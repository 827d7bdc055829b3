"""``civitai models|versions|images|tags|creators``: the public REST API as tables or JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from civitai_kit.cli._hashing import hash_with_progress
from civitai_kit.cli._output import Output, cell, human_size, print_rows, table
from civitai_kit.cli._state import USAGE_ERROR, CliState, JsonFlag, state_of
from civitai_kit.cli._validate import civitai_hash
from civitai_kit.core import Creator, Image, Model, ModelVersion, Page, Tag
from civitai_kit.core.queries import QueryBuilder
from civitai_kit.errors import CivitaiError
from civitai_kit.result import Result
from civitai_kit.tools import HashAlgorithm

T = TypeVar("T")
Q = TypeVar("Q", bound=QueryBuilder[Any, Any])

models_app = typer.Typer(help="Search and look up models.", no_args_is_help=True)
versions_app = typer.Typer(help="Look up model versions by id or by file hash.", no_args_is_help=True)
images_app = typer.Typer(help="Browse images and their generation metadata.", no_args_is_help=True)
tags_app = typer.Typer(help="Browse tags.", no_args_is_help=True)
creators_app = typer.Typer(help="Browse creators.", no_args_is_help=True)

# The real API's bounds (spec: rest-api.md): /models answers 400 above 100, /images, /tags and /creators allow 200.
ModelsLimit = Annotated[int, typer.Option("--limit", "-n", help="Items per page (1-100).", min=1, max=100)]
Limit = Annotated[int, typer.Option("--limit", "-n", help="Items per page (1-200).", min=1, max=200)]
Cursor = Annotated[str | None, typer.Option("--cursor", help="Continue from a previous page's cursor.")]
MaxItems = Annotated[
    int | None,
    typer.Option("--max-items", help="Follow pages (cursors) until this many items.", min=1, show_default=False),
]
PageIndex = Annotated[int | None, typer.Option("--page", help="Page number (1-based).", min=1, show_default=False)]


@contextmanager
def usage_errors(output: Output) -> Iterator[None]:
    """A builder's ``ValueError`` (a bad flag value) becomes a one-line usage error, exit code 2 (its
    ``UnknownBaseModelWarning``, a misspelt ``--base-model`` still sent, is a ``warning:`` line like every
    library warning: see ``cli._warnings``)."""
    try:
        yield
    except ValueError as exc:
        output.fail(str(exc), exit_code=USAGE_ERROR)


def refine(query: Any, *steps: tuple[str, Any]) -> Any:
    """Apply ``(method, value)`` steps to a builder, skipping unset values: ``True`` calls ``method()``,
    a list calls ``method(*values)``, anything else ``method(value)``."""
    for method, value in steps:
        if value is None or value is False or value == [] or value == "":
            continue
        bound = getattr(query, method)
        query = bound() if value is True else bound(*value) if isinstance(value, list) else bound(value)
    return query


def _lookup(state: CliState, fetch: Callable[[Any], Result[T]], render: Callable[[Console, T], None]) -> None:
    """One object: fetch it (a failure ends the command), then show it."""
    output = state.output
    client = state.core_client()
    with usage_errors(output):
        value: T = output.unwrap(fetch(client))
    output.emit(value, lambda console: render(console, value))


def _run_listing(
    state: CliState,
    build: Callable[[Any], QueryBuilder[T, Any]],
    *,
    limit: int,
    cursor: str | None,
    max_items: int | None,
    render: Callable[[Console, list[T]], None],
) -> None:
    """One page (``execute``) or, with ``--max-items``, as many pages as needed (``iterate``)."""
    output = state.output
    if cursor is not None and max_items is not None:  # iterating starts at the first page
        output.fail(
            "--cursor and --max-items cannot be combined (--max-items follows pages from the first)",
            exit_code=USAGE_ERROR,
        )
    client = state.core_client()
    with usage_errors(output):
        query: Any = build(client)
        if max_items is not None:
            try:
                items: list[T] = list(query.iterate(page_size=limit, max_items=max_items))
            except CivitaiError as exc:  # iterators raise the failure's exception
                output.fail(exc.error)
            output.emit({"items": items}, lambda console: render(console, items))
            return
        page: Page[T] = output.unwrap(query.execute(limit=limit, cursor=cursor))
    output.emit(page, lambda console: render(console, list(page.items)))
    if page.next_cursor and not output.json_mode:
        output.hint("more:", "--cursor", page.next_cursor)
    elif page.next_page and not output.json_mode and page.current_page is not None:
        output.hint("more:", "--page", str(page.current_page + 1))


# ---------------------------------------------------------------------------------------------- models


@models_app.command("list")
def models_list(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Option("--query", help="Search text.", show_default=False)] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only models with this tag.", show_default=False)] = None,
    username: Annotated[str | None, typer.Option("--username", help="Only this creator.", show_default=False)] = None,
    types: Annotated[
        list[str] | None, typer.Option("--type", help="Model type (repeatable): LORA, Checkpoint, ...")
    ] = None,
    base_models: Annotated[
        list[str] | None, typer.Option("--base-model", help="Base model (repeatable): 'SDXL 1.0', ...")
    ] = None,
    sort: Annotated[
        str | None, typer.Option("--sort", help="'Highest Rated', 'Most Downloaded', 'Newest', ...")
    ] = None,
    period: Annotated[str | None, typer.Option("--period", help="AllTime, Year, Month, Week, Day.")] = None,
    nsfw: Annotated[bool, typer.Option("--nsfw", help="Include mature content (needs a key).")] = False,
    favorites: Annotated[bool, typer.Option("--favorites", help="Only your favorites (needs a key).")] = False,
    hidden: Annotated[bool, typer.Option("--hidden", help="Only models you hid (needs a key).")] = False,
    limit: ModelsLimit = 20,
    cursor: Cursor = None,
    page: PageIndex = None,
    max_items: MaxItems = None,
    json_output: JsonFlag = False,
) -> None:
    """Search models (one page, or --max-items across pages)."""

    def build(client: Any) -> Any:
        return refine(
            client.models,
            ("where_name", query),
            ("where_tag", tag),
            ("where_username", username),
            ("where_type", types),
            ("where_base_models", base_models),
            ("order_by", sort),
            ("where_period", period),
            ("where_nsfw", nsfw),
            ("where_favorites", favorites),
            ("where_hidden", hidden),
            ("with_page_index", page),
        )

    _run_listing(
        state_of(ctx, json_output), build, limit=limit, cursor=cursor, max_items=max_items, render=render_models
    )


def render_models(console: Console, models: list[Model]) -> None:
    listing = table("ID", "Name", "Type", "Creator", "Downloads", "Latest version")
    for model in models:
        latest = model.latest_version
        listing.add_row(
            str(model.id),
            cell(model.name),
            cell(model.type),
            cell(model.creator.username if model.creator else None),
            cell(model.stats.download_count if model.stats else None),
            f"{latest.id} ({cell(latest.base_model)})" if latest else "",
        )
    console.print(listing)


@models_app.command("get")
def models_get(
    ctx: typer.Context,
    model_id: Annotated[int, typer.Argument(help="Model id.", min=1)],
    json_output: JsonFlag = False,
) -> None:
    """One model with its versions and files."""
    _lookup(state_of(ctx, json_output), lambda client: client.models.get_by_id(model_id), render_model)


def render_model(console: Console, model: Model) -> None:
    print_rows(
        console,
        [
            ("ID", model.id),
            ("Name", model.name),
            ("Type", model.type),
            ("Creator", model.creator.username if model.creator else None),
            ("Tags", list(model.tags)),
            ("NSFW", model.nsfw),
            ("Mode", model.mode),
            ("Downloads", model.stats.download_count if model.stats else None),
            ("Commercial use", list(model.allow_commercial_use)),
        ],
    )
    versions = table("Version", "Name", "Base model", "Published", "Files", "Primary file", "AIR")
    for version in model.model_versions:
        primary = version.primary_file
        versions.add_row(
            str(version.id),
            cell(version.name),
            cell(version.base_model),
            version.published_at.date().isoformat() if version.published_at else "",
            str(len(version.files)),
            f"{cell(primary.name)} ({human_size(primary.size_bytes)})" if primary else "",
            cell(version.air),
        )
    console.print(versions)


# ---------------------------------------------------------------------------------------------- versions


@versions_app.command("get")
def versions_get(
    ctx: typer.Context,
    version_id: Annotated[int, typer.Argument(help="Model version id.", min=1)],
    json_output: JsonFlag = False,
) -> None:
    """One model version with its files and hashes."""
    _lookup(state_of(ctx, json_output), lambda client: client.models.get_by_version_id(version_id), render_version)


@versions_app.command("by-hash")
def versions_by_hash(
    ctx: typer.Context,
    hash_or_file: Annotated[str, typer.Argument(help="A hash (SHA256, AutoV2, BLAKE3, CRC32, ...) or a file to hash.")],
    json_output: JsonFlag = False,
) -> None:
    """The model version a file belongs to: give its hash, or the file itself (hashed with SHA256)."""
    state = state_of(ctx, json_output)
    output = state.output
    path = Path(hash_or_file)
    if path.is_file():
        digest = hash_with_progress(output, state.hasher(), path, [HashAlgorithm.SHA256]).sha256
        if digest is None:  # pragma: no cover - SHA256 is always computed for a readable file
            output.fail(f"could not hash {path}")
        output.info(f"[dim]{escape(str(path))}: SHA256 {digest}[/]")
        value = digest
    elif path.exists() or any(sep in hash_or_file for sep in ("/", "\\")):
        output.fail(f"{hash_or_file} is not a regular file", exit_code=USAGE_ERROR)
    else:
        value = civitai_hash(output, hash_or_file, argument="HASH_OR_FILE")
    _lookup(state, lambda client: client.models.get_by_version_hash(value), render_version)


def render_version(console: Console, version: ModelVersion) -> None:
    print_rows(
        console,
        [
            ("ID", version.id),
            ("Name", version.name),
            ("Model", f"{version.model_id or ''} {cell(version.model.name) if version.model else ''}".strip()),
            ("Type", version.model.type if version.model else None),
            ("Base model", version.base_model),
            ("Published", version.published_at.isoformat() if version.published_at else None),
            ("AIR", version.air),
            ("Trained words", list(version.trained_words)),
            ("Download", version.download_url),
        ],
    )
    files = table("File", "Name", "Type", "Size", "SHA256", "AutoV2", "Primary")
    for file in version.files:
        files.add_row(
            str(file.id),
            cell(file.name),
            cell(file.type),
            human_size(file.size_bytes),
            cell(file.hashes.sha256),
            cell(file.hashes.auto_v2),
            "yes" if file is version.primary_file else "",
        )
    console.print(files)


# ---------------------------------------------------------------------------------------------- images


ImageModelId = Annotated[int | None, typer.Option("--model-id", help="Images of this model.", min=1)]
ImageVersionId = Annotated[int | None, typer.Option("--version-id", help="Images of this version.", min=1)]
ImagePostId = Annotated[int | None, typer.Option("--post-id", help="Images of this post.", min=1)]
ImageUsername = Annotated[str | None, typer.Option("--username", help="Images by this user.")]
ImageNsfwLevel = Annotated[
    str | None, typer.Option("--nsfw-level", help="None, Soft, Mature or X (Mature/X need a key).")
]
ImageSort = Annotated[str | None, typer.Option("--sort", help="'Most Reactions', 'Newest', ...")]
Period = Annotated[str | None, typer.Option("--period", help="AllTime, Year, Month, Week, Day.")]


def image_query(
    client: Any,
    *,
    meta: bool,
    model_id: int | None,
    version_id: int | None,
    post_id: int | None,
    username: str | None,
    nsfw_level: str | None,
    sort: str | None,
    period: str | None,
) -> Any:
    """The ``/images`` query of the image filters ``images list`` and ``images download`` share."""
    return refine(
        client.images.with_meta(meta),
        ("where_model_id", model_id),
        ("where_model_version_id", version_id),
        ("where_post_id", post_id),
        ("where_username", username),
        ("where_nsfw_level", nsfw_level),
        ("order_by", sort),
        ("where_period", period),
    )


@images_app.command("list")
def images_list(
    ctx: typer.Context,
    model_id: ImageModelId = None,
    version_id: ImageVersionId = None,
    post_id: ImagePostId = None,
    username: ImageUsername = None,
    nsfw_level: ImageNsfwLevel = None,
    sort: ImageSort = None,
    period: Period = None,
    meta: Annotated[bool, typer.Option("--meta/--no-meta", help="Include generation metadata.")] = True,
    limit: Limit = 20,
    cursor: Cursor = None,
    max_items: MaxItems = None,
    json_output: JsonFlag = False,
) -> None:
    """Images with their generation metadata (prompt, seed, sampler...)."""

    def build(client: Any) -> Any:
        return image_query(
            client,
            meta=meta,
            model_id=model_id,
            version_id=version_id,
            post_id=post_id,
            username=username,
            nsfw_level=nsfw_level,
            sort=sort,
            period=period,
        )

    _run_listing(
        state_of(ctx, json_output), build, limit=limit, cursor=cursor, max_items=max_items, render=render_images
    )


def render_images(console: Console, images: list[Image]) -> None:
    listing = table("ID", "Size", "NSFW", "User", "Seed", "Prompt", "URL")
    for image in images:
        prompt = image.meta.prompt if image.meta else None
        listing.add_row(
            str(image.id),
            f"{image.width}x{image.height}" if image.width and image.height else "",
            cell(image.nsfw_label),
            cell(image.username),
            cell(image.meta.seed if image.meta else None),
            _shorten(prompt, 80),
            cell(image.url),
        )
    console.print(listing)


def _shorten(text: str | None, width: int) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# ---------------------------------------------------------------------------------------------- tags, creators


def render_tags(console: Console, tags: list[Tag]) -> None:
    listing = table("Name", "Models", "Link")
    for tag in tags:
        listing.add_row(cell(tag.name), cell(tag.model_count), cell(tag.link))
    console.print(listing)


def _name_listing(entity: str, render: Callable[[Console, list[Any]], None]) -> Callable[..., None]:
    """``tags list`` / ``creators list``: both page-based, both searched by (part of) a name."""

    def command(
        ctx: typer.Context,
        query: Annotated[str | None, typer.Option("--query", help="Part of the name.", show_default=False)] = None,
        limit: Limit = 20,
        page: PageIndex = None,
        max_items: MaxItems = None,
        json_output: JsonFlag = False,
    ) -> None:
        def build(client: Any) -> Any:
            return refine(getattr(client, entity), ("where_name", query), ("with_page_index", page))

        state = state_of(ctx, json_output)
        _run_listing(state, build, limit=limit, cursor=None, max_items=max_items, render=render)

    command.__doc__ = f"{entity.capitalize()} (page-based)."
    return command


def render_creators(console: Console, creators: list[Creator]) -> None:
    listing = table("Username", "Models", "Link")
    for creator in creators:
        listing.add_row(cell(creator.username), cell(creator.model_count), cell(creator.link))
    console.print(listing)


tags_app.command("list")(_name_listing("tags", render_tags))
creators_app.command("list")(_name_listing("creators", render_creators))
