"""The rules of a path pattern such as ``{ModelType}/{ModelName}/{FileName}``: which tokens each kind may
use, the ``{Token}`` syntax, and what makes a pattern invalid.

Options validate patterns when they load and ``civitai_kit.tools.path_patterns`` renders them, so the
rules live below both. Public through ``civitai_kit.tools.path_patterns``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DRIVE",
    "IMAGE_TOKENS",
    "MODEL_FILE_TOKENS",
    "MODEL_TOKENS",
    "MODEL_VERSION_TOKENS",
    "SEPARATORS",
    "Part",
    "PatternKind",
    "Token",
    "parse_pattern",
    "tokens_for",
    "validate_pattern",
]

PatternKind = Literal["model", "image"]

IMAGE_TOKENS: frozenset[str] = frozenset(
    {"Id", "PostId", "Username", "Width", "Height", "BaseModel", "NsfwLevel", "Date", "Extension"}
)
MODEL_FILE_TOKENS: frozenset[str] = frozenset({"FileId", "FileName", "FileType", "Format", "Size", "Precision"})
MODEL_VERSION_TOKENS: frozenset[str] = frozenset(
    {"VersionId", "VersionName", "BaseModel", "ModelId", "ModelName", "ModelType"}
)
MODEL_TOKENS: frozenset[str] = MODEL_FILE_TOKENS | MODEL_VERSION_TOKENS

SEPARATORS = re.compile(r"[/\\]")
"""Either directory separator: a pattern means the same on every OS."""
DRIVE = re.compile(r"^[A-Za-z]:")
"""A Windows drive prefix, which would make a path absolute."""


def tokens_for(kind: PatternKind) -> frozenset[str]:
    """The tokens a ``kind`` pattern may use (model patterns: file and version tokens)."""
    if kind == "model":
        return MODEL_TOKENS
    if kind == "image":
        return IMAGE_TOKENS
    raise ValueError(f"kind must be 'model' or 'image', not {kind!r}")


@dataclass(frozen=True, slots=True)
class Token:
    """A ``{name}`` reference at ``position`` in a pattern."""

    name: str
    position: int


Part = str | Token


def parse_pattern(pattern: str) -> list[Part]:
    """Split a pattern into literal text and ``{Token}`` references; a lone ``}`` is literal text."""
    parts: list[Part] = []
    i = 0
    while i < len(pattern):
        start = pattern.find("{", i)
        if start < 0:
            parts.append(pattern[i:])
            break
        if start > i:
            parts.append(pattern[i:start])
        end = pattern.find("}", start + 1)
        if end < 0:
            raise ValueError(
                f"path pattern {pattern!r}: unclosed token at position {start} (missing '}}' for {pattern[start:]!r})"
            )
        name = pattern[start + 1 : end]
        if not name.strip():
            raise ValueError(f"path pattern {pattern!r}: empty token '{{}}' at position {start}")
        parts.append(Token(name, start))
        i = end + 1
    return parts


def validate_pattern(pattern: str, kind: PatternKind) -> None:
    """Raise ``ValueError`` naming the first problem: an unknown token, a malformed brace, or literal
    text that would leave the base directory (absolute path, drive letter, ``..``)."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError("path pattern must be a non-empty string")
    valid = tokens_for(kind)
    parts = parse_pattern(pattern)
    bad = [part for part in parts if isinstance(part, Token) and part.name not in valid]
    if bad:
        raise ValueError(_unknown_tokens_message(pattern, kind, [token.name for token in bad], valid))
    literal_start = pattern.lstrip()
    if literal_start.startswith(("/", "\\")) or DRIVE.match(literal_start):
        raise ValueError(f"path pattern {pattern!r} must be relative to the base directory")
    literal = "".join(part if isinstance(part, str) else "x" for part in parts)
    if any(segment.strip() == ".." for segment in SEPARATORS.split(literal)):
        raise ValueError(f"path pattern {pattern!r} must not contain '..' segments")


def _unknown_tokens_message(pattern: str, kind: str, names: list[str], valid: frozenset[str]) -> str:
    listed = ", ".join(f"{{{name}}}" for name in names)
    hints = []
    for name in names:
        match = next((v for v in valid if v.casefold() == name.strip().casefold()), None)
        if match is not None:
            hints.append(f" (did you mean {{{match}}}? tokens are case-sensitive)")
    allowed = ", ".join(f"{{{name}}}" for name in sorted(valid))
    return (
        f"path pattern {pattern!r}: invalid token{'s' if len(names) > 1 else ''} {listed}"
        f"{''.join(hints)}; valid {kind} tokens are {allowed}"
    )
