"""Hypothesis strategies drawn from the v2 spec itself: valid field values for any component schema.

Used to property-test the spec-checked builders on every step type and engine: whatever the spec allows, the
builder must accept and send a body the spec validates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC
from functools import cache
from typing import Any

from hypothesis import strategies as st

from civitai_kit.sdk import spec_inputs

_MAX_DEPTH = 3
URL = "https://images.example/input.png"


@cache
def object_values(name: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Required fields always, optional ones sometimes (never past a small nesting depth). Kept per schema and
    depth: strategies are immutable, and building one anew for every example (and every nested draw of a
    union) cost a sixth of the builder tests' time."""
    shape = spec_inputs.shape(name)
    required = {key: value_of(schema, depth + 1) for key, schema in shape.properties.items() if key in shape.required}
    optional = (
        {key: value_of(schema, depth + 1) for key, schema in shape.properties.items() if key not in shape.required}
        if depth < _MAX_DEPTH
        else {}
    )
    return st.fixed_dictionaries(required, optional=optional)


def value_of(schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if "$ref" in schema:
        target = schema["$ref"].rsplit("/", 1)[-1]
        raw = spec_inputs.schemas()[target]
        if raw.get("type") == "object" or "allOf" in raw or "properties" in raw:
            leaves = spec_inputs.concrete_schemas(target)
            return st.sampled_from(leaves).flatmap(lambda leaf: object_values(leaf, depth))
        return value_of(raw, depth)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return value_of(schema[key][0], depth)
    if "enum" in schema:
        return st.sampled_from([value for value in schema["enum"] if value is not None])
    declared = schema.get("type", "string")
    kinds = [kind for kind in ([declared] if isinstance(declared, str) else declared) if kind != "null"]
    return _typed(kinds[0], schema, depth) if kinds else st.none()


@cache
def _matching(dotnet_pattern: str) -> st.SearchStrategy[str]:
    """Strings that fully match a spec pattern. The AIR pattern (78 fields) is drawn part by part: hypothesis's
    ``from_regex`` took 1.9 ms a string on it, a third of the builder tests' time; those strings still pass
    through the pattern itself."""
    pattern = re.compile(re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", dotnet_pattern))
    if set(pattern.groupindex) >= {"ecosystem", "type", "source", "id", "version", "format"}:
        return _air_strings().filter(pattern.fullmatch)
    return st.from_regex(pattern, fullmatch=True)


def _air_strings() -> st.SearchStrategy[str]:
    """``[urn:][air:][ecosystem:][type:]source:id[@version][.format]``, each part from its character class."""
    name = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/"

    def part(alphabet: str, before: str = "", after: str = "") -> st.SearchStrategy[str]:
        return st.text(alphabet, min_size=1, max_size=12).map(lambda text: f"{before}{text}{after}")

    def optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(st.just(""), strategy)

    parts = (
        optional(st.just("urn:")),
        optional(st.just("air:")),
        optional(part(name, after=":")),
        optional(part(name, after=":")),
        part(name, after=":"),
        part(name + "."),
        optional(part(name + ".=,%+:", before="@")),
        optional(part(name.replace("/", ""), before=".")),
    )
    return st.tuples(*parts).map("".join)


def _typed(kind: str, schema: Mapping[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if kind == "integer":
        return st.integers(int(schema.get("minimum", -1000)), int(schema.get("maximum", 10_000)))
    if kind == "number":
        low, high = schema.get("minimum", -1000.0), schema.get("maximum", 10_000.0)
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        low, high = schema.get("minItems", 0), min(schema.get("maxItems", 2), max(schema.get("minItems", 0), 2))
        if depth >= _MAX_DEPTH and low == 0:
            return st.just([])
        return st.lists(value_of(schema.get("items", {}), depth + 1), min_size=low, max_size=high)
    if kind == "object":
        return st.just({})
    if "pattern" in schema:
        return _matching(schema["pattern"])
    if schema.get("format") == "uri":
        return st.just(URL)
    if schema.get("format") == "date-time":
        return st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat())
    if schema.get("format") == "date-span":
        return st.just("00:05:00")
    low = schema.get("minLength", 0)
    return st.text(min_size=low, max_size=max(low, min(schema.get("maxLength", 40), 40)))
