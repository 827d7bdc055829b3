"""Verified, resumable downloads of model files, images and raw URLs (sync and async).

    downloader = DownloadService(options)
    result = downloader.download_version(399893)           # the primary file, via the API
    if result.is_success:
        print(result.value.path, result.value.verified)

Every call returns a [`Result`][]: a [`DownloadedFile`][] at its final path, or a ``Failure`` naming
what went wrong (Civitai's refusal with its own code and message, a hash mismatch with both values, ...).
The decisions live in [`download_plan`][civitai_kit.tools.download_plan] and
[`download_transfer`][civitai_kit.tools.download_transfer]; each download is one operation of the runtime
(``civitai_kit._runtime``), and the two services only run it with their HTTP client's driver: the sync one blocking,
the async one offloaded (each step, with its file work, on a worker thread of the download's own, so hashing never
blocks the event loop).

An async download cancelled (or abandoned by an event loop that shuts down) while a blocking step runs
lets that step finish on its thread, then cleans up behind it on the same thread: the ``.part`` file is
kept for a resume, the lock released; the file is never moved into place after the cancellation. In
``download_many`` an item that raises becomes that item's ``Failure``; the others keep their results.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

from civitai_kit._http import AsyncHttpClient, ClientSettings, HttpClient
from civitai_kit._runtime import Operation
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit.core import lookups
from civitai_kit.core.calls import failed
from civitai_kit.core.models import Image, ModelFile
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools.download_batch import (
    BatchReport,
    BatchRequest,
    Picked,
    ResolvedFile,
    Selected,
    distinct,
    prepare_batch,
    report,
    resolve,
    to_download,
)
from civitai_kit.tools.download_errors import unexpected_failure
from civitai_kit.tools.download_landed import LandedCallback, LandedFile, NotifyLanded
from civitai_kit.tools.download_plan import plan_image, plan_model_file, plan_url
from civitai_kit.tools.download_targets import pick_file
from civitai_kit.tools.download_transfer import Transfer
from civitai_kit.tools.download_types import (
    DownloadedFile,
    DownloadPlan,
    DownloadProgress,
    ExpectedHash,
    ProgressCallback,
)
from civitai_kit.tools.sidecars import SidecarReport, sidecar_choice, write_sidecars

if TYPE_CHECKING:
    from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
    from civitai_kit.core.models import Model, ModelVersion
    from civitai_kit.tools.download_targets import DownloadTarget
    from civitai_kit.tools.hash_cache import HashCache
    from civitai_kit.tools.layouts import Layout

__all__ = [
    "AsyncDownloadService",
    "DownloadItem",
    "DownloadProgress",
    "DownloadService",
    "DownloadedFile",
    "ExpectedHash",
    "pick_file",
]

PathLike: TypeAlias = "str | os.PathLike[str]"
DownloadItem: TypeAlias = "ModelFile | tuple[ModelFile, ModelVersion | None] | Image | int"
"""What ``DownloadService.download_many`` accepts: a file, a (file, version) pair, an image, or a
model version id (its primary file)."""


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Job(Generic[T]):
    """One item of a batch: how to start its operation, and what it is (for its ``Failure`` if it raises)."""

    start: Callable[[], Operation[Result[T]]]
    description: str

    def failed(self, exc: Exception) -> Failure:
        return unexpected_failure(exc, self.description)


def _choices(
    directory: PathLike | None,
    pattern: str | None,
    verify: bool | None,
    overwrite: bool | None,
    layout: Layout | str | None,
    allow_unsafe: bool | None,
) -> dict[str, Any]:
    """The arguments of ``plan_model_file`` a caller chose (``None``: the options decide)."""
    return {
        "directory": directory,
        "pattern": pattern,
        "verify": verify,
        "overwrite": overwrite,
        "layout": layout,
        "allow_unsafe": allow_unsafe,
    }


@dataclass(frozen=True, slots=True)
class _Batch:
    """A ``download_targets`` call on its way: the checked request, its limit and its callbacks."""

    request: BatchRequest
    limit: int
    on_progress: ProgressCallback | None
    on_landed: LandedCallback | None
    on_resolved: Callable[[Sequence[ResolvedFile]], object] | None

    def picked(self, resolved: Sequence[Result[tuple[Selected, ...]]]) -> list[Picked]:
        """The files to download (each once), after telling ``on_resolved``."""
        picked = distinct(zip((text for text, _ in self.request.targets), resolved, strict=True))
        if self.on_resolved is not None:
            self.on_resolved(to_download(picked))
        return picked


# ---------------------------------------------------------------------------------------------- methods

H = TypeVar("H", HttpClient, AsyncHttpClient)
R = TypeVar("R")
M = TypeVar("M")
B = TypeVar("B")


class _DownloadMethods(Generic[H, R, M, B]):
    """The public methods, written once: each builds its download as an operation, and the twin runs it —
    the sync service returns a ``Result``, the async one an awaitable of it."""

    def __init__(
        self,
        options: CivitaiApiOptions | None,
        client: CivitaiClient | AsyncCivitaiClient | None,
        http_client: H | None,
        make_http: Callable[[ClientSettings], H],
        *,
        hash_cache: HashCache | None,
        max_resumes: int,
    ) -> None:
        """Options from the argument, else from the client, else loaded from every configuration source; the
        HTTP client passed, else the client's, else one of its own."""
        if options is None and client is not None:
            options = client.options
        if options is None:
            options = CivitaiApiOptions()
        if max_resumes < 0:
            raise ValueError("max_resumes: must be >= 0")
        self._options = options
        self._hash_cache = hash_cache
        self._max_resumes = max_resumes
        shared: Any = http_client or (client.http if client is not None else None)
        self._owns_http = shared is None
        self._http: H = shared or make_http(ClientSettings.for_core(options))

    @property
    def options(self) -> CivitaiApiOptions:
        return self._options

    def download_model_file(
        self,
        file: ModelFile,
        version: ModelVersion | None = None,
        *,
        directory: PathLike | None = None,
        pattern: str | None = None,
        verify: bool | None = None,
        overwrite: bool | None = None,
        layout: Layout | str | None = None,
        allow_unsafe: bool | None = None,
        on_progress: ProgressCallback | None = None,
        on_landed: LandedCallback | None = None,
    ) -> R:
        """Download one model file to ``directory`` under ``pattern``, placed by ``layout`` (defaults: the
        options); verify it against Civitai's hash unless ``verify=False``. A file Civitai's scan marks ``Danger``
        is refused (``UNSAFE_FILE``) before any byte is written unless ``allow_unsafe=True``. ``on_landed`` is
        called once the file is in place (see [`LandedFile`][civitai_kit.tools.download_landed.LandedFile])."""
        choices = _choices(directory, pattern, verify, overwrite, layout, allow_unsafe)
        return self._run(self._model_file(file, version, choices, on_progress, on_landed))

    def download_version(
        self,
        version_id: int,
        *,
        file_id: int | None = None,
        directory: PathLike | None = None,
        pattern: str | None = None,
        verify: bool | None = None,
        overwrite: bool | None = None,
        layout: Layout | str | None = None,
        allow_unsafe: bool | None = None,
        on_progress: ProgressCallback | None = None,
        on_landed: LandedCallback | None = None,
    ) -> R:
        """Fetch model version ``version_id`` from the API and download its primary file (or ``file_id``), as
        ``download_model_file`` does."""
        choices = _choices(directory, pattern, verify, overwrite, layout, allow_unsafe)
        return self._run(self._version(version_id, file_id, on_progress, choices, on_landed))

    def download_targets(
        self,
        targets: Iterable[str | DownloadTarget],
        *,
        all_files: bool = False,
        all_versions: bool = False,
        directory: PathLike | None = None,
        pattern: str | None = None,
        verify: bool | None = None,
        overwrite: bool | None = None,
        layout: Layout | str | None = None,
        allow_unsafe: bool | None = None,
        max_concurrency: int | None = None,
        on_progress: ProgressCallback | None = None,
        on_landed: LandedCallback | None = None,
        on_resolved: Callable[[Sequence[ResolvedFile]], object] | None = None,
    ) -> B:
        """Download what every target names (version ids, AIRs, model or download URLs; see
        [`DownloadTarget`][civitai_kit.tools.download_targets.DownloadTarget]): its primary file, or all its files
        with ``all_files``, of the named version, or of every version of its model with ``all_versions``.

        Every target is read and the destination checked first (``ValueError`` before any request); then the
        targets are looked up and the files downloaded, at most ``max_concurrency`` (default: options) at a time.
        ``on_resolved`` gets the files about to be downloaded (after every target was looked up). Returns a
        [`BatchReport`][civitai_kit.tools.download_batch.BatchReport].
        """
        limit = self._limit(max_concurrency)
        request = prepare_batch(
            targets,
            self.options,
            all_files=all_files,
            all_versions=all_versions,
            directory=directory,
            pattern=pattern,
            layout=layout,
            verify=verify,
            overwrite=overwrite,
            allow_unsafe=allow_unsafe,
        )
        return self._batch(_Batch(request, limit, on_progress, on_landed, on_resolved))

    def download_image(
        self,
        image: Image,
        *,
        directory: PathLike | None = None,
        pattern: str | None = None,
        overwrite: bool | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> R:
        """Download an image or video; its extension is corrected from the bytes (a PNG never ends ``.jpeg``)."""
        plan = plan_image(image, self.options, directory=directory, pattern=pattern, overwrite=overwrite)
        return self._run(self._download(plan, on_progress))

    def download_url(
        self,
        url: str,
        destination: PathLike,
        *,
        expected_hash: str | None = None,
        algorithm: HashAlgorithm | str | None = None,
        overwrite: bool | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> R:
        """Download any URL to a file path, or into a directory (existing or ending in ``/``) under the
        server's Content-Disposition name; verified when ``expected_hash`` is given."""
        plan = plan_url(
            url, destination, self.options, expected_hash=expected_hash, algorithm=algorithm, overwrite=overwrite
        )
        return self._run(self._download(plan, on_progress))

    def download_many(
        self,
        items: Iterable[DownloadItem],
        *,
        max_concurrency: int | None = None,
        directory: PathLike | None = None,
        overwrite: bool | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> M:
        """Download every item with at most ``max_concurrency`` (default: options) at once; results in
        the items' order. One failure does not stop the others."""
        limit = self._limit(max_concurrency)
        choices: dict[str, Any] = {"directory": directory, "overwrite": overwrite}
        return self._run_many([self._job(item, on_progress, choices) for item in items], limit)

    def _limit(self, max_concurrency: int | None) -> int:
        limit = self.options.downloads.max_concurrency if max_concurrency is None else max_concurrency
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"max_concurrency: must be an int >= 1, got {limit!r}")
        return limit

    # -- the operations -----------------------------------------------------------------------------------

    def _download(
        self, plan: Result[DownloadPlan], on_progress: ProgressCallback | None
    ) -> Operation[Result[DownloadedFile]]:
        if isinstance(plan, Failure):
            return failed(plan.error)
        transfer = Transfer(plan.value, on_progress=on_progress, max_resumes=self._max_resumes, cache=self._hash_cache)
        return transfer.run(self._http.core)

    def _version(
        self,
        version_id: int,
        file_id: int | None,
        on_progress: ProgressCallback | None,
        choices: dict[str, Any],
        on_landed: LandedCallback | None = None,
    ) -> Operation[Result[DownloadedFile]]:
        """Look the version up, pick its file and download it, as one operation."""
        strict = self.options.strict_json_parsing
        version = yield from lookups.version_by_id(self._http.core, version_id, strict=strict)
        if isinstance(version, Failure):
            return version
        file = pick_file(version.value, file_id)
        if isinstance(file, Failure):
            return file
        return (yield from self._model_file(file.value, version.value, choices, on_progress, on_landed))

    def _model_file(
        self,
        file: ModelFile,
        version: ModelVersion | None,
        choices: dict[str, Any],
        on_progress: ProgressCallback | None,
        on_landed: LandedCallback | None,
    ) -> Operation[Result[DownloadedFile]]:
        """Plan, download, and tell ``on_landed`` (on the caller's thread) once the file is in place."""
        plan = plan_model_file(file, version, self.options, **choices)
        result = yield from self._download(plan, on_progress)
        if on_landed is not None and isinstance(result, Success):
            yield NotifyLanded(on_landed, LandedFile(result.value, file, version))
        return result

    def _resolve(self, target: DownloadTarget, request: BatchRequest) -> Operation[Result[tuple[Selected, ...]]]:
        return resolve(
            self._http.core,
            target,
            all_files=request.all_files,
            all_versions=request.all_versions,
            strict=self.options.strict_json_parsing,
        )

    def _resolve_jobs(self, request: BatchRequest) -> list[_Job[tuple[Selected, ...]]]:
        return [_Job(partial(self._resolve, target, request), text) for text, target in request.targets]

    def _download_jobs(self, batch: _Batch, files: Sequence[ResolvedFile]) -> list[_Job[DownloadedFile]]:
        choices = batch.request.choices
        return [
            _Job(partial(self._model_file, one.file, one.version, choices, batch.on_progress, batch.on_landed),
                 one.file.download_url or one.target)
            for one in files
        ]  # fmt: skip

    def _job(
        self, item: DownloadItem, on_progress: ProgressCallback | None, choices: dict[str, Any]
    ) -> _Job[DownloadedFile]:
        """What a ``download_many`` item needs done; planning waits until it runs, so its trouble stays its own."""
        if isinstance(item, int) and not isinstance(item, bool):
            return _Job(partial(self._version, item, None, on_progress, choices), f"download_version({item!r})")
        if isinstance(item, Image):
            plan_it = partial(plan_image, item, self.options, **choices)
            return _Job(partial(self._planned, plan_it, on_progress), item.url or f"download_image({item!r})")
        if isinstance(item, ModelFile):
            item = (item, None)
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], ModelFile):
            file, version = item
            plan_it = partial(plan_model_file, file, version, self.options, **choices)
            return _Job(
                partial(self._planned, plan_it, on_progress), file.download_url or f"download_model_file({file!r})"
            )
        raise TypeError(
            "download_many items must be a ModelFile, a (ModelFile, ModelVersion) pair, an Image or a "
            f"model version id, not {type(item).__name__}"
        )

    def _planned(
        self, plan: Callable[[], Result[DownloadPlan]], on_progress: ProgressCallback | None
    ) -> Operation[Result[DownloadedFile]]:
        return self._download(plan(), on_progress)

    # -- what each twin does differently ------------------------------------------------------------------

    def _sidecars(self, model_path: PathLike, version: ModelVersion, model: Model | None) -> Operation[SidecarReport]:
        path = Path(model_path).expanduser()
        return write_sidecars(self._http.core, path, version, model=model, **sidecar_choice(self.options))

    def _run(self, operation: Operation[Result[DownloadedFile]]) -> R:
        raise NotImplementedError

    def _run_many(self, jobs: list[_Job[DownloadedFile]], limit: int) -> M:
        raise NotImplementedError

    def _batch(self, batch: _Batch) -> B:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------- sync


