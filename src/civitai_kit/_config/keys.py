"""Configuration keys the .NET way: ``CivitaiApi:Sdk:ApiToken``, ``CIVITAIAPI__SDK__API_TOKEN``, ...

.NET's configuration binder matches keys case-insensitively; we also ignore underscores so that
``API_KEY``, ``ApiKey`` and ``apikey`` all name the field ``api_key``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

DEFAULT_SECTION = "CivitaiApi"

_ENV_SEPARATOR = re.compile(r"__|:")


def norm(segment: str) -> str:
    """The comparison form of one key segment: no underscores or dashes, case-folded."""
    return segment.replace("_", "").replace("-", "").casefold()


def split_json_key(key: str) -> tuple[str, ...]:
    """``"CivitaiApi:ApiKey"`` -> ``("CivitaiApi", "ApiKey")`` (JSON files nest with ``:`` only)."""
    return tuple(key.split(":"))


def split_env_name(name: str) -> tuple[str, ...]:
    """``"CIVITAIAPI__SDK__API_TOKEN"`` -> ``("CIVITAIAPI", "SDK", "API_TOKEN")``; ``:`` nests as well."""
    return tuple(_ENV_SEPARATOR.split(name))


def section_path(section: str) -> tuple[str, ...]:
    """Validate a section name such as ``"CivitaiApi"`` or ``"Parent:Child"`` and split it."""
    if not isinstance(section, str):
        raise TypeError(f"section must be a string such as 'CivitaiApi', not {type(section).__name__}")
    parts = tuple(part.strip() for part in section.split(":"))
    if not all(parts):
        raise ValueError(f"section must be a name such as 'CivitaiApi' or 'Parent:Child', not {section!r}")
    return parts


def strip_prefix(segments: Sequence[str], prefix: Sequence[str]) -> tuple[str, ...] | None:
    """``segments`` without ``prefix`` when they start with it (compared with ``norm``), else None."""
    if len(segments) <= len(prefix):
        return None
    if any(norm(a) != norm(b) for a, b in zip(segments, prefix, strict=False)):
        return None
    return tuple(segments[len(prefix) :])


def pascal(field_name: str) -> str:
    """``"timeout_seconds"`` -> ``"TimeoutSeconds"``."""
    return "".join(part[:1].upper() + part[1:] for part in field_name.split("_"))


def dotnet_key(section: str, field_path: Sequence[str]) -> str:
    """The .NET spelling of a field: ``dotnet_key("CivitaiApi", ("sdk", "api_token"))`` ->
    ``"CivitaiApi:Sdk:ApiToken"``."""
    return ":".join([section, *(pascal(name) for name in field_path)])
