"""Identify a folder of model files: hashes (cached) → Civitai versions, in bulk, with fallbacks.

    scanner = LibraryScanner(client)
    for record in scanner.identify_folder("~/ComfyUI/models"):
        print(record.path.name, record.model_name, record.version_id, record.reason)

One pass hashes every file with every Civitai hash type (a persistent cache skips unchanged files), one
``POST /model-versions/by-hash/ids`` per 10 000 SHA256s finds the known ones, ``POST /model-versions/by-hash``
fetches their versions 100 at a time, and each miss is retried by its other hashes (AutoV3, BLAKE3,
AutoV2, CRC32, AutoV1, then the hash embedded in a safetensors header) — Civitai's own SHA256 data has gaps.

[`LibraryIndex`][] resolves the short hashes A1111/Forge/ComfyUI write into image metadata (``Model
hash`` = 10-char AutoV2, ``Lora hashes`` = 12-char AutoV3 prefix) against the scanned files, which Civitai's
exact-match by-hash endpoint cannot do.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import threading
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from civitai_kit._http import HttpCore
from civitai_kit._runtime import Blocking, Operation
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit.core import AsyncCivitaiClient, CivitaiClient, lookups
from civitai_kit.errors import Error, ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools.hash_cache import HashCache
from civitai_kit.tools.hashing import CIVITAI_ALGORITHMS, FileHashingService, read_embedded_hash
from civitai_kit.tools.sidecars import SidecarKind, SidecarReport, sidecar_choice, sidecar_paths, write_sidecars

if TYPE_CHECKING:
    from civitai_kit.core.models import FileHashes, ModelFile, ModelVersion, VersionIdByHash
    from civitai_kit.options import CivitaiApiOptions

__all__ = [
    "EMBEDDED",
    "FALLBACK_ORDER",
    "MODEL_EXTENSIONS",
    "AsyncLibraryScanner",
    "IdentifiedFile",
    "LibraryIndex",
    "LibraryScanner",
    "find_model_files",
    "sidecar_path",
]

MODEL_EXTENSIONS = frozenset({".safetensors", ".sft", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".onnx"})
"""File extensions scanned by default (lower case)."""

FALLBACK_ORDER: tuple[HashAlgorithm, ...] = (
    HashAlgorithm.AUTOV3,
    HashAlgorithm.BLAKE3,
    HashAlgorithm.AUTOV2,
    HashAlgorithm.CRC32,
    HashAlgorithm.AUTOV1,
)
"""Hashes tried one by one (``GET /by-hash/{hash}``) for a file whose SHA256 Civitai does not know."""

EMBEDDED = "embedded"
"""``IdentifiedFile.matched_by`` when only the hash a safetensors file claims for itself matched."""

_HEX = re.compile(r"^[0-9A-Fa-f]{8,}$")


# ---------------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class IdentifiedFile:
    """One local file and what Civitai knows about it. ``version is None`` means unknown (see ``reason``)."""

    path: Path
    size: int
    hashes: FileHashes | None
    version: ModelVersion | None = None
    file: ModelFile | None = None
    """The version's file entry that matched this local file."""
    matched_by: HashAlgorithm | str | None = None
    """Which hash found it: ``SHA256`` normally, another algorithm or ``"embedded"`` for a fallback."""
    reason: str = ""
    error: Error | None = None
    """Why the file could not be hashed or looked up (``None`` when it was simply not found)."""
    sidecars: SidecarReport | None = None
    """What ``write_sidecars=True`` wrote next to the file (see ``civitai_kit.tools.sidecars``)."""

    @property
    def sidecar(self) -> Path | None:
        """The ``.civitai.json`` written next to the file, if any."""
        return None if self.sidecars is None else self.sidecars.written.get(SidecarKind.CIVITAI_JSON)

    @property
    def identified(self) -> bool:
        return self.version is not None

    @property
    def version_id(self) -> int | None:
        return self.version.id if self.version is not None else None

    @property
    def model_id(self) -> int | None:
        return self.version.model_id if self.version is not None else None

    @property
    def model_name(self) -> str | None:
        model = self.version.model if self.version is not None else None
        return model.name if model is not None else None


def sidecar_path(model_path: Path) -> Path:
    """``model.safetensors`` → ``model.civitai.json`` next to it."""
    return sidecar_paths(model_path)[SidecarKind.CIVITAI_JSON]


