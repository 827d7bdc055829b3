"""Values for the component schemas of the v2 OpenAPI document, derived from the document itself (not from the
generated models, which they test): the minimal valid object of a schema, and hypothesis strategies that respect
every constraint (ranges, lengths, patterns, enums, required keys, discriminators).

Polymorphic schemas (a ``discriminator``) are walked down to their concrete classes (*leaves*): a value for
``ImageGenInput`` is one for ``Flux2DevCreateImageInput`` or any other leaf, with each level's discriminator set.
"""

from __future__ import annotations

import re
from datetime import UTC
from functools import cache
from typing import Any

from hypothesis import strategies as st

from tests.support.sdk_openapi import v2

PREFIX = "#/components/schemas/"
AIR = "urn:air:sdxl:checkpoint:civitai:101055@128078"
# A valid example for each pattern in the spec (a new pattern fails `minimal` until it is listed here).
PATTERN_EXAMPLES = {"^#[0-9a-fA-F]{6}$": "#1a2b3c", "^[A-Za-z0-9_-]+$": "name_1"}
MAX_DEPTH = 4


def schemas() -> dict[str, Any]:
    return dict(v2().document["components"]["schemas"])


def ref(schema: dict[str, Any]) -> str:
    return str(schema["$ref"]).removeprefix(PREFIX)


@cache
def parent(name: str) -> str | None:
    parts = schemas()[name].get("allOf", [])
    return next((ref(p) for p in parts if "$ref" in p), None)


@cache
def own(name: str) -> dict[str, Any]:
    schema = schemas()[name]
    return next((p for p in schema.get("allOf", []) if "$ref" not in p), schema)


def discriminator(name: str) -> tuple[str, dict[str, str]] | None:
    found = own(name).get("discriminator")
    if found is None:
        return None
    return found["propertyName"], {value: target.removeprefix(PREFIX) for value, target in found["mapping"].items()}


def mapping(name: str) -> dict[str, str]:
    """The discriminator mapping of a polymorphic ``name`` (value -> schema)."""
    found = discriminator(name)
    assert found is not None, f"{name} has no discriminator"
    return found[1]


def flat(name: str) -> tuple[dict[str, Any], set[str]]:
    """Properties and required keys of ``name`` through its ``allOf`` chain (the derived schema wins)."""
    base = parent(name)
    props, required = flat(base) if base else ({}, set())
    props = {**props, **own(name).get("properties", {})}
    return props, required | set(own(name).get("required", []))


def leaves(name: str) -> list[str]:
    """The concrete schemas a value of ``name`` can be: its discriminator's targets, recursively."""
    found = discriminator(name)
    if found is None:
        return [name]
    return [leaf for target in found[1].values() for leaf in leaves(target)]


def union_root(name: str) -> str:
    """The topmost polymorphic ancestor of ``name`` (validating against it checks every discriminator level)."""
    root, current = name, parent(name)
    while current:
        if discriminator(current):
            root = current
        current = parent(current)
    return root


def constants(name: str) -> dict[str, str]:
    """The discriminator values that select the leaf ``name``, at every level above it."""
    values: dict[str, str] = {}
    child, current = name, parent(name)
    while current:
        found = discriminator(current)
        if found:
            prop, mapping = found
            values.setdefault(prop, next(v for v, target in mapping.items() if target == child))
        child, current = current, parent(current)
    return values


def _types(schema: dict[str, Any]) -> list[str]:
    kinds = schema.get("type", [])
    return [t for t in ([kinds] if isinstance(kinds, str) else kinds) if t != "null"]


# ------------------------------------------------------------------------------------------------- minimal


def minimal_object(name: str, depth: int = 0) -> dict[str, Any]:
    """The smallest valid JSON object for the concrete schema ``name`` (by JSON names)."""
    props, required = flat(name)
    out = {key: minimal(props[key], depth + 1) for key in sorted(required) if key in props}
    out.update(constants(name))
    return out


def minimal(schema: dict[str, Any], depth: int = 0) -> Any:
    if "$ref" in schema:
        target = ref(schema)
        if "enum" in schemas()[target]:
            return schemas()[target]["enum"][0]
        leaf = leaves(target)[0]
        if schemas()[leaf].get("type") == "array":
            return []
        return minimal_object(leaf, depth)
    if "enum" in schema:
        return schema["enum"][0]
    if "type" not in schema and "oneOf" not in schema:
        return {}  # any JSON value (a .NET JsonElement / object)
    if "oneOf" in schema or "anyOf" in schema or not _types(schema):
        return None
    kind = _types(schema)[0]
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        low = schema.get("minimum", 0)
        return low if "maximum" not in schema or low <= schema["maximum"] else schema["maximum"]
    if kind == "boolean":
        return False
    if kind == "array":
        return [minimal(schema.get("items", {}), depth + 1) for _ in range(schema.get("minItems", 0))]
    return {}


