"""Which version of a file a ``.part`` holds, so a resume never glues two versions together.

Without a known hash, nothing else notices that the file changed on the server between an interrupted
download and its resume: the result would be the old file's first bytes and the new file's last ones. The
first response's validator (a strong ``ETag``, else ``Last-Modified``) is kept, in memory and in a small
``<name>.part.meta`` sidecar next to the part file (for a later run), and sent as ``If-Range`` with the
``Range`` request: a server that sees the file changed answers 200 with the whole new file. A server that
ignores ``If-Range`` still sends the current validators, and a 206 whose validators contradict the kept
ones restarts the download from byte 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civitai_kit.tools.download_files import read_json_sidecar, remove_quietly, write_json_sidecar

__all__ = ["ResumeValidator", "load_validator", "meta_path_for", "save_validator"]

_FORMAT = 1


@dataclass(frozen=True, slots=True)
class ResumeValidator:
    """The version identifiers a response carried (either may be missing)."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> ResumeValidator | None:
        """The validators in a response's (lower-case) headers; ``None`` when it has neither."""
        etag = _sendable(headers.get("etag"))
        last_modified = _sendable(headers.get("last-modified"))
        if etag is None and last_modified is None:
            return None
        return cls(etag, last_modified)

    @property
    def if_range(self) -> str | None:
        """The ``If-Range`` value: a strong ETag, else the date (a weak ETag is not allowed there)."""
        if self.etag is not None and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified

    def contradicts(self, current: ResumeValidator | None) -> bool:
        """Whether ``current`` (a new response's validators) names another version of the file."""
        if current is None:
            return False
        etags = self.etag is not None and current.etag is not None
        if etags:
            return _opaque(self.etag) != _opaque(current.etag)
        dates = self.last_modified is not None and current.last_modified is not None
        return dates and self.last_modified != current.last_modified

    def to_json(self) -> dict[str, Any]:
        return {"format": _FORMAT, "etag": self.etag, "last_modified": self.last_modified}

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> ResumeValidator | None:
        if payload.get("format") != _FORMAT:
            return None
        etag, last_modified = _sendable(payload.get("etag")), _sendable(payload.get("last_modified"))
        if etag is None and last_modified is None:
            return None
        return cls(etag, last_modified)


def _sendable(value: object) -> str | None:
    """A validator that can go back in an ``If-Range`` header: printable ASCII, at most 1 KiB. Anything else
    (a lying server's control characters, a doctored sidecar) is no validator at all, never a broken request."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > 1024 or not (value.isascii() and value.isprintable()):
        return None
    return value


def _opaque(etag: str | None) -> str | None:
    """Compare ETags weakly (RFC 9110 §8.8.3.2): a ``W/`` prefix alone does not make another version."""
    return etag.removeprefix("W/") if etag is not None else None


def meta_path_for(part: Path) -> Path:
    """``model.safetensors.part`` → ``model.safetensors.part.meta``."""
    return part.with_name(part.name + ".meta")


def load_validator(part: Path) -> ResumeValidator | None:
    """The validator kept for ``part``; ``None`` if none was kept or the sidecar is unusable."""
    payload = read_json_sidecar(meta_path_for(part))
    return ResumeValidator.from_json(payload) if payload is not None else None


def save_validator(part: Path, validator: ResumeValidator | None) -> None:
    """Keep ``validator`` next to ``part`` (atomically); ``None`` removes the sidecar. Raises ``OSError``."""
    meta = meta_path_for(part)
    if validator is None:
        remove_quietly(meta)
    else:
        write_json_sidecar(meta, validator.to_json())
