"""Generate ``civitai_kit.sdk.schema`` (pydantic v2 models) from the v2 orchestration OpenAPI document.

    python scripts/generate_sdk_schema.py          # (re)write src/civitai_kit/sdk/schema/
    python scripts/generate_sdk_schema.py --check  # exit 1 when the checked-in package differs from a fresh run

One class per component schema, named as in the spec: ``enum`` schemas become open enums (``OpenEnum``), object
schemas ``SchemaModel`` subclasses (``allOf: [$ref Base, {...}]`` is a subclass of ``Base``), ``discriminator``s
open unions (``open_union``). The mapping from JSON Schema to Python is in ``_python_type``; the reasons for each choice
are in ``docs/sdk-schema.md``. Only the standard library is used, and the output depends only on the document.
"""

from __future__ import annotations

import argparse
import difflib
import json
import keyword
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "src" / "civitai_kit" / "sdk" / "openapi" / "v2-consumer-openapi.json"
OUTPUT = ROOT / "src" / "civitai_kit" / "sdk" / "schema"
PACKAGE = "civitai_kit.sdk.schema"
COMMAND = "python scripts/generate_sdk_schema.py"
PREFIX = "#/components/schemas/"
WIDTH = 120

# Polymorphic bases whose discriminator values root a module family (see ``Generator.modules``): value prefix.
FAMILIES = {"WorkflowStep": "", "WorkflowStepTemplate": ""}
FAMILIES |= {"ImageGenInput": "image_gen_", "VideoGenInput": "video_gen_"}
MODULE_SUMMARY = {
    "_api": "The API's own objects (workflows, events, resources, errors): schemas no step family reaches.",
    "_shared": "Schemas that several step families reach (workflow steps, blobs, engine-input bases).",
}

# ``number`` properties that carry Buzz (money; ``integer`` ones are ints already): ``Buzz``, an exact Decimal.
# The spec has no format for money, so they are named here: (schema, property).
BUZZ = {("WorkflowStepJob", "cost"), ("WorkflowEventStepDetails", "cost"), ("WorkflowCost", "fees")}
BUZZ |= {("ResourceFee", "amount"), ("CustomComfyUsage", "estimatedCost"), ("CustomComfyUsage", "buzzPerSecond")}

# Behaviour (methods and properties, never fields) a generated class mixes in from ``civitai_kit.sdk.schema_behaviour``:
# schema -> mixin, so the public names it replaces (``ResourceInfo.is_available``) are the generated classes.
BEHAVIOUR = {"ResourceInfo": "ResourceInfoBehaviour"}

# Enum member names the spelling rule in ``member_name`` gets wrong for the domain (``dpM2AKarras`` is the
# DPM2 a Karras sampler, not ``DP_M2_AKARRAS``): wire value -> name, wherever the value appears.
MEMBER_NAMES = {"webP": "WEBP", "dpmsde": "DPM_SDE", "dpmsdeKarras": "DPM_SDE_KARRAS", "dpM3MSDE": "DPM3_M_SDE"}
MEMBER_NAMES |= {"dpM2": "DPM2", "dpM2A": "DPM2_A", "dpM2SA": "DPM2_SA", "dpM2M": "DPM2_M"}
MEMBER_NAMES |= {"dpM2Karras": "DPM2_KARRAS", "dpM2AKarras": "DPM2_A_KARRAS", "dpM2SAKarras": "DPM2_SA_KARRAS"}
MEMBER_NAMES |= {"dpM2MKarras": "DPM2_M_KARRAS"}
MEMBER_NAMES |= {"dpm++2s_a": "DPMPP_2S_A", "dpm++2m": "DPMPP_2M", "dpm++2mv2": "DPMPP_2M_V2"}

# Names the generated modules import; a component schema with one of these names would shadow it.
RESERVED = {"Annotated", "Any", "Buzz", "ClassVar", "Field", "Literal", "OpenEnum", "SchemaModel", "SchemaRoot"}
RESERVED |= {"SerializeAsAny", "datetime", *BEHAVIOUR.values()}
# Attributes of pydantic's BaseModel a field may not shadow (plus keywords): the field gets a trailing ``_``.
# Builtins and imported names an annotation uses: a field named like one would shadow it in the class namespace.
SHADOWED = {"schema", "json", "dict", "copy", "construct", "validate", "fields", "model_config", "model_fields"}
SHADOWED |= {"list", "str", "int", "float", "bool", "datetime", "frozenset"}


