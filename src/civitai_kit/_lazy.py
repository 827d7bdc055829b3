"""Package exports from one table: ``from civitai_kit import CivitaiClient`` without importing every subpackage
(and its optional dependencies) on ``import civitai_kit``.

Each public package lists its names once, in an export table (module -> the names it provides). The table gives
the package its ``__all__``, ``__dir__`` and a ``__getattr__`` that imports a name's module on first use. Type
checkers read the package's ``__init__.pyi`` instead, which ``scripts/export_stubs.py`` writes from the same table.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

ExportTable = Mapping[str, Iterable[str]]
"""Module name -> the public names the package takes from it."""


def exports(package: str, table: ExportTable) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package`` from its export ``table``.

    A name listed twice is a mistake in the table and fails the import of the package.
    """
    where: dict[str, str] = {}
    for module, names in table.items():
        for name in names:
            if name in where:
                raise ValueError(f"{package} exports {name!r} twice ({where[name]} and {module})")
            where[name] = module

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__, sorted(where)
