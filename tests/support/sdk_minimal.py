"""A minimal instance of a component schema of the v2 spec: only required properties, first enum value, first
discriminator branch. Used to feed every step type a valid input without hand-writing 45 of them; the tests
validate each instance with [`tests.support.sdk_openapi`][] before using it."""

from __future__ import annotations

from typing import Any

from tests.support.sdk_openapi import v2

_PREFIX = "#/components/schemas/"
AIR = "urn:air:sdxl:checkpoint:civitai:101055@128078"
URL = "https://example.com/input.png"


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = v2().document["components"]["schemas"]
    return schemas


def minimal(name: str) -> Any:
    """A minimal valid-looking instance of component ``name`` (discriminated bases take their first branch)."""
    schema = _schemas()[name]
    discriminator = schema.get("discriminator") or next(
        (part["discriminator"] for part in schema.get("allOf", []) if "discriminator" in part), None
    )
    if discriminator is not None:
        value, ref = next(iter(discriminator["mapping"].items()))
        target = ref.removeprefix(_PREFIX)
        instance = minimal(target) if target != name else _object(name)
        instance[discriminator["propertyName"]] = value
        return instance
    if "enum" in schema or schema.get("type") not in (None, "object"):
        return _value(schema)
    return _object(name)


def _object(name: str) -> dict[str, Any]:
    properties, required = _flat(name)
    out: dict[str, Any] = {}
    for key in required:
        out[key] = _value(properties.get(key, {}), key)
    return out


def _flat(name: str) -> tuple[dict[str, Any], list[str]]:
    schema = _schemas()[name]
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in schema.get("allOf", [schema]):
        if "$ref" in part:
            inner, needed = _flat(part["$ref"].removeprefix(_PREFIX))
        else:
            inner, needed = part.get("properties", {}), part.get("required", [])
        properties.update(inner)
        required += [key for key in needed if key not in required]
    return properties, required


def _value(schema: dict[str, Any], key: str = "") -> Any:
    if "$ref" in schema:
        target = schema["$ref"].removeprefix(_PREFIX)
        return minimal(target)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for option in ("anyOf", "oneOf", "allOf"):
        if option in schema:
            return _value(schema[option][0], key)
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "object" or (kind is None and "properties" in schema):
        return {}
    if kind == "array":
        return [_value(schema.get("items", {}), key) for _ in range(schema.get("minItems", 1))]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return False
    if kind == "string":
        if "(?<source>" in schema.get("pattern", ""):
            return AIR
        if schema.get("format") == "uri":
            return URL
        if schema.get("format") == "date-time":
            return "2026-01-01T00:00:00Z"
        return "x" * max(1, int(schema.get("minLength", 1)))
    return {}