# ------------------------------------------------------------------------------------------------- reading


def ref_name(ref: str) -> str:
    if not ref.startswith(PREFIX):
        raise ValueError(f"unsupported $ref {ref!r}")
    return ref.removeprefix(PREFIX)


def snake(name: str) -> str:
    """``enablePromptExpansion`` -> ``enable_prompt_expansion``; ``$type`` -> ``type``; keywords get a ``_``."""
    text = name.lstrip("$")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", text)
    text = re.sub(r"[^0-9a-zA-Z_]+", "_", text).strip("_").lower() or "value"
    if text[0].isdigit():
        text = f"v_{text}"
    if keyword.iskeyword(text) or text in SHADOWED:
        text += "_"
    return text


def member_name(value: str, taken: set[str]) -> str:
    """An UPPER_SNAKE enum member name for a wire value (``dpm++2s_a`` -> ``DPMPP_2S_A``), unique in ``taken``."""
    if value in MEMBER_NAMES and MEMBER_NAMES[value] not in taken:
        taken.add(MEMBER_NAMES[value])
        return MEMBER_NAMES[value]
    text = value.replace("+", "P").replace("*", "ALL")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").upper() or "EMPTY"
    if text[0].isdigit():
        text = f"V{text}"
    if keyword.iskeyword(text.lower()) and text.lower() == text:
        text += "_"
    candidate, n = text, 2
    while candidate in taken or candidate.startswith("_"):
        candidate, n = f"{text}_{n}", n + 1
    taken.add(candidate)
    return candidate


def literal(value: Any) -> str:
    """A Python literal for a JSON value (double-quoted strings)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no literal for {value!r}")


def docstring(text: str | None, indent: str) -> list[str]:
    """The first paragraph of a description, as a docstring (descriptions are documentation, not data)."""
    if not text:
        return []
    first = " ".join(text.strip().split("\n\n")[0].split())
    first = first.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if first.endswith('"'):
        first += " "
    lines = textwrap.wrap(first, WIDTH - len(indent) - 6, break_long_words=False, break_on_hyphens=False)
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}', *(f"{indent}{line}" for line in lines[1:]), f'{indent}"""']


