"""What people copy from Civitai to name a model file, read into one typed value: ``DownloadTarget``.

``DownloadTarget.parse`` accepts (surrounding whitespace ignored):

- a model version id: ``368189``;
- an AIR of a Civitai model: ``urn:air:sdxl:lora:civitai:328553@368189`` (without ``@VERSION``: the
  model's newest version; the AIR's layer and format are not used);
- a model page URL: ``https://civitai.com/models/328553/some-name?modelVersionId=368189`` (without
  ``modelVersionId``: the model's newest version);
- an API download URL: ``https://civitai.com/api/download/models/368189?type=Model&format=SafeTensor``
  (``fileId``, ``type``, ``format``, ``size`` and ``fp`` name one file of the version, as the endpoint reads them).

**Other hosts.** A URL is never fetched: only its ids and file selectors are read, and the download goes to the
configured ``BaseUrl`` with the configured key. So a URL must be on one of Civitai's own hosts
(``CIVITAI_HOSTS`` of ``civitai_kit.tools.download_plan``: civitai.com and civitai.red, with or without ``www.``;
http or https; no port other than the scheme's, no user name). Anything else is refused: the numbers in another
site's URL are that site's ids, and looking them up on Civitai would fetch a different model without a word.
A ``token`` query parameter is ignored (the key comes from the options) and never repeated in an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, parse_qs, urlsplit

from civitai_kit.core.air import AirIdentifier
from civitai_kit.core.endpoints import MAX_INT32
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools.download_errors import redact_text
from civitai_kit.tools.download_plan import CIVITAI_HOSTS

if TYPE_CHECKING:
    from civitai_kit.core.models import ModelFile, ModelVersion

__all__ = ["MAX_TARGET_LENGTH", "DownloadTarget", "pick_file"]

MAX_TARGET_LENGTH = 2048
"""Longer text is refused before it is read (a real target is well under 300 characters)."""

_FORMS = (
    "a model version id, an AIR (urn:air:ECOSYSTEM:TYPE:civitai:MODEL@VERSION), "
    "a model URL (https://civitai.com/models/ID?modelVersionId=ID) or a download URL "
    "(https://civitai.com/api/download/models/ID)"
)
_ID = re.compile(r"[0-9]{1,10}")
_MODEL_PAGE = re.compile(r"/models/([0-9]{1,10})(?:/[^/]*)?/?")
_DOWNLOAD = re.compile(r"/api/download/models/([0-9]{1,10})/?")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SHOWN = 100


@dataclass(frozen=True, slots=True)
class DownloadTarget:
    """A model version (possibly one file of it), or a model whose newest version is meant.

    ``version_id`` wins when both ids are known; without it, ``model_id`` names the model whose newest version
    is meant. ``file_id`` or the ``file_*`` selectors name a file of the version (default: its primary file);
    see ``choose_file``. Build one with ``parse``, or directly (values are checked the same way).
    """

    version_id: int | None = None
    model_id: int | None = None
    file_id: int | None = None
    file_type: str | None = None
    """``type`` of a download URL: the file's type (``Model``, ``Training Data``, ``Config``...)."""
    file_format: str | None = None
    """``format`` of a download URL: ``SafeTensor``, ``PickleTensor``, ``GGUF``..."""
    file_size: str | None = None
    """``size`` of a download URL: ``full`` or ``pruned`` (not a number of bytes)."""
    file_fp: str | None = None
    """``fp`` of a download URL: the precision, ``fp16``, ``fp32``, ``bf16``..."""

    def __post_init__(self) -> None:
        if self.version_id is None and self.model_id is None:
            raise ValueError("DownloadTarget: needs a version_id or a model_id")
        for name in ("version_id", "model_id", "file_id"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not _fits(value)):
                raise ValueError(f"DownloadTarget: {name} must be an int between 1 and {MAX_INT32}, got {value!r}")
        for key, value in self.selectors.items():
            if not isinstance(value, str) or not value or not value.isprintable():
                raise ValueError(f"DownloadTarget: the {key} selector must be printable, non-empty text")

    @property
    def selectors(self) -> Mapping[str, str]:
        """The download URL's file selectors that are set, by their query key (``{"type": "Config"}``)."""
        pairs = (("type", self.file_type), ("format", self.file_format), ("size", self.file_size), ("fp", self.file_fp))
        return {key: value for key, value in pairs if value is not None}

    @classmethod
    def parse(cls, text: str, *, name: str = "target") -> DownloadTarget:
        """Read a version id, an AIR, a model page URL or an API download URL (see the module docstring).

        Raises ``ValueError`` starting with ``name`` for anything else (never another exception for a str).
        """
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, got {type(text).__name__}")
        value = text.strip()
        if len(value) > MAX_TARGET_LENGTH:
            raise _refusal(name, text, f"longer than {MAX_TARGET_LENGTH} characters")
        if not value.isprintable():
            raise _refusal(name, text, "it contains a control or invisible character")
        if value.isascii() and value.isdigit():
            return cls(version_id=_id(name, text, value, "the version id"))
        if value[:8].lower() == "urn:air:":
            return _from_air(name, text, value)
        return _from_url(name, text, value)

    def choose_file(self, version: ModelVersion) -> Result[ModelFile]:
        """The file of ``version`` this target names: by ``file_id``, else by the selectors (the primary file
        first among several matches, as the download endpoint picks), else the version's primary file."""
        selectors = self.selectors
        if self.file_id is not None or not selectors:
            return pick_file(version, self.file_id)
        matching = [file for file in version.files if _matches(file, selectors)]
        if not matching:
            wanted = "&".join(f"{key}={value}" for key, value in selectors.items())
            files = ", ".join(f"{file.id} {_text(file.type)} {_text(file.name)}" for file in version.files) or "none"
            return Failure.of(
                ErrorCode.NOT_FOUND, f"Model version {version.id} has no file with {wanted} (files: {files})."
            )
        return Success(next((file for file in matching if file.primary), matching[0]))


