"""The values downloads take and give: what to fetch ([`DownloadPlan`][]), how it is going
([`DownloadProgress`][]) and what landed on disk ([`DownloadedFile`][])."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm

__all__ = [
    "DownloadKind",
    "DownloadPlan",
    "DownloadProgress",
    "DownloadedFile",
    "ExpectedHash",
    "ProgressCallback",
]

DownloadKind = Literal["model", "image", "file"]


@dataclass(frozen=True, slots=True)
class ExpectedHash:
    """The hash a download must have, in Civitai's notation (compared case-insensitively)."""

    algorithm: HashAlgorithm
    value: str

    def matches(self, computed: str | None) -> bool:
        """Equal ignoring case; AutoV1/V2/V3 values are prefixes, so a longer computed value may match."""
        if not computed:
            return False
        expected, actual = self.value.strip().upper(), computed.strip().upper()
        if self.algorithm in (HashAlgorithm.AUTOV1, HashAlgorithm.AUTOV2, HashAlgorithm.AUTOV3):
            return len(expected) >= 8 and actual.startswith(expected)
        return expected == actual


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """One progress report: ``downloaded`` counts bytes already on disk (a resumed part included)."""

    path: Path
    downloaded: int
    total: int | None
    bytes_per_second: float

    @property
    def fraction(self) -> float | None:
        """0.0-1.0 when the size is known."""
        return None if not self.total else min(1.0, self.downloaded / self.total)


ProgressCallback = Callable[[DownloadProgress], object]


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    """A file at its final path, complete; ``verified`` when its hash matched Civitai's."""

    path: Path
    size: int
    verified: bool
    hashes: Mapping[HashAlgorithm, str] = field(default_factory=dict)
    """What was computed while streaming (upper-case hex), e.g. ``{SHA256: ..., AUTOV2: ...}``."""
    resumed: bool = False
    """Part of the file came from an earlier, interrupted transfer (``Range``)."""
    already_present: bool = False
    """Nothing was downloaded: an identical file was already at ``path``."""
    verified_with: HashAlgorithm | None = None
    warnings: tuple[str, ...] = ()
    """What the caller should know about the file although it downloaded: a scan still ``Pending`` or in
    ``Error``, a pickle format (code may run when it is loaded), a ``Danger`` file allowed with ``allow_unsafe``."""

    @property
    def computed_hash(self) -> str | None:
        """The value that was checked (CivitaiSharp's ``ComputedHash``)."""
        return self.hashes.get(self.verified_with) if self.verified_with is not None else None


@dataclass(frozen=True, slots=True)
class DownloadPlan:
    """Everything decided before the first byte moves; the transfer only executes it."""

    url: str
    destination: Path
    """Absolute final path, already checked to be inside ``base_directory``."""
    base_directory: Path
    kind: DownloadKind = "file"
    expected: ExpectedHash | None = None
    algorithms: frozenset[HashAlgorithm] = frozenset({HashAlgorithm.SHA256})
    """Computed while streaming (``expected.algorithm`` is always among them)."""
    overwrite: bool = False
    fix_extension: bool = False
    """Images: rename to the extension of the format detected in the first bytes."""
    name_from_response: bool = False
    """``download_url`` into a directory: the file name comes from Content-Disposition or the URL."""
    warnings: tuple[str, ...] = ()
    """Found while planning (Civitai's scans, the file's format); logged when the transfer starts and handed on
    in [`DownloadedFile.warnings`][civitai_kit.tools.download_types.DownloadedFile]."""