def string_chunks(text: str, width: int) -> list[str]:
    """``text`` as string literals of at most ``width`` characters, split after spaces, to concatenate."""
    pieces: list[str] = []
    current = ""
    words = [w[i : i + width // 2] for w in re.split(r"(?<= )", text) for i in range(0, len(w), width // 2)]
    for word in words:
        if current and len(literal(current + word)) > width:
            pieces.append(current)
            current = ""
        current += word
    pieces.append(current)
    return [literal(piece) for piece in pieces]


# ------------------------------------------------------------------------------------------------- model


@dataclass
class Prop:
    name: str  # Python name
    alias: str  # JSON name
    annotation: str
    arguments: list[str]  # Field(...) keyword arguments, description last
    required: bool


@dataclass
class ObjectClass:
    name: str
    base: str | None
    description: str | None
    closed: bool
    props: list[Prop] = field(default_factory=list)
    pinned: frozenset[str] = frozenset()


@dataclass
class Union:
    base: str
    field: str
    mapping: dict[str, str]


class Generator:
    def __init__(self, document: dict[str, Any]) -> None:
        self.schemas: dict[str, Any] = document["components"]["schemas"]
        clash = RESERVED & self.schemas.keys()
        if clash:
            raise SystemExit(f"component schemas shadow generated-code imports: {sorted(clash)}")
        self.enums = sorted(n for n, s in self.schemas.items() if "enum" in s)
        for owner, prop in sorted(BUZZ):
            if "number" not in str(self.own(owner).get("properties", {}).get(prop)):
                raise SystemExit(f"BUZZ: {owner}.{prop} is not a number property of the spec")
        self.parents: dict[str, str | None] = {n: self._parent(n) for n in self.schemas if n not in self.enums}
        self.children = {p for p in self.parents.values() if p}
        self.unions = self._unions()
        # (class, property) -> the discriminator values that select the class: the property is a Literal of them
        self.selected: dict[tuple[str, str], list[str]] = {}
        for union in self.unions:
            for value, target in union.mapping.items():
                self.selected.setdefault((target, union.field), []).append(value)
        self.patterns: dict[str, str] = {}  # pattern -> the module constant that holds it
        self.summaries: dict[str, str] = {}  # family module -> its docstring
        self.classes = {name: self._object_class(name) for name in self.parents}
        self.order = self.class_order()
        for name in self.order:
            self._pin(self.classes[name])

    # ---------------------------------------------------------------------------------------- structure

    def _parts(self, name: str) -> tuple[str | None, dict[str, Any]]:
        """The ``$ref`` parent (if any) and the schema's own object part."""
        schema = self.schemas[name]
        if "allOf" not in schema:
            return None, schema
        refs = [ref_name(p["$ref"]) for p in schema["allOf"] if "$ref" in p]
        own = [p for p in schema["allOf"] if "$ref" not in p]
        if len(refs) != 1 or len(own) != 1 or len(schema["allOf"]) != 2:
            raise SystemExit(f"{name}: allOf must be [$ref Base, {{...}}]")
        merged = dict(own[0])
        if "description" in schema:
            merged["description"] = schema["description"]
        return refs[0], merged

    def _parent(self, name: str) -> str | None:
        return self._parts(name)[0]

    def own(self, name: str) -> dict[str, Any]:
        return self._parts(name)[1]

    def ancestors(self, name: str) -> list[str]:
        out = []
        parent = self.parents.get(name)
        while parent:
            out.append(parent)
            parent = self.parents.get(parent)
        return out

    def all_props(self, name: str) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for cls in [*reversed(self.ancestors(name)), name]:
            props.update(self.own(cls).get("properties", {}))
        return props

    def all_required(self, name: str) -> set[str]:
        required: set[str] = set()
        for cls in [name, *self.ancestors(name)]:
            required |= set(self.own(cls).get("required", []))
        return required

    def _unions(self) -> list[Union]:
        unions = []
        for name in sorted(self.parents):
            discriminator = self.own(name).get("discriminator")
            if discriminator is None:
                continue
            mapping = {value: ref_name(ref) for value, ref in discriminator["mapping"].items()}
            for value, target in mapping.items():
                if name not in self.ancestors(target):
                    raise SystemExit(f"{name}: discriminator value {value!r} maps to {target}, not a subclass")
            unions.append(Union(name, discriminator["propertyName"], mapping))
        return unions

    # ---------------------------------------------------------------------------------------- classes

    def _object_class(self, name: str) -> ObjectClass:
        own = self.own(name)
        if own.get("type") == "array":
            item, inner = self._python_type(own["items"], top=False)
            root = f"list[{_annotated(item, inner)}]"
            return ObjectClass(name=name, base=f"SchemaRoot[{root}]", description=own.get("description"), closed=False)
        if own.get("type") not in ("object", None):
            raise SystemExit(f"{name}: unsupported top-level type {own.get('type')!r}")
        cls = ObjectClass(
            name=name,
            base=self.parents[name],
            description=own.get("description"),
            closed=own.get("additionalProperties") is False,
        )
        required = self.all_required(name)
        parent = self.parents[name]
        inherited = self.all_props(parent) if parent else {}
        own_props = dict(own.get("properties", {}))
        # A class a discriminator selects narrows that property to a Literal, restated or not in its schema.
        for (target, prop), _values in self.selected.items():
            if target == name and prop not in own_props:
                own_props[prop] = inherited.get(prop, {"type": "string"})
        for alias, schema in own_props.items():
            cls.props.append(self._prop(name, alias, schema, alias in required))
        return cls

    def _pin(self, cls: ObjectClass) -> None:
        """Required fields with a default (discriminators above all) are always written: inherited or own."""
        pinned = set(self.classes[cls.base].pinned) if cls.base in self.classes else set()
        for prop in cls.props:
            pinned.discard(prop.name)
            if prop.required and any(a.startswith(("default=", "default_factory=")) for a in prop.arguments):
                pinned.add(prop.name)
        cls.pinned = frozenset(pinned)

    def _prop(self, owner: str, alias: str, schema: dict[str, Any], required: bool) -> Prop:
        name = snake(alias)
        values = self.selected.get((owner, alias))
        constant = schema.get("enum") if len(schema.get("enum", [])) == 1 else None
        if values is None and constant and any((a, alias) in self.selected for a in self.ancestors(owner)):
            values = constant  # a subclass restating the discriminator value its ancestor was selected by
        arguments: list[str] = []
        if values:
            required = True  # a discriminator is always written
            annotation = "Literal[" + ", ".join(literal(v) for v in values) + "]"
            if len(values) == 1:
                arguments.append(f"default={literal(values[0])}")
        else:
            annotation, constraints = self._python_type(schema, top=True)
            if (owner, alias) in BUZZ:
                annotation = re.sub(r"\bfloat\b", "Buzz", annotation)
            default = schema["default"] if "default" in schema else constant[0] if constant else None
            if annotation != "Any" and (_nullable(schema) or (not required and default is None)):
                annotation = f"{annotation} | None"
            arguments += constraints
            if default is not None:
                arguments.insert(0, self._default(schema, default))
            elif not required:
                arguments.insert(0, "default=None")
        if alias != name:
            arguments.append(f"alias={literal(alias)}")
        description = schema.get("description")
        if description:
            arguments.append(f"description={literal(description)}")
        return Prop(name, alias, annotation, arguments, required)

    def _default(self, schema: dict[str, Any], value: Any) -> str:
        """The ``Field`` argument for a spec default: enum members by name, mutable values from a factory."""
        target = _enum_ref(schema)
        if target and isinstance(value, str):
            return f"default={target}.{self.enum_members(target)[value]}"
        if isinstance(value, list) and not value:
            return "default_factory=list"
        if isinstance(value, dict) and not value:
            return "default_factory=dict"
        if isinstance(value, list | dict):
            return f"default_factory=lambda: {literal(value)}"
        return f"default={literal(value)}"

    def enum_members(self, name: str) -> dict[str, str]:
        taken: set[str] = set()
        return {value: member_name(value, taken) for value in self.schemas[name]["enum"]}

    def _python_type(self, schema: dict[str, Any], top: bool) -> tuple[str, list[str]]:
        """The annotation for a property schema, and its ``Field`` constraints (inner ones go in ``Annotated``)."""
        constraints = _constraints(schema, self.patterns)
        if "$ref" in schema:
            target = ref_name(schema["$ref"])
            annotation = f"SerializeAsAny[{target}]" if target in self.children else target
            return annotation, constraints
        if "oneOf" in schema or "anyOf" in schema:
            return "Any", constraints  # JSON values of several shapes (ComfyNode inputs, JSON Patch values)
        types = schema.get("type", [])
        kinds = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
        if not kinds:
            return "Any", constraints  # type: null — a .NET JsonElement: any JSON value
        if len(kinds) != 1:
            raise SystemExit(f"unsupported type list {types!r}")
        kind = kinds[0]
        if "enum" in schema:  # an inline enum: its values, open to others of the same type
            values = [v for v in schema["enum"] if v is not None]
            base = {"string": "str", "integer": "int", "number": "float"}[kind]
            return "Literal[" + ", ".join(literal(v) for v in values) + f"] | {base}", constraints
        if kind == "string":
            return ("datetime" if schema.get("format") == "date-time" else "str"), constraints
        if kind == "integer":
            return "int", constraints
        if kind == "number":
            return "float", constraints
        if kind == "boolean":
            return "bool", constraints
        if kind == "array":
            item, inner = self._python_type(schema.get("items", {}), top=False)
            return f"list[{_annotated(item, inner)}]", constraints
        if kind == "object":
            extra = schema.get("additionalProperties", {})
            if extra in ({}, True) or "properties" in schema:
                if "properties" in schema:
                    raise SystemExit("inline object schemas with properties are not supported")
                return "dict[str, Any]", constraints
            value, inner = self._python_type(extra, top=False)
            return f"dict[str, {_annotated(value, inner)}]", constraints
        raise SystemExit(f"unsupported type {kind!r}")

    # ---------------------------------------------------------------------------------------- writing

    def _hard(self, name: str) -> list[str]:
        """What must be defined before ``name``: its base class (the item class of a root list)."""
        parent = self.parents[name]
        if parent:
            return [parent]
        if self.schemas[name].get("type") == "array":
            return [ref_name(self.schemas[name]["items"]["$ref"])]
        return []

    def _references(self, name: str, enums: bool = False) -> list[str]:
        """The classes (and ``enums``) the properties of ``name`` refer to."""
        found: set[str] = set()
        wanted = self.schemas if enums else self.parents

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("$ref"), str) and ref_name(node["$ref"]) in wanted:
                    found.add(ref_name(node["$ref"]))
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.own(name).get("properties", {}))
        return sorted(found)

    def class_order(self) -> list[str]:
        """Bases first, then (where no cycle prevents it) the classes a class refers to; else alphabetical.

        Annotations are evaluated when a class is created (cheaper than strings evaluated by pydantic), so a
        class used before its definition is quoted; this order keeps such forward references few.
        """
        order: list[str] = []
        done: set[str] = set()
        visiting: set[str] = set()

        def chain(name: str) -> list[str]:
            return [name, *(c for h in self._hard(name) for c in chain(h))]

        def visit(name: str) -> None:
            if name in done:
                return
            visiting.add(name)
            for hard in self._hard(name):
                visit(hard)
            for soft in self._references(name):
                if not visiting.intersection(chain(soft)):
                    visit(soft)
            visiting.discard(name)
            done.add(name)
            order.append(name)

        for name in sorted(self.parents):
            visit(name)
        return order

    # ---------------------------------------------------------------------------------------- modules

    def _edges(self, name: str) -> list[str]:
        """What ``name`` needs at import time: its base and the classes and enums its properties name."""
        return [] if name in self.enums else [*self._hard(name), *self._references(name, enums=True)]

    def modules(self) -> dict[str, list[str]]:
        """Module -> the schemas it defines (see ``docs/sdk-schema.md``, "Modules").

        Each step type and each ``imageGen``/``videoGen`` engine is a *family*, rooted at the classes its
        discriminator value selects. A schema reachable from exactly one family (through properties, base classes
        and nested discriminators) lives in that family's module; from several (and every enum a family
        reaches), in ``_shared``; from none (the API's own objects: workflows, events, resources), in ``_api``.
        Imports then only point ``_api`` -> families -> ``_shared`` (a schema's references are reachable from at
        least its families), so the package imports lazily and without cycles, and parsing a response loads
        only the families it uses.
        """
        roots: dict[str, set[str]] = {}
        for union in self.unions:
            prefix = FAMILIES.get(union.base)
            if prefix is not None:
                for value, target in union.mapping.items():
                    roots.setdefault(target, set()).add(prefix + snake(value))
                    what = f"``{value}`` step" if not prefix else f"``{value}`` engine of ``{union.base}``"
                    self.summaries[f"_{prefix}{snake(value)}"] = f"The schemas only the {what} reaches."
        dispatch = {u.base: [t for t in u.mapping.values() if t not in roots] for u in self.unions}
        reach: dict[str, set[str]] = {name: set() for name in [*self.enums, *self.parents]}
        for root, families in roots.items():
            seen: set[str] = set()
            stack = [root]
            while stack:
                name = stack.pop()
                if name in seen:
                    continue
                seen.add(name)
                reach[name] |= families
                stack += [*self._edges(name), *dispatch.get(name, [])]
        modules: dict[str, list[str]] = {}
        for name, families in reach.items():
            module = "_api" if not families else f"_{next(iter(families))}" if len(families) == 1 else "_shared"
            if families and name in self.enums:
                module = "_shared"  # cheap to define, and importable by hand-written code without a family
            modules.setdefault(module, []).append(name)
        return dict(sorted(modules.items()))

    def module_text(self, module: str, names: list[str], where: dict[str, str]) -> str:
        enums = [n for n in self.enums if n in names]
        classes = [n for n in self.order if n in names]
        body: list[str] = []
        for name in enums:
            body += ["", *self.enum_lines(name)]
        pending = set(classes)  # a class named before its definition in this module is a forward reference
        for name in classes:
            body += ["", *self.class_lines(self.classes[name], pending)]
            pending.discard(name)
        unions = [u for u in self.unions if u.base in names]
        if unions:
            body += ["", "", "# Open unions: each polymorphic base, its discriminator and the class of each value."]
        for union in unions:
            body += union_lines(union)
        text = self._code(classes, unions)
        imported: dict[str, list[str]] = {}
        for name in sorted({e for n in classes for e in self._edges(n)} - set(names)):
            imported.setdefault(where[name], []).append(name)
        typing_names = [t for t in ("Annotated", "Any", "ClassVar", "Literal") if re.search(rf"\b{t}\b", text)]
        pydantic_names = [t for t in ("Field", "SerializeAsAny") if re.search(rf"\b{t}\b", text)]
        support = [t for t in ("Buzz", "SchemaModel", "SchemaRoot", "open_union") if re.search(rf"\b{t}\b", text)]
        lines = [*header(MODULE_SUMMARY.get(module) or self.summaries[module], future=False)]
        stdlib = []
        if re.search(r"\bdatetime\b", text):
            stdlib.append("from datetime import datetime")
        if typing_names:
            stdlib.append(f"from typing import {', '.join(typing_names)}")
        lines += [*stdlib, ""] if stdlib else []
        lines += [f"from pydantic import {', '.join(pydantic_names)}", ""] if pydantic_names else []
        local = ["from civitai_kit.core.enums import OpenEnum"] if enums else []
        for source, imported_names in sorted(imported.items()):
            local += import_lines(f"{PACKAGE}.{source}", imported_names)
        mixins = sorted(BEHAVIOUR[name] for name in classes if name in BEHAVIOUR)
        if mixins:
            local.append(f"from civitai_kit.sdk.schema_behaviour import {', '.join(mixins)}")
        if support:
            local.append(f"from civitai_kit.sdk.schema_model import {', '.join(support)}")
        lines += local
        patterns = [(p, c) for p, c in self.patterns.items() if re.search(rf"\b{c}\b", text)]
        if patterns:
            lines += ["", "# The spec's regular expressions (.NET syntax, which pydantic's Rust engine reads)."]
            lines += pattern_lines(patterns)
        return "\n".join([*lines, *body]).rstrip() + "\n"

    def _code(self, classes: list[str], unions: list[Union]) -> str:
        """What the module's classes are written with (without docstrings and descriptions): to find its imports."""
        parts = ["open_union" if unions else ""]
        for cls in (self.classes[name] for name in classes):
            parts += [cls.base or "SchemaModel", "ClassVar" if cls.closed or cls.pinned else ""]
            for prop in cls.props:
                code = [a for a in prop.arguments if not a.startswith(("description=", "alias="))]
                parts += [prop.annotation, "Field" if uses_field(prop) else "", *code]
        return "\n".join(parts)

    def enum_lines(self, name: str) -> list[str]:
        schema = self.schemas[name]
        if schema.get("type") != "string":
            raise SystemExit(f"{name}: only string enums are supported")
        lines = ["", f"class {name}(OpenEnum):"]
        lines += docstring(schema.get("description"), "    ") or [f'    """``{name}`` (an open enum)."""']
        lines.append("")
        lines += [f"    {member} = {literal(value)}" for value, member in self.enum_members(name).items()]
        return lines

    @staticmethod
    def _forward(annotation: str, pending: set[str]) -> bool:
        """Whether ``annotation`` names a class not defined yet (it is then written as a string)."""
        names = re.findall(r"\b[A-Z]\w*", re.sub(r'"(?:[^"\\]|\\.)*"', "", annotation))
        return any(n in pending for n in names)

    def class_lines(self, cls: ObjectClass, pending: set[str]) -> list[str]:
        bases = [BEHAVIOUR[cls.name]] if cls.name in BEHAVIOUR else []
        lines = ["", f"class {cls.name}({', '.join([*bases, cls.base or 'SchemaModel'])}):"]
        lines += docstring(cls.description, "    ") or [f'    """``{cls.name}``."""']
        lines.append("")
        if cls.closed:
            lines.append("    __closed__: ClassVar[bool] = True")
        if cls.pinned:
            pinned = ", ".join(literal(p) for p in sorted(cls.pinned))
            line = f"    __pinned__: ClassVar[frozenset[str]] = frozenset({{{pinned}}})"
            if len(line) > WIDTH:
                line = "\n".join(
                    ["    __pinned__: ClassVar[frozenset[str]] = frozenset(", "        {"]
                    + [f"            {literal(p)}," for p in sorted(cls.pinned)]
                    + ["        }", "    )"]
                )
            lines.append(line)
        if cls.closed or cls.pinned:
            lines.append("")
        for prop in cls.props:
            lines += prop_lines(prop, self._forward(prop.annotation, pending))
        while lines[-1] == "":
            lines.pop()
        return lines

    def package(self) -> dict[str, str]:
        modules = self.modules()
        where = {name: module for module, names in modules.items() for name in names}
        files = {f"{module}.py": self.module_text(module, names, where) for module, names in modules.items()}
        table = [
            *header(
                "Typed models of the whole v2 orchestration API, one per component schema, named as in the spec.\n\n"
                "Names are imported on first use (each from the module of its family), so importing the package is\n"
                "cheap. See ``docs/sdk-schema.md``: open enums and unions, and ``to_request()`` for request bodies.",
            ),
            "from civitai_kit._lazy import exports",
            "",
            "_EXPORTS = {",
        ]
        for module, names in modules.items():
            table.append(f"    {literal(f'{PACKAGE}.{module}')}: (")
            table += [f"        {literal(name)}," for name in sorted(names, key=dunder_all_key)]
            table.append("    ),")
        table += [
            "}",
            '"""Each schema once, with its module (``__init__.pyi`` is generated from the same table)."""',
            "",
            "__getattr__, __dir__, __all__ = exports(__name__, _EXPORTS)",
        ]
        files["__init__.py"] = "\n".join(table) + "\n"
        stub = [f"# Generated by ``{COMMAND}``, like the modules it imports from: do not edit."]
        for module, names in modules.items():
            stub += import_lines(f"{PACKAGE}.{module}", names)
        stub += ["", "__all__ = [", *(f"    {literal(n)}," for n in sorted(where, key=dunder_all_key)), "]"]
        files["__init__.pyi"] = "\n".join(stub) + "\n"
        return dict(sorted(files.items()))