class DownloadService(_DownloadMethods[HttpClient, Result[DownloadedFile], list[Result[DownloadedFile]], BatchReport]):
    """Synchronous downloads. Thread-safe; ``download_many`` runs up to ``max_concurrency`` at once.

    ``client`` (a [`CivitaiClient`][civitai_kit.core.CivitaiClient]) lends its options and its HTTP connection pool;
    without one, an HTTP client is made from ``options``.
    """

    def __init__(
        self,
        options: CivitaiApiOptions | None = None,
        *,
        client: CivitaiClient | None = None,
        http_client: HttpClient | None = None,
        hash_cache: HashCache | None = None,
        max_resumes: int = 5,
    ) -> None:
        super().__init__(options, client, http_client, HttpClient, hash_cache=hash_cache, max_resumes=max_resumes)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> DownloadService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, operation: Operation[Result[DownloadedFile]]) -> Result[DownloadedFile]:
        return self._http.driver.run(operation)

    def write_sidecars(
        self, model_path: PathLike, version: ModelVersion, *, model: Model | None = None
    ) -> SidecarReport:
        """Write the sidecars ``Downloads:Sidecars`` chooses next to a downloaded model (see
        ``civitai_kit.tools.sidecars``); what could not be written is in the report, never raised."""
        return self._http.driver.run(self._sidecars(model_path, version, model), offload=True)

    def _run_many(self, jobs: list[_Job[DownloadedFile]], limit: int) -> list[Result[DownloadedFile]]:
        return self._gather(jobs, limit)

    def _batch(self, batch: _Batch) -> BatchReport:
        resolved = self._gather(self._resolve_jobs(batch.request), batch.limit)
        picked = batch.picked(resolved)
        return report(picked, self._gather(self._download_jobs(batch, to_download(picked)), batch.limit))

    def _gather(self, jobs: list[_Job[T]], limit: int) -> list[Result[T]]:
        if not jobs:
            return []
        with ThreadPoolExecutor(min(limit, len(jobs)), "civitai-download") as pool:
            return list(pool.map(self._run_job, jobs))

    def _run_job(self, job: _Job[T]) -> Result[T]:
        try:
            return self._http.driver.run(job.start())
        except Exception as exc:  # one item's trouble must not take the batch's other results with it
            return job.failed(exc)


