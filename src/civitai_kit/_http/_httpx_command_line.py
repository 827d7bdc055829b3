"""Keep ``import httpx`` from importing httpx's own command line.

httpx's ``__init__`` imports ``httpx._main`` (its ``httpx`` command) on every import, and that module imports
click, rich and pygments whenever they are installed, as they are beside ``civitai-kit[cli]``: measured here,
``import httpx`` took 180-250 ms with them and 90-120 ms without (every download and every ``civitai`` command
pays it). Until httpx defers it itself, a stand-in for ``httpx._main`` is registered before httpx is first
imported; its ``main`` loads the real module when it is called, so ``httpx.main()`` still works.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_NAME = "httpx._main"


def _main(*args: Any, **kwargs: Any) -> Any:
    """httpx's command line, loaded on first use (in place of this stand-in)."""
    if sys.modules.get(_NAME) is _stand_in:
        del sys.modules[_NAME]
    return importlib.import_module("httpx._main").main(*args, **kwargs)


_stand_in = types.ModuleType(_NAME, _main.__doc__)
_stand_in.main = _main  # type: ignore[attr-defined]

if "httpx" not in sys.modules:
    sys.modules.setdefault(_NAME, _stand_in)
