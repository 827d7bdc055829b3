"""The base class of every model generated from the v2 OpenAPI document (``civitai_kit.sdk.schema``).

The generated classes are plain pydantic models with three rules on top, all implemented here once:

* **Open unions.** A polymorphic base (``WorkflowStep`` on ``$type``, ``ImageGenInput`` on ``engine``, then
  ``Flux2ImageGenInput`` on ``model``…) is registered with [`open_union`][]. Validating the base (directly,
  ``ImageGenInput.model_validate(data)``, or as the type of a field) picks the mapped subclass by the
  discriminator, level by level; a value the mapping does not know (the server adds engines every month)
  leaves the object as the base class itself, every unknown key kept in ``model_extra``. Never a parse error.
* **Open objects.** Unknown keys are kept on parse (``extra="allow"``) whatever the spec says, because the
  server adds fields to responses. The *constructor* of a closed schema (``additionalProperties: false``)
  refuses an unknown keyword with a ``ValueError`` naming it, so a typo never reaches a request silently.
* **Buzz is exact.** A ``number`` the spec gives in Buzz (a job's cost, licensing fees…) is a ``Buzz``: a
  ``Decimal`` read from the digits the server sent (``1.54375`` stays ``1.54375`` when summed), written back as a
  JSON number. Integer amounts (``WorkflowCost.total``, transactions) are ``int`` as the spec says.
* **One way to write a request**: [`SchemaModel.to_request`][] (by alias, ``None`` omitted, only what was
  set, discriminators and other required defaults always written).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from contextvars import ContextVar
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    PlainSerializer,
    RootModel,
    ValidationInfo,
    model_validator,
)

__all__ = ["Buzz", "SchemaModel", "SchemaRoot", "open_union"]


_DOUBLE_DIGITS = 308  # the largest decimal exponent of a finite double


def _json_number(amount: Decimal) -> int | float:
    """JSON has one number type: an integral amount is written as an integer, any other as a double. Only
    within a double's range: a server's ``"1e999999"`` would otherwise become a million-digit integer."""
    integral = amount.is_finite() and amount.adjusted() <= _DOUBLE_DIGITS and amount == amount.to_integral_value()
    return int(amount) if integral else float(amount)


Buzz = Annotated[Decimal, PlainSerializer(_json_number, return_type=int | float, when_used="json")]
"""An amount of Buzz the spec types as a (double) ``number``: exact in Python, a number on the wire."""

RootT = TypeVar("RootT")

# The kwargs dict a constructor is validating: ``Base(**data)`` builds a ``Base`` (no dispatch is possible from
# ``__init__``), while the same dict nested in a field, or given to ``model_validate``, dispatches.
_CONSTRUCTING: ContextVar[object] = ContextVar("_CONSTRUCTING", default=None)


class SchemaModel(BaseModel):
    """A model of the v2 orchestration API (see the module docstring for its open-parsing rules)."""

    model_config = ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
        protected_namespaces=(),
    )

    # Set by the generator on each class (never inherited: read through ``cls.__dict__``).
    __closed__: ClassVar[bool] = False
    """The schema says ``additionalProperties: false``: the constructor refuses unknown keywords."""
    __pinned__: ClassVar[frozenset[str]] = frozenset()
    """Fields the spec requires that have a default (discriminators…): always written by `to_request`."""

    def __init__(self, /, **data: Any) -> None:
        if type(self).__dict__.get("__closed__", False):
            known = _known_keys(type(self))
            for key in data:
                if key not in known:
                    raise ValueError(f"{type(self).__name__} has no field {key!r}")
        token = _CONSTRUCTING.set(data)
        try:
            self.__pydantic_validator__.validate_python(data, self_instance=self)
        finally:
            _CONSTRUCTING.reset(token)

    # Parsing (``model_validate``, nested fields) must not go through this constructor: pydantic calls a custom
    # ``__init__`` from validation unless it is marked as the base one, as pydantic marks its own.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @model_validator(mode="wrap")
    @classmethod
    def _dispatch(cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo) -> Self:
        union = _UNIONS.get(cls)
        if union is not None and isinstance(data, Mapping) and data is not _CONSTRUCTING.get():
            target = union.target(data)
            if target is not None:
                # a registered target is a subclass of ``cls`` (the generator checks every mapping)
                return target.model_validate(data, context=info.context)  # type: ignore[return-value]
        return handler(data)

    @model_validator(mode="after")
    def _pin(self) -> Self:
        pinned = type(self).__pinned__
        if pinned:
            self.__pydantic_fields_set__.update(pinned)
        return self

    def to_request(self) -> dict[str, Any]:
        """The JSON body the API expects: aliases, no ``None``, only the fields set (plus required defaults)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)


class SchemaRoot(RootModel[RootT]):
    """A component schema that is not an object (``JsonPatchDocument``: an array), as a root model."""

    model_config = ConfigDict(defer_build=True)

    def to_request(self) -> Any:
        """The JSON body the API expects (the same rules as [`SchemaModel.to_request`][])."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)


class _Union:
    """A discriminator property and its mapping (value -> class name), from the base's ``discriminator``.

    Class names are looked up in the base's package when a value first needs them: the package imports each
    family's module on first use, so a base does not import (or build) every subclass it may dispatch to.
    """

    def __init__(self, base: type[SchemaModel], field: str, mapping: Mapping[str, str]) -> None:
        self.field, self.mapping = field, dict(mapping)
        self.alias = base.model_fields[field].alias or field
        self.package = base.__module__.rpartition(".")[0]

    def target(self, data: Mapping[Any, Any]) -> type[SchemaModel] | None:
        value = data.get(self.alias, data.get(self.field))
        name = self.mapping.get(value) if isinstance(value, str) else None
        if name is None:
            return None
        target: type[SchemaModel] = getattr(sys.modules[self.package], name)
        return target


_UNIONS: dict[type[SchemaModel], _Union] = {}
_KNOWN: dict[type[SchemaModel], frozenset[str]] = {}


def open_union(base: type[SchemaModel], field: str, mapping: Mapping[str, str]) -> None:
    """Make ``base`` dispatch on ``field`` (its Python name) to the classes named by ``mapping`` (generated code).

    Every named class is a subclass of ``base`` exported by the package of ``base``'s module.
    """
    _UNIONS[base] = _Union(base, field, mapping)


def _known_keys(cls: type[SchemaModel]) -> frozenset[str]:
    known = _KNOWN.get(cls)
    if known is None:
        names = {key for name, info in cls.model_fields.items() for key in (name, info.alias) if key}
        known = _KNOWN[cls] = frozenset(names)
    return known
