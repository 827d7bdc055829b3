"""The cyclic garbage collector paused while a response is turned into models.

Parsing a page builds a few thousand objects that all stay alive, so every collection it triggers (about
17 per ``/models`` page) walks them and frees nothing.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]

_PAUSE_LOCK = threading.Lock()
_pausing = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside. Re-entrant across threads: the first to enter turns it off if it was on,
    the last to leave turns it back on; an exception restores it the same way."""
    global _pausing, _resume
    with _PAUSE_LOCK:
        if _pausing == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _pausing -= 1
            if _pausing == 0 and _resume:
                gc.enable()
