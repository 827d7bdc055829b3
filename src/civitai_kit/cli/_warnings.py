"""The library's warnings during one invocation: each one a single ``warning: ...`` line on stderr, once.

The library says what only deserves a word in two places, a [`CivitaiWarning`][civitai_kit.errors.CivitaiWarning]
for code and a log record for an application's logs (an unknown configuration key is both). The command line is
the application here: without this, a user would read the same sentence twice, once in Python's
``file:line: Category: message`` form and once from logging's last-resort handler, and not at all the second
time an in-process caller ran a command (Python shows a warning once per place).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.markup import escape

from civitai_kit.cli._output import Output
from civitai_kit.errors import CivitaiWarning

__all__ = ["library_warnings"]


@contextmanager
def library_warnings(output: Output) -> Iterator[None]:
    """While open, every ``CivitaiWarning`` and every library log record at WARNING or above is shown with
    ``output.warn`` (which shows each distinct message once); other warnings are shown as Python would."""

    def say(message: str) -> None:
        output.warn(escape(message))

    relay = _Relay(say)
    logger = logging.getLogger("civitai_kit")
    with warnings.catch_warnings():
        python_shows = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if issubclass(category, CivitaiWarning):
                say(str(message))
            else:
                python_shows(message, category, filename, lineno, file, line)

        warnings.simplefilter("always", CivitaiWarning)
        warnings.showwarning = show
        logger.addHandler(relay)
        try:
            yield
        finally:
            logger.removeHandler(relay)


class _Relay(logging.Handler):
    """Hands each record's (already redacted) message to ``say``."""

    def __init__(self, say: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self._say = say

    def emit(self, record: logging.LogRecord) -> None:
        self._say(record.getMessage())
