"""Turn pydantic validation errors into one [`ConfigurationError`][] a person can act on.

Each problem names the key the way it is written in configuration (``CivitaiApi:TimeoutSeconds``), the
place the value came from, and the rule. Raw input is shown only for numbers, flags and choices, never
for keys, URLs or paths: pydantic's own messages echo ``input_value``, which could be an API key.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from civitai_kit._config.binder import field_info, is_secret
from civitai_kit._config.keys import dotnet_key
from civitai_kit.errors import ConfigurationError, Error, ErrorCode

SECTION_RULE = "must be a section, so it must be an object of keys, not a list or a single value"

_TYPE_RULES = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "path_type": "must be a path",
    "model_type": SECTION_RULE,
    "model_attributes_type": SECTION_RULE,
    "dict_type": SECTION_RULE,
    "extra_forbidden": "is not a known option",
    "finite_number": "must be a finite number",
}
_BOUND_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "int_parsing_size"}
_SHOWN_TYPES = (bool, int, float)
_MAX_SHOWN_TEXT = 16
"""Longer text is never shown: an API key pasted into the wrong setting must not reach the message."""
_MAX_SHOWN_INT_BITS = 64


@dataclass(frozen=True, slots=True)
class Problem:
    """One invalid value: which key, from where, and what rule it breaks."""

    key: str
    source: str
    rule: str
    shown_value: str | None = None

    def __str__(self) -> str:
        got = f", got {self.shown_value}" if self.shown_value is not None else ""
        return f"{self.key} {self.rule}{got} (from {self.source})"


class CrossFieldError(ValueError):
    """A rule between fields of one section; ``fields`` lets the message name where each came from."""

    def __init__(self, message: str, *fields: str) -> None:
        super().__init__(message)
        self.fields = fields


def configuration_error(problems: Sequence[Problem]) -> ConfigurationError:
    """One exception for every problem found in one load or assignment."""
    if len(problems) == 1:
        message = f"Invalid configuration: {problems[0]}"
    else:
        lines = "".join(f"\n  - {problem}" for problem in problems)
        message = f"Invalid configuration ({len(problems)} problems):{lines}"
    details = {"problems": tuple({"key": p.key, "source": p.source, "rule": p.rule} for p in problems)}
    return ConfigurationError(Error(ErrorCode.CONFIGURATION_INVALID, message, details=details))


def problems_from(
    errors: Sequence[ErrorDetails],
    *,
    model: type[BaseModel],
    section: str,
    prefix: tuple[str, ...] = (),
    source_of: Callable[[tuple[str, ...]], str],
) -> list[Problem]:
    """Describe pydantic ``errors`` raised while validating ``model`` (found at ``prefix`` below the root
    of the options). ``source_of`` names the origin of a dotted field path from the root."""
    problems = []
    for error in errors:
        loc = tuple(str(part) for part in error["loc"])
        info = field_info(model, loc) if loc else None
        path = prefix + loc
        cause = (error.get("ctx") or {}).get("error")
        involved = [(*path, name) for name in cause.fields] if isinstance(cause, CrossFieldError) else [path]
        problems.append(
            Problem(
                key=dotnet_key(section, path),
                source="; ".join(dict.fromkeys(source_of(p) for p in involved)),
                rule=_rule(error, info),
                shown_value=_shown_value(error, info),
            )
        )
    return problems


def _rule(error: ErrorDetails, info: FieldInfo | None) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind in _BOUND_ERRORS and info is not None:
        return f"must be {_range_text(info) or 'in range'}"
    if kind == "finite_number":  # NaN, Infinity, 1e400, or an integer too long to parse
        limits = _range_text(info) if info is not None else ""
        return f"must be a finite number {limits}".rstrip()
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    if kind in _TYPE_RULES:
        return _TYPE_RULES[kind]
    if kind in {"literal_error", "enum"} and "expected" in context:
        return f"must be one of {context['expected']}"
    message = error["msg"]
    return "must be" + message[len("Input should be") :] if message.startswith("Input should be") else message


def _range_text(info: FieldInfo) -> str:
    bounds: dict[str, Any] = {}
    for item in info.metadata:
        for name in ("ge", "gt", "le", "lt"):
            if isinstance(item, annotated_types.BaseMetadata) and hasattr(item, name):
                bounds[name] = getattr(item, name)
    if "ge" in bounds and "le" in bounds:
        return f"between {bounds['ge']} and {bounds['le']}"
    lower = f"at least {bounds['ge']}" if "ge" in bounds else f"greater than {bounds['gt']}" if "gt" in bounds else ""
    upper = f"at most {bounds['le']}" if "le" in bounds else f"less than {bounds['lt']}" if "lt" in bounds else ""
    return " and ".join(part for part in (lower, upper) if part)


def _shown_value(error: ErrorDetails, info: FieldInfo | None) -> str | None:
    """The offending input, only for fields whose values are harmless to print."""
    if info is None or is_secret(info) or not _is_plain_scalar_field(info.annotation):
        return None
    value: Any = error.get("input")
    if isinstance(value, str) and len(value) <= _MAX_SHOWN_TEXT and value.isprintable():
        return repr(value)
    if isinstance(value, int) and value.bit_length() > _MAX_SHOWN_INT_BITS:
        return None  # thousands of digits help nobody (and past 4300, repr() itself raises)
    if isinstance(value, _SHOWN_TYPES):
        return repr(value)
    return None


def _is_plain_scalar_field(annotation: Any) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, (*_SHOWN_TYPES, enum.Enum))
    if typing.get_origin(annotation) is typing.Literal:
        return True
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return bool(args) and all(_is_plain_scalar_field(a) for a in args)
