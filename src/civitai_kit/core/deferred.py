"""Lists the client's parse keeps raw until they are read: a model's versions, a version's images.

A ``/models`` page is about 2 100 objects, nine in ten of them versions, files and images that many callers
never look at, and building them is most of the parse. Inside ``deferring`` (the client's bytes-to-models
path, whose freshly decoded dicts nobody else holds) a field annotated with ``Deferred()`` keeps a
non-empty list of JSON objects as it came. The first read validates it as the declared type, once, and
keeps the result; so do ``==``, ``hash``, ``repr``, ``model_dump`` and JSON, iteration, copies and pickling.
Outside ``deferring`` (callers' own ``model_validate``, the plain parse) the marker changes nothing.

The price: a deferred list that does not validate fails when first read, not at parse time, raising the
``ResponseParseError`` (``DESERIALIZATION_FAILED``) that the parse's ``Failure`` would have held; the rest
of the page stays readable.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, get_args

from pydantic import BaseModel, GetCoreSchemaHandler, TypeAdapter, ValidationError
from pydantic_core import CoreSchema, core_schema

from civitai_kit.errors import Error, ErrorCode, ResponseParseError

__all__ = ["Deferred", "Pending", "deferring", "install_readers", "materialised"]

_DEFERRING: ContextVar[bool] = ContextVar("civitai_kit_deferring", default=False)
_SETTLING = threading.Lock()


@contextmanager
def deferring() -> Iterator[None]:
    """``Deferred`` fields validated inside keep their lists raw (only for data nothing else holds)."""
    token = _DEFERRING.set(True)
    try:
        yield
    finally:
        _DEFERRING.reset(token)


class Pending:
    """A raw list standing in for its validated value until someone needs the value."""

    __slots__ = ("_adapter", "_raw", "_value")

    def __init__(self, raw: list[Any], adapter: _Adapter) -> None:
        self._raw: list[Any] | None = raw
        self._adapter = adapter
        self._value: Any = None

    @property
    def raw(self) -> list[Any] | None:
        """The JSON list still waiting, or ``None`` once validated."""
        return self._raw

    @property
    def item_model(self) -> type[BaseModel] | None:
        """The model each item becomes (for the strict walk over raw keys)."""
        return self._adapter.item_model

    def value(self) -> Any:
        """The validated value, built on the first call (nested deferred lists again left raw). The
        collector is not paused here: turning it back on after each small list cost more than it saved."""
        raw = self._raw
        if raw is None:
            return self._value
        try:
            with deferring():  # the raw list is as private as the page was
                found = self._adapter.get().validate_python(raw)
        except ValidationError as exc:
            summary = " ".join(str(exc).strip().splitlines()[:3])
            message = f"A part of the response read late does not have the expected shape: {summary}"
            raise Error(ErrorCode.DESERIALIZATION_FAILED, message, cause=exc).to_exception() from None
        with _SETTLING:  # two threads may both validate; both then return the first result
            if self._raw is not None:
                self._value, self._raw = found, None
        return self._value

    def __eq__(self, other: object) -> bool:
        return bool(self.value() == materialised(other))

    def __hash__(self) -> int:
        return hash(self.value())

    def __repr__(self) -> str:
        try:
            return repr(self.value())
        except ResponseParseError:  # a repr (a log line, a debugger) must not raise
            return f"<{len(self._raw or ())} items that do not validate>"

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        return _restored, (self.value(),)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return copy.deepcopy(self.value(), memo)


def _restored(value: Any) -> Any:
    return value


def materialised(value: Any) -> Any:
    """``value``, or what it stands for if it is ``Pending``."""
    return value.value() if type(value) is Pending else value


class _Adapter:
    """The validator of a deferred field's declared type, built on first use (the field's own schema is
    only callable while its model validates)."""

    __slots__ = ("_adapter", "_source")

    def __init__(self, source: Any) -> None:
        self._source = source
        self._adapter: TypeAdapter[Any] | None = None

    def get(self) -> TypeAdapter[Any]:
        if self._adapter is None:
            self._adapter = TypeAdapter(self._source)
        return self._adapter

    @property
    def item_model(self) -> type[BaseModel] | None:
        item = next(iter(get_args(self._source)), None)
        return item if isinstance(item, type) and issubclass(item, BaseModel) else None


class Deferred:
    """``Annotated`` marker, last after any validator (those must leave a non-empty list unchanged): the
    field's non-empty list of JSON objects is kept raw inside ``deferring``."""

    __slots__ = ()

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        inner = handler(source)
        adapter = _Adapter(source)

        def keep_raw(value: Any, validate: core_schema.ValidatorFunctionWrapHandler) -> Any:
            if type(value) is list and value and type(value[0]) is dict and _DEFERRING.get():
                return Pending(value, adapter)
            return validate(value)

        def serialise(value: Any, serialise_inner: core_schema.SerializerFunctionWrapHandler) -> Any:
            return serialise_inner(materialised(value))

        return core_schema.no_info_wrap_validator_function(
            keep_raw, inner, serialization=core_schema.wrap_serializer_function_ser_schema(serialise, schema=inner)
        )


class _Reader:
    """Class attribute that validates a pending field on its first read and stores the result in place."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __get__(self, instance: Any, owner: type[Any] | None = None) -> Any:
        if instance is None:
            raise AttributeError(self._name)
        fields = instance.__dict__
        try:
            value = fields[self._name]
        except KeyError:
            raise AttributeError(self._name) from None
        if type(value) is Pending:
            value = fields[self._name] = value.value()
        return value

    def __set__(self, instance: Any, value: Any) -> None:  # reached only past the model's own frozen check
        instance.__dict__[self._name] = value


def install_readers(model: type[BaseModel]) -> None:
    """A ``_Reader`` for each ``Deferred`` field of ``model`` (called once per model class)."""
    for name, field in model.__pydantic_fields__.items():
        if any(isinstance(item, Deferred) for item in field.metadata):
            setattr(model, name, _Reader(name))
