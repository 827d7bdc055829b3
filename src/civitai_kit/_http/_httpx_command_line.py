"""Keep ``import httpx`` from importing httpx's own command line.

httpx's ``__init__`` imports ``httpx._main`` (its ``httpx`` command) on every import, and that module imports
click, rich and pygments whenever they are installed, as they are beside ``civitai-kit[cli]``: measured here,
``import httpx`` took 180-250 ms with them and 90-120 ms without (every download and every ``civitai`` command
pays it). Until httpx defers it itself, a stand-in for ``httpx._main`` is registered before httpx is first
imported. It loads the real module, in its place, the first time anything of it is used: ``httpx.main()``
called, or any other name of it looked up (``from httpx._main import print_help``).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_NAME = "httpx._main"


def _real() -> types.ModuleType:
    """The real ``httpx._main``, imported in place of the stand-in."""
    if sys.modules.get(_NAME) is _stand_in:
        del sys.modules[_NAME]
    return importlib.import_module("httpx._main")


def _main(*args: Any, **kwargs: Any) -> Any:
    """httpx's command line, loaded on first use."""
    return _real().main(*args, **kwargs)


def _other_name(name: str) -> Any:
    """Any other name of the module, from the real one. Dunder names are not looked for there: tools probe
    every module in ``sys.modules`` for ``__file__`` and the like (``inspect.getmodule``), which must not load it."""
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(f"module {_NAME!r} has no attribute {name!r}")
    return getattr(_real(), name)


_stand_in = types.ModuleType(_NAME, _main.__doc__)
_stand_in.main = _main  # type: ignore[attr-defined]
_stand_in.__getattr__ = _other_name  # type: ignore[method-assign]

if "httpx" not in sys.modules:
    sys.modules.setdefault(_NAME, _stand_in)