def union_lines(union: Union) -> list[str]:
    field_name = snake(union.field)
    entries = [f"{literal(value)}: {literal(target)}" for value, target in union.mapping.items()]
    one_line = f"open_union({union.base}, {literal(field_name)}, {{{', '.join(entries)}}})"
    if len(one_line) <= WIDTH:
        return [one_line]
    return [
        "open_union(",
        f"    {union.base},",
        f"    {literal(field_name)},",
        "    {",
        *(f"        {entry}," for entry in entries),
        "    },",
        ")",
    ]


def import_lines(module: str, names: list[str]) -> list[str]:
    items = sorted(names, key=isort_key)
    line = f"from {module} import {', '.join(items)}"
    if len(line) <= WIDTH:
        return [line]
    return [f"from {module} import (", *(f"    {item}," for item in items), ")"]


def pattern_lines(patterns: list[tuple[str, str]]) -> list[str]:
    lines = []
    for pattern, constant in patterns:
        line = f"{constant} = {literal(pattern)}"
        if len(line) <= WIDTH:
            lines.append(line)
        else:
            lines += [f"{constant} = (", *(f"    {c}" for c in string_chunks(pattern, WIDTH - 4)), ")"]
    return lines


def header(summary: str, future: bool = True) -> list[str]:
    lines = [
        f'"""{summary}',
        "",
        f"Generated by ``{COMMAND}`` from ``sdk/openapi/v2-consumer-openapi.json``: do not edit.",
        '"""',
        "",
    ]
    return [*lines, "from __future__ import annotations", ""] if future else lines


