"""Many download targets in one call: checked before any request, resolved to files, downloaded, reported.

[`prepare_batch`][] reads every target (``ValueError`` naming each bad one, by its position) and checks the
destination (``ValueError`` when it is a file, or cannot be created or written) before anything is sent;
[`resolve`][] turns one target into the files it names (its primary file, every file with ``all_files``, and
every version of its model with ``all_versions``); [`BatchReport`][] keeps one [`BatchEntry`][] per file (or per
target that could not be resolved), in the targets' order. The services' ``download_targets`` run the two
phases with bounded concurrency. A rerun skips files already present and verified and resumes ``.part`` files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from civitai_kit._vocabulary.path_pattern_rules import validate_pattern
from civitai_kit.core import lookups
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools.download_plan import layout_argument, model_directory
from civitai_kit.tools.download_targets import DownloadTarget

if TYPE_CHECKING:
    from civitai_kit._http import HttpCore
    from civitai_kit._runtime import Operation
    from civitai_kit.core.models import ModelFile, ModelVersion
    from civitai_kit.options import CivitaiApiOptions
    from civitai_kit.tools.download_types import DownloadedFile
    from civitai_kit.tools.layouts import Layout

__all__ = [
    "MAX_BATCH_TARGETS",
    "BatchEntry",
    "BatchReport",
    "BatchRequest",
    "Picked",
    "ResolvedFile",
    "Selected",
    "check_destination",
    "distinct",
    "prepare_batch",
    "report",
    "resolve",
    "to_download",
]

MAX_BATCH_TARGETS = 100_000
"""More targets than this in one call are refused (a list file that is not a target list)."""

_SHOWN_PROBLEMS = 5

Selected = tuple["ModelFile", "ModelVersion"]
"""One file to download, with its version (which carries the model's name and type)."""


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """A batch that passed the local checks: its targets read, its destination usable."""

    targets: tuple[tuple[str, DownloadTarget], ...]
    """Each target as given, and as read."""
    all_files: bool
    all_versions: bool
    layout: Layout
    base_directory: Path
    choices: dict[str, Any] = field(default_factory=dict)
    """The per-file arguments of ``plan_model_file`` (directory, pattern, verify, overwrite, layout, allow_unsafe)."""


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """One file of the batch and how it ended; ``file`` is ``None`` for a target that named no file (a model id
    that does not exist, a version without files ...)."""

    target: str
    result: Result[DownloadedFile]
    file: ModelFile | None = None
    version: ModelVersion | None = None

    @property
    def ok(self) -> bool:
        return isinstance(self.result, Success)


@dataclass(frozen=True, slots=True)
class BatchReport:
    """Every entry of a batch, in the targets' order."""

    entries: tuple[BatchEntry, ...]

    @property
    def ok(self) -> bool:
        """Every file landed (a batch that named no file at all is not ok)."""
        return bool(self.entries) and all(entry.ok for entry in self.entries)

    @property
    def succeeded(self) -> tuple[BatchEntry, ...]:
        return tuple(entry for entry in self.entries if entry.ok)

    @property
    def failed(self) -> tuple[BatchEntry, ...]:
        return tuple(entry for entry in self.entries if not entry.ok)


# ------------------------------------------------------------------------------------------------ before any request


def prepare_batch(
    targets: Iterable[str | DownloadTarget],
    options: CivitaiApiOptions,
    *,
    all_files: bool = False,
    all_versions: bool = False,
    directory: str | os.PathLike[str] | None = None,
    pattern: str | None = None,
    layout: Layout | str | None = None,
    verify: bool | None = None,
    overwrite: bool | None = None,
    allow_unsafe: bool | None = None,
) -> BatchRequest:
    """Read every target and check the destination; raises ``ValueError`` (naming ``targets[i]``, ``pattern``,
    ``layout`` or ``directory``) before any request is sent."""
    read: list[tuple[str, DownloadTarget]] = []
    problems: list[str] = []
    for index, target in enumerate(targets):
        if index >= MAX_BATCH_TARGETS:
            raise ValueError(f"targets: more than {MAX_BATCH_TARGETS} targets in one batch")
        if isinstance(target, DownloadTarget):
            read.append((_describe(target), target))
            continue
        try:
            read.append((str(target).strip(), DownloadTarget.parse(target, name=f"targets[{index}]")))
        except (ValueError, TypeError) as exc:
            problems.append(str(exc))
    if problems:
        shown = "; ".join(problems[:_SHOWN_PROBLEMS])
        more = f" (and {len(problems) - _SHOWN_PROBLEMS} more)" if len(problems) > _SHOWN_PROBLEMS else ""
        raise ValueError(f"{len(problems)} target(s) cannot be read: {shown}{more}")
    if not read:
        raise ValueError("targets: no target given")
    read = _first_of_each(read)
    if pattern is not None:
        try:
            validate_pattern(pattern, "model")
        except ValueError as exc:
            raise ValueError(f"pattern: {exc}") from None
    chosen = layout_argument(layout, options)
    base = model_directory(directory, chosen, options)
    check_destination(base)
    choices = {
        "directory": base,
        "pattern": pattern,
        "verify": verify,
        "overwrite": overwrite,
        "layout": chosen,
        "allow_unsafe": allow_unsafe,
    }
    return BatchRequest(tuple(read), all_files, all_versions, chosen, base, choices)


def check_destination(base: Path) -> None:
    """``ValueError`` unless ``base`` is a directory that exists or can be created, and can be written."""
    existing = base.absolute()
    try:
        while not existing.exists():
            if existing.is_symlink():
                raise ValueError(f"directory: {str(existing)!r} is a broken symbolic link")
            if existing.parent == existing:
                break
            existing = existing.parent
    except OSError as exc:  # ENAMETOOLONG, ELOOP…: exists() raises those instead of answering
        raise ValueError(f"directory: {str(base)!r} cannot be used: {exc.strerror or exc}") from None
    if not existing.is_dir():
        what = "is" if existing == base.absolute() else f"cannot be created: {str(existing)!r} is"
        raise ValueError(f"directory: {str(base)!r} {what} a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"directory: {str(existing)!r} cannot be written (permission denied)")


def _first_of_each(read: list[tuple[str, DownloadTarget]]) -> list[tuple[str, DownloadTarget]]:
    """A target given twice (the same ids and selectors, however written) is looked up once."""
    seen: set[DownloadTarget] = set()
    kept: list[tuple[str, DownloadTarget]] = []
    for text, target in read:
        if target not in seen:
            seen.add(target)
            kept.append((text, target))
    return kept


def _describe(target: DownloadTarget) -> str:
    if target.version_id is not None:
        return str(target.version_id)
    return f"model {target.model_id}"


# ------------------------------------------------------------------------------------------------ resolution


def resolve(
    http: HttpCore, target: DownloadTarget, *, all_files: bool, all_versions: bool, strict: bool
) -> Operation[Result[tuple[Selected, ...]]]:
    """The files ``target`` names, as one operation: the version's chosen file (or all its files), of the
    named version (or the model's newest, or every version of the model)."""
    if not all_versions:
        version = yield from _named_version(http, target, strict)
        if isinstance(version, Failure):
            return version
        return _files_of(target, version.value, all_files)
    model_id = target.model_id
    if model_id is None:
        assert target.version_id is not None
        named = yield from lookups.version_by_id(http, target.version_id, strict=strict)
        if isinstance(named, Failure):
            return named
        model_id = named.value.model_id
    if model_id is None:
        return Failure.of(ErrorCode.NOT_FOUND, f"Model version {target.version_id} names no model.")
    model = yield from lookups.model_by_id(http, model_id, strict=strict)
    if isinstance(model, Failure):
        return model
    selected: list[Selected] = []
    for listed in model.value.model_versions:
        # a version listed in its model lacks the model's name and type, which path patterns and layouts use
        version = yield from lookups.version_by_id(http, listed.id, strict=strict)
        if isinstance(version, Failure):
            return version
        files = _files_of(_without_file_id(target), version.value, all_files)
        if isinstance(files, Failure):
            return files
        selected += files.value
    if not selected:
        return Failure.of(ErrorCode.NOT_FOUND, f"Model {model_id} has no versions with files.")
    return Success(tuple(selected))


def _named_version(http: HttpCore, target: DownloadTarget, strict: bool) -> Operation[Result[ModelVersion]]:
    if target.version_id is not None:
        return (yield from lookups.version_by_id(http, target.version_id, strict=strict))
    assert target.model_id is not None
    model = yield from lookups.model_by_id(http, target.model_id, strict=strict)
    if isinstance(model, Failure):
        return model
    latest = model.value.latest_version
    if latest is None:
        return Failure.of(ErrorCode.NOT_FOUND, f"Model {target.model_id} has no versions.")
    return (yield from lookups.version_by_id(http, latest.id, strict=strict))


def _files_of(target: DownloadTarget, version: ModelVersion, all_files: bool) -> Result[tuple[Selected, ...]]:
    if all_files:
        if not version.files:
            return Failure.of(ErrorCode.NOT_FOUND, f"Model version {version.id} has no files to download.")
        return Success(tuple((file, version) for file in version.files))
    chosen = target.choose_file(version)
    if isinstance(chosen, Failure):
        return chosen
    return Success(((chosen.value, version),))


def _without_file_id(target: DownloadTarget) -> DownloadTarget:
    """Across versions a file id names nothing (it belongs to one version); the selectors still apply."""
    if target.file_id is None:
        return target
    return DownloadTarget(
        version_id=target.version_id,
        model_id=target.model_id,
        file_type=target.file_type,
        file_format=target.file_format,
        file_size=target.file_size,
        file_fp=target.file_fp,
    )


@dataclass(frozen=True, slots=True)
class ResolvedFile:
    """A file a target named, about to be downloaded."""

    target: str
    file: ModelFile
    version: ModelVersion


Picked = tuple[str, "Result[Selected]"]
"""A target and one file it named (or why it named none)."""


def distinct(resolved: Iterable[tuple[str, Result[tuple[Selected, ...]]]]) -> list[Picked]:
    """Each target's files, a file named twice kept once (for its first target); a failed target once."""
    seen: set[tuple[int, int]] = set()
    picked: list[Picked] = []
    for text, found in resolved:
        if isinstance(found, Failure):
            picked.append((text, found))
            continue
        for file, version in found.value:
            key = (version.id, file.id)
            if key not in seen:
                seen.add(key)
                picked.append((text, Success((file, version))))
    return picked


def to_download(picked: Iterable[Picked]) -> list[ResolvedFile]:
    """The files of ``picked`` (the targets that named one), in order."""
    return [ResolvedFile(text, *found.value) for text, found in picked if isinstance(found, Success)]


def report(picked: Iterable[Picked], results: Iterable[Result[DownloadedFile]]) -> BatchReport:
    """The report of a batch: ``results`` are the downloads of ``to_download(picked)``, in the same order."""
    downloads: Iterator[Result[DownloadedFile]] = iter(results)
    entries: list[BatchEntry] = []
    for text, found in picked:
        if isinstance(found, Failure):
            entries.append(BatchEntry(text, found))
        else:
            file, version = found.value
            entries.append(BatchEntry(text, next(downloads), file, version))
    return BatchReport(tuple(entries))
