"""``civitai login`` / ``logout`` / ``whoami``: keep the API key in user secrets, and say which key is in use.

``login`` reads the key from a hidden prompt (or ``--token-stdin``, or ``--token`` with a warning: it lands in
shell history), checks it with a call that needs a key — ``GET /api/v1/models?favorites=true&limit=1``, which
Civitai answers 401 without a valid one — and stores it as ``CivitaiApi:ApiKey`` in the user secrets file
(mode 0600, the file ``civitai secrets`` manages). A rejected key is never stored. No command prints the key.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from pydantic import SecretStr

from civitai_kit.cli._state import CliState, JsonFlag, state_of
from civitai_kit.errors import ConfigurationError, Error, ErrorCode
from civitai_kit.options import CivitaiApiOptions, UserSecrets
from civitai_kit.result import Failure

API_KEY = "CivitaiApi:ApiKey"
_USAGE = 2


def _verify(state: CliState, key: SecretStr | None = None) -> Error | None:
    """``None`` when Civitai accepts the key (``key``, else the configured one), else why not. The client is the
    container's (bound to options carrying ``key``), so it is shut down with the invocation."""
    if key is not None:
        state.container.add_civitai_api(state.options().model_copy(update={"api_key": key}))
    result = state.core_client().models.where_favorites().execute(limit=1)
    return result.error if isinstance(result, Failure) else None


def _rejected(error: Error) -> bool:
    return error.code is ErrorCode.UNAUTHORIZED or error.http_status == 401


def _read_key(token: str | None, token_stdin: bool) -> str:
    if token is not None and token_stdin:
        raise typer.BadParameter("give the key with --token or --token-stdin, not both")
    if token_stdin:
        return sys.stdin.readline()
    if token is not None:
        return token
    return str(typer.prompt("Civitai API key", hide_input=True))


def login_command(
    ctx: typer.Context,
    token: Annotated[
        str | None,
        typer.Option("--token", help="The key as an argument (it lands in shell history: prefer the prompt)."),
    ] = None,
    token_stdin: Annotated[bool, typer.Option("--token-stdin", help="Read the key from standard input.")] = False,
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Store the key without checking it.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Check an API key with Civitai and store it in user secrets (CivitaiApi:ApiKey, mode 0600)."""
    state = state_of(ctx, json_output)
    output = state.output
    if token is not None:
        output.add_secret(token.strip())
        output.warn("--token puts the key in your shell history; the prompt or --token-stdin does not")
    text = _read_key(token, token_stdin).strip()
    output.add_secret(text)
    if not text:
        output.fail("no key given (an empty key cannot be stored)", exit_code=_USAGE)
    key = SecretStr(text)
    options = state.options()
    if not no_verify:
        problem = _verify(state, key)
        if problem is not None and _rejected(problem):
            output.fail(f"key rejected: Civitai at {options.base_url} answered 401 Unauthorized; nothing was stored")
        if problem is not None:
            output.fail(
                f"could not check the key, so nothing was stored: {problem.message} "
                "(run `civitai login --no-verify` to store it anyway)"
            )
    try:
        store = UserSecrets()
        store.set(API_KEY, text)
    except ConfigurationError as exc:
        output.fail(exc.error)
    shadow = _shadowing_source(options)
    if shadow is not None:
        output.warn(f"{shadow} also sets the API key and takes precedence over user secrets")
    data = {"stored": API_KEY, "path": str(store.path), "verified": not no_verify, "overridden_by": shadow}
    verdict = "checked and " if not no_verify else ""
    output.emit(data, lambda console: console.print(f"Key {verdict}saved to {store.path} ({API_KEY})"))


def logout_command(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """Remove the API key that ``civitai login`` stored (and say if another source still provides one)."""
    state = state_of(ctx, json_output)
    output = state.output
    try:
        store = UserSecrets()
        removed = store.remove(API_KEY)
    except ConfigurationError as exc:
        output.fail(exc.error)
    options = state.options()  # loaded after the removal: what is left
    remaining = options.rest_key_source() if options.rest_key() is not None else None
    data = {"removed": removed, "path": str(store.path), "key_still_from": remaining}

    def render(console: Any) -> None:
        first = f"Removed {API_KEY} from {store.path}" if removed else f"No {API_KEY} was stored in {store.path}"
        console.print(first, highlight=False)
        if remaining is not None:
            console.print(f"An API key is still configured by {remaining}", highlight=False)

    output.emit(data, render)


def whoami_command(ctx: typer.Context, json_output: JsonFlag = False) -> None:
    """Which API key source is active and whether Civitai accepts the key (the key is never printed).
    Exits 1 when no key is configured or it is rejected."""
    state = state_of(ctx, json_output)
    output = state.output
    options = state.options()
    if options.rest_key() is None:
        output.fail("no API key is configured; run `civitai login` (or set CIVITAI_API_KEY)")
    source = options.rest_key_source()
    problem = _verify(state)
    if problem is not None and not _rejected(problem):
        output.fail(f"could not check the API key from {source}: {problem.message}")
    accepted = problem is None
    data = {"configured": True, "source": source, "accepted": accepted, "base_url": options.base_url}
    verdict = "accepted" if accepted else "rejected (401 Unauthorized)"
    output.emit(data, lambda console: console.print(f"API key from {source}: {verdict} by {options.base_url}"))
    if not accepted:
        raise typer.Exit(1)


def _shadowing_source(options: CivitaiApiOptions) -> str | None:
    """The source above user secrets that sets the API key, if any (the environment, .env, a secrets file,
    a flag)."""
    if options.api_key is None:
        return None
    source = options.source_of("api_key")
    return None if source.startswith(("user secrets", "appsettings", "default")) else source
