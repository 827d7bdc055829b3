"""Imports deferred into function bodies, and import cycles, in ``src/civitai_kit``.

A deferred import hides a layering problem unless it has one of two reasons:

- **optional dependency**: it imports a package that only an optional extra (or an optional feature of a
  dependency, such as httpx's brotli or its command line's click and rich) installs, directly (``blake3`` from
  the ``tools`` extra) or through a module of the package that imports one at load (``_http.cache`` imports
  ``hishel``), so the importing module stays importable without it;
- **lazy export**: it is a package's module-level ``__getattr__`` (``_lazy.lazy_exports``), so
  ``import civitai_kit`` does not import every subpackage.
- **lazy command**: it is ``LazyCommand.load`` in ``cli._lazy_group``, which imports a ``civitai`` command's
  module when that command runs, so ``civitai --help`` does not import the library.

Every other deferred import is listed as a problem. Cycles are found over every import of the package (module
level, inside functions and under ``TYPE_CHECKING`` alike), at module granularity.

    python scripts/deferred_imports.py          # the deferred imports with their reasons, then the cycles
    python scripts/deferred_imports.py --quiet  # only the counts and the problems

Exits 1 when a deferred import has no allowed reason or a cycle exists.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src"
PACKAGE = "civitai_kit"
LAZY_COMMAND = (f"{PACKAGE}.cli._lazy_group", "load")
#: Modules of required dependencies that import what only an extra of that dependency installs.
OPTIONAL_PARTS = {"httpx._main": "httpx[cli]"}
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True)
class Import:
    """One ``import`` statement (or ``importlib.import_module`` call) in a module of the package."""

    module: str  # the importing module
    line: int
    targets: tuple[str, ...]  # absolute names of what it imports
    function: str | None  # the enclosing function, None at module level
    typing_only: bool = False  # under ``if TYPE_CHECKING:``

    @property
    def where(self) -> str:
        return f"{self.module}:{self.line}"


def _distribution(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\s<>=!~;\[]", requirement)[0]).lower()


def required_packages() -> frozenset[str]:
    """Top-level import names that the required dependencies of pyproject.toml install, with theirs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pending = [_distribution(d) for d in project["dependencies"]]
    required: set[str] = set()
    while pending:
        name = pending.pop()
        if name in required:
            continue
        required.add(name)
        try:
            requirements = distribution(name).requires or []
        except PackageNotFoundError:
            continue
        pending += [_distribution(r) for r in requirements if "extra ==" not in r]
    return frozenset(
        module
        for module, distributions in packages_distributions().items()
        if {_distribution(d) for d in distributions} & required
    )


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(path: Path) -> Iterator[Import]:
    module = module_name(path)
    tree = ast.parse(path.read_text(), str(path))

    def visit(node: ast.AST, function: str | None, typing_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            inner = getattr(child, "name", "<lambda>") if isinstance(child, FUNCTIONS) else function
            if isinstance(child, ast.Import):
                names = tuple(a.name for a in child.names)
                yield Import(module, child.lineno, names, function, typing_only)
            elif isinstance(child, ast.ImportFrom):
                base = _absolute(module, path.name == "__init__.py", child)
                names = tuple(f"{base}.{a.name}" for a in child.names)
                yield Import(module, child.lineno, names, function, typing_only)
            elif (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr == "import_module"
                and function is not None
            ):
                argument = child.args[0] if child.args else None
                named = argument.value if isinstance(argument, ast.Constant) else None
                yield Import(module, child.lineno, (named if isinstance(named, str) else "<dynamic>",), function)
            yield from visit(child, inner, typing_only or _is_type_checking(child))

    yield from visit(tree, None, False)


def _is_type_checking(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


@dataclass(frozen=True)
class Reasons:
    """What makes a deferred import allowed."""

    required: frozenset[str]  # top-level names of required dependencies
    loads_optional: dict[str, str]  # package module -> an optional package it imports at load

    @classmethod
    def of_package(cls, found: list[Import]) -> Reasons:
        reasons = cls(required_packages(), {})
        for imp in found:
            if imp.function is None and not imp.typing_only:
                for target in imp.targets:
                    if not target.startswith(PACKAGE) and (package := reasons.optional(target)):
                        reasons.loads_optional.setdefault(imp.module, package)
        return reasons

    def optional(self, target: str) -> str | None:
        """The optional package ``target`` needs (itself, or one its package module imports at load)."""
        top = target.split(".")[0]
        if top == PACKAGE:
            module = target
            while module and module not in self.loads_optional:
                module = module.rpartition(".")[0]
            return self.loads_optional.get(module)
        if target in OPTIONAL_PARTS:
            return OPTIONAL_PARTS[target]
        if top in sys.stdlib_module_names or top in self.required or top == "<dynamic>":
            return None
        return top

    def of(self, imp: Import) -> str | None:
        """Why a deferred import is allowed, or None."""
        if imp.function == "__getattr__":
            return "lazy export"
        if (imp.module, imp.function) == LAZY_COMMAND:
            return "lazy command"
        needs = [self.optional(target) for target in imp.targets]
        if all(needs) and self.loads_optional.get(imp.module) not in needs:  # else it is loaded anyway
            return f"optional dependency ({', '.join(sorted(set(filter(None, needs))))})"
        return None


def resolve(target: str, modules: set[str]) -> str | None:
    """The package module a dotted import target names (``a.b.Name`` -> ``a.b``)."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def main(argv: list[str]) -> int:
    quiet = "--quiet" in argv
    paths = sorted((SOURCE / PACKAGE).rglob("*.py"))
    modules = {module_name(p) for p in paths}
    found = [imp for p in paths for imp in imports_of(p)]
    reasons = Reasons.of_package(found)
    deferred = [imp for imp in found if imp.function is not None]
    problems = [imp for imp in deferred if reasons.of(imp) is None]
    print(f"deferred imports: {len(deferred)} ({len(deferred) - len(problems)} allowed, {len(problems)} not)")
    for imp in deferred:
        why = reasons.of(imp)
        if why is None or not quiet:
            names = ", ".join(imp.targets)
            print(f"  {imp.where:<48} in {imp.function}(): {names}  [{why or 'NOT ALLOWED'}]")

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in found:
        for target in imp.targets:
            resolved = resolve(target, modules)
            if resolved and resolved != imp.module:
                graph[imp.module].add(resolved)
    loops = cycles(graph)
    print(f"import cycles: {len(loops)}")
    for loop in loops:
        print("  " + " <-> ".join(loop))
    return 1 if problems or loops else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