def find_model_files(
    directory: str | os.PathLike[str], *, recursive: bool = True, extensions: Iterable[str] = MODEL_EXTENSIONS
) -> list[Path]:
    """Model files under ``directory`` (sorted; symlinked directories are not followed, partial downloads,
    hidden directories and special files such as named pipes are skipped; a broken symlink is kept, so its
    record says why it could not be hashed). Raises ``ValueError`` if ``directory`` is not a directory."""
    root = Path(directory).expanduser()
    if not root.is_dir():
        raise ValueError(f"directory: {str(root)!r} is not a directory")
    wanted = {e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions}
    found: list[Path] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        candidates = (Path(current) / name for name in files if Path(name).suffix.lower() in wanted)
        found.extend(path for path in candidates if _special_file(path) is None)
    return sorted(found)


def _special_file(path: Path) -> str | None:
    """What ``path`` is when it is neither a regular file nor a broken link: reading a named pipe or a
    device would block or never end, so they are never hashed."""
    try:
        mode = path.stat().st_mode  # through symlinks: a link to a model file is a model file
    except (OSError, RuntimeError):
        return None  # missing, a broken link or a loop: hashing reports why
    if stat.S_ISREG(mode):
        return None
    return "a directory" if stat.S_ISDIR(mode) else "not a regular file (a named pipe, socket or device)"


# ---------------------------------------------------------------------------------------------- the operation


_HashFiles = Callable[[Sequence[Path], threading.Event], list[Result["FileHashes"]]]
"""Every Civitai hash of every file, stopping (the rest ``CANCELLED``) once the event is set."""


@dataclass(frozen=True, slots=True)
class _Api:
    """Where the lookups go (the scanner's client) and how strictly their answers are parsed."""

    core: HttpCore
    strict: bool


class _Entry:
    """The record of one file while the identification runs (records themselves are immutable)."""

    __slots__ = ("record",)

    def __init__(self, path: Path) -> None:
        self.record = IdentifiedFile(path, 0, None)

    def update(self, **changes: Any) -> None:
        self.record = replace(self.record, **changes)


def _identify(
    api: _Api,
    find: Callable[[], list[Path]],
    hash_all: _HashFiles,
    *,
    fallbacks: bool,
    sidecars: Mapping[str, Any] | None,
) -> Operation[list[IdentifiedFile]]:
    """The whole identification, as one operation of the runtime: finding and hashing the files is blocking
    work (off the event loop when awaited; a cancellation stops the hashing after the file being read)."""
    paths: list[Path] = yield Blocking(find)
    stop = threading.Event()
    hashed: list[Result[FileHashes]] = yield Blocking(partial(hash_all, paths, stop), cancel=stop.set)
    entries = [_Entry(path) for path in paths]
    for entry, result in zip(entries, hashed, strict=True):
        if isinstance(result, Failure):
            entry.update(error=result.error, reason=f"could not be hashed: {result.error.message}")
        else:
            with contextlib.suppress(OSError):
                entry.update(size=entry.record.path.stat().st_size)
            entry.update(hashes=result.value)
    by_sha = _group_by_sha256(entries)
    if by_sha:
        yield from _bulk_lookup(api, by_sha)
    if fallbacks:
        for group in _unresolved_by_content(entries):
            yield from _fallback_lookup(api, group[0])
            for copy in group[1:]:  # the same bytes: the same hashes, the same answer
                copy.update(**{name: getattr(group[0].record, name) for name in _ANSWER})
    for entry in entries:
        record = entry.record
        if record.hashes is not None and record.version is None and not record.reason:
            entry.update(reason="not found on Civitai by any of its hashes")
        if sidecars is not None and record.version is not None:
            report = yield from write_sidecars(api.core, record.path, record.version, **sidecars)
            entry.update(sidecars=report)
    return [entry.record for entry in entries]


def _group_by_sha256(entries: Iterable[_Entry]) -> dict[str, list[_Entry]]:
    groups: dict[str, list[_Entry]] = {}
    for entry in entries:
        hashes = entry.record.hashes
        if hashes is not None and hashes.sha256:
            groups.setdefault(hashes.sha256.upper(), []).append(entry)
    return groups


def _unresolved_by_content(entries: Iterable[_Entry]) -> list[list[_Entry]]:
    """The files still unresolved, copies grouped by SHA256: a folder's duplicates cost one fallback chain."""
    groups: dict[object, list[_Entry]] = {}
    for entry in entries:
        record = entry.record
        if record.hashes is not None and record.version is None and record.error is None:
            key = record.hashes.sha256.upper() if record.hashes.sha256 else entry
            groups.setdefault(key, []).append(entry)
    return list(groups.values())