def _string(schema: dict[str, Any]) -> str:
    if "pattern" in schema:
        pattern = schema["pattern"]
        return AIR if "air:" in pattern else PATTERN_EXAMPLES[pattern]
    special = {"date-time": "2025-01-02T03:04:05Z", "uri": "https://example.com/a.png", "date-span": "00:01:00"}
    if schema.get("format") in special:
        return special[schema["format"]]
    return "a" * max(1, schema.get("minLength", 1)) if schema.get("maxLength", 1) else ""


def constructor_arguments(name: str) -> dict[str, Any]:
    """What a user must pass to construct the concrete ``name``: its required keys without a default or constant."""
    props, required = flat(name)
    fixed = constants(name)
    return {
        key: minimal(props[key], 1)
        for key in sorted(required)
        if key in props and key not in fixed and "default" not in props[key] and len(props[key].get("enum", [])) != 1
    }


# ------------------------------------------------------------------------------------------------- strategies


def objects(name: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects valid for ``name``: any of its leaves, each optional key present or not."""
    return st.one_of([_leaf_objects(leaf, depth) for leaf in leaves(name)])


@cache
def _leaf_objects(name: str, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    props, required = flat(name)
    fixed = constants(name)
    needed = {key: values(props[key], depth + 1) for key in sorted(required) if key in props and key not in fixed}
    needed.update({key: st.just(value) for key, value in fixed.items()})
    optional = {}
    if depth < MAX_DEPTH:
        optional = {key: values(props[key], depth + 1) for key in sorted(props) if key not in required}
    return st.fixed_dictionaries(needed, optional=optional)


def values(schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """JSON values valid for a property schema (never ``null``: the SDK omits ``None`` in requests)."""
    if "$ref" in schema:
        target = ref(schema)
        if "enum" in schemas()[target]:
            return st.sampled_from(schemas()[target]["enum"])
        if schemas()[target].get("type") == "array":
            return st.lists(values(schemas()[target]["items"], depth + 1), max_size=2)
        return st.deferred(lambda: objects(target, depth))
    if "enum" in schema:
        return st.sampled_from([v for v in schema["enum"] if v is not None])
    if "oneOf" in schema or "anyOf" in schema:
        return st.one_of([values(branch, depth + 1) for branch in schema.get("oneOf", schema.get("anyOf", []))])
    if "type" not in schema:
        return st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=4), max_size=2)
    if not _types(schema):
        return st.none()
    kind = _types(schema)[0]
    if kind == "string":
        return _strings(schema)
    if kind == "integer":
        bits = 31 if schema.get("format") == "int32" else 53
        return st.integers(schema.get("minimum", -(2**bits)), schema.get("maximum", 2**bits - 1))
    if kind == "number":
        return st.floats(schema.get("minimum", -1e9), schema.get("maximum", 1e9), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 2), low + 2)
        items = values(schema.get("items", {}), depth + 1)
        unique = bool(schema.get("uniqueItems", False))
        return st.lists(items, min_size=low, max_size=high if depth < MAX_DEPTH else low, unique=unique)
    extra = schema.get("additionalProperties", {})
    if extra in ({}, True):
        return st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=4), max_size=2)
    if depth >= MAX_DEPTH:
        return st.just({})
    return st.dictionaries(st.text(max_size=4), values(extra, depth + 1), max_size=2)


def _strings(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if "pattern" in schema:
        pattern = re.sub(r"\(\?<(?![=!])", "(?P<", schema["pattern"])
        return st.from_regex(pattern, fullmatch=True)
    if schema.get("format") == "date-time":
        return st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z"))
    if schema.get("format") == "uri":
        return st.sampled_from(["https://example.com/a.png", "https://cdn.example.org/x/y.mp4?sig=1"])
    if schema.get("format") == "date-span":
        return st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)).map(
            lambda t: f"{t[0]:02d}:{t[1]:02d}:{t[2]:02d}"
        )
    text = st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])
    low = schema.get("minLength", 0)
    return st.text(text, min_size=low, max_size=min(schema.get("maxLength", low + 12), low + 12))
