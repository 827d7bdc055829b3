"""AIR — the AI Resource Identifier Civitai and the orchestrator use to name models and other resources.

Grammar: ``urn:air:{ecosystem}:{type}:{source}:{id}[@{version}][:{layer}][.{format}]``, for example
``urn:air:sdxl:checkpoint:civitai:101055@128078`` or
``urn:air:qwen3:repository:huggingface:Civitai/Qwen-Image-Bench-AutoRound-AWQ-INT4@main.tar``.

Ecosystems, types and sources are open: any token the orchestrator's own AIR pattern accepts is kept
(``anima``, ``hidream-o1``, ``oci``, ``comfyregistry``…), because the set grows faster than any client.
The classifier parts and the format are case-insensitive and printed lower-case; the id, version and layer
keep their case, because Hugging Face repositories, git refs and OCI tags are case-sensitive.
Civitai ids are positive integers (model id ``@`` version id) and are printed without leading zeros.

REST models hand AIRs out (``civitai_kit.core.models.ModelVersion.air_identifier``) and the SDK takes
them in, so the type lives in core (public as ``civitai_kit.sdk.AirIdentifier`` too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

__all__ = ["AirBuilder", "AirIdentifier"]

_PREFIX = "urn:air:"
_TOKEN = re.compile(r"[A-Za-z0-9_\-/]+")  # ecosystem, type, source, layer (the API's own character set)
_ID = re.compile(r"[A-Za-z0-9_\-/.]+")
_VERSION = re.compile(r"[A-Za-z0-9_\-/.=,%+]+")
_FORMAT = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
_FORMAT_SUFFIX = re.compile(r"\.([A-Za-z][A-Za-z0-9_\-]*)$")
# A content digest (``@sha256:<hex>``, used by ``oci:image`` AIRs) is a version that contains a colon.
_DIGEST = re.compile(r"(?:sha256|sha384|sha512|blake3|md5):[0-9A-Fa-f]{16,}")
_CIVITAI = "civitai"


@dataclass(frozen=True, slots=True)
class AirIdentifier:
    """One parsed AIR. Immutable and hashable; ``str(air)`` is the canonical text.

    Build one with [`parse`][], [`try_parse`][], [`civitai`][] or [`AirBuilder`][]; the
    constructor validates and normalises every part, so two equal identifiers always print the same text.
    """

    ecosystem: str
    type: str
    source: str
    id: str
    version: str | None = None
    layer: str | None = None
    format: str | None = None
    _text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in ("ecosystem", "type", "source"):
            set_(self, name, _token(name, getattr(self, name), _TOKEN).lower())
        set_(self, "id", _token("id", self.id, _ID))
        if self.version is not None:
            version = str(self.version)
            if not _DIGEST.fullmatch(version):
                _token("version", version, _VERSION)
            set_(self, "version", version)
        if self.layer is not None:
            set_(self, "layer", _token("layer", self.layer, _TOKEN))
        if self.format is not None:
            set_(self, "format", _token("format", self.format, _FORMAT).lower())
        if self.source == _CIVITAI:
            set_(self, "id", str(_positive_int("id", self.id)))
            if self.version is not None:
                set_(self, "version", str(_positive_int("version", self.version)))
        text = self._render()
        # The text must read back as exactly these parts; otherwise the parts are ambiguous
        # (e.g. an id ending in ".gguf" with no format would come back as id + format).
        if _split(text) != self._parts():
            raise ValueError(
                f"AIR parts {self._parts()!r} are ambiguous: {text!r} would read back differently "
                "(a trailing '.name' on the last part is a format; pass format= instead)"
            )
        set_(self, "_text", text)

    # ------------------------------------------------------------------------------------------ creating

    @classmethod
    def parse(cls, value: str) -> AirIdentifier:
        """Parse AIR text; raises ``ValueError`` naming the malformed part."""
        if not isinstance(value, str):
            raise TypeError(f"AIR must be a string, not {type(value).__name__}")
        ecosystem, type_, source, id_, version, layer, format_ = _split(value)
        return cls(ecosystem, type_, source, id_, version, layer, format_)

    @classmethod
    def try_parse(cls, value: object) -> AirIdentifier | None:
        """Like [`parse`][], but ``None`` for anything that is not a valid AIR (including non-strings)."""
        if isinstance(value, AirIdentifier):
            return value
        if not isinstance(value, str):
            return None
        try:
            return cls.parse(value)
        except ValueError:
            return None

    @classmethod
    def civitai(cls, ecosystem: str, type: str, model_id: int, version_id: int | None = None) -> AirIdentifier:
        """A Civitai model (version): ``urn:air:{ecosystem}:{type}:civitai:{model_id}@{version_id}``."""
        version = None if version_id is None else str(_positive_int("version_id", version_id))
        return cls(ecosystem, type, _CIVITAI, str(_positive_int("model_id", model_id)), version)

    @classmethod
    def coerce(cls, value: AirIdentifier | str) -> AirIdentifier:
        """Accept an identifier or its text (what every SDK method taking an AIR does)."""
        return value if isinstance(value, AirIdentifier) else cls.parse(value)

    def with_version(self, version: str | int | None) -> AirIdentifier:
        return replace(self, version=None if version is None else str(version))

    # ------------------------------------------------------------------------------------------ reading

    @property
    def model_id(self) -> int | None:
        """The id as an integer when it is one (always for Civitai), else ``None``."""
        return int(self.id) if self.id.isdigit() else None

    @property
    def version_id(self) -> int | None:
        """The version as an integer when it is one (always for a versioned Civitai AIR), else ``None``."""
        return int(self.version) if self.version is not None and self.version.isdigit() else None

    @property
    def is_civitai(self) -> bool:
        return self.source == _CIVITAI

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"AirIdentifier({self._text!r})"

    def _parts(self) -> tuple[str, str, str, str, str | None, str | None, str | None]:
        return (self.ecosystem, self.type, self.source, self.id, self.version, self.layer, self.format)

    def _render(self) -> str:
        text = f"{_PREFIX}{self.ecosystem}:{self.type}:{self.source}:{self.id}"
        if self.version is not None:
            text += f"@{self.version}"
        if self.layer is not None:
            text += f":{self.layer}"
        if self.format is not None:
            text += f".{self.format}"
        return text

    # ------------------------------------------------------------------------------------------ pydantic

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        """Lets pydantic models declare ``AirIdentifier`` fields: validated from text, dumped as text."""
        return core_schema.no_info_plain_validator_function(
            cls.coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(str, when_used="always"),
        )


def _split(value: str) -> tuple[str, str, str, str, str | None, str | None, str | None]:
    """Cut AIR text into its seven parts (still raw: no case folding, no id normalisation)."""
    text = value.strip()
    if not text:
        raise ValueError("AIR is empty; expected urn:air:{ecosystem}:{type}:{source}:{id}[@{version}]")
    if text[: len(_PREFIX)].lower() != _PREFIX:
        raise ValueError(f"AIR {value!r} must start with 'urn:air:'")
    head = text[len(_PREFIX) :].split(":", 3)
    if len(head) < 4:
        present = len(head) if head[-1] else len(head) - 1
        missing = ("ecosystem", "type", "source", "id")[present]
        raise ValueError(f"AIR {value!r} has no {missing}: expected urn:air:{{ecosystem}}:{{type}}:{{source}}:{{id}}")
    ecosystem, type_, source, tail = head
    for name, part in (("ecosystem", ecosystem), ("type", type_), ("source", source)):
        _token(name, part, _TOKEN, value)
    format_: str | None = None
    suffix = _FORMAT_SUFFIX.search(tail)
    if suffix is not None:
        format_ = suffix.group(1)
        tail = tail[: suffix.start()]
    id_, at, rest = tail.partition("@")
    version: str | None = None
    layer: str | None = None
    if at:
        digest = _DIGEST.match(rest)
        cut = digest.end() if digest else (rest.find(":") if ":" in rest else len(rest))
        version, rest = rest[:cut], rest[cut:]
        _token("version", version, _DIGEST if digest else _VERSION, value)
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"AIR {value!r}: unexpected {rest!r} after the version")
            layer = rest[1:]
    else:
        id_, colon, after = id_.partition(":")
        layer = after if colon else None
    _token("id", id_, _ID, value)
    if layer is not None:
        _token("layer", layer, _TOKEN, value)
    return ecosystem, type_, source, id_, version, layer, format_


def _token(name: str, part: object, pattern: re.Pattern[str], air: str | None = None) -> str:
    where = f"AIR {air!r}: the {name}" if air is not None else f"AIR {name}"
    if not isinstance(part, str):
        raise TypeError(f"{where} must be a string, not {type(part).__name__}")
    if not part:
        raise ValueError(f"{where} is empty")
    if not pattern.fullmatch(part):
        bad = sorted({ch for ch in part if not pattern.fullmatch(ch)})
        detail = f"contains {''.join(bad)!r}" if bad else "is malformed"
        raise ValueError(f"{where} {part!r} {detail}")
    return part


def _positive_int(name: str, value: object) -> int:
    text = str(value)
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"AIR {name} {value!r} must be a positive integer for a Civitai resource")
    return int(text)


@dataclass(frozen=True, slots=True)
class AirBuilder:
    """Immutable step-by-step construction of an [`AirIdentifier`][]; each ``with_*`` returns a new builder.

    The source starts as ``civitai``. ``build()`` raises ``ValueError`` naming the first missing part.
    """

    ecosystem: str | None = None
    type: str | None = None
    source: str = _CIVITAI
    id: str | None = None
    version: str | None = None
    layer: str | None = None
    format: str | None = None

    def with_ecosystem(self, ecosystem: str) -> AirBuilder:
        return replace(self, ecosystem=_token("ecosystem", ecosystem, _TOKEN).lower())

    def with_type(self, type: str) -> AirBuilder:
        return replace(self, type=_token("type", type, _TOKEN).lower())

    with_asset_type = with_type

    def with_source(self, source: str) -> AirBuilder:
        return replace(self, source=_token("source", source, _TOKEN).lower())

    def with_id(self, id: str | int) -> AirBuilder:
        return replace(self, id=_id_text("id", id))

    def with_model_id(self, model_id: int) -> AirBuilder:
        return replace(self, id=str(_positive_int("model_id", model_id)))

    def with_version(self, version: str | int) -> AirBuilder:
        return replace(self, version=_id_text("version", version))

    def with_version_id(self, version_id: int) -> AirBuilder:
        return replace(self, version=str(_positive_int("version_id", version_id)))

    def with_layer(self, layer: str) -> AirBuilder:
        return replace(self, layer=_token("layer", layer, _TOKEN))

    def with_format(self, format: str) -> AirBuilder:
        return replace(self, format=_token("format", format, _FORMAT).lower())

    def build(self) -> AirIdentifier:
        for name, method in (("ecosystem", "with_ecosystem"), ("type", "with_type"), ("id", "with_id")):
            if getattr(self, name) is None:
                raise ValueError(f"AIR {name} must be set before building; use {method}()")
        assert self.ecosystem is not None and self.type is not None and self.id is not None
        return AirIdentifier(self.ecosystem, self.type, self.source, self.id, self.version, self.layer, self.format)

    def try_build(self) -> AirIdentifier | None:
        try:
            return self.build()
        except ValueError:
            return None


def _id_text(name: str, value: str | int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"AIR {name} must be a string or an integer, not {type(value).__name__}")
    if isinstance(value, int) and value < 1:
        raise ValueError(f"AIR {name} {value!r} must be a positive integer")
    return str(value)
