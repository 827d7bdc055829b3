"""Bind .NET-style configuration keys onto the options' snake_case fields.

Every source flattens what it read into ``Entry`` values (a key path and a value), and ``bind``
maps those paths onto field names the way .NET's ``ConfigurationBinder`` does (case-insensitively, and
here also ignoring underscores). The result is a ``Layer``: a nested dict keyed by field names, so
pydantic-settings can deep-merge layers, plus where each value came from.
"""

from __future__ import annotations

import difflib
import functools
import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from civitai_kit._config.keys import dotnet_key, norm, pascal, split_json_key, strip_prefix


@dataclass(frozen=True, slots=True)
class Entry:
    """One configuration value: its key path (relative to the section) and where it came from."""

    segments: tuple[str, ...]
    value: Any
    origin: str
    written_as: str | None = None
    """The top-level section the key was written under when it is not ours (``CivitaiSdk`` for an entry
    bound onto ``Sdk:...``), so a message names the key as the user wrote it."""

    def key(self, section: str, segments: Sequence[str] | None = None) -> str:
        """``segments`` (default: this entry's) spelled the way the user wrote this entry."""
        path = list(self.segments if segments is None else segments)
        if self.written_as is not None:
            return ":".join([self.written_as, *path[1:]])
        return ":".join([section, *path])


@dataclass(frozen=True, slots=True)
class UnknownKey:
    """A configuration key no option has: the key as written, where it was, and the closest known key."""

    key: str
    origin: str
    suggestion: str | None = None

    def message(self) -> str:
        hint = f"; did you mean {self.suggestion}?" if self.suggestion else ""
        return f"unknown configuration key {self.key} from {self.origin} is ignored{hint}"


@dataclass(slots=True)
class Layer:
    """What one source contributes: values keyed by field name, and the origin of each dotted field."""

    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    unknown: list[UnknownKey] = field(default_factory=list)
    misshapen: list[tuple[str, str]] = field(default_factory=list)  # a section given a list or a value


# ------------------------------------------------------------------------------------------ model shape


def section_type(info: FieldInfo) -> type[BaseModel] | None:
    """The nested options class a field holds, or None for a leaf value."""
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def is_secret(info: FieldInfo) -> bool:
    """Whether a field holds a key (``SecretStr`` or ``SecretStr | None``)."""
    annotation = info.annotation
    if annotation is SecretStr:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return SecretStr in typing.get_args(annotation)
    return False


def accepts_none(info: FieldInfo) -> bool:
    """Whether ``null`` is a real value for the field (its default is None), not just "unset"."""
    return info.default is None and info.default_factory is None


@functools.cache
def _fields_by_norm(model: type[BaseModel]) -> dict[str, str]:
    return {norm(name): name for name in model.model_fields}


def resolve(model: type[BaseModel], segments: Sequence[str]) -> tuple[str, ...] | None:
    """Field names for a key path (``("Sdk", "API_TOKEN")`` -> ``("sdk", "api_token")``), None if unknown."""
    path: list[str] = []
    current: type[BaseModel] | None = model
    for segment in segments:
        if current is None:
            return None  # a leaf has no children
        name = _fields_by_norm(current).get(norm(segment))
        if name is None:
            return None
        path.append(name)
        current = section_type(current.model_fields[name])
    return tuple(path) if path else None


def field_info(model: type[BaseModel], path: Sequence[str]) -> FieldInfo | None:
    """The ``FieldInfo`` at a dotted field path, or None."""
    current: type[BaseModel] | None = model
    info: FieldInfo | None = None
    for name in path:
        if current is None or name not in current.model_fields:
            return None
        info = current.model_fields[name]
        current = section_type(info)
    return info


def leaf_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every leaf field path of ``model``, depth first, in declaration order."""
    for name, info in model.model_fields.items():
        nested = section_type(info)
        if nested is None:
            yield (*prefix, name)
        else:
            yield from leaf_paths(nested, (*prefix, name))


# ------------------------------------------------------------------------------------------ flattening


def flatten(mapping: Mapping[Any, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``{"CivitaiApi": {"Sdk:ApiToken": "t"}}`` -> ``(("CivitaiApi", "Sdk", "ApiToken"), "t")``.

    Keys containing ``:`` nest like .NET's JSON provider; empty objects contribute nothing; options
    objects contribute the fields that were set on them. The walk keeps its own stack: a document nested
    as deep as the JSON decoder allows cannot exhaust Python's.
    """
    stack = [(prefix, iter(mapping.items()))]
    while stack:
        path, items = stack[-1]
        for key, value in items:
            segments = (*path, *split_json_key(str(key)))
            if isinstance(value, BaseModel):
                value = explicit_fields(value)
            if isinstance(value, Mapping):
                stack.append((segments, iter(value.items())))
                break
            yield segments, value
        else:
            stack.pop()


