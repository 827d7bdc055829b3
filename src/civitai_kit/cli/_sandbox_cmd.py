"""``civitai sandbox``: a fake Civitai on loopback for trying the library, the examples and the CLI offline."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from civitai_kit.cli._state import USAGE_ERROR, JsonFlag, state_of
from civitai_kit.testing.sandbox import SANDBOX_TOKEN, start_sandbox


def sandbox_command(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option("--port", "-p", help="Port to listen on (0: any free port).", min=0, max=65535)
    ] = 0,
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind.")] = "127.0.0.1",
    accept_key: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-key",
            help="Accept only this API key on /me, favourites, login-only downloads and the Generator "
            "(repeatable; default: any non-empty key).",
        ),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Serve a fake Civitai (REST, downloads, Generator) with realistic data until Ctrl-C.

    Prints the environment lines that point every client and `civitai` command at it.
    """
    output = state_of(ctx, json_output).output
    if host not in {"127.0.0.1", "::1", "localhost"}:
        output.fail(
            f"--host must be a loopback address (127.0.0.1, ::1 or localhost), not {host!r}", exit_code=USAGE_ERROR
        )
    for key in accept_key or ():
        output.add_secret(key.strip())
    if accept_key is not None and not all(key.strip() for key in accept_key):
        output.fail("--accept-key must not be empty", exit_code=USAGE_ERROR)
    try:
        sandbox = start_sandbox("127.0.0.1" if host == "localhost" else host, port, accepted_keys=accept_key)
    except OSError as exc:
        output.fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    stop = threading.Event()
    # Ctrl-C and SIGTERM both end the loop (a background job may start with SIGINT ignored).
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        environment = sandbox.environment()
        if not accept_key:  # a restricted sandbox would refuse the placeholder (and it would hide the user's key)
            environment["CIVITAIAPI__SDK__APITOKEN"] = SANDBOX_TOKEN
        if output.json_mode:
            output.write_json({"url": sandbox.url, "environment": environment})
        else:
            for name, value in environment.items():
                output.line(f"{name}={value}")
        if accept_key:
            output.info(f"Sandbox serving at {sandbox.url} — export the lines above. Ctrl-C stops it.")
            output.info(
                f"API keys accepted: only the {len(set(accept_key))} given with --accept-key, by the REST API and "
                "the Generator alike; set CIVITAI_API_KEY to one of them."
            )
        else:
            output.info(
                f"Sandbox serving at {sandbox.url} — export the lines above (the token is a placeholder the sandbox "
                "accepts). Ctrl-C stops it."
            )
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sandbox.stop()
    output.info("Sandbox stopped.")
