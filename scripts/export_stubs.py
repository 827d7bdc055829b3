"""Write each public package's ``__init__.pyi`` from the export table in its ``__init__.py``.

A package lists its public names once, in ``_EXPORTS`` (module -> names); at run time the table gives the package
its ``__all__`` and lazy attributes. Type checkers cannot evaluate that, so they read the stub written here, which
holds the same names as plain imports. ``tests/test_public_surface.py`` fails when a stub is out of date.

    python scripts/export_stubs.py           # rewrite the stubs
    python scripts/export_stubs.py --check   # exit 1 if any stub is out of date
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

PACKAGES = (
    "civitai_kit",
    "civitai_kit.core",
    "civitai_kit.sdk",
    "civitai_kit.tools",
    "civitai_kit.testing",
    "civitai_kit.testing.hostile",
)
HEADER = "# Written by scripts/export_stubs.py from _EXPORTS in __init__.py: edit the table there, then rerun it.\n"
LINE_LENGTH = 120


def _order(name: str) -> tuple[int, str]:
    """The order ruff checks ``__all__`` in: CONSTANTS, then Classes, then everything else."""
    if name.isupper() and len(name) > 1:
        return 0, name
    return (1, name) if name[:1].isupper() else (2, name)


def _import_order(name: str) -> tuple[int, str, str]:
    """The order ruff's isort wants in an import: the same groups, case folded within each."""
    group, _ = _order(name)
    return group, name.lower(), name


def _import(module: str, names: Iterable[str]) -> str:
    ordered = sorted(names, key=_import_order)
    line = f"from {module} import {', '.join(ordered)}\n"
    if len(line) <= LINE_LENGTH + 1:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in ordered) + ")\n"


def render(package: str) -> str:
    """The stub of ``package``: one import per module of its table, and ``__all__``."""
    table: Mapping[str, Iterable[str]] = vars(importlib.import_module(package))["_EXPORTS"]
    imports = "".join(_import(module, names) for module, names in sorted(table.items()))
    names = sorted((name for names in table.values() for name in names), key=_order)
    listing = "".join(f'    "{name}",\n' for name in names)
    return f"{HEADER}{imports}\n__all__ = [\n{listing}]\n"


def stub_path(package: str) -> Path:
    return Path(importlib.import_module(package).__file__ or "").with_suffix(".pyi")


def main(argv: list[str]) -> int:
    stale = [package for package in PACKAGES if not _current(package)]
    if "--check" in argv:
        for package in stale:
            print(f"{stub_path(package)} is out of date: run python scripts/export_stubs.py", file=sys.stderr)
        return 1 if stale else 0
    for package in stale:
        stub_path(package).write_text(render(package), encoding="utf-8")
        print(f"wrote {stub_path(package)}")
    return 0


def _current(package: str) -> bool:
    path = stub_path(package)
    return path.exists() and path.read_text(encoding="utf-8") == render(package)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