def explicit_fields(model: BaseModel) -> dict[str, Any]:
    """The fields someone actually set on ``model`` (defaults left out, so lower sources still apply)."""
    return {name: getattr(model, name) for name in model.model_fields_set}


def within_section(items: Iterable[tuple[tuple[str, ...], Any]], section: Sequence[str], origin: str) -> list[Entry]:
    """Entries for the key paths under ``section`` (other sections are someone else's business)."""
    entries = []
    for segments, value in items:
        relative = strip_prefix(segments, section)
        if relative is not None:
            entries.append(Entry(relative, value, origin))
    return entries


# ------------------------------------------------------------------------------------------ binding

_SKIPPED: ContextVar[frozenset[tuple[str, ...]]] = ContextVar("civitai_options_skipped", default=frozenset())


@contextmanager
def skipping(paths: Iterable[tuple[str, ...]]) -> Iterator[None]:
    """Bind nothing at these field paths (or below them) while the block runs: a load that leaves out the
    values known to be invalid, so the valid ones can still be shown (``civitai config show``)."""
    token = _SKIPPED.set(frozenset(paths))
    try:
        yield
    finally:
        _SKIPPED.reset(token)


def _skipped(path: tuple[str, ...]) -> bool:
    return any(path[: len(skip)] == skip for skip in _SKIPPED.get())


def bind(model: type[BaseModel], entries: Iterable[Entry], *, section: str) -> Layer:
    """Map entries onto ``model``'s fields; later entries win. Unknown keys are collected, not raised:
    .NET ignores them too, and the caller decides whether to warn."""
    layer = Layer()
    for entry in entries:
        path = resolve(model, entry.segments)
        if path is None:
            suggestion = closest(model, entry.segments)
            layer.unknown.append(
                UnknownKey(entry.key(section), entry.origin, entry.key(section, suggestion) if suggestion else None)
            )
            continue
        if _skipped(path):
            continue
        info = field_info(model, path)
        assert info is not None
        value = entry.value
        if value is None and not accepts_none(info):
            continue  # null means "not set here" for fields that have a real default
        if section_type(info) is not None:  # objects were flattened: what is left here is a list or a value
            layer.misshapen.append((dotnet_key(section, path), entry.origin))
            continue
        if isinstance(value, str) and is_secret(info):
            value = SecretStr(value)  # never hold a key as plain text, not even in a debug log
        _put(layer, path, value, entry.origin)
    return layer


def closest(model: type[BaseModel], segments: Sequence[str]) -> tuple[str, ...] | None:
    """The known key path nearest to an unknown one: the path is followed while it resolves, then the first
    unknown segment is matched (difflib) against the fields at that level; None when nothing is close."""
    current: type[BaseModel] = model
    known: list[str] = []
    for index, segment in enumerate(segments):
        fields = {norm(name): name for name in current.model_fields}
        name = fields.get(norm(segment))
        nested = section_type(current.model_fields[name]) if name is not None else None
        if name is not None and nested is not None and index < len(segments) - 1:
            known.append(segment)
            current = nested
            continue
        if name is not None:
            return None  # a leaf given children: no spelling fixes that
        match = difflib.get_close_matches(norm(segment), list(fields), n=1, cutoff=0.75)
        return (*known, pascal(fields[match[0]])) if match else None
    return None


def _put(layer: Layer, path: tuple[str, ...], value: Any, origin: str) -> None:
    target = layer.values
    for name in path[:-1]:
        child = target.get(name)
        if not isinstance(child, dict):
            child = target[name] = {}
        target = child
    target[path[-1]] = value
    dotted = ".".join(path)
    for ancestor in (".".join(path[:i]) for i in range(1, len(path))):
        layer.origins.pop(ancestor, None)
    for stale in [key for key in layer.origins if key.startswith(dotted + ".")]:
        del layer.origins[stale]
    layer.origins[dotted] = origin
