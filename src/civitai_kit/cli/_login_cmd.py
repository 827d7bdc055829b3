"""``civitai login`` / ``logout`` / ``whoami``: keep the API key in user secrets, and say whose key is in use.

``login`` reads the key from a hidden prompt (or ``--token-stdin``, or ``--token`` with a warning: it lands in
shell history), checks it with ``GET /api/v1/me`` — which Civitai answers only for a valid key (401 otherwise)
and which names the account — and stores it as ``CivitaiApi:ApiKey`` in the user secrets file (mode 0600, the
file ``civitai secrets`` manages). A rejected key is never stored. ``whoami`` asks ``/me`` with the configured
key and shows the account and the source the key came from. No command prints the key.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from pydantic import SecretStr

from civitai_kit.cli._state import CliState, JsonFlag, state_of
from civitai_kit.core import CurrentUser
from civitai_kit.errors import ConfigurationError, Error, ErrorCode
from civitai_kit.options import CivitaiApiOptions, UserSecrets
from civitai_kit.result import Failure, Result, Success

API_KEY = "CivitaiApi:ApiKey"
_USAGE = 2


def _verify(state: CliState, key: SecretStr | None = None) -> Result[CurrentUser]:
    """The account Civitai says the key belongs to (``key``, else the configured one). The client is the
    container's (bound to options carrying ``key``), so it is shut down with the invocation."""
    if key is not None:
        state.container.add_civitai_api(state.options().model_copy(update={"api_key": key}))
    return state.core_client().me()


def _account(user: CurrentUser) -> str:
    """``sandbox_user (tier free)``: who Civitai says the key belongs to."""
    name = user.username or f"user {user.id}"
    return f"{name} (tier {user.tier})" if user.tier else name


def _unchecked(options: CivitaiApiOptions, error: Error) -> str:
    """Why the key could not be checked: Civitai unreachable (no answer at all), or an answer other than 401."""
    if error.http_status is None:
        return f"could not reach Civitai at {options.base_url} to check the key: {error.message}"
    return f"could not check the key with Civitai at {options.base_url} (HTTP {error.http_status}): {error.message}"


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
    user: CurrentUser | None = None
    if not no_verify:
        checked = _verify(state, key)
        if isinstance(checked, Failure) and _rejected(checked.error):
            output.fail(f"key rejected: Civitai at {options.base_url} answered 401 Unauthorized; nothing was stored")
        if isinstance(checked, Failure):
            output.fail(f"{_unchecked(options, checked.error)}; nothing was stored (`--no-verify` stores it anyway)")
        user = checked.unwrap()
    try:
        store = UserSecrets()
        store.set(API_KEY, text)
    except ConfigurationError as exc:
        output.fail(exc.error)
    shadow = _shadowing_source(options)
    if shadow is not None:
        output.warn(f"{shadow} also sets the API key and takes precedence over user secrets")
    data = {
        "stored": API_KEY,
        "path": str(store.path),
        "verified": user is not None,
        "username": user.username if user else None,
        "tier": user.tier if user else None,
        "overridden_by": shadow,
    }

    def render(console: Any) -> None:
        if user is not None:
            console.print(f"Logged in as {_account(user)}", highlight=False)
        verdict = "checked and " if user is not None else ""
        console.print(f"Key {verdict}saved to {store.path} ({API_KEY})", highlight=False)

    output.emit(data, render)


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
    """Whose API key is in use (Civitai's ``/me``: username and tier) and which source it came from.

    The key is never printed. Exits 1 when no key is configured, Civitai rejects it, or Civitai cannot be
    reached."""
    state = state_of(ctx, json_output)
    output = state.output
    options = state.options()
    checked = _verify(state)
    if options.rest_key() is None and isinstance(checked, Failure):
        output.fail(checked.error)  # no request was sent: the message names every place a key can be set
    source = options.rest_key_source()
    if isinstance(checked, Failure) and not _rejected(checked.error):
        output.fail(f"{_unchecked(options, checked.error)} (the key comes from {source})")
    user = checked.value if isinstance(checked, Success) else None
    data = {
        "configured": True,
        "source": source,
        "accepted": user is not None,
        "base_url": options.base_url,
        "username": user.username if user else None,
        "tier": user.tier if user else None,
        "user_id": user.id if user else None,
    }

    def render(console: Any) -> None:
        if user is None:
            console.print(f"API key from {source}: rejected (401 Unauthorized) by {options.base_url}", highlight=False)
            return
        console.print(f"Logged in as {_account(user)} at {options.base_url}", highlight=False)
        console.print(f"API key from {source}: accepted", highlight=False)

    output.emit(data, render)
    if user is None:
        output.info("Run `civitai login` to check and store a new key.")
        raise typer.Exit(1)


def _shadowing_source(options: CivitaiApiOptions) -> str | None:
    """The source above user secrets that sets the API key, if any (the environment, .env, a secrets file,
    a flag)."""
    if options.api_key is None:
        return None
    source = options.source_of("api_key")
    return None if source.startswith(("user secrets", "appsettings", "default")) else source
