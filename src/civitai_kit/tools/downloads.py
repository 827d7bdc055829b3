"""Verified, resumable downloads of model files, images and raw URLs (sync and async).

    downloader = DownloadService(options)
    result = downloader.download_version(399893)           # the primary file, via the API
    if result.is_success:
        print(result.value.path, result.value.verified)

Every call returns a [`Result`][]: a [`DownloadedFile`][] at its final path, or a ``Failure`` naming
what went wrong (Civitai's refusal with its own code and message, a hash mismatch with both values, ...).
The decisions live in [`download_plan`][civitai_kit.tools.download_plan] and
[`download_transfer`][civitai_kit.tools.download_transfer]; the two services here only move bytes
(``httpx`` streams through ``_http``, ``time.sleep`` vs ``asyncio.sleep``, file work on a worker thread for
async).

An async download cancelled (or abandoned by an event loop that shuts down) while a blocking step runs
lets that step finish on its thread, then cleans up behind it on the same thread: the ``.part`` file is
kept for a resume, the lock released; the file is never moved into place after the cancellation. In
``download_many`` an item that raises becomes that item's ``Failure``; the others keep their results.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

from civitai_kit._http import AsyncHttpClient, ClientSettings, HttpClient
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.core.models import Image, ModelFile, ModelVersion
from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools.download_errors import unexpected_failure
from civitai_kit.tools.download_plan import plan_image, plan_model_file, plan_url
from civitai_kit.tools.download_transfer import (
    Done,
    Fetch,
    FetchOutcome,
    Interrupted,
    Steps,
    Transfer,
    Wait,
    advance,
)
from civitai_kit.tools.download_types import (
    DownloadedFile,
    DownloadPlan,
    DownloadProgress,
    ExpectedHash,
    ProgressCallback,
)

if TYPE_CHECKING:
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


_Call: TypeAlias = "tuple[str, tuple[Any, ...], dict[str, Any]]"
"""A ``download_many`` item as (method name, positional arguments, keyword arguments)."""

logger = logging.getLogger("civitai_kit")


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


class _DownloadCore:
    """Planning shared by the twins: options, defaults, picking the file of a version."""

    def __init__(
        self,
        options: CivitaiApiOptions | None,
        *,
        hash_cache: HashCache | None,
        max_resumes: int,
    ) -> None:
        if options is None:
            options = CivitaiApiOptions()
        if max_resumes < 0:
            raise ValueError("max_resumes: must be >= 0")
        self.options = options
        self.hash_cache = hash_cache
        self.max_resumes = max_resumes

    @classmethod
    def of(
        cls, options: CivitaiApiOptions | None, client: Any, *, hash_cache: HashCache | None, max_resumes: int
    ) -> _DownloadCore:
        """Options from the argument, else from the client, else loaded from every configuration source."""
        chosen = options if options is not None else (client.options if client is not None else None)
        return cls(chosen, hash_cache=hash_cache, max_resumes=max_resumes)

    def settings(self) -> ClientSettings:
        return ClientSettings.for_core(self.options)

    def transfer(self, plan: DownloadPlan, on_progress: ProgressCallback | None) -> Transfer:
        return Transfer(plan, on_progress=on_progress, max_resumes=self.max_resumes, cache=self.hash_cache)

    @staticmethod
    def describe(call: _Call) -> str:
        """What a ``download_many`` item is, for its ``Failure`` if it raises."""
        name, args, _ = call
        first = args[0] if args else None
        url = getattr(first, "download_url", None) or getattr(first, "url", None)
        return str(url) if url else f"{name}({first!r})"

    def concurrency(self, max_concurrency: int | None) -> int:
        value = self.options.downloads.max_concurrency if max_concurrency is None else max_concurrency
        if value < 1:
            raise ValueError("max_concurrency: must be >= 1")
        return value

    @staticmethod
    def batch_call(
        item: DownloadItem, directory: PathLike | None, overwrite: bool | None, on_progress: ProgressCallback | None
    ) -> _Call:
        """Which download method a ``download_many`` item needs, with its arguments."""
        common: dict[str, Any] = {"directory": directory, "overwrite": overwrite, "on_progress": on_progress}
        if isinstance(item, int) and not isinstance(item, bool):
            return "download_version", (item,), common
        if isinstance(item, ModelFile):
            return "download_model_file", (item, None), common
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], ModelFile):
            return "download_model_file", item, common
        if isinstance(item, Image):
            return "download_image", (item,), common
        raise TypeError(
            "download_many items must be a ModelFile, a (ModelFile, ModelVersion) pair, an Image or a "
            f"model version id, not {type(item).__name__}"
        )


# ---------------------------------------------------------------------------------------------- methods

R = TypeVar("R")
M = TypeVar("M")


class _DownloadMethods(Generic[R, M]):
    """The public methods, written once. Each twin says how a plan is executed: the sync service returns
    a ``Result``, the async one an awaitable of it."""

    _core: _DownloadCore

    @property
    def options(self) -> CivitaiApiOptions:
        return self._core.options

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
        return self._execute(plan, on_progress)

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
        choices: dict[str, Any] = {
            "directory": directory, "pattern": pattern, "verify": verify, "overwrite": overwrite,
            "on_progress": on_progress,
        }  # fmt: skip
        return self._execute_version(version_id, file_id, choices)

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
        return self._execute(plan, on_progress)

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
        return self._execute(plan, on_progress)

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
        calls = [_DownloadCore.batch_call(item, directory, overwrite, on_progress) for item in items]
        return self._execute_many(calls, self._core.concurrency(max_concurrency))

    # -- what each twin does differently ------------------------------------------------------------------

    def _execute(self, plan: Result[DownloadPlan], on_progress: ProgressCallback | None) -> R:
        raise NotImplementedError

    def _execute_version(self, version_id: int, file_id: int | None, choices: dict[str, Any]) -> R:
        raise NotImplementedError

    def _execute_many(self, calls: list[_Call], limit: int) -> M:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------- sync


class DownloadService(_DownloadMethods[Result[DownloadedFile], list[Result[DownloadedFile]]]):
    """Synchronous downloads. Thread-safe; ``download_many`` runs up to ``max_concurrency`` at once.

    ``client`` (a [`CivitaiClient`][civitai_kit.core.CivitaiClient]) is used for ``download_version`` and its HTTP
    connection pool is shared; without one, a client is made from ``options`` when first needed.
    """

    def __init__(
        self,
        options: CivitaiApiOptions | None = None,
        *,
        client: CivitaiClient | None = None,
        http_client: HttpClient | None = None,
        hash_cache: HashCache | None = None,
        max_resumes: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._core = _DownloadCore.of(options, client, hash_cache=hash_cache, max_resumes=max_resumes)
        shared = http_client or (client.http if client is not None else None)
        self._owns_http = shared is None
        self._http = shared or HttpClient(self._core.settings())
        self._client = client
        self._sleep = sleep

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> DownloadService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _execute(self, plan: Result[DownloadPlan], on_progress: ProgressCallback | None) -> Result[DownloadedFile]:
        return plan.bind(lambda chosen: self._run(chosen, on_progress))

    def _execute_version(self, version_id: int, file_id: int | None, choices: dict[str, Any]) -> Result[DownloadedFile]:
        if self._client is None:
            self._client = CivitaiClient(self.options, http_client=self._http)
        version = self._client.models.get_by_version_id(version_id)
        if isinstance(version, Failure):
            return version
        file = pick_file(version.value, file_id)
        return file.bind(lambda chosen: self.download_model_file(chosen, version.value, **choices))

    def _execute_many(self, calls: list[_Call], limit: int) -> list[Result[DownloadedFile]]:
        with ThreadPoolExecutor(limit, "civitai-download") as pool:
            return list(pool.map(self._one_of_many, calls))

    def _one_of_many(self, call: _Call) -> Result[DownloadedFile]:
        try:
            result: Result[DownloadedFile] = getattr(self, call[0])(*call[1], **call[2])
        except Exception as exc:  # one item's trouble must not take the batch's other results with it
            return unexpected_failure(exc, _DownloadCore.describe(call))
        return result

    def _run(self, plan: DownloadPlan, on_progress: ProgressCallback | None) -> Result[DownloadedFile]:
        transfer = self._core.transfer(plan, on_progress)
        steps = transfer.steps()
        outcome: FetchOutcome = None
        try:
            while True:
                action = advance(steps, outcome)
                if isinstance(action, Done):
                    return action.result
                outcome = None
                if isinstance(action, Wait):
                    self._sleep(action.seconds)
                else:
                    outcome = self._fetch(transfer, action)
        except (OSError, UnicodeError) as exc:  # a file-system oddity the transfer did not foresee
            return unexpected_failure(exc, plan.url)
        finally:
            steps.close()

    def _fetch(self, transfer: Transfer, action: Fetch) -> FetchOutcome:
        with self._http.stream(action.request) as result:
            if isinstance(result, Failure):
                return result
            response = result.value
            if not transfer.accept(response.status, response.headers):
                return None
            chunks = response.iter_bytes()
            while True:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    break
                except Exception as exc:  # the transport failed mid-body: keep what arrived, resume
                    transfer.flush()
                    return Interrupted(exc)
                if transfer.add(chunk) and not transfer.flush():
                    break
                transfer.report()
        transfer.flush()
        transfer.report(force=True)
        return None


# ---------------------------------------------------------------------------------------------- async


class AsyncDownloadService(
    _DownloadMethods[Coroutine[Any, Any, Result[DownloadedFile]], Coroutine[Any, Any, list[Result[DownloadedFile]]]]
):
    """The async twin of [`DownloadService`][]: the same methods, awaited. File work runs on worker
    threads, so hashing a large chunk never blocks the event loop."""

    def __init__(
        self,
        options: CivitaiApiOptions | None = None,
        *,
        client: AsyncCivitaiClient | None = None,
        http_client: AsyncHttpClient | None = None,
        hash_cache: HashCache | None = None,
        max_resumes: int = 5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._core = _DownloadCore.of(options, client, hash_cache=hash_cache, max_resumes=max_resumes)
        shared = http_client or (client.http if client is not None else None)
        self._owns_http = shared is None
        self._http = shared or AsyncHttpClient(self._core.settings())
        self._client = client
        self._sleep = sleep

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncDownloadService:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _execute(
        self, plan: Result[DownloadPlan], on_progress: ProgressCallback | None
    ) -> Result[DownloadedFile]:
        return plan if isinstance(plan, Failure) else await self._run(plan.value, on_progress)

    async def _execute_version(
        self, version_id: int, file_id: int | None, choices: dict[str, Any]
    ) -> Result[DownloadedFile]:
        if self._client is None:
            self._client = AsyncCivitaiClient(self.options, http_client=self._http)
        version = await self._client.models.get_by_version_id(version_id)
        if isinstance(version, Failure):
            return version
        file = pick_file(version.value, file_id)
        if isinstance(file, Failure):
            return file
        return await self.download_model_file(file.value, version.value, **choices)

    async def _execute_many(self, calls: list[_Call], limit: int) -> list[Result[DownloadedFile]]:
        slots = asyncio.Semaphore(limit)

        async def bounded(call: _Call) -> Result[DownloadedFile]:
            async with slots:
                try:
                    result: Result[DownloadedFile] = await getattr(self, call[0])(*call[1], **call[2])
                except Exception as exc:  # one item's trouble must not take the batch's other results with it
                    return unexpected_failure(exc, _DownloadCore.describe(call))
                return result

        return list(await asyncio.gather(*(bounded(call) for call in calls)))

    async def _run(self, plan: DownloadPlan, on_progress: ProgressCallback | None) -> Result[DownloadedFile]:
        transfer = self._core.transfer(plan, on_progress)
        steps = transfer.steps()
        worker = _StepWorker()
        try:
            result = await self._drive(transfer, steps, worker)
        except (OSError, UnicodeError) as exc:  # a file-system oddity the transfer did not foresee
            worker.finish(steps.close)
            return unexpected_failure(exc, plan.url)
        except BaseException as exc:  # cancelled, or abandoned by an event loop that is going away
            transfer.cancel()
            closing = worker.finish(steps.close)
            if not isinstance(exc, GeneratorExit):
                await _cleaned_up(closing)
            raise
        worker.finish(steps.close)  # the transfer is done: this only lets the thread end
        return result

    async def _drive(self, transfer: Transfer, steps: Steps, worker: _StepWorker) -> Result[DownloadedFile]:
        outcome: FetchOutcome = None
        while True:
            action = await worker.run(advance, steps, outcome)
            if isinstance(action, Done):
                return action.result
            outcome = None
            if isinstance(action, Wait):
                await self._sleep(action.seconds)
            else:
                outcome = await self._fetch(transfer, action, worker)

    async def _fetch(self, transfer: Transfer, action: Fetch, worker: _StepWorker) -> FetchOutcome:
        async with self._http.stream(action.request) as result:
            if isinstance(result, Failure):
                return result
            response = result.value
            if not transfer.accept(response.status, response.headers):
                return None
            chunks = response.aiter_bytes()
            while True:
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                except Exception as exc:  # the transport failed mid-body: keep what arrived, resume
                    await worker.run(transfer.flush)
                    return Interrupted(exc)
                if transfer.add(chunk) and not await worker.run(transfer.flush):
                    break
                transfer.report()
        await worker.run(transfer.flush)
        transfer.report(force=True)
        return None


class _StepWorker:
    """Runs one async download's blocking steps (advancing the transfer, writing, hashing, moving) one
    at a time, in order, on a thread of its own.

    Why a thread per download rather than ``asyncio.to_thread``: the transfer (and its generator) must
    never be entered by two threads at once. When the caller is cancelled, or its loop shuts down (which
    cancels every task, ``to_thread``'s helper tasks included, and then closes the default executor), a
    step may still be running; the clean-up is queued behind it here instead of racing it, and runs even
    if nobody waits for it any more.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="civitai-download-step")

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` on the worker thread; a cancellation stops the wait, never the step itself."""
        context = contextvars.copy_context()
        return await asyncio.wrap_future(self._pool.submit(context.run, fn, *args))

    def finish(self, fn: Callable[[], object]) -> Future[None]:
        """Queue the last step ``fn`` behind any step still running; the thread ends once it has run."""
        done = self._pool.submit(_quietly, fn)
        self._pool.shutdown(wait=False)
        return done


def _quietly(fn: Callable[[], object]) -> None:
    """Run a clean-up step whose failure must not replace the exception being propagated."""
    try:
        fn()
    except Exception:
        logger.exception("Cleaning up an abandoned download failed")


async def _cleaned_up(closing: Future[None]) -> None:
    """Wait for a cancelled download's clean-up (a second cancellation stops the wait, not the clean-up)."""
    await asyncio.shield(asyncio.wrap_future(closing))
