"""Validate JSON against a component schema of the real orchestration OpenAPI document.

The sandbox holds every request body to the v2 document shipped in the package
(``civitai_kit/sdk/openapi/v2-consumer-openapi.json``), and tests hold the SDK's bodies to it, so both read
the schema the same way. The documents are .NET (Swashbuckle/NSwag) output, which a plain JSON-schema
validator misreads in three ways; each is rewritten here, faithfully to how the server itself reads it:

* ``allOf`` inheritance where every part says ``additionalProperties: false``: read literally no object
  could satisfy both parts, so the parts are merged into one object schema (properties of the derived part
  win, required lists are united).
* ``discriminator`` (OpenAPI, not JSON Schema): a base schema is replaced by a dispatch on the
  discriminator property to the mapped schema, level by level (``imageGen`` → ``engine`` → ``ecosystem`` →
  ``operation``). A value outside the mapping is invalid. The dispatch is a keyword of our own
  (``x-dispatch``) that looks the value up: the JSON Schema spelling, an ``if``/``then`` per mapped value,
  tried all 44 step types for every step and was three quarters of a body's validation time.
* .NET regexes (``(?<name>…)``) become Python's ``(?P<name>…)``; OpenAPI 3.0 ``nullable`` becomes a
  ``null`` type, as does ``type: "null"`` beside an ``anyOf`` (JSON Patch's ``value``: any value or null);
  v1's ``TimeSpan`` object is what .NET actually writes, a ``"[d.]hh:mm:ss[.f]"`` string.

Validators are built once per schema name and kept (building one walks only the schemas it reaches).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

try:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]
    from jsonschema.validators import extend  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ModuleNotFoundError(
        "The sandbox checks request bodies against the OpenAPI spec with jsonschema, which is not installed: "
        "pip install 'civitai-kit[sandbox]'",
        name="jsonschema",
    ) from exc

V2_DOCUMENT = "v2-consumer-openapi.json"
_PREFIX = "#/components/schemas/"
_DISPATCH = "x-dispatch"


def _dispatch(validator: Any, dispatch: dict[str, Any], instance: Any, _schema: Any) -> Iterable[ValidationError]:
    """``{"property": …, "mapping": {value: ref}}``: validate ``instance`` against the schema its value maps
    to. A missing or unmapped value is left to the ``required`` and ``enum`` written beside the keyword."""
    value = instance.get(dispatch["property"]) if isinstance(instance, dict) else None
    if isinstance(value, str) and (target := dispatch["mapping"].get(value)) is not None:
        yield from validator.descend(instance, {"$ref": target})


_Validator = extend(Draft202012Validator, {_DISPATCH: _dispatch})
_TIMESPAN = {"type": "string", "pattern": r"^(\d+\.)?\d{1,2}:\d{2}:\d{2}(\.\d{1,7})?$"}


class OpenApi:
    """One OpenAPI document, rewritten for jsonschema Draft 2020-12, with a validator per component schema."""

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
        self._validators: dict[str, Any] = {}

    @property
    def schema_names(self) -> frozenset[str]:
        return frozenset(self._raw)

    def validator(self, name: str) -> Any:
        """The validator for component schema ``name`` (built on first use, then kept)."""
        found = self._validators.get(name)
        if found is None:
            if name not in self._raw:
                raise KeyError(f"no component schema {name!r}")
            found = self._validators[name] = _Validator({"$ref": f"{_PREFIX}{name}", **self._root})
        return found

    def inline_validator(self, schema: dict[str, Any]) -> Any:
        """A validator for a schema written inline in an operation (``{"type": "string"}``, or a ``$ref``)."""
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_PREFIX):
            return self.validator(ref.removeprefix(_PREFIX))
        return _Validator({**_clean(schema), **self._root})

    def field_errors(self, validator: Any, instance: Any) -> dict[str, list[str]]:
        """What is wrong with ``instance``, by field path as the orchestrator names it (``steps[0].input.width``)."""
        errors: dict[str, list[str]] = {}
        for error in _leaves(validator.iter_errors(instance)):
            path = list(error.absolute_path)
            if error.validator == "required":  # name the missing field, as the server does
                missing = re.match(r"'(.*)' is a required property", error.message)
                path.append(missing.group(1) if missing else "?")
            elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
                allowed = error.schema.get("properties", {})
                for key in [key for key in error.instance if key not in allowed]:
                    errors.setdefault(field_path([*path, key]), []).append(f"'{key}' is not a known field.")
                continue
            errors.setdefault(field_path(path), []).append(error.message)
        return errors

    def errors(self, name: str, instance: Any) -> list[str]:
        """Every problem with ``instance`` as a ``schema name``, one ``path: message`` line each."""
        found = sorted(self.validator(name).iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
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
        mapping = {}
        for value, ref in discriminator["mapping"].items():
            target = ref.removeprefix(_PREFIX)
            mapping[value] = f"{_PREFIX}{target}__flat" if target == name else f"{_PREFIX}{target}"
        return {
            "type": "object",
            "required": [prop],
            "properties": {prop: {"enum": list(mapping)}},
            _DISPATCH: {"property": prop, "mapping": mapping},
        }


def field_path(path: Iterable[str | int]) -> str:
    """``["steps", 0, "input", "width"]`` → ``steps[0].input.width``; the root is ``$``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "$"


def _leaves(errors: Iterable[ValidationError]) -> Iterable[ValidationError]:
    """The most specific errors: an ``anyOf``/``oneOf`` failure is replaced by its most relevant branch's."""
    for error in errors:
        if error.context:
            yield from _leaves([best_match(error.context)])
        else:
            yield error


def _clean(node: Any) -> Any:
    """Python regex syntax; OpenAPI 3.0 ``nullable`` as JSON Schema; drop annotations jsonschema misreads.

    Builds a new tree (the document is never modified)."""

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [walk(x) for x in item]
        if not isinstance(item, dict):
            return item
        out = {key: walk(value) for key, value in item.items() if key not in ("discriminator", "example")}
        if isinstance(out.get("pattern"), str):
            out["pattern"] = re.sub(r"\(\?<(?![=!])", "(?P<", out["pattern"])
        if out.get("type") == "null" and "anyOf" in out:  # .NET's "any JSON value, or null"
            del out["type"]
            out["anyOf"] = [*out["anyOf"], {"type": "null"}]
        if out.pop("nullable", False):
            if "type" in out:
                out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
            else:
                out = {"anyOf": [out, {"type": "null"}]}
        return out

    return walk(node)


@cache
def v2_contract() -> OpenApi:
    """The packaged v2 consumer document, read and rewritten once per process."""
    text = files("civitai_kit").joinpath("sdk", "openapi", V2_DOCUMENT).read_text(encoding="utf-8")
    return OpenApi(json.loads(text))