_ANSWER = ("version", "matched_by", "file", "reason", "error")
"""What a lookup decides about a file (the rest of its record is its own: path, size, hashes)."""


def _bulk_lookup(api: _Api, by_sha: dict[str, list[_Entry]]) -> Operation[None]:
    """SHA256 → version ids (10 000 per request), then each hit version once (100 per request): one of its
    SHA256s is enough to fetch a version, whichever of its files the folder holds."""
    ids: Result[tuple[VersionIdByHash, ...]] = yield from lookups.version_ids_by_hashes(
        api.core, by_sha, strict=api.strict
    )
    if isinstance(ids, Failure):
        _fail_all(by_sha, ids.error)
        return
    hits = {item.hash.upper(): item.model_version_id for item in ids.value if item.hash}
    if not hits:
        return
    one_sha_each: dict[int, str] = {}
    for sha, version_id in hits.items():
        one_sha_each.setdefault(version_id, sha)
    versions = yield from lookups.versions_by_hashes(api.core, one_sha_each.values(), strict=api.strict)
    found = {version.id: version for version in versions.value} if isinstance(versions, Success) else {}
    singles: dict[int, Result[ModelVersion]] = {}
    for sha, version_id in hits.items():
        version = found.get(version_id)
        if version is None or not version.file_by_hash(sha, HashAlgorithm.SHA256):
            # not in the bulk answer (or it failed): ask for this one version, once for all its files
            if version_id not in singles:
                singles[version_id] = yield from lookups.version_by_id(api.core, version_id, strict=api.strict)
            single = singles[version_id]
            if isinstance(single, Failure):
                _fail_all({sha: by_sha.get(sha, [])}, single.error)
                continue
            version = single.value
        for entry in by_sha.get(sha, []):
            _match(entry, version, HashAlgorithm.SHA256, sha)


def _fallback_lookup(api: _Api, entry: _Entry) -> Operation[None]:
    """Try the file's other hashes, then the one its header claims, until Civitai knows one."""
    hashes = entry.record.hashes
    assert hashes is not None
    candidates: list[tuple[HashAlgorithm | str, str]] = []
    for fallback in FALLBACK_ORDER:
        value = hashes.get(fallback)
        if value:
            candidates.append((fallback, value))
            if fallback == HashAlgorithm.AUTOV3 and len(value) > 12:
                candidates.append((fallback, value[:12]))  # older files carry only the 12-char form
    with contextlib.suppress(OSError):
        embedded = read_embedded_hash(entry.record.path)
        if embedded and embedded not in {value.upper() for _, value in hashes.items()}:
            candidates.append((EMBEDDED, embedded))
    tried: list[str] = []
    for algorithm, value in candidates:
        result = yield from lookups.version_by_hash(api.core, value, strict=api.strict)
        if isinstance(result, Success):
            _match(entry, result.value, algorithm, value)
            return
        if result.error.code != ErrorCode.NOT_FOUND:
            entry.update(error=result.error, reason=f"lookup by {algorithm} failed: {result.error.message}")
            return
        if str(algorithm) not in tried:
            tried.append(str(algorithm))
    entry.update(reason=f"not found on Civitai by SHA256 or {', '.join(tried)}" if tried else "")


def _match(entry: _Entry, version: ModelVersion, algorithm: HashAlgorithm | str, value: str) -> None:
    file = _file_with_hash(version, algorithm, value)
    if algorithm == HashAlgorithm.SHA256:
        entry.update(version=version, matched_by=algorithm, file=file, reason="matched by SHA256")
        return
    reason = f"matched by {algorithm} (Civitai does not know this file's SHA256)"
    if file is None:
        file = version.primary_file
        reason += "; the matching file entry is assumed to be the primary file"
    civitai_sha = file.hashes.sha256 if file is not None else None
    ours = entry.record.hashes.sha256 if entry.record.hashes is not None else None
    if civitai_sha and ours and civitai_sha.upper() != ours.upper():
        reason += "; Civitai's SHA256 for that file differs, so this is a near match (re-saved or edited)"
    entry.update(version=version, matched_by=algorithm, file=file, reason=reason)


