"""Where the command's output goes: results on stdout (a rich table or JSON), everything else on stderr.

Progress bars appear only on an interactive stderr, and every known secret is masked on both streams as a
last line of defence (the library never prints a key; this makes sure a stray one still would not show).

Conventions every ``civitai`` command follows (use these helpers, never ``typer.echo``/``print``):

- **Results** go through [`Output.emit`][] (JSON with ``--json``, a table otherwise); a plain line that must
  never wrap (a hash, a path) through [`Output.line`][].
- **Failures** go through [`Output.fail`][] / [`Output.unwrap`][]: one ``error: ...`` line on stderr, and with
  ``--json`` also ``{"error": {"code", "name", "message", "exit_code", ...}}`` on stdout. Exit code 1 is an API or
  I/O failure, 2 ([`USAGE_ERROR`][]) a bad argument; click's own usage errors get the same treatment (see
  ``app.main``).
- A **batch** that partly failed emits its results with each failed item's ``"error"`` and then calls
  [`Output.fail_after_results`][]: stdout is always exactly one JSON document.
- **Hints** a user may paste into a shell (``more: --cursor ...``) go through [`Output.hint`][]: every value is
  ``shlex.quote``-d.
- **Local checks first**: validate ids, hashes (``cli._validate``) and destinations ([`ensure_directory`][])
  before any paid or long request.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from civitai_kit.errors import Error
from civitai_kit.result import Failure, Result, Success

if TYPE_CHECKING:  # pydantic is not imported at run time: ``civitai --help`` loads this module without it
    from pydantic import SecretStr

USAGE_ERROR = 2
"""Exit code of a bad argument (click's convention); 1 is a failure of the API or the file system."""
FAILURE = 1
MASK = "***"
_MIN_SECRET_LENGTH = 4
_PIPE_WIDTH = 1000


class RedactingStream:
    """A text stream that replaces each registered secret with ``***`` before writing."""

    def __init__(self, stream: TextIO, secrets: set[str]) -> None:
        self._stream = stream
        self._secrets = secrets

    def write(self, text: str) -> int:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"


def to_jsonable(value: Any) -> Any:
    """Plain JSON data for ``--json``: pydantic models in their wire shape, secrets masked.

    Models and secrets are recognised by their methods (``model_dump``, ``get_secret_value``), so this module
    does not import pydantic: the command list must not pay for it."""
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump(mode="json", by_alias=True, exclude_none=True))
    if hasattr(value, "get_secret_value"):
        return MASK
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.hex()
    return value


