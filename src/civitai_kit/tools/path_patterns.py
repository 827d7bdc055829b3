"""Path patterns such as ``{ModelType}/{ModelName}/{FileName}``: validation, rendering and containment.

Every token of CivitaiSharp is supported, with its bugs fixed:

* a token with no value renders as ``unknown`` (never a literal ``{Token}`` directory);
* ``{NsfwLevel}`` is the API's value (``X``, not ``Explicit``) and ``{Date}`` never falls back to "now";
* one sanitiser gives the same name on every OS (Windows' rules, which are the strictest);
* a ``/`` inside a token value never creates a directory, and nothing can leave the base directory.

The tokens and the pattern syntax are ``civitai_kit._vocabulary.path_pattern_rules`` (options validate
patterns with them); token *values* are extracted from the API models in
[`civitai_kit.tools.download_plan`][].
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from civitai_kit._vocabulary.path_pattern_rules import (
    DRIVE,
    IMAGE_TOKENS,
    MODEL_FILE_TOKENS,
    MODEL_TOKENS,
    MODEL_VERSION_TOKENS,
    SEPARATORS,
    PatternKind,
    parse_pattern,
    tokens_for,
    validate_pattern,
)

__all__ = [
    "IMAGE_TOKENS",
    "MAX_COMPONENT_BYTES",
    "MODEL_FILE_TOKENS",
    "MODEL_TOKENS",
    "MODEL_VERSION_TOKENS",
    "UNKNOWN",
    "EscapingLinkError",
    "PatternKind",
    "render_pattern",
    "resolve_within",
    "sanitize_filename",
    "tokens_for",
    "validate_pattern",
]

UNKNOWN = "unknown"
"""What a token renders as when the value is absent (e.g. version tokens for a bare file)."""

MAX_COMPONENT_BYTES = 200
"""UTF-8 budget of one path component: below every common filesystem's 255, leaving room for ``.part``."""

_WINDOWS_INVALID = frozenset('<>:"/\\|?*')
_RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{prefix}{n}" for prefix in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³")}
)
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SURROGATES = re.compile("[\ud800-\udfff]")


# ------------------------------------------------------------------------------------------------ rendering


def render_pattern(pattern: str, values: Mapping[str, object | None], kind: PatternKind) -> PurePosixPath:
    """Render ``pattern`` into a sanitised *relative* path.

    Token values become text with any ``/`` or ``\\`` replaced (a value never creates a directory); a
    missing or blank value renders as ``unknown``. Only the pattern's own separators split directories,
    and every resulting component goes through [`sanitize_filename`][], so the result can always be
    joined under a base directory with [`resolve_within`][].
    """
    validate_pattern(pattern, kind)
    rendered: list[str] = []
    for part in parse_pattern(pattern):
        if isinstance(part, str):
            rendered.append(SEPARATORS.sub("/", part))
        else:
            rendered.append(_token_text(values.get(part.name)))
    components = [sanitize_filename(c) for c in "".join(rendered).split("/") if c.strip()]
    return PurePosixPath(*components) if components else PurePosixPath(sanitize_filename(""))


def _token_text(value: object | None) -> str:
    text = "" if value is None else str(value)
    if not text.strip():
        return UNKNOWN
    # A token is at most one component: separators inside a value are data, not structure.
    return SEPARATORS.sub("_", text)


def sanitize_filename(name: str, *, max_bytes: int = MAX_COMPONENT_BYTES) -> str:
    """One path component that is valid and means the same on Windows, macOS and Linux.

    NFC-normalised; lone surrogates (undecodable bytes smuggled in by ``surrogateescape``, or broken JSON
    escapes), which no file system can store as UTF-8, Windows-invalid characters, control characters and
    separators become ``_``;
    leading/trailing spaces and trailing dots are dropped; reserved device names (``CON``, ``NUL``,
    ``COM1``, ``LPT¹`` ...) get a ``_`` after their stem; ``.``/``..``/empty become ``_``; long names
    are cut to ``max_bytes`` of UTF-8 keeping a short extension.
    """
    text = unicodedata.normalize("NFC", _SURROGATES.sub("_", name))
    text = "".join("_" if ch in _WINDOWS_INVALID or _is_control(ch) else ch for ch in text)
    text = text.strip().rstrip(". ")
    if not text or set(text) == {"."}:
        return "_"
    stem, dot, rest = text.partition(".")
    if stem.rstrip(" ").upper() in _RESERVED_NAMES:
        text = f"{stem}_{dot}{rest}"
    return _truncate(text, max_bytes)


def _is_control(ch: str) -> bool:
    # Control characters, line separators and bidi overrides (which can disguise an extension).
    return unicodedata.category(ch) in {"Cc", "Zl", "Zp"} or ch in _BIDI_CONTROLS


def _truncate(text: str, max_bytes: int) -> str:
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension.encode("utf-8")) > 16:
        stem, extension = text, ""
    suffix = f".{extension}" if extension else ""
    budget = max_bytes - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore").rstrip(". ")
    return f"{cut or '_'}{suffix}"


# ------------------------------------------------------------------------------------------------ containment


class EscapingLinkError(ValueError):
    """A symlink on the way from the base directory to a path leads outside the base directory."""

    def __init__(self, message: str, link: Path, *, final: bool) -> None:
        super().__init__(message)
        self.link = link
        """The first symlink that leads outside."""
        self.final = final
        """Whether it is the path itself (else one of its folders)."""


def resolve_within(base: str | os.PathLike[str], relative: str | os.PathLike[str]) -> Path:
    """``base / relative`` as an absolute path, guaranteed to stay inside ``base``.

    Raises ``ValueError`` if ``relative`` is absolute, has a drive or UNC prefix, contains ``..``, and
    [`EscapingLinkError`][] if it resolves (through a symlink) to somewhere outside ``base``.
    """
    rel = os.fspath(relative)
    if not rel or DRIVE.match(rel) or rel.startswith(("/", "\\")) or Path(rel).is_absolute():
        raise ValueError(f"relative path {rel!r} must be a non-empty path relative to the base directory")
    parts = [p for p in SEPARATORS.split(rel) if p not in ("", ".")]
    if ".." in parts or not parts:
        raise ValueError(f"relative path {rel!r} must not contain '..'")
    root = Path(base).expanduser().resolve()
    target = root.joinpath(*parts)
    # Resolve the existing part of the path so a symlink cannot lead outside ``base``.
    try:
        inside = target.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a symlink loop on the way
        inside = False
    if not inside:
        raise _escaping_link(rel, root, target)
    return target


def _escaping_link(rel: str, root: Path, target: Path) -> ValueError:
    """Name the first symlink on the way that leads outside ``root`` (or in a loop)."""
    current = root
    for part in target.relative_to(root).parts:
        current = current / part
        if not current.is_symlink():
            continue
        try:
            resolved = current.resolve()
        except (OSError, RuntimeError):
            where = "a symbolic link loop"
        else:
            if resolved.is_relative_to(root):
                continue
            where = f"a symbolic link to {str(resolved)!r}, outside it"
        return EscapingLinkError(
            f"path {rel!r} escapes the base directory {str(root)!r}: {str(current)!r} is {where}; "
            "refusing to follow it",
            current,
            final=current == target,
        )
    return ValueError(f"path {rel!r} escapes the base directory {str(root)!r}")