def isort_key(name: str) -> tuple[int, list[str | int], str]:
    """The order ruff's isort keeps imported names in: constants, classes, others; natural, case-insensitive."""
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name.lower())]
    return kind, parts, name


def dunder_all_key(name: str) -> tuple[int, list[str | int]]:
    """The order ruff's RUF022 keeps ``__all__`` in: like [`isort_key`][] but case-sensitive."""
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return kind, [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


_LITERAL_VALUE = re.compile(r'\s*("(?:[^"\\]|\\.)*"|-?[0-9.]+)\s*,?')


def wrapped_annotation(prop: Prop) -> str:
    """The annotation, its ``Literal`` one value a line when the field's first line would be too long."""
    start = prop.annotation.find("Literal[")
    if len(f"    {prop.name}: {prop.annotation} = Field(") <= WIDTH or start < 0:
        return prop.annotation
    position, values = start + len("Literal["), []
    while prop.annotation[position] != "]":
        match = _LITERAL_VALUE.match(prop.annotation, position)
        if match is None:
            raise SystemExit(f"cannot wrap {prop.annotation}")
        values.append(match.group(1))
        position = match.end()
    head, rest = prop.annotation[: start + len("Literal[")], prop.annotation[position:]
    return head + "\n" + "".join(f"        {v},\n" for v in values) + "    " + rest


def uses_field(prop: Prop) -> bool:
    """Whether the field needs ``Field(...)`` (more than a plain default)."""
    return not (prop.arguments == [] or (len(prop.arguments) == 1 and prop.arguments[0].startswith("default=")))


def prop_lines(prop: Prop, forward: bool) -> list[str]:
    annotation = wrapped_annotation(prop)
    if forward:
        if "\n" in annotation:
            raise SystemExit(f"{prop.name}: a forward reference in a wrapped annotation")
        annotation = literal(annotation)
    if not uses_field(prop):
        value = f" = {prop.arguments[0].removeprefix('default=')}" if prop.arguments else ""
        return [f"    {prop.name}: {annotation}{value}"]
    head = f"    {prop.name}: {annotation} = Field("
    one_line = head + ", ".join(prop.arguments) + ")"
    if len(one_line) <= WIDTH and "\n" not in one_line:
        return [one_line]
    lines = [head]
    for argument in prop.arguments:
        if len(argument) + 10 <= WIDTH:
            lines.append(f"        {argument},")
            continue
        key, _, value = argument.partition("=")
        text = json.loads(value)
        lines.append(f"        {key}=(")
        lines += [f"            {chunk}" for chunk in string_chunks(text, WIDTH - 12)]
        lines.append("        ),")
    lines.append("    )")
    return lines


def _nullable(schema: dict[str, Any]) -> bool:
    types = schema.get("type")
    return isinstance(types, list) and "null" in types


def _enum_ref(schema: dict[str, Any]) -> str | None:
    return ref_name(schema["$ref"]) if "$ref" in schema else None


def _constraints(schema: dict[str, Any], patterns: dict[str, str]) -> list[str]:
    out = []
    for key, argument in (("minimum", "ge"), ("maximum", "le"), ("exclusiveMinimum", "gt"), ("exclusiveMaximum", "lt")):
        if key in schema:
            out.append(f"{argument}={literal(schema[key])}")
    for key, argument in (("minLength", "min_length"), ("minItems", "min_length")):
        if key in schema:
            out.append(f"{argument}={schema[key]}")
    for key, argument in (("maxLength", "max_length"), ("maxItems", "max_length")):
        if key in schema:
            out.append(f"{argument}={schema[key]}")
    if "pattern" in schema:
        constant = patterns.setdefault(schema["pattern"], f"_PATTERN_{len(patterns) + 1}")
        out.append(f"pattern={constant}")
    return out


def _annotated(annotation: str, constraints: list[str]) -> str:
    if not constraints:
        return annotation
    return f"Annotated[{annotation}, Field({', '.join(constraints)})]"


# ------------------------------------------------------------------------------------------------- main


def generate(spec: Path = SPEC) -> dict[str, str]:
    return Generator(json.loads(spec.read_text(encoding="utf-8"))).package()


def differences(files: dict[str, str], output: Path) -> list[str]:
    problems = []
    expected = set(files)
    present = {p.name for p in output.glob("*.py*")} if output.is_dir() else set()
    for extra in sorted(present - expected):
        problems.append(f"{output / extra}: not generated")
    for name, text in sorted(files.items()):
        path = output / name
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), str(path), "generated", lineterm="")
            problems.append("\n".join(list(diff)[:40]))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when the checked-in package is not up to date")
    parser.add_argument("--spec", type=Path, default=SPEC, help="the OpenAPI document (default: the packaged one)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the package directory to write or check")
    args = parser.parse_args(argv)
    files = generate(args.spec)
    if args.check:
        problems = differences(files, args.output)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{args.output} is out of date: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    args.output.mkdir(parents=True, exist_ok=True)
    for stale in args.output.glob("*.py*"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (args.output / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
