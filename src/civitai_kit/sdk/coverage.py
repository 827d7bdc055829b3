"""``sdk.coverage`` (v1: which models workers can run) and ``sdk.usage`` (v1: what was consumed)."""

from __future__ import annotations

from collections.abc import Coroutine, Iterable
from datetime import datetime
from typing import Any, Generic, overload

from civitai_kit._http import ApiRequest, HttpCore, encode_query
from civitai_kit._runtime import Async, M, Operation, Sync
from civitai_kit.core.air import AirIdentifier
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk.calls import call
from civitai_kit.sdk.job_models import ConsumptionDetails, ProviderAssetAvailability
from civitai_kit.sdk.service import Service, http_of, over_http

Airs = AirIdentifier | str
CoverageMap = dict[AirIdentifier, ProviderAssetAvailability]


def _coverage_map(payload: Any) -> CoverageMap:
    if not isinstance(payload, dict):
        raise TypeError(f"expected an object keyed by AIR, got {type(payload).__name__}")
    return {
        AirIdentifier.parse(key): ProviderAssetAvailability.model_validate(value)
        for key, value in payload.items()
        if value is not None
    }


def coverage_many(http: HttpCore, models: Iterable[Airs]) -> Operation[Result[CoverageMap]]:
    """``GET /v1/consumer/coverage?model=…&model=…``: availability per AIR."""
    airs = [check.air("models", model) for model in models]
    if not airs:
        raise ValueError("models: at least one AIR is required")
    request = ApiRequest("GET", "/v1/consumer/coverage", params=encode_query({"model": airs}))
    return call(http, request, _coverage_map)


def coverage_one(http: HttpCore, model: Airs) -> Operation[Result[ProviderAssetAvailability]]:
    """One model's entry of the coverage map."""
    air = AirIdentifier.parse(check.air("model", model))
    return _entry(coverage_many(http, [air]), air)


def _entry(
    coverage: Operation[Result[CoverageMap]], air: AirIdentifier
) -> Operation[Result[ProviderAssetAvailability]]:
    result = yield from coverage
    if isinstance(result, Failure):
        return result
    found = result.value.get(air)
    if found is None:
        return Failure.of(ErrorCode.NOT_FOUND, f"Model '{air}' not found in coverage response.")
    return Success(found)


class Coverage(Service[M], Generic[M]):
    """``sdk.coverage``: which models the workers can run."""

    @overload
    def get(self: Coverage[Sync], models: Airs) -> Result[ProviderAssetAvailability]: ...  # type: ignore[overload-overlap]
    @overload
    def get(self: Coverage[Sync], models: Iterable[Airs]) -> Result[CoverageMap]: ...
    @overload
    def get(self: Coverage[Async], models: Airs) -> Coroutine[Any, Any, Result[ProviderAssetAvailability]]: ...  # type: ignore[overload-overlap]
    @overload
    def get(self: Coverage[Async], models: Iterable[Airs]) -> Coroutine[Any, Any, Result[CoverageMap]]: ...

    def get(self, models: Airs | Iterable[Airs]) -> Any:
        """Availability of one model (its entry) or of several (a dict keyed by [`AirIdentifier`][])."""
        if isinstance(models, AirIdentifier | str):
            return self._driver.run(coverage_one(http_of(self), models))
        return self._driver.run(coverage_many(http_of(self), models))


def consumption(
    http: HttpCore, start: datetime | None = None, end: datetime | None = None
) -> Operation[Result[ConsumptionDetails]]:
    """``GET /v1/consumer/consumption``: images generated and Buzz spent between ``start`` and ``end``."""
    if start is not None and end is not None and start > end:
        raise ValueError(f"start ({start.isoformat()}) must not be after end ({end.isoformat()})")
    params = encode_query(
        {"startDate": start.isoformat() if start else None, "endDate": end.isoformat() if end else None}
    )
    request = ApiRequest("GET", "/v1/consumer/consumption", params=params)
    return call(http, request, ConsumptionDetails.model_validate)


class Usage(Service[M], Generic[M]):
    """``sdk.usage``: what was consumed."""

    get_consumption = over_http(consumption)