def _file_with_hash(version: ModelVersion, algorithm: HashAlgorithm | str, value: str) -> ModelFile | None:
    """The version's file carrying ``value``; AutoV* values may be stored shortened (a prefix)."""
    wanted = value.strip().upper()
    for file in version.files:
        stored_values = (
            [file.hashes.get(algorithm)]
            if isinstance(algorithm, HashAlgorithm)
            else [v for _, v in file.hashes.items()]
        )
        for stored in stored_values:
            if not stored:
                continue
            stored = stored.upper()
            if stored == wanted or (
                algorithm in _PREFIX_ALGORITHMS and (stored.startswith(wanted) or wanted.startswith(stored))
            ):
                return file
    return None


_PREFIX_ALGORITHMS = frozenset({HashAlgorithm.AUTOV1, HashAlgorithm.AUTOV2, HashAlgorithm.AUTOV3})


def _fail_all(by_sha: Mapping[str, list[_Entry]], error: Error) -> None:
    for group in by_sha.values():
        for entry in group:
            entry.update(error=error, reason=f"lookup failed: {error.message}")


# ---------------------------------------------------------------------------------------------- index


class LibraryIndex:
    """Local lookup of full hashes and the short prefixes image metadata carries."""

    MIN_PREFIX = 8

    def __init__(self, records: Iterable[IdentifiedFile]) -> None:
        self._records = [r for r in records if r.hashes is not None]
        self._by_head: dict[str, list[tuple[str, IdentifiedFile]]] = {}
        for record in self._records:
            assert record.hashes is not None
            values = {value.upper() for _, value in record.hashes.items()}
            for value in values:
                self._by_head.setdefault(value[: self.MIN_PREFIX], []).append((value, record))

    def __len__(self) -> int:
        return len(self._records)

    def resolve_hash(self, value: str) -> tuple[IdentifiedFile, ...]:
        """Every scanned file one of whose hashes is ``value`` or starts with it (case-insensitive; at least
        8 hex digits: 10-char AutoV2, 12-char AutoV3 prefixes, full SHA256/BLAKE3, CRC32, AutoV1)."""
        wanted = value.strip().upper()
        if wanted.startswith("0X"):
            wanted = wanted[2:]
        if not _HEX.match(wanted):
            return ()
        matches: dict[Path, IdentifiedFile] = {}
        for stored, record in self._by_head.get(wanted[: self.MIN_PREFIX], ()):
            if stored.startswith(wanted):
                matches.setdefault(record.path, record)
        return tuple(matches.values())

    def resolve_image_hashes(self, meta: Mapping[str, Any]) -> dict[str, tuple[IdentifiedFile, ...]]:
        """Resolve the hashes in A1111/Forge/ComfyUI/Civitai image metadata: ``Model hash``, ``hashes``
        (``{"model": ..., "lora:name": ...}``), ``Lora hashes`` / ``TI hashes`` (``"name: hash, ..."``)
        and ``resources[].hash``. Keys are labels such as ``model`` or ``lora:name``."""
        found: dict[str, str] = {}
        if isinstance(meta.get("Model hash"), str):
            found["model"] = meta["Model hash"]
        raw_hashes = meta.get("hashes")
        if isinstance(raw_hashes, Mapping):
            found.update({str(k): v for k, v in raw_hashes.items() if isinstance(v, str)})
        for key, prefix in (("Lora hashes", "lora"), ("TI hashes", "embed")):
            text = meta.get(key)
            if isinstance(text, str):
                found.update(_named_hashes(text.strip().strip('"'), prefix))
        resources = meta.get("resources")
        if isinstance(resources, list):
            for resource in resources:
                if isinstance(resource, Mapping) and isinstance(resource.get("hash"), str):
                    label = f"{resource.get('type') or 'resource'}:{resource.get('name') or resource['hash']}"
                    found.setdefault(label, resource["hash"])
        return {label: self.resolve_hash(value) for label, value in found.items()}


