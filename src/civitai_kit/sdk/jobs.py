"""The legacy v1 jobs API, shaped like CivitaiSharp's ``Jobs`` but speaking the real wire format.

Where CivitaiSharp sends what the server rejects or misreads, this follows the server: ``$type`` is always sent;
schedulers, preprocessors and network types use the v1 PascalCase values; ``clipSkip`` lives in ``params``;
priority is ``{"value"}``/``{"min","max"}``; width and height are always sent; taint is ``PUT /jobs/{id}`` or
``PUT /jobs?token=`` with a body; ``/jobs/query`` returns ``{cursor, jobs}``; ``wait``/``detailed`` are sent only
where the endpoint takes them; job ids are strings (GUIDs or 64-hex keys).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Generic, Self, overload
from urllib.parse import quote

from civitai_kit._http import ApiRequest, encode_query
from civitai_kit._runtime import Async, AsyncDriver, Bound, Driver, M, Operation, OperationMethod, Sync
from civitai_kit.core.air import AirIdentifier
from civitai_kit.result import Result
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk.calls import call, call_empty
from civitai_kit.sdk.enums import AssetType, ImageTransformer, Scheduler, member, v1_scheduler, v1_transformer
from civitai_kit.sdk.job_models import (
    JobStatus,
    JobStatusCollection,
    QueryJobsResult,
    TaintJobsResult,
    job_status,
    job_status_collection,
)
from civitai_kit.sdk.pagination import cursor_walk
from civitai_kit.sdk.service import Service, http_of

JOBS = "/v1/consumer/jobs"
V1_SIDE = (64, 2048)
_JOB_ID = re.compile(r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}|[0-9A-Fa-f]{64}")


def is_job_id(value: str) -> bool:
    """Job ids are GUIDs or 64-hex blob keys; anything else passed where either fits is a batch token."""
    return bool(_JOB_ID.fullmatch(value.strip("{}")))


def _flags(**flags: bool) -> tuple[tuple[str, str], ...]:
    """Only true flags are sent (``wait=true``), like CivitaiSharp, so defaults stay the server's."""
    return encode_query({key: True for key, on in flags.items() if on})


# ---------------------------------------------------------------------------------------------- submit


def _execute(
    self: TextToImageJobBuilder[Any], *, wait: bool = False, detailed: bool = False
) -> Operation[Result[JobStatusCollection]]:
    """Submit this job (``POST /v1/consumer/jobs``); ``wait``: let the server block until done (202 if not)."""
    request = ApiRequest("POST", JOBS, params=_flags(wait=wait, detailed=detailed), json=self.to_json())
    return call(http_of(self), request, job_status_collection)


def _execute_batch(
    self: TextToImageJobBuilder[Any],
    others: Iterable[TextToImageJobBuilder[Any]],
    *,
    wait: bool = False,
    detailed: bool = False,
) -> Operation[Result[JobStatusCollection]]:
    """Submit this job and ``others`` together (``{"jobs": [...]}``); the returned token covers them all."""
    jobs = [self.to_json(), *(other.to_json() for other in others)]
    request = ApiRequest("POST", JOBS, params=_flags(wait=wait, detailed=detailed), json={"jobs": jobs})
    return call(http_of(self), request, job_status_collection)


