"""Step inputs checked against the packaged v2 OpenAPI document, for every step type and engine.

One generic checker instead of a hand-written builder per engine: the spec already says which fields an
input has, their ranges, lengths and enums, and which discriminator (``engine``, then ``model``,
``ecosystem``, ``operation``…) selects the concrete schema. A bad value raises ``ValueError`` naming the
field (``prompt``, ``input.width``…) before any request, and the body is the spec's wire shape (camelCase).

    check_step_input("videoGen", {"engine": "kling", "prompt": "a fox", "duration": "5"})
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel
from pydantic.alias_generators import to_camel, to_snake

_REF = "#/components/schemas/"
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (Mapping,),
}


class MissingField(ValueError):
    """A required field (or discriminator) is absent; a builder still being filled in tolerates it."""


def to_wire(key: str) -> str:
    """A snake_case argument name as its camelCase wire name (wire names and ``$type`` stay as they are)."""
    return key if key.startswith("$") else to_camel(key)


@cache
def schemas() -> Mapping[str, Any]:
    """The v2 document's component schemas (read once, from the package)."""
    text = resources.files("civitai_kit.sdk").joinpath("openapi", "v2-consumer-openapi.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document["components"]["schemas"]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Shape:
    """One object schema with its ``allOf`` ancestors merged (derived properties win)."""

    name: str
    properties: Mapping[str, Any]
    required: frozenset[str]
    closed: bool
    discriminator: tuple[str, Mapping[str, str]] | None


@cache
def shape(name: str) -> Shape:
    raw = schemas()[name]
    parts = [raw, *raw.get("allOf", ())]
    properties: dict[str, Any] = {}
    required: set[str] = set()
    closed = False
    discriminator: tuple[str, Mapping[str, str]] | None = None
    for part in parts:
        if "$ref" in part:
            parent = shape(_ref_name(part["$ref"]))
            properties = {**parent.properties, **properties}
            required |= parent.required
            closed = closed or parent.closed
            continue
        properties.update(part.get("properties", {}))
        required |= set(part.get("required", ()))
        closed = closed or part.get("additionalProperties") is False
        if "discriminator" in part:  # the schema's own discriminator, never an ancestor's
            found = part["discriminator"]
            discriminator = (found["propertyName"], {k: _ref_name(v) for k, v in found.get("mapping", {}).items()})
    return Shape(name, properties, frozenset(required), closed, discriminator)


def _ref_name(ref: str) -> str:
    return ref.removeprefix(_REF)


@cache
def step_input_schema(step_type: str) -> str:
    """The input schema of a step ``$type`` (``"imageGen"`` → ``"ImageGenInput"``)."""
    mapping = shape("WorkflowStepTemplate").discriminator
    templates = mapping[1] if mapping else {}
    if step_type not in templates:
        raise ValueError(f"step type: unknown {step_type!r}; the spec has {', '.join(sorted(templates))}")
    field = shape(templates[step_type]).properties.get("input", {})
    if "$ref" not in field:
        raise ValueError(f"step type: {step_type!r} takes no typed input in the spec")
    return _ref_name(field["$ref"])


@cache
def step_type_of(schema_name: str) -> str | None:
    """The step ``$type`` whose input is ``schema_name`` or one of its ``allOf`` ancestors."""
    mapping = shape("WorkflowStepTemplate").discriminator
    by_input: dict[str, str] = {}
    for step_type, template in (mapping[1] if mapping else {}).items():
        field = shape(template).properties.get("input", {})
        if "$ref" in field:
            by_input[_ref_name(field["$ref"])] = step_type
    pending = [schema_name]
    while pending:
        name = pending.pop()
        if name in by_input:
            return by_input[name]
        pending.extend(_ref_name(p["$ref"]) for p in schemas().get(name, {}).get("allOf", ()) if "$ref" in p)
    return None


def engines(base: str) -> dict[str, str]:
    """A discriminated base's mapping, e.g. ``engines("VideoGenInput")`` → ``{"kling": "KlingVideoGenInput", …}``."""
    found = shape(base).discriminator
    return dict(found[1]) if found else {}


def concrete_schemas(name: str) -> list[str]:
    """Every leaf a discriminated schema can resolve to (``ImageGenInput`` → ``Flux2DevCreateImageInput``, …)."""
    found = shape(name).discriminator
    if found is None:
        return [name]
    leaves: list[str] = []
    for target in found[1].values():
        for leaf in concrete_schemas(target) if target != name else [name]:
            if leaf not in leaves:
                leaves.append(leaf)
    return leaves


def check_step_input(step_type: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (snake_case or wire names) as the spec's JSON input of ``step_type``, or ``ValueError``."""
    return check_object(step_input_schema(step_type), values, "")


def check_object(name: str, values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Validate an object against schema ``name`` following its discriminators; return the wire dict."""
    concrete = _concrete(name, _wire_keys(name, values), where)
    found = shape(concrete)
    wire = _wire_keys(concrete, values)
    for key, value in wire.items():
        field = f"{where}{to_snake(key) if key != '$type' else key}"
        if key not in found.properties:
            if found.closed:
                known = ", ".join(sorted(to_snake(k) for k in found.properties))
                raise ValueError(f"{field}: not a field of {concrete} (fields: {known})")
            continue
        wire[key] = check_value(found.properties[key], value, field)
    for key in sorted(found.required - wire.keys()):
        if "default" in found.properties.get(key, {}):  # required on the wire, but the spec says what to send
            wire[key] = found.properties[key]["default"]
    missing = sorted(found.required - wire.keys())
    if missing:
        raise MissingField(f"{where}{to_snake(missing[0])} is required by {concrete}")
    return wire


def _wire_keys(name: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Keys as the schema spells them (most camelCase, a few snake_case like ``tool_call_id``)."""
    known = shape(name).properties
    return {key if key in known else to_wire(key): plain(value) for key, value in values.items()}


def _concrete(name: str, wire: Mapping[str, Any], where: str) -> str:
    seen = {name}
    while (found := shape(name).discriminator) is not None:
        key, mapping = found
        if key not in wire:
            if key in shape(name).required:
                options = ", ".join(sorted(mapping))
                raise MissingField(f"{where}{to_snake(key)} is required by {name} (one of: {options})")
            break
        selected = wire[key]
        if selected not in mapping:
            options = ", ".join(sorted(mapping))
            raise ValueError(f"{where}{to_snake(key)}: unknown {selected!r} for {name} (one of: {options})")
        name = mapping[selected]
        if name in seen:
            break
        seen.add(name)
    return name


def check_value(schema: Mapping[str, Any], value: Any, field: str) -> Any:
    """One value against one property schema (refs, unions, types, ranges, lengths, enums, items)."""
    if "$ref" in schema:
        target = _ref_name(schema["$ref"])
        raw = schemas()[target]
        if raw.get("type") == "object" or "allOf" in raw or "properties" in raw:
            if value is None:
                return None
            if not isinstance(value, Mapping):
                raise ValueError(f"{field}: expected an object ({target}), got {type(value).__name__}")
            return check_object(target, value, f"{field}.")
        return check_value(raw, value, field)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return _first_match(schema[key], value, field)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return check_value(schema["allOf"][0], value, field)
    _check_type(schema, value, field)
    if value is None:
        return None
    if "enum" in schema and value not in schema["enum"]:
        raise ValueError(f"{field}: {value!r} is not one of {', '.join(map(str, schema['enum']))}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_range(schema, value, field)
    if isinstance(value, str):
        _check_length(schema, len(value), field, "characters")
        if "pattern" in schema and _pattern(schema["pattern"]).search(value) is None:
            raise ValueError(f"{field}: {value!r} does not match the pattern {schema['pattern']}")
    if isinstance(value, list | tuple):
        _check_length(schema, len(value), field, "items", "Items")
        items = schema.get("items", {})
        return [check_value(items, item, f"{field}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, Mapping) and isinstance(schema.get("additionalProperties"), Mapping):
        return {k: check_value(schema["additionalProperties"], v, f"{field}.{k}") for k, v in value.items()}
    return value


def _first_match(options: list[Any], value: Any, field: str) -> Any:
    errors: list[str] = []
    for option in options:
        try:
            return check_value(option, value, field)
        except ValueError as error:
            errors.append(str(error))
    raise ValueError(errors[0] if len(errors) == 1 else f"{field}: matches none of its allowed shapes ({errors[0]})")


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", pattern))  # .NET named groups


def _check_type(schema: Mapping[str, Any], value: Any, field: str) -> None:
    declared = schema.get("type")
    if declared is None:
        return
    kinds = [declared] if isinstance(declared, str) else list(declared)
    if value is None:
        if "null" not in kinds and not schema.get("nullable"):
            raise ValueError(f"{field}: must not be None")
        return
    for kind in kinds:
        accepted = _JSON_TYPES.get(kind, ())
        if isinstance(value, accepted) and not (kind in ("integer", "number") and isinstance(value, bool)):
            return
        if kind == "integer" and isinstance(value, float) and value.is_integer():
            return
    raise ValueError(f"{field}: expected {' or '.join(kinds)}, got {type(value).__name__} {value!r}")


def _check_range(schema: Mapping[str, Any], value: float, field: str) -> None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and value < low:
        raise ValueError(f"{field}: {value} is below the minimum {low}")
    if high is not None and value > high:
        raise ValueError(f"{field}: {value} is above the maximum {high}")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        raise ValueError(f"{field}: {value} must be above {schema['exclusiveMinimum']}")
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        raise ValueError(f"{field}: {value} must be below {schema['exclusiveMaximum']}")


def _check_length(schema: Mapping[str, Any], size: int, field: str, unit: str, suffix: str = "Length") -> None:
    low, high = schema.get(f"min{suffix}"), schema.get(f"max{suffix}")
    if low is not None and size < low:
        raise ValueError(f"{field}: needs at least {low} {unit}, got {size}")
    if high is not None and size > high:
        raise ValueError(f"{field}: allows at most {high} {unit}, got {size}")


def plain(value: Any) -> Any:
    """Models, enums, AIRs, mappings and tuples as JSON-ready values (models by alias, without ``None``s)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # AirIdentifier and other string-like values