def _named_hashes(text: str, prefix: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in text.split(","):
        name, sep, value = part.rpartition(":")
        if sep and name.strip() and value.strip():
            pairs[f"{prefix}:{name.strip()}"] = value.strip()
    return pairs


# ---------------------------------------------------------------------------------------------- scanners


R = TypeVar("R")


class _ScannerMethods(Generic[R]):
    """The public methods, written once; the sync scanner returns records, the async one an awaitable."""

    def __init__(
        self,
        client: Any = None,
        *,
        options: CivitaiApiOptions | None = None,
        hashing: FileHashingService | None = None,
        hash_cache: HashCache | None = None,
    ) -> None:
        self._owned_cache: HashCache | None = None
        if hashing is None:
            if hash_cache is None:
                hash_cache = self._owned_cache = HashCache()
            hashing = FileHashingService(hash_cache)
        self.hashing = hashing
        self._options = options
        self._client = client
        self._owns_client = client is None

    def _close_cache(self) -> None:
        if self._owned_cache is not None:
            self._owned_cache.close()

    def identify_folder(
        self,
        directory: str | os.PathLike[str],
        *,
        recursive: bool = True,
        extensions: Iterable[str] = MODEL_EXTENSIONS,
        fallbacks: bool = True,
        write_sidecars: bool = False,
    ) -> R:
        """One record per model file under ``directory`` (sorted by path)."""
        return self._execute(
            lambda: find_model_files(directory, recursive=recursive, extensions=extensions),
            fallbacks=fallbacks,
            write_sidecars=write_sidecars,
        )

    def identify_files(
        self, paths: Iterable[str | os.PathLike[str]], *, fallbacks: bool = True, write_sidecars: bool = False
    ) -> R:
        """One record per given file, in the given order."""
        if isinstance(paths, str | os.PathLike):
            raise TypeError("paths: pass an iterable of file paths, not a single path")
        chosen = [Path(p).expanduser() for p in paths]
        return self._execute(lambda: chosen, fallbacks=fallbacks, write_sidecars=write_sidecars)

    def _hash_all(self, paths: Sequence[Path], stop: threading.Event) -> list[Result[FileHashes]]:
        """Every Civitai hash of every file, one read each (cached files are not read at all)."""
        results: list[Result[FileHashes]] = []
        for path in paths:
            if stop.is_set():
                results.append(Failure.of(ErrorCode.CANCELLED, f"Hashing {path} was cancelled"))
                continue
            special = _special_file(path)
            if special is not None:
                results.append(Failure.of(ErrorCode.IO_ERROR, f"Cannot hash {path}: it is {special}"))
                continue
            results.append(self.hashing.compute(path, CIVITAI_ALGORITHMS))
        return results

    def _identification(
        self,
        client: CivitaiClient | AsyncCivitaiClient,
        find: Callable[[], list[Path]],
        *,
        fallbacks: bool,
        write_sidecars: bool,
    ) -> Operation[list[IdentifiedFile]]:
        api = _Api(client.http.core, client.options.strict_json_parsing)
        sidecars = sidecar_choice(client.options) if write_sidecars else None
        return _identify(api, find, self._hash_all, fallbacks=fallbacks, sidecars=sidecars)

    def _execute(self, find: Callable[[], list[Path]], *, fallbacks: bool, write_sidecars: bool) -> R:
        raise NotImplementedError


class LibraryScanner(_ScannerMethods[list[IdentifiedFile]]):
    """Identifies local model files through the REST API (synchronously).

    ``client`` defaults to a [`CivitaiClient`][civitai_kit.core.CivitaiClient] built from ``options``; hashes are
    cached in ``hash_cache`` (default: the platform cache directory) so unchanged files are never re-read.
    """

    _client: CivitaiClient | None

    def _execute(
        self, find: Callable[[], list[Path]], *, fallbacks: bool, write_sidecars: bool
    ) -> list[IdentifiedFile]:
        client = self._api()
        operation = self._identification(client, find, fallbacks=fallbacks, write_sidecars=write_sidecars)
        return client.http.driver.run(operation)

    def _api(self) -> CivitaiClient:
        if self._client is None:
            self._client = CivitaiClient(self._options)
        return self._client

    def close(self) -> None:
        """Close what this scanner created itself (its client and hash cache); given ones stay open."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None
        self._close_cache()

    def __enter__(self) -> LibraryScanner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncLibraryScanner(_ScannerMethods[Coroutine[Any, Any, list[IdentifiedFile]]]):
    """The async twin of [`LibraryScanner`][] (same methods, awaited); hashing runs on a worker thread."""

    _client: AsyncCivitaiClient | None

    async def _execute(
        self, find: Callable[[], list[Path]], *, fallbacks: bool, write_sidecars: bool
    ) -> list[IdentifiedFile]:
        client = self._api()
        operation = self._identification(client, find, fallbacks=fallbacks, write_sidecars=write_sidecars)
        return await client.http.driver.run(operation)  # its own file work is tiny (headers, sidecars)

    def _api(self) -> AsyncCivitaiClient:
        if self._client is None:
            self._client = AsyncCivitaiClient(self._options)
        return self._client

    async def aclose(self) -> None:
        """Close what this scanner created itself (its client and hash cache); given ones stay open."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
        self._close_cache()

    async def __aenter__(self) -> AsyncLibraryScanner:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