@dataclass(frozen=True, kw_only=True)
class TextToImageJobBuilder(Bound[M]):
    """A v1 ``textToImage`` job (``TextToImageJobRequest``). Immutable: each ``with_*`` returns a copy."""

    _driver: Driver | AsyncDriver | None = field(default=None, repr=False, compare=False)
    model: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    networks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    control_nets: tuple[Mapping[str, Any], ...] = ()
    job: Mapping[str, Any] = field(default_factory=dict)
    """Envelope fields: quantity, priority, callbackUrl, retries, timeout, properties."""

    def _param(self, key: str, value: Any) -> Self:
        return replace(self, params={**self.params, key: value})

    def _job(self, key: str, value: Any) -> Self:
        return replace(self, job={**self.job, key: value})

    def with_model(self, model: AirIdentifier | str) -> Self:
        return replace(self, model=check.air("model", model))

    def with_prompt(self, prompt: str) -> Self:
        return self._param("prompt", check.text("prompt", prompt))

    def with_negative_prompt(self, negative_prompt: str) -> Self:
        return self._param("negativePrompt", check.text("negative_prompt", negative_prompt, allow_blank=True))

    def with_size(self, width: int, height: int) -> Self:
        """64–2048 and multiples of 8 (v1 requires both; the default is 512×512)."""
        low, high = V1_SIDE
        return self._param("width", check.dimension("width", width, low, high))._param(
            "height", check.dimension("height", height, low, high)
        )

    def with_steps(self, steps: int) -> Self:
        return self._param("steps", check.integer("steps", steps, 1, 150))

    def with_cfg_scale(self, cfg_scale: float) -> Self:
        return self._param("cfgScale", check.number("cfg_scale", cfg_scale, 1, 30))

    def with_seed(self, seed: int) -> Self:
        """-1 (random) to 4294967295."""
        return self._param("seed", check.integer("seed", seed, -1, 4_294_967_295))

    def with_clip_skip(self, clip_skip: int) -> Self:
        return self._param("clipSkip", check.integer("clip_skip", clip_skip, 1, 12))

    def with_scheduler(self, scheduler: Scheduler | str) -> Self:
        return self._param("scheduler", v1_scheduler(scheduler))

    def with_quantity(self, quantity: int) -> Self:
        return self._job("quantity", check.integer("quantity", quantity, 1, 100))

    def with_additional_network(
        self,
        air: AirIdentifier | str,
        *,
        type: AssetType | str = AssetType.LORA,
        strength: float | None = None,
        trigger_word: str | None = None,
    ) -> Self:
        """A LoRA/LoCon (``strength``) or TextualInversion (``trigger_word``) keyed by its AIR."""
        params: dict[str, Any] = {"type": member(AssetType, type, "type").value}
        if strength is not None:
            params["strength"] = check.number("strength", strength, -10, 10)
        if trigger_word is not None:
            params["triggerWord"] = check.text("trigger_word", trigger_word)
        return replace(self, networks={**self.networks, check.air("air", air): params})

    def with_control_net(
        self,
        preprocessor: ImageTransformer | str,
        *,
        image_url: str | None = None,
        blob_key: str | None = None,
        weight: float = 1.0,
        start_step: float = 0.0,
        end_step: float = 1.0,
    ) -> Self:
        """A ControlNet fed by ``image_url`` or an uploaded ``blob_key`` (exactly one of them)."""
        if (image_url is None) == (blob_key is None):
            raise ValueError("with_control_net needs exactly one of image_url or blob_key")
        start, end = check.step_range(start_step, end_step)
        net: dict[str, Any] = {
            "preprocessor": v1_transformer(preprocessor),
            "weight": check.number("weight", weight, 0, 2),
            "startStep": start,
            "endStep": end,
        }
        if image_url is not None:
            if not check.text("image_url", image_url).startswith(("http://", "https://")):
                raise ValueError(f"image_url must be an http(s) URL, got {image_url!r}")
            net["imageUrl"] = image_url
        else:
            net["blobKey"] = check.text("blob_key", blob_key)
        return replace(self, control_nets=(*self.control_nets, net))

    def with_priority(self, priority: int | tuple[int, int]) -> Self:
        """A fixed priority (``{"value"}``) or a range (``{"min","max"}``); lower runs sooner."""
        if isinstance(priority, tuple):
            low, high = (check.integer("priority", p) for p in priority)
            if low > high:
                raise ValueError(f"priority range must be (min, max) with min <= max, got {priority}")
            return self._job("priority", {"min": low, "max": high})
        return self._job("priority", {"value": check.integer("priority", priority)})

    def with_callback_url(self, url: str) -> Self:
        if not check.text("url", url).startswith(("http://", "https://")):
            raise ValueError(f"url must be an absolute http(s) URL, got {url!r}")
        return self._job("callbackUrl", url)

    def with_retries(self, retries: int) -> Self:
        return self._job("retries", check.integer("retries", retries, 0))

    def with_timeout(self, timeout: timedelta | float | str) -> Self:
        return self._job("timeout", check.timespan("timeout", timeout))

    def with_property(self, key: str, value: Any) -> Self:
        """A user property; jobs can be found (``where_property``) and tainted by it."""
        properties = {**self.job.get("properties", {}), check.text("key", key): value}
        return self._job("properties", properties)

    def to_json(self) -> dict[str, Any]:
        """The request body; raises ``ValueError`` if the model or prompt is missing."""
        if self.model is None:
            raise ValueError("model is required: use with_model(<checkpoint AIR>)")
        if "prompt" not in self.params:
            raise ValueError("prompt is required: use with_prompt(…)")
        body: dict[str, Any] = {
            "$type": "textToImage",
            "model": self.model,
            "params": {"width": 512, "height": 512, **self.params},
            **self.job,
        }
        if self.networks:
            body["additionalNetworks"] = {air: dict(params) for air, params in self.networks.items()}
        if self.control_nets:
            body["controlNets"] = [dict(net) for net in self.control_nets]
        return body

    execute = OperationMethod(_execute)
    execute_batch = OperationMethod(_execute_batch)


# ---------------------------------------------------------------------------------------------- query


def _get_by_id(self: JobQueryBuilder[Any], job_id: str) -> Operation[Result[JobStatus]]:
    """``GET /v1/consumer/jobs/{id}`` (``detailed`` honoured; the API has no ``wait`` here)."""
    path = f"{JOBS}/{quote(check.text('job_id', job_id), safe='')}"
    return call(http_of(self), ApiRequest("GET", path, params=_flags(detailed=self.detailed)), job_status)


def _get_by_token(self: JobQueryBuilder[Any], token: str) -> Operation[Result[JobStatusCollection]]:
    """``GET /v1/consumer/jobs?token=`` with ``wait`` and ``detailed``."""
    params = (("token", check.text("token", token)), *_flags(wait=self.wait, detailed=self.detailed))
    return call(http_of(self), ApiRequest("GET", JOBS, params=params), job_status_collection)