# ------------------------------------------------------------------------------------------------ files


def pick_file(version: ModelVersion, file_id: int | None = None) -> Result[ModelFile]:
    """The version's file with ``file_id``, else its primary file (what ``download_version`` downloads)."""
    if file_id is not None:
        chosen = next((file for file in version.files if file.id == file_id), None)
        if chosen is None:
            ids = ", ".join(str(file.id) for file in version.files) or "none"
            return Failure.of(ErrorCode.NOT_FOUND, f"Model version {version.id} has no file {file_id} (files: {ids}).")
        return Success(chosen)
    primary = version.primary_file
    if primary is None:
        return Failure.of(ErrorCode.NOT_FOUND, f"Model version {version.id} has no files to download.")
    return Success(primary)


# ------------------------------------------------------------------------------------------------ forms


def _from_air(name: str, text: str, value: str) -> DownloadTarget:
    air = AirIdentifier.try_parse(value)
    if air is None or air.source != "civitai":
        raise _refusal(name, text, "an AIR of a Civitai model is urn:air:ECOSYSTEM:TYPE:civitai:MODEL@VERSION")
    model_id = _id(name, text, air.id, "the AIR's model id")
    if air.version is None:
        return DownloadTarget(model_id=model_id)
    return DownloadTarget(version_id=_id(name, text, air.version, "the AIR's version id"), model_id=model_id)


def _from_url(name: str, text: str, value: str) -> DownloadTarget:
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise _refusal(name, text) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        raise _refusal(name, text)
    host = parts.hostname or ""
    if host not in CIVITAI_HOSTS or parts.username is not None or port not in (None, _DEFAULT_PORTS[scheme]):
        civitai = ", ".join(sorted(CIVITAI_HOSTS))
        raise _refusal(name, text, f"only URLs on {civitai} (default port, no user name) name Civitai models")
    query = _Query(name, text, parts)
    if found := _DOWNLOAD.fullmatch(parts.path):
        return DownloadTarget(
            version_id=_id(name, text, found.group(1), "the download URL's version id"),
            file_id=query.id("fileId"),
            file_type=query.text("type"),
            file_format=query.text("format"),
            file_size=query.text("size"),
            file_fp=query.text("fp"),
        )
    if found := _MODEL_PAGE.fullmatch(parts.path):
        return DownloadTarget(
            version_id=query.id("modelVersionId"), model_id=_id(name, text, found.group(1), "the model id")
        )
    raise _refusal(name, text, "a Civitai URL names a model as /models/ID or /api/download/models/ID")


class _Query:
    """The query of a target URL: each key read at most once, a key given twice with two values refused."""

    def __init__(self, name: str, text: str, parts: SplitResult) -> None:
        self._name, self._text = name, text
        self._values = parse_qs(parts.query)

    def text(self, key: str) -> str | None:
        values = set(self._values.get(key, ()))
        if len(values) > 1:
            raise _refusal(self._name, self._text, f"{key} is given twice with different values")
        if not values:
            return None
        value = values.pop()
        if not value.isprintable():
            raise _refusal(self._name, self._text, f"its {key} contains a control or invisible character")
        return value

    def id(self, key: str) -> int | None:
        value = self.text(key)
        return None if value is None else _id(self._name, self._text, value, key)


# ------------------------------------------------------------------------------------------------ helpers


def _id(name: str, text: str, value: str, what: str) -> int:
    if not _ID.fullmatch(value) or not _fits(int(value)):
        raise _refusal(name, text, f"{what} must be a number between 1 and {MAX_INT32}")
    return int(value)


def _fits(value: int) -> bool:
    return 1 <= value <= MAX_INT32


def _refusal(name: str, text: str, reason: str | None = None) -> ValueError:
    redacted = redact_text(text[:MAX_TARGET_LENGTH])  # before cutting, so no part of a token survives
    shown = redacted if len(redacted) <= _SHOWN else redacted[:_SHOWN] + "…"
    message = f"{name}: {shown!r} is not {_FORMS}"
    return ValueError(f"{message} ({reason})" if reason else message)


def _matches(file: ModelFile, selectors: Mapping[str, str]) -> bool:
    metadata = file.metadata
    values = {
        "type": file.type,
        "format": metadata.format if metadata is not None else None,
        "size": metadata.size if metadata is not None else None,
        "fp": metadata.fp if metadata is not None else None,
    }
    return all(_text(values[key]).lower() == value.lower() for key, value in selectors.items())


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value.value) if isinstance(value, Enum) else str(value)
