"""From decoded JSON to typed models, once for sync and async, with ``StrictJsonParsing`` as an option.

Lenient parsing (the default) keeps unknown keys in ``model_extra``. Strict parsing runs the same models and
then walks the result for extras, so there is one set of models and zero cost when strict mode is off. A
strict failure raises ``ValueError`` naming every unknown field by its JSON path; ``_http`` turns that into
``Failure(DESERIALIZATION_FAILED)`` (:class:`~civitai_kit.errors.ResponseParseError`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast, get_args

from pydantic import BaseModel, TypeAdapter

from civitai_kit.core.models import Page

T = TypeVar("T")

_MAX_LISTED = 10


class StrictParsingError(ValueError):
    """A response carried fields the models do not declare while ``StrictJsonParsing`` is on."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        shown = ", ".join(paths[:_MAX_LISTED]) + (
            f" (+{len(paths) - _MAX_LISTED} more)" if len(paths) > _MAX_LISTED else ""
        )
        super().__init__(f"StrictJsonParsing is on and the response has unknown field(s): {shown}")


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}
_PAGES: dict[Any, type[Page[Any]]] = {}


def _adapter(target: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(target)
    if adapter is None:
        adapter = _ADAPTERS[target] = TypeAdapter(target)
    return adapter


def page_of(item_type: Any) -> type[Page[Any]]:
    """``Page[item_type]``, built once per item type."""
    page = _PAGES.get(item_type)
    if page is None:
        page = _PAGES[item_type] = Page[item_type]
    return page


def parse(target: type[T], payload: Any, *, strict: bool = False) -> T:
    """Validate ``payload`` as ``target`` (a model class or any type such as ``tuple[ModelVersion, ...]``)."""
    if isinstance(target, type) and issubclass(target, BaseModel):
        value: Any = target.model_validate(payload)
    else:
        value = _adapter(target).validate_python(payload)
    if strict and has_unknown_fields(value):
        raise StrictParsingError(list(unknown_fields(value)))
    return cast(T, value)


def parser(target: type[T], *, strict: bool = False) -> Callable[[Any], T]:
    """``parse`` bound to a target, in the shape ``HttpClient.send_json`` wants."""

    def run(payload: Any) -> T:
        return parse(target, payload, strict=strict)

    return run


def has_unknown_fields(value: Any) -> bool:
    """Whether any model in ``value`` kept unknown keys (the fast check; paths come from :func:`unknown_fields`)."""
    if isinstance(value, BaseModel):
        if value.__pydantic_extra__:
            return True
        for name, _ in _nested_fields(type(value)):
            if has_unknown_fields(getattr(value, name)):
                return True
    elif isinstance(value, tuple | list):
        return any(has_unknown_fields(item) for item in value)
    return False


def unknown_fields(value: Any, path: str = "$") -> Iterator[str]:
    """JSON paths (wire names) of every key a model kept in ``model_extra``, depth first.

    Open containers (``meta``, ``trainingDetails``…) are plain values, not models, so they are never
    reported: their contents are free-form by design.
    """
    if isinstance(value, BaseModel):
        for name, alias in _nested_fields(type(value)):
            yield from unknown_fields(getattr(value, name), f"{path}.{alias}")
        for key in value.model_extra or {}:
            yield f"{path}.{key}"
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from unknown_fields(item, f"{path}[{index}]")


_NESTED: dict[type[BaseModel], tuple[tuple[str, str], ...]] = {}


def _nested_fields(model: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """``(field name, wire name)`` of the fields that can hold models, computed once per class."""
    found = _NESTED.get(model)
    if found is None:
        found = _NESTED[model] = tuple(
            (name, field.serialization_alias or field.alias or name)
            for name, field in model.model_fields.items()
            if _mentions_model(field.annotation)
        )
    return found


def _mentions_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_mentions_model(argument) for argument in get_args(annotation))
