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
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

from civitai_kit._http import AsyncHttpClient, ClientSettings, HttpClient
from civitai_kit._runtime import Operation
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit.core import lookups
from civitai_kit.core.calls import failed
from civitai_kit.core.models import Image, ModelFile
from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools.download_errors import unexpected_failure
from civitai_kit.tools.download_plan import plan_image, plan_model_file, plan_url
from civitai_kit.tools.download_transfer import Transfer
from civitai_kit.tools.download_types import (
    DownloadedFile,
    DownloadPlan,
    DownloadProgress,
    ExpectedHash,
    ProgressCallback,
)

if TYPE_CHECKING:
    from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
    from civitai_kit.core.models import ModelVersion
    from civitai_kit.tools.hash_cache import HashCache

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


@dataclass(frozen=True, slots=True)
class _Job:
    """One ``download_many`` item: how to start its download, and what it is (for its ``Failure`` if it
    raises)."""

    start: Callable[[], Operation[Result[DownloadedFile]]]
    description: str

    def failed(self, exc: Exception) -> Failure:
        return unexpected_failure(exc, self.description)


# ---------------------------------------------------------------------------------------------- methods

H = TypeVar("H", HttpClient, AsyncHttpClient)
R = TypeVar("R")
M = TypeVar("M")


class _DownloadMethods(Generic[H, R, M]):
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
        on_progress: ProgressCallback | None = None,
    ) -> R:
        """Download one model file to ``directory`` (default: the options' models base directory) under
        ``pattern``; verify it against Civitai's hash unless ``verify=False`` (default: options)."""
        plan = plan_model_file(
            file, version, self.options, directory=directory, pattern=pattern, verify=verify, overwrite=overwrite
        )
        return self._run(self._download(plan, on_progress))

    def download_version(
        self,
        version_id: int,
        *,
        file_id: int | None = None,
        directory: PathLike | None = None,
        pattern: str | None = None,
        verify: bool | None = None,
        overwrite: bool | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> R:
        """Fetch model version ``version_id`` from the API and download its primary file (or ``file_id``)."""
        choices: dict[str, Any] = {"directory": directory, "pattern": pattern, "verify": verify, "overwrite": overwrite}
        return self._run(self._version(version_id, file_id, on_progress, choices))

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
        limit = self.options.downloads.max_concurrency if max_concurrency is None else max_concurrency
        if limit < 1:
            raise ValueError("max_concurrency: must be >= 1")
        choices: dict[str, Any] = {"directory": directory, "overwrite": overwrite}
        return self._run_many([self._job(item, on_progress, choices) for item in items], limit)

    # -- the operations -----------------------------------------------------------------------------------

    def _download(
        self, plan: Result[DownloadPlan], on_progress: ProgressCallback | None
    ) -> Operation[Result[DownloadedFile]]:
        if isinstance(plan, Failure):
            return failed(plan.error)
        transfer = Transfer(plan.value, on_progress=on_progress, max_resumes=self._max_resumes, cache=self._hash_cache)
        return transfer.run(self._http.core)

    def _version(
        self, version_id: int, file_id: int | None, on_progress: ProgressCallback | None, choices: dict[str, Any]
    ) -> Operation[Result[DownloadedFile]]:
        """Look the version up, pick its file and download it, as one operation."""
        strict = self.options.strict_json_parsing
        version = yield from lookups.version_by_id(self._http.core, version_id, strict=strict)
        if isinstance(version, Failure):
            return version
        file = pick_file(version.value, file_id)
        if isinstance(file, Failure):
            return file
        plan = plan_model_file(file.value, version.value, self.options, **choices)
        return (yield from self._download(plan, on_progress))

    def _job(self, item: DownloadItem, on_progress: ProgressCallback | None, choices: dict[str, Any]) -> _Job:
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

    def _run(self, operation: Operation[Result[DownloadedFile]]) -> R:
        raise NotImplementedError

    def _run_many(self, jobs: list[_Job], limit: int) -> M:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------- sync


class DownloadService(_DownloadMethods[HttpClient, Result[DownloadedFile], list[Result[DownloadedFile]]]):
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

    def _run_many(self, jobs: list[_Job], limit: int) -> list[Result[DownloadedFile]]:
        with ThreadPoolExecutor(limit, "civitai-download") as pool:
            return list(pool.map(self._run_job, jobs))

    def _run_job(self, job: _Job) -> Result[DownloadedFile]:
        try:
            return self._run(job.start())
        except Exception as exc:  # one item's trouble must not take the batch's other results with it
            return job.failed(exc)


# ---------------------------------------------------------------------------------------------- async


class AsyncDownloadService(
    _DownloadMethods[
        AsyncHttpClient,
        Coroutine[Any, Any, Result[DownloadedFile]],
        Coroutine[Any, Any, list[Result[DownloadedFile]]],
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

    async def _run_many(self, jobs: list[_Job], limit: int) -> list[Result[DownloadedFile]]:
        slots = asyncio.Semaphore(limit)

        async def bounded(job: _Job) -> Result[DownloadedFile]:
            async with slots:
                try:
                    return await self._run(job.start())
                except Exception as exc:  # one item's trouble must not take the batch's other results with it
                    return job.failed(exc)

        return list(await asyncio.gather(*(bounded(job) for job in jobs)))
