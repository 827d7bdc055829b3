"""Validate JSON against a component schema of the real orchestration OpenAPI documents.

The documents are .NET (Swashbuckle/NSwag) output, which a plain JSON-schema validator misreads in three ways;
each is rewritten here, faithfully to how the server itself reads the schema:

* ``allOf`` inheritance where every part says ``additionalProperties: false``: read literally no object
  could satisfy both parts, so the parts are merged into one object schema (properties of the derived part
  win, required lists are united).
* ``discriminator`` (OpenAPI, not JSON Schema): a base schema is replaced by a dispatch on the
  discriminator property to the mapped schema, level by level (``imageGen`` → ``engine`` → ``ecosystem`` →
  ``operation``). A value outside the mapping is invalid.
* .NET regexes (``(?<name>…)``) become Python's ``(?P<name>…)``; OpenAPI 3.0 ``nullable`` becomes a
  ``null`` type; v1's ``TimeSpan`` object is what .NET actually writes, a ``"[d.]hh:mm:ss[.f]"`` string.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "orchestration"
PACKAGED = Path(__file__).resolve().parents[2] / "src" / "civitai_kit" / "sdk" / "openapi"
_PREFIX = "#/components/schemas/"
_TIMESPAN = {"type": "string", "pattern": r"^(\d+\.)?\d{1,2}:\d{2}:\d{2}(\.\d{1,7})?$"}


class OpenApi:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._raw: dict[str, Any] = document["components"]["schemas"]
        registry: dict[str, Any] = {}
        for name in self._raw:
            registry[f"{name}__flat"] = self._flat(name)
            registry[name] = self._dispatcher(name) or {"$ref": f"{_PREFIX}{name}__flat"}
        if "TimeSpan" in registry:
            registry["TimeSpan"] = registry["TimeSpan__flat"] = _TIMESPAN
        self._root = {"components": {"schemas": _clean(registry)}}

    @classmethod
    @cache
    def load(cls, file_name: str) -> OpenApi:
        folder = PACKAGED if (PACKAGED / file_name).exists() else FIXTURES
        return cls(json.loads((folder / file_name).read_text(encoding="utf-8")))

    @cache  # noqa: B019 - one validator per schema name for the life of the test session
    def validator(self, name: str) -> Draft202012Validator:
        if name not in self._raw:
            raise KeyError(f"no component schema {name!r}")
        return Draft202012Validator({"$ref": f"{_PREFIX}{name}", **self._root})

    def errors(self, name: str, instance: Any) -> list[str]:
        found = sorted(self.validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}" for error in found]

    def assert_valid(self, name: str, instance: Any) -> None:
        problems = self.errors(name, instance)
        assert not problems, f"not a valid {name}:\n" + "\n".join(problems[:20])

    # ------------------------------------------------------------------------------------------ rewriting

    def _own_discriminator(self, name: str) -> dict[str, Any] | None:
        schema = self._raw[name]
        if "discriminator" in schema:
            return dict(schema["discriminator"])
        for part in schema.get("allOf", []):
            if "$ref" not in part and "discriminator" in part:
                return dict(part["discriminator"])
        return None

    def _flat(self, name: str) -> dict[str, Any]:
        schema = self._raw[name]
        if "allOf" not in schema:
            return {k: v for k, v in schema.items() if k != "discriminator"}
        parts = [self._flat(part["$ref"].removeprefix(_PREFIX)) if "$ref" in part else part for part in schema["allOf"]]
        parts.append({k: v for k, v in schema.items() if k in ("properties", "required", "additionalProperties")})
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        closed = False
        for part in parts:
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += [key for key in part.get("required", []) if key not in merged["required"]]
            closed = closed or part.get("additionalProperties") is False
        if closed:
            merged["additionalProperties"] = False
        return merged

    def _dispatcher(self, name: str) -> dict[str, Any] | None:
        discriminator = self._own_discriminator(name)
        if discriminator is None:
            return None
        prop = discriminator["propertyName"]
        branches = []
        for value, ref in discriminator["mapping"].items():
            target = ref.removeprefix(_PREFIX)
            then = f"{_PREFIX}{target}__flat" if target == name else f"{_PREFIX}{target}"
            when = {"properties": {prop: {"const": value}}, "required": [prop]}
            branches.append({"if": when, "then": {"$ref": then}})
        return {
            "type": "object",
            "required": [prop],
            "properties": {prop: {"enum": list(discriminator["mapping"])}},
            "allOf": branches,
        }


def _clean(node: Any) -> Any:
    """Python regex syntax; OpenAPI 3.0 ``nullable`` as JSON Schema; drop annotations jsonschema misreads."""
    node = copy.deepcopy(node)

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [walk(x) for x in item]
        if not isinstance(item, dict):
            return item
        out = {key: walk(value) for key, value in item.items() if key not in ("discriminator", "example")}
        if isinstance(out.get("pattern"), str):
            out["pattern"] = re.sub(r"\(\?<(?![=!])", "(?P<", out["pattern"])
        if out.pop("nullable", False):
            if "type" in out:
                out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
            else:
                out = {"anyOf": [out, {"type": "null"}]}
        return out

    return walk(node)


def v2() -> OpenApi:
    return OpenApi.load("v2-consumer-openapi.json")


def v1() -> OpenApi:
    return OpenApi.load("v1-consumer-openapi.json")
