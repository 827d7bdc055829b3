"""The ``civitai`` command: a thin shell over the library (flags → options → library call → output).

Typer and rich come with the ``cli`` extra; [`main`][] says so instead of failing with an import error.
"""

from __future__ import annotations

import gc
import sys

__all__ = ["main"]


def main() -> None:
    """Entry point of the ``civitai`` console script."""
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
