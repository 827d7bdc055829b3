"""``sdk.coverage`` (v1: which models workers can run) and ``sdk.usage`` (v1: what was consumed)."""

from __future__ import annotations

from collections.abc import Coroutine, Iterable
from datetime import datetime
from typing import Any, Generic, overload

from civitai_kit._http import ApiRequest, encode_query
from civitai_kit.core.air import AirIdentifier
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk._runtime import Async, Bound, M, Operation, Program, Runner, Sync, call, detached
from civitai_kit.sdk.job_models import ConsumptionDetails, ProviderAssetAvailability

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


def coverage_many(models: Iterable[Airs]) -> Program[Result[CoverageMap]]:
    """``GET /v1/consumer/coverage?model=…&model=…``: availability per AIR."""
    airs = [check.air("models", model) for model in models]
    if not airs:
        raise ValueError("models: at least one AIR is required")
    return call(ApiRequest("GET", "/v1/consumer/coverage", params=encode_query({"model": airs})), _coverage_map)


def coverage_one(model: Airs) -> Program[Result[ProviderAssetAvailability]]:
    air = AirIdentifier.parse(check.air("model", model))
    many = coverage_many([air])

    def program() -> Program[Result[ProviderAssetAvailability]]:
        result = yield from many
        if isinstance(result, Failure):
            return result
        found = result.value.get(air)
        if found is None:
            return Failure.of(ErrorCode.NOT_FOUND, f"Model '{air}' not found in coverage response.")
        return Success(found)

    return program()


class Coverage(Bound[M], Generic[M]):
    _runner: Runner[M]

    def __init__(self, runner: Runner[M]) -> None:
        self._runner = runner

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
            return self._runner.drive(coverage_one(models))
        return self._runner.drive(coverage_many(models))


def consumption(start: datetime | None = None, end: datetime | None = None) -> Program[Result[ConsumptionDetails]]:
    """``GET /v1/consumer/consumption``: images generated and Buzz spent between ``start`` and ``end``."""
    if start is not None and end is not None and start > end:
        raise ValueError(f"start ({start.isoformat()}) must not be after end ({end.isoformat()})")
    params = encode_query(
        {"startDate": start.isoformat() if start else None, "endDate": end.isoformat() if end else None}
    )
    return call(ApiRequest("GET", "/v1/consumer/consumption", params=params), ConsumptionDetails.model_validate)


class Usage(Bound[M], Generic[M]):
    _runner: Runner[M]

    def __init__(self, runner: Runner[M]) -> None:
        self._runner = runner

    get_consumption = Operation(detached(consumption))