def _query_page(self: JobQueryBuilder[Any], cursor: str | None = None) -> Operation[Result[QueryJobsResult]]:
    """One page of ``POST /v1/consumer/jobs/query`` for the property filters (pass ``cursor`` for the next)."""
    return call(http_of(self), _query_request(self, cursor), QueryJobsResult.model_validate)


def _query_request(query: JobQueryBuilder[Any], cursor: str | None) -> ApiRequest:
    if not query.properties:
        raise ValueError("At least one property filter is required: use where_property() or where_properties()")
    body: dict[str, Any] = {"properties": dict(query.properties)}
    if cursor:
        body["cursor"] = cursor
    return ApiRequest("POST", f"{JOBS}/query", params=_flags(detailed=query.detailed), json=body)


def _cancel(self: JobQueryBuilder[Any], id_or_token: str, *, force: bool = True) -> Operation[Result[None]]:
    """Cancel one job (by id) or every job of a batch token. ``force`` also stops running jobs."""
    target = check.text("id_or_token", id_or_token)
    force_flag = ("force", "true" if force else "false")
    if is_job_id(target):
        request = ApiRequest("DELETE", f"{JOBS}/{quote(target, safe='')}", params=(force_flag,))
    else:
        request = ApiRequest("DELETE", JOBS, params=(("token", target), force_flag))
    return call_empty(http_of(self), request)


def _taint(
    self: JobQueryBuilder[Any],
    id_or_token: str,
    *,
    reason: str | None = None,
    context: Mapping[str, Any] | None = None,
    properties: Mapping[str, Any] | None = None,
) -> Operation[Result[TaintJobsResult]]:
    """Mark a job (by id) or a batch (by token, optionally narrowed by ``properties``) as tainted."""
    target = check.text("id_or_token", id_or_token)
    body: dict[str, Any] = {}
    if reason is not None:
        body["reason"] = check.text("reason", reason)
    if context is not None:
        body["context"] = dict(context)
    if is_job_id(target):
        if properties is not None:
            raise ValueError("properties narrows a taint by token; it cannot be used with a job id")

        one = ApiRequest("PUT", f"{JOBS}/{quote(target, safe='')}", json=body)
        return _one_tainted(call_empty(http_of(self), one))
    if properties is not None:
        body["properties"] = dict(properties)
    request = ApiRequest("PUT", JOBS, params=(("token", target),), json=body)
    return call(http_of(self), request, TaintJobsResult.model_validate)


def _one_tainted(taint: Operation[Result[None]]) -> Operation[Result[TaintJobsResult]]:
    done = yield from taint
    return done.map(lambda _: TaintJobsResult(jobs=1))


@dataclass(frozen=True, kw_only=True)
class JobQueryBuilder(Bound[M]):
    """Find, fetch, cancel and taint v1 jobs (``sdk.jobs.query``). Immutable."""

    _driver: Driver | AsyncDriver | None = field(default=None, repr=False, compare=False)
    detailed: bool = False
    wait: bool = False
    properties: Mapping[str, Any] = field(default_factory=dict)

    def with_detailed(self, detailed: bool = True) -> Self:
        """Include each job's definition (``JobStatus.job``)."""
        return replace(self, detailed=detailed)

    def with_wait(self, wait: bool = True) -> Self:
        """Let ``get_by_token`` block until the jobs finish (202 if they do not in time)."""
        return replace(self, wait=wait)

    def where_property(self, key: str, value: Any) -> Self:
        return replace(self, properties={**self.properties, check.text("key", key): value})

    def where_properties(self, properties: Mapping[str, Any]) -> Self:
        for key in properties:
            check.text("key", key)
        return replace(self, properties={**self.properties, **properties})

    get_by_id = OperationMethod(_get_by_id)
    get_by_token = OperationMethod(_get_by_token)
    execute = OperationMethod(_query_page)
    cancel = OperationMethod(_cancel)
    taint = OperationMethod(_taint)

    @overload
    def iterate(self: JobQueryBuilder[Sync], *, max_items: int | None = None) -> Iterator[JobStatus]: ...
    @overload
    def iterate(self: JobQueryBuilder[Async], *, max_items: int | None = None) -> AsyncIterator[JobStatus]: ...

    def iterate(self, *, max_items: int | None = None) -> Iterator[JobStatus] | AsyncIterator[JobStatus]:
        """Every job matching the property filters, following the cursor (``for`` / ``async for``)."""
        _query_request(self, None)  # check the filters now
        if self._driver is None:
            raise TypeError("iterate() needs a client: use sdk.jobs.query")

        def page(cursor: str | None) -> Operation[Result[QueryJobsResult]]:
            return _query_page(self, cursor)

        return self._driver.iterate(cursor_walk(page, lambda listed: (listed.jobs, listed.cursor), max_items))


class Jobs(Service[M], Generic[M]):
    """``sdk.jobs``: the v1 jobs API (CivitaiSharp's ``Jobs``)."""

    def create_text_to_image(self) -> TextToImageJobBuilder[M]:
        return TextToImageJobBuilder(_driver=self._driver)

    @property
    def query(self) -> JobQueryBuilder[M]:
        return JobQueryBuilder(_driver=self._driver)