class Output:
    """The two output streams of one invocation, and how results and failures are shown on them."""

    def __init__(self, *, json_mode: bool = False, quiet: bool = False, progress: bool = True) -> None:
        self.json_mode = json_mode
        self.quiet = quiet
        self._secrets: set[str] = set()
        self._stdout = RedactingStream(sys.stdout, self._secrets)
        self._stderr = RedactingStream(sys.stderr, self._secrets)
        # Piped output is not cut to 80 columns: tables keep one row per line for grep and friends.
        width = None if self._stdout.isatty() else _PIPE_WIDTH
        # Results are data (names, paths, prompts): "[v2]" in a file name is text, never rich markup.
        self.out = Console(
            file=self._stdout,  # type: ignore[arg-type]
            soft_wrap=True,
            highlight=False,
            width=width,
            markup=False,
        )
        self.err = Console(file=self._stderr, highlight=False)  # type: ignore[arg-type]
        self.show_progress = progress and not quiet and self._stderr.isatty()
        self._warned: set[str] = set()

    def add_secret(self, value: str | SecretStr | None) -> None:
        """Mask ``value`` wherever it would appear in this command's output."""
        if value is not None and not isinstance(value, str):
            value = value.get_secret_value()
        if value and len(value) >= _MIN_SECRET_LENGTH:
            self._secrets.add(value)

    # -- results -------------------------------------------------------------------------------------

    def emit(self, data: Any, render: Callable[[Console], None]) -> None:
        """Print a result: ``data`` as JSON with ``--json``, otherwise through ``render`` (human form)."""
        if self.json_mode:
            self.write_json(data)
        else:
            render(self.out)

    def write_json(self, data: Any) -> None:
        self._stdout.write(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")
        self._stdout.flush()

    def line(self, text: str) -> None:
        """One plain line on stdout (no markup, no wrapping)."""
        self._stdout.write(text + "\n")
        self._stdout.flush()

    def info(self, message: str) -> None:
        """A human note on stderr (hidden by ``--quiet``); rich markup allowed, so pass names and paths
        through ``rich.markup.escape``. Never hard-wrapped: a path cut across lines cannot be copied."""
        if not self.quiet:
            self.err.print(message, soft_wrap=True)

    def warn(self, message: str) -> None:
        """A warning on stderr, shown even with ``--quiet``; once per command, however many times it is given
        (a download's warning is both logged by the library as it starts and carried by its result)."""
        if message not in self._warned:
            self._warned.add(message)
            self.err.print(f"[yellow]warning:[/] {message}", soft_wrap=True)

    # -- failures ------------------------------------------------------------------------------------

    def fail(self, error: Error | str, *, exit_code: int = FAILURE) -> NoReturn:
        """One line naming what went wrong, then exit (1: API or I/O failure, 2: usage); with ``--json`` the
        error is also a JSON object on stdout, so a script reading stdout always gets JSON."""
        self.report(error, exit_code)
        raise typer.Exit(exit_code)

    def fail_after_results(self, errors: list[Error]) -> NoReturn:
        """Exit 1 after a partly failed batch whose results were already emitted, each failed item carrying its
        error: the error lines go to stderr, and stdout stays one JSON document."""
        for error in errors:
            self.error_line(error)
        raise typer.Exit(FAILURE)

    def report(self, error: Error | str, exit_code: int) -> None:
        """The ``error:`` line on stderr and, with ``--json``, the error object on stdout (no exit)."""
        self.error_line(error)
        if self.json_mode:
            self.write_json(error_document(error, exit_code))

    def hint(self, text: str, *arguments: str) -> None:
        """A dim ``text arg...`` note whose arguments are shell-quoted: pasted into a shell, it runs as shown
        (a cursor like ``3|1715393280000`` would otherwise start a pipe)."""
        if not self.json_mode:
            quoted = " ".join(shlex.quote(argument) for argument in arguments)
            self.info(f"[dim]{escape(text)} {escape(quoted)}[/]")

    def error_line(self, error: Error | str) -> None:
        """``error: <message>`` on one line of stderr; the message is text (a path's ``[x]`` stays)."""
        text = str(error) if isinstance(error, Error) else error
        first_line = " ".join(text.split())
        self.err.print(f"[red]error:[/] {escape(first_line)}", markup=True, highlight=False, soft_wrap=True)

    def unwrap(self, result: Result[Any]) -> Any:
        """The value of a ``Success``; for a ``Failure``, its one-line reason and exit code 1."""
        match result:
            case Success(value):
                return value
            case Failure(error):
                self.fail(error)
        raise AssertionError("unreachable")

    # -- progress ------------------------------------------------------------------------------------

    def progress(self, *, transfer: bool = False) -> Progress:
        """A progress display on stderr; disabled (draws nothing) unless stderr is an interactive terminal."""
        columns: list[Any] = [TextColumn("{task.description}", markup=False), BarColumn()]
        if transfer:
            columns += [DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn()]
        else:
            columns += [MofNCompleteColumn(), TimeRemainingColumn()]
        return Progress(*columns, console=self.err, transient=True, disable=not self.show_progress)


def error_document(error: Error | str, exit_code: int) -> dict[str, Any]:
    """``{"error": {"code", "name", "message", "exit_code", ...}}``: the JSON form of a failure (``code`` is the
    [`ErrorCode`][] number, ``"usage"`` for a bad argument, ``"failure"`` for a plain CLI message)."""
    if isinstance(error, Error):
        body: dict[str, Any] = {"code": int(error.code), "name": error.code.name, "message": error.message}
        if error.http_status is not None:
            body["http_status"] = error.http_status
        if error.details:
            body["details"] = to_jsonable(dict(error.details))
    else:
        kind = "usage" if exit_code == USAGE_ERROR else "failure"
        body = {"code": kind, "name": kind.upper(), "message": " ".join(error.split())}
    body["exit_code"] = exit_code
    return {"error": body}


def table(*columns: str, title: str | None = None) -> Table:
    """A results table with our look; long cells fold instead of being cut off."""
    result = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        result.add_column(column, overflow="fold")
    return result


def cell(value: Any) -> str:
    """A table cell: empty for ``None``, ``, ``-joined for sequences, ``str`` otherwise."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ", ".join(cell(item) for item in value)
    return str(value)


def human_size(size_bytes: float | None) -> str:
    if size_bytes is None:
        return ""
    size = float(size_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def print_rows(console: Console, rows: Iterable[tuple[str, Any]]) -> None:
    """A two-column ``name  value`` listing for a single object."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for name, value in rows:
        grid.add_row(name, cell(value))
    console.print(grid)
