"""Civitai's scans of a model file, read before any byte is downloaded.

Civitai scans every uploaded file for dangerous pickle imports and for viruses (``pickleScanResult``,
``virusScanResult``, each ``Pending``, ``Success``, ``Danger`` or ``Error``, with a message). A ``Danger`` file is
refused ([`ErrorCode.UNSAFE_FILE`][civitai_kit.errors.ErrorCode], raised as
[`UnsafeFileError`][civitai_kit.errors.UnsafeFileError]) with Civitai's message unless the caller allows it
explicitly; a scan that is not finished or failed, and a pickle format (``.ckpt``, ``.pt``, ``.pth``, ``.bin``,
``PickleTensor``: loading one can run code), only warn.
"""

from __future__ import annotations

from enum import Enum

from civitai_kit.core.enums import ModelFileFormat, ScanResult
from civitai_kit.core.models import ModelFile
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success

__all__ = ["PICKLE_EXTENSIONS", "scan_warnings"]

PICKLE_EXTENSIONS = frozenset({".ckpt", ".pt", ".pth", ".bin", ".pkl", ".pickle"})
"""File name endings of PyTorch's pickle-based formats."""

_SCANS = (("pickle", "pickle_scan_result", "pickle_scan_message"), ("virus", "virus_scan_result", "virus_scan_message"))


def _text(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def scan_warnings(file: ModelFile, *, allow_unsafe: bool) -> Result[tuple[str, ...]]:
    """The warnings ``file`` deserves, or a ``Failure`` (``UNSAFE_FILE``) when a scan says ``Danger`` and
    ``allow_unsafe`` is off. The failure's message and ``details`` carry Civitai's scan messages."""
    name = _shown(file.name) if file.name else f"file {file.id}"
    dangers: dict[str, str] = {}
    warnings: list[str] = []
    for scan, result_field, message_field in _SCANS:
        result = getattr(file, result_field)
        message = (getattr(file, message_field) or "").strip()
        if result == ScanResult.DANGER:
            dangers[scan] = message or "no message"
        elif result in (ScanResult.PENDING, ScanResult.ERROR):
            said = f": {message}" if message else ""
            warnings.append(f"Civitai's {scan} scan of {name} is {_text(result)}{said}")
    if dangers and not allow_unsafe:
        said = "; ".join(f"{scan} scan: {message}" for scan, message in dangers.items())
        return Failure.of(
            ErrorCode.UNSAFE_FILE,
            f"Civitai's scan marks {name} as Danger ({said}); refusing to download it "
            "(allow_unsafe=True, --allow-unsafe or Downloads:AllowUnsafe downloads it anyway).",
            details={
                "file_id": file.id,
                "name": file.name,
                **{f"{scan}_scan_message": m for scan, m in dangers.items()},
            },
        )
    if dangers:
        warnings.insert(0, f"Civitai's {' and '.join(dangers)} scan marks {name} as Danger; downloaded as allowed")
    if _is_pickle(file):
        warnings.append(f"{name} is a pickle format: loading it can run code (prefer a SafeTensor file)")
    return Success(tuple(warnings))


def _shown(name: str) -> str:
    """``name`` as loggable text: a lone surrogate (an undecodable byte a server sent) becomes ``\\udc80``."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _is_pickle(file: ModelFile) -> bool:
    metadata = file.metadata
    if metadata is not None and metadata.format == ModelFileFormat.PICKLE_TENSOR:
        return True
    name = (file.name or "").lower()
    return any(name.endswith(extension) for extension in PICKLE_EXTENSIONS)