# ---------------------------------------------------------------------------------------------- async


class AsyncDownloadService(
    _DownloadMethods[
        AsyncHttpClient,
        Coroutine[Any, Any, Result[DownloadedFile]],
        Coroutine[Any, Any, list[Result[DownloadedFile]]],
        Coroutine[Any, Any, BatchReport],
    ]
):
    """The async twin of ``DownloadService``: the same methods, awaited. File work runs on a worker
    thread of each download's own, so hashing a large chunk never blocks the event loop."""

    def __init__(
        self,
        options: CivitaiApiOptions | None = None,
        *,
        client: AsyncCivitaiClient | None = None,
        http_client: AsyncHttpClient | None = None,
        hash_cache: HashCache | None = None,
        max_resumes: int = 5,
    ) -> None:
        super().__init__(options, client, http_client, AsyncHttpClient, hash_cache=hash_cache, max_resumes=max_resumes)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncDownloadService:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _run(self, operation: Operation[Result[DownloadedFile]]) -> Result[DownloadedFile]:
        return await self._http.driver.run(operation, offload=True)

    async def write_sidecars(
        self, model_path: PathLike, version: ModelVersion, *, model: Model | None = None
    ) -> SidecarReport:
        """The async twin of [`DownloadService.write_sidecars`][civitai_kit.tools.DownloadService.write_sidecars]."""
        return await self._http.driver.run(self._sidecars(model_path, version, model), offload=True)

    async def _run_many(self, jobs: list[_Job[DownloadedFile]], limit: int) -> list[Result[DownloadedFile]]:
        return await self._gather(jobs, limit)

    async def _batch(self, batch: _Batch) -> BatchReport:
        resolved = await self._gather(self._resolve_jobs(batch.request), batch.limit)
        picked = batch.picked(resolved)
        return report(picked, await self._gather(self._download_jobs(batch, to_download(picked)), batch.limit))

    async def _gather(self, jobs: list[_Job[T]], limit: int) -> list[Result[T]]:
        slots = asyncio.Semaphore(limit)

        async def bounded(job: _Job[T]) -> Result[T]:
            async with slots:
                try:
                    return await self._http.driver.run(job.start(), offload=True)
                except Exception as exc:  # one item's trouble must not take the batch's other results with it
                    return job.failed(exc)

        return list(await asyncio.gather(*(bounded(job) for job in jobs)))
