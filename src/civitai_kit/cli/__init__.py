"""The ``civitai`` command: a thin shell over the library (flags → options → library call → output).

Typer and rich come with the ``cli`` extra; [`main`][] says so instead of failing with an import error.
"""

from __future__ import annotations

import gc
import sys

__all__ = ["main"]


#: Packages the command never uses that a dependency imports whenever they are installed: dependency-injector's
#: wiring loads FastAPI, Starlette and Werkzeug to recognise their markers, ~150 ms of every command that
#: builds the container in an environment that also has FastAPI.
_NEVER_USED = ("fastapi", "starlette", "werkzeug")


def main() -> None:
    """Entry point of the ``civitai`` console script."""
    for name in _NEVER_USED:  # this process is the command: nothing in it can want them
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # an import of it now fails at once
    try:
        from civitai_kit.cli.app import app
    except ModuleNotFoundError as exc:
        if exc.name in {"typer", "rich"}:
            sys.stderr.write("civitai: the command line needs the cli extra: pip install 'civitai-kit[cli]'\n")
            raise SystemExit(2) from None
        raise
    try:
        app(prog_name="civitai")
    finally:
        # The process ends here. Everything still alive lives until exit: frozen, the interpreter's last
        # collections skip it instead of tracing it all again (`civitai download --help`: ~80 000 objects,
        # 0.15 s of CPU).
        gc.freeze()
