"""A REST call as an operation of the runtime: sent by ``_http``, parsed here into core's models.

The parse happens in the operation, after ``_http`` hands the response up: nothing is handed down to be
called back. Lenient parsing (the default) keeps unknown keys in ``model_extra``. Strict parsing
(``StrictJsonParsing``) runs the same models and then walks the result for extras, so there is one set of
models and no cost when strict mode is off; a strict failure names every unknown field by its JSON path and
becomes ``Failure(DESERIALIZATION_FAILED)``.

The fast path decodes the body's bytes with pydantic-core's JSON reader and validates the result with the
garbage collector paused, leaving a page's versions and images raw until read (``core.deferred``: a list
that then fails raises ``ResponseParseError``); strict mode checks those raw lists' keys and builds them
only when the keys cannot tell. Anything the fast path refuses (not JSON, too deep, a BOM, a number past
Python's digit limit, the wrong shape) is parsed again the plain way, ``_json.loads`` then validation, so
such a failure is exactly the one it always was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar, cast, get_args

from pydantic import AliasChoices, BaseModel, TypeAdapter
from pydantic_core import from_json

from civitai_kit._http import PARSE_ERRORS, ApiRequest, HttpCore, Response, decode_json, shape_failure
from civitai_kit._runtime import Operation
from civitai_kit.core.collector import collector_paused
from civitai_kit.core.deferred import Pending, deferring
from civitai_kit.core.endpoints import versioned
from civitai_kit.core.models import Page
from civitai_kit.errors import Error, ResponseParseError
from civitai_kit.result import Failure, Result, Success

T = TypeVar("T")


def fetch(http: HttpCore, request: ApiRequest, target: type[T], *, strict: bool) -> Operation[Result[T]]:
    """``request`` sent (its REST path under ``CivitaiApi:ApiVersion``), its JSON body parsed as ``target``."""
    received = yield from http.exchange(versioned(request, http.settings.api_version))
    if isinstance(received, Failure):
        return received
    return parsed(http.to_response(received.value), target, strict=strict)


def parsed(response: Response, target: type[T], *, strict: bool) -> Result[T]:
    """A response's JSON body as ``target``; a body that is not JSON, or not of that shape, is a Failure."""
    try:
        value = parse_bytes(target, response.content)
    except PARSE_ERRORS:
        return _parsed_plainly(response, target, strict=strict)
    if strict:
        try:
            if has_unknown_fields(value):
                return shape_failure(response, StrictParsingError(list(unknown_fields(value))))
        except ResponseParseError:  # a deferred list that does not validate: the plain path names the failure
            return _parsed_plainly(response, target, strict=strict)
    return Success(value)


def _parsed_plainly(response: Response, target: type[T], *, strict: bool) -> Result[T]:
    """The plain path (decode, then validate): what a body the fast path refused fails with."""
    payload = decode_json(response)
    if isinstance(payload, Failure):
        return payload
    try:
        return Success(parse(target, payload.value, strict=strict))
    except PARSE_ERRORS as exc:
        return shape_failure(response, exc)


def fetch_all(
    http: HttpCore, requests: Iterable[ApiRequest], target: type[tuple[T, ...]], *, strict: bool
) -> Operation[Result[tuple[T, ...]]]:
    """Requests sent one after another, their tuples concatenated; the first failure ends it."""
    collected: list[T] = []
    for request in requests:
        result = yield from fetch(http, request, target, strict=strict)
        if isinstance(result, Failure):
            return result
        collected.extend(result.value)
    return Success(tuple(collected))


def failed(error: Error) -> Operation[Any]:
    """An operation that fails before sending anything."""
    yield from ()
    return Failure(error)


# ---------------------------------------------------------------------------------------------- parsing

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
    with collector_paused():
        if isinstance(target, type) and issubclass(target, BaseModel):
            value: Any = target.model_validate(payload)
        else:
            value = _adapter(target).validate_python(payload)
    if strict and has_unknown_fields(value):
        raise StrictParsingError(list(unknown_fields(value)))
    return cast(T, value)


def parse_bytes(target: type[T], content: bytes) -> T:
    """JSON ``content`` validated as ``target`` (lenient), the garbage collector paused, ``Deferred`` lists
    left raw until read.

    The bytes are decoded by pydantic-core's ``from_json`` (jiter: about a quarter of ``json.loads``'s
    time on a real page, and faster end to end than ``model_validate_json``, measured). It refuses more
    than ``_json.loads`` does (nesting past 200, a BOM, lone surrogates) and never accepts what it refuses
    (invalid UTF-8, integers past 4 300 digits): a ``ValueError`` here means "parse it the plain way",
    which callers do for the exact error.
    """
    with collector_paused(), deferring():
        payload = from_json(content)
        if isinstance(target, type) and issubclass(target, BaseModel):
            return cast(T, target.model_validate(payload))
        return cast(T, _adapter(target).validate_python(payload))


def has_unknown_fields(value: Any) -> bool:
    """Whether any model in ``value`` kept unknown keys (the fast check; paths come from [`unknown_fields`][])."""
    if isinstance(value, BaseModel):
        if value.__pydantic_extra__:
            return True
        for name, _ in _nested_fields(type(value)):
            held = value.__dict__.get(name)
            if type(held) is Pending and _raw_keys_all_read(held):
                continue  # left raw: no need to build it to know it is clean
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


def _raw_keys_all_read(pending: Pending) -> bool:
    """Whether a deferred list uses only keys its models read first, so validating it could keep no extra.
    ``False`` means "maybe": the models are then built and asked."""
    model = pending.item_model
    return pending.raw is not None and model is not None and _only_first_keys(pending.raw, model)


def _only_first_keys(raw: Any, model: type[BaseModel]) -> bool:
    shape = _wire_shape(model)
    if shape is None:
        return False
    known, nested = shape
    for item in raw if type(raw) is list else (raw,):
        if type(item) is not dict or not known.issuperset(item):
            return False
        for key, inner in nested:
            found = item.get(key)
            if found is not None and not _only_first_keys(found, inner):
                return False
    return True


_SHAPES: dict[type[BaseModel], tuple[frozenset[str], tuple[tuple[str, type[BaseModel]], ...]] | None] = {}


def _wire_shape(model: type[BaseModel]) -> tuple[frozenset[str], tuple[tuple[str, type[BaseModel]], ...]] | None:
    """The key each field of ``model`` reads first (a key read first is never an extra) and, for the fields
    holding one model type, that key and type; ``None`` when raw keys cannot tell (a model validator may
    rewrite the input, a field holds several model types or reads a path)."""
    if model in _SHAPES:
        return _SHAPES[model]
    shape: tuple[frozenset[str], tuple[tuple[str, type[BaseModel]], ...]] | None = None
    if not model.__pydantic_decorators__.model_validators:
        keys, nested, readable = set(), [], True
        for name, field in model.model_fields.items():
            alias = field.validation_alias
            first = alias.choices[0] if isinstance(alias, AliasChoices) else alias or field.alias or name
            inner = set(_models_in(field.annotation))
            if isinstance(first, str):
                keys.add(first)
                if len(inner) == 1:
                    nested.append((first, inner.pop()))
            readable = readable and len(inner) == 0
        shape = (frozenset(keys), tuple(nested)) if readable else None
    _SHAPES[model] = shape
    return shape


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in get_args(annotation):
        yield from _models_in(argument)
