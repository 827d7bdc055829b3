"""The public surface: one export table per package, one meaning per public name, no private type in sight.

A name is public when a public module lists it in ``__all__``. A type is private when it lives in a module whose
path has a ``_``-prefixed part (``civitai_kit._http.sync_client``) and no public module exports it.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import inspect
import sys
import typing
from collections.abc import Iterator
from functools import cache, cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from civitai_kit._lazy import exports

PUBLIC_MODULES = (
    "civitai_kit",
    "civitai_kit.core",
    "civitai_kit.sdk",
    "civitai_kit.tools",
    "civitai_kit.errors",
    "civitai_kit.result",
    "civitai_kit.options",
    "civitai_kit.testing",
    "civitai_kit.testing.hostile",
)
TYPES_ONLY_MODULES = ("civitai_kit.sdk.schema",)
"""Public too, but checked only as the types public signatures may use: the generated models share names such
as ``Blob`` and ``Workflow`` with the SDK's lenient response models on purpose."""
ROOT = Path(__file__).resolve().parents[1]
PENDING: dict[str, str] = {}
"""Private types still in a public signature, each with the change that removes it."""
PUBLIC_DUNDERS = frozenset({"__init__", "__call__", "__enter__", "__aenter__", "__iter__", "__aiter__"})


def _public_names() -> Iterator[tuple[str, str, Any]]:
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            yield module_name, name, getattr(module, name)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_resolves(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert len(module.__all__) == len(set(module.__all__)), module_name
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.{name}"
    assert set(module.__all__) <= set(dir(module))


def test_no_public_name_means_two_things() -> None:
    meanings: dict[str, dict[int, str]] = {}
    for module_name, name, value in _public_names():
        meanings.setdefault(name, {}).setdefault(id(value), f"{module_name}.{name}")
    clashes = {name: sorted(where.values()) for name, where in meanings.items() if len(where) > 1}
    assert clashes == {}


def test_an_export_table_lists_a_name_once() -> None:
    with pytest.raises(ValueError, match="exports 'Model' twice"):
        exports("pkg", {"pkg.a": ("Model",), "pkg.b": ("Model", "Image")})
    _, _, names = exports("pkg", {"pkg.a": ("b", "A")})
    assert names == ["A", "b"]


def _stub_writer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_stubs", ROOT / "scripts" / "export_stubs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_package_stub_is_written_from_its_table() -> None:
    writer = _stub_writer()
    for package in writer.PACKAGES:
        stub = writer.stub_path(package)
        assert stub.read_text(encoding="utf-8") == writer.render(package), (
            f"{stub} is out of date: run python scripts/export_stubs.py"
        )
    packages = {module for module in PUBLIC_MODULES if hasattr(importlib.import_module(module), "__path__")}
    assert packages == set(writer.PACKAGES)


# ---------------------------------------------------------------------------------------------- private types


@cache
def _namespace(module_name: str) -> dict[str, Any]:
    """What an annotation in ``module_name`` can name: its globals plus its ``if TYPE_CHECKING:`` imports."""
    module = sys.modules[module_name]
    namespace = dict(vars(module))
    tree = ast.parse(inspect.getsource(module))
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            exec(compile(ast.Module(body=node.body, type_ignores=[]), module_name, "exec"), namespace)
    return namespace


class _Names(ast.NodeVisitor):
    """The dotted names an annotation's source mentions (``Model``, ``httpx.Client``), nested quotes included."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def visit_Name(self, node: ast.Name) -> None:
        self.found.append(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.found.append(ast.unparse(node))

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.visit(ast.parse(node.value, mode="eval"))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)
        kind = ast.unparse(node.value).rsplit(".", 1)[-1]
        if kind == "Literal":  # values, not types
            return
        if kind == "Annotated" and isinstance(node.slice, ast.Tuple):  # the type, not its metadata
            self.visit(node.slice.elts[0])
            return
        self.visit(node.slice)


def _named(annotation: Any, module_name: str) -> Iterator[Any]:
    """What each name in an annotation stands for in the module that wrote it."""
    if not isinstance(annotation, str):
        yield annotation
        return
    names = _Names()
    names.visit(ast.parse(annotation, mode="eval"))
    namespace = {**vars(builtins), **_namespace(module_name)}
    for dotted in names.found:
        first, *rest = dotted.split(".")
        assert first in namespace, f"{first} in {annotation!r} means nothing in {module_name}"
        value = namespace[first]
        for attribute in rest:
            value = getattr(value, attribute)
        yield value


def _classes_in(annotation: Any) -> Iterator[type]:
    if isinstance(annotation, typing.TypeVar):
        for bound in (annotation.__bound__, *annotation.__constraints__):
            if bound is not None:
                yield from _classes_in(bound)
        return
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and origin is None:
        yield annotation
        return
    if isinstance(origin, type):
        yield origin
    for argument in typing.get_args(annotation):
        if isinstance(argument, list):
            for item in argument:
                yield from _classes_in(item)
        elif not isinstance(argument, str | int | bool | type(Ellipsis)):
            yield from _classes_in(argument)


def _function_annotations(function: Any) -> Iterator[tuple[str, Any]]:
    function = inspect.unwrap(function)
    module_name = getattr(function, "__module__", None) or ""
    if not module_name.startswith("civitai_kit") or function.__code__.co_filename == "<string>":
        return  # not ours, or written by @dataclass from the fields (which are checked as the class's annotations)
    for name, annotation in function.__annotations__.items():
        yield from ((name, value) for value in _named(annotation, module_name))


def _members(cls: type) -> Iterator[tuple[str, Any]]:
    """The public callables (as ``cls`` resolves them) and typed attributes of ``cls`` and its civitai-kit bases."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("civitai_kit"):
            continue
        for name, member in vars(klass).items():
            if name in seen or (name.startswith("_") and name not in PUBLIC_DUNDERS):
                continue
            seen.add(name)
            if isinstance(member, staticmethod | classmethod):
                member = member.__func__
            elif isinstance(member, property):
                member = member.fget
            elif isinstance(member, cached_property):
                member = member.func
            if inspect.isfunction(member):
                for argument, annotation in _function_annotations(member):
                    yield f"{klass.__qualname__}.{name}({argument})", annotation
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            if not name.startswith("_"):
                yield from ((f"{klass.__qualname__}.{name}", value) for value in _named(annotation, klass.__module__))


def _signatures(value: Any) -> Iterator[tuple[str, Any]]:
    if inspect.isclass(value):
        yield from _members(value)
    elif inspect.isfunction(value):
        yield from (
            (f"{value.__qualname__}({argument})", annotation) for argument, annotation in _function_annotations(value)
        )


def _is_private(cls: type) -> bool:
    parts = [*cls.__module__.split("."), cls.__name__]
    return cls.__module__.startswith("civitai_kit") and any(part.startswith("_") for part in parts)


def test_no_private_type_in_a_public_signature() -> None:
    public = {id(value) for _, _, value in _public_names()}
    for module in map(importlib.import_module, TYPES_ONLY_MODULES):
        public |= {id(getattr(module, name)) for name in module.__all__}
    found: dict[str, set[str]] = {}
    for module_name, name, value in _public_names():
        for where, annotation in _signatures(value):
            for cls in _classes_in(annotation):
                if _is_private(cls) and id(cls) not in public:
                    uses = found.setdefault(f"{cls.__module__}.{cls.__qualname__}", set())
                    uses.add(f"{module_name}.{name}: {where}")
    assert {private: sorted(uses)[:3] for private, uses in found.items() if private not in PENDING} == {}
    assert set(PENDING) <= set(found), "fixed: drop it from PENDING"
