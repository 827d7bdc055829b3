"""The fault storm: many calls against a server whose every answer is drawn from a seeded mix of faults.

    report = run_storm(CivitaiClient, seed=7, calls=1000)                      # sync REST client
    report = run_storm(AsyncSdkClient, seed=7, backend="aiohttp")              # async SDK client
    print(report.summary()); assert report.ok, report.summary()

Each logical call carries a tag the server can read (``storm-<n>-`` in its query, path or body, or the
model id ``n + 1``), so attempts are counted server-side per call. What each attempt gets is drawn from
``random.Random(f"{seed}:{call}:{attempt}")``: the same seed gives the same storm. The report counts
outcomes (``Success``, ``Failure:<ErrorCode>``, ``Raised:<exception>:<ErrorCode>`` for iterators), lists
every untyped exception, the most attempts any call took against ``1 + MaxRetries``, every POST without an
idempotency key that the server saw twice, every call slower than the configured total deadline, and every
place the API key leaked (results, errors, exceptions, log records).
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from civitai_kit.options import CivitaiApiOptions, ResilienceOptions
from civitai_kit.testing.hostile._exchange import HostileRequest
from civitai_kit.testing.hostile.misbehaviours import Misbehaviour, Phase
from civitai_kit.testing.hostile.probe import LogCapture, Outcome, classify, classify_exception, drive_async, log_leaks
from civitai_kit.testing.hostile.server import HostileServer

STORM_KEY = "civitai-kit-storm-key-5e2b71"
_TAG = re.compile(r"storm-(\d+)-")
_MODEL_ID = re.compile(r"^/api/v1/models/(\d+)$")
_EMPTY_PAGE: dict[str, Any] = {"items": [], "metadata": {}}


def storm_tag(request: HostileRequest) -> int | None:
    """The call number a request belongs to: ``storm-<n>-`` in its target or body, else a model id - 1."""
    match = _TAG.search(request.target) or _TAG.search(request.body.decode("utf-8", errors="replace"))
    if match:
        return int(match.group(1))
    by_id = _MODEL_ID.match(request.path)
    return int(by_id.group(1)) - 1 if by_id else None


# ---------------------------------------------------------------------------------------------- the mix


@dataclass(frozen=True, slots=True)
class StormMix:
    """Relative weights of what the server does with one request, and the bounds of the waits it asks
    for (keep both under the client's timeout: a storm measures resilience, not patience)."""

    ok: float = 55.0
    status_500: float = 5.0
    status_502: float = 5.0
    status_503: float = 5.0
    status_429: float = 5.0
    reset: float = 10.0
    """A cut at a random [`Phase`][]."""
    truncate: float = 5.0
    """Content-Length larger than the body, then close."""
    stall: float = 10.0
    """Wait, then the normal answer."""
    max_retry_after: float = 0.05
    max_stall: float = 0.05
    phases: tuple[Phase, ...] = tuple(Phase)

    def draw(self, rng: random.Random, answer: Any) -> Misbehaviour:
        """One behaviour for one request; ``answer`` is the JSON a well-behaved server would send (also the
        body of the answers that are cut short)."""
        normal = Misbehaviour.json(answer, name="ok")
        kinds = ("ok", "status_500", "status_502", "status_503", "status_429", "reset", "truncate", "stall")
        weights = [getattr(self, kind) for kind in kinds]
        kind = rng.choices(kinds, weights)[0]
        if kind == "ok":
            return normal
        if kind.startswith("status_"):
            code = int(kind.removeprefix("status_"))
            retry_after = round(rng.uniform(0, self.max_retry_after), 3) if code in (429, 503) else None
            return Misbehaviour.status(code, retry_after=retry_after)
        if kind == "reset":
            return Misbehaviour.reset(rng.choice(self.phases), graceful=rng.random() < 0.3, body=answer)
        if kind == "truncate":
            return Misbehaviour.short_body(declared=rng.randint(50, 5000), sent=rng.randint(0, 40))
        return Misbehaviour.stall(round(rng.uniform(0, self.max_stall), 3), normal)


# ---------------------------------------------------------------------------------------------- operations


@dataclass(frozen=True, slots=True)
class StormOperation:
    """One kind of logical call: how to make call number ``n`` on a client, and what a well-behaved
    server answers. ``idempotent=False`` marks a POST without an idempotency key (never to be repeated)."""

    name: str
    invoke: Callable[[Any, int], Any]
    answer: Callable[[HostileRequest], Any]
    method: str = "GET"
    idempotent: bool = True


def storm_core_operations() -> tuple[StormOperation, ...]:
    """REST calls: ``get_by_id``, ``execute``, ``first_or_none``, ``iterate(max_items=1)``."""
    page = {"items": [{"id": 1, "name": "storm"}], "metadata": {"nextCursor": "storm-next"}}
    return (
        StormOperation(
            "models.get_by_id",
            lambda client, n: client.models.get_by_id(n + 1),
            lambda request: {"id": int(request.path.rsplit("/", 1)[1]), "name": "storm"},
        ),
        StormOperation(
            "models.execute", lambda client, n: client.models.where_name(f"storm-{n}-").execute(limit=1), lambda _: page
        ),
        StormOperation(
            "models.first_or_none",
            lambda client, n: client.models.where_name(f"storm-{n}-").first_or_none(),
            lambda _: page,
        ),
        StormOperation(
            "models.iterate",
            lambda client, n: client.models.where_name(f"storm-{n}-").iterate(max_items=1),
            lambda _: page,
        ),
    )


def storm_sdk_operations() -> tuple[StormOperation, ...]:
    """Orchestration calls: ``workflows.get``, ``submit`` without and with an idempotency key (externalId)."""

    def workflow(request: HostileRequest) -> Any:
        return {"id": request.path.rsplit("/", 1)[1], "status": "succeeded"}

    def submitted(request: HostileRequest) -> Any:
        return {"id": "wf-storm", "status": "scheduled"}

    return (
        StormOperation("workflows.get", lambda client, n: client.workflows.get(f"storm-{n}-wf"), workflow),
        StormOperation(
            "workflows.submit",
            lambda client, n: client.workflows.submit({"metadata": {"storm": f"storm-{n}-"}, "steps": []}),
            submitted,
            method="POST",
            idempotent=False,
        ),
        StormOperation(
            "workflows.submit(externalId)",
            lambda client, n: client.workflows.submit({"externalId": f"storm-{n}-ext", "steps": []}),
            submitted,
            method="POST",
        ),
    )


# ---------------------------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class StormCall:
    """One logical call of a storm."""

    number: int
    operation: str
    label: str
    seconds: float
    attempts: int


@dataclass(frozen=True)
class StormReport:
    """What a storm found. ``ok`` is true when every promise held."""

    name: str
    seed: int
    calls: tuple[StormCall, ...] = field(repr=False)
    outcomes: Mapping[str, int]
    untyped: tuple[tuple[int, str, str], ...]
    """(call number, exception type, repr) of every untyped exception."""
    allowed_attempts: int
    over_budget: tuple[tuple[int, int], ...]
    """(call number, attempts) of calls that took more than ``allowed_attempts``."""
    duplicated_unkeyed_posts: tuple[tuple[int, int], ...]
    """(call number, times seen) of POSTs without an idempotency key that reached the server more than once."""
    key_leaks: tuple[tuple[int, str], ...]
    """(call number, where) for results/errors showing the key; call -1: a log record."""
    behaviours: Mapping[str, int]
    wall_seconds: float
    deadline_seconds: float | None
    """The configured total deadline per call (None when the options have none)."""
    over_deadline: tuple[tuple[int, float], ...]
    kit_errors: int

    @property
    def max_attempts(self) -> int:
        return max((call.attempts for call in self.calls), default=0)

    @property
    def slowest_call_seconds(self) -> float:
        return max((call.seconds for call in self.calls), default=0.0)

    @property
    def ok(self) -> bool:
        return not (
            self.untyped
            or self.over_budget
            or self.duplicated_unkeyed_posts
            or self.key_leaks
            or self.over_deadline
            or self.kit_errors
        )

    def summary(self) -> str:
        """A short text report (totals first), for logs and assertion messages."""
        outcomes = ", ".join(f"{label}={count}" for label, count in sorted(self.outcomes.items()))
        deadline = "none configured" if self.deadline_seconds is None else f"{self.deadline_seconds:g}s"
        lines = [
            f"storm {self.name} seed={self.seed}: {len(self.calls)} calls in {self.wall_seconds:.1f}s",
            f"  outcomes: {outcomes}",
            f"  untyped exceptions: {len(self.untyped)}"
            + "".join(f"\n    call {n}: {kind}: {text[:200]}" for n, kind, text in self.untyped[:5]),
            f"  max attempts per call: {self.max_attempts} (allowed {self.allowed_attempts});"
            f" over budget: {len(self.over_budget)} {list(self.over_budget[:5])}",
            f"  unkeyed POSTs seen twice: {len(self.duplicated_unkeyed_posts)}"
            f" {list(self.duplicated_unkeyed_posts[:5])}",
            f"  key leaks: {len(self.key_leaks)} {list(self.key_leaks[:3])}",
            f"  slowest call: {self.slowest_call_seconds:.2f}s; deadline: {deadline};"
            f" over deadline: {len(self.over_deadline)}",
            f"  kit errors: {self.kit_errors}",
        ]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- running


def storm_options(server_url: str, backend: str, api_key: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The option values a storm runs with: tiny backoff, Retry-After honoured up to 1 s, 2 s timeouts,
    a 10 s total deadline (when the options know ``total_timeout_seconds``), merged with ``overrides``."""
    resilience: dict[str, Any] = {
        "max_retries": 3,
        "base_delay_seconds": 0,
        "max_delay_seconds": 0,
        "max_retry_after_seconds": 1,
    }
    if "total_timeout_seconds" in ResilienceOptions.model_fields:
        resilience["total_timeout_seconds"] = 10
    values: dict[str, Any] = {
        "base_url": server_url,
        "api_key": api_key,
        "http_backend": backend,
        "timeout_seconds": 2,
        "resilience": resilience,
        "sdk": {"base_url": server_url, "timeout_seconds": 2},
    }
    return _merge(values, overrides or {})


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def run_storm(
    client_factory: Callable[[CivitaiApiOptions], Any],
    *,
    seed: int = 0,
    calls: int = 1000,
    mix: StormMix | None = None,
    backend: Literal["httpx", "aiohttp"] = "httpx",
    operations: Sequence[StormOperation] | None = None,
    options: Mapping[str, Any] | None = None,
    api_key: str = STORM_KEY,
    deadline_grace: float = 1.0,
    name: str | None = None,
) -> StormReport:
    """Run ``calls`` seeded calls of ``operations`` (default: by client type) on ``client_factory(options)``
    against a fresh [`HostileServer`][] and report. Sync and async clients alike (async calls run on
    an event loop of their own, so call this from a thread without a running loop)."""
    chosen_mix = mix or StormMix()
    with HostileServer() as server:
        values = storm_options(server.url, backend, api_key, options)
        configured = CivitaiApiOptions.isolated(**values)
        deadline = getattr(configured.resilience, "total_timeout_seconds", None)
        plan: dict[int, StormOperation] = {}
        state = _StormState(seed, chosen_mix, plan)
        server.choose("*", state.choose)
        started = time.monotonic()
        with LogCapture() as capture:
            outcomes = asyncio.run(_drive(client_factory, configured, operations, calls, seed, plan))
        wall = time.monotonic() - started
        requests = server.requests
        kit_errors = len(server.errors)
    return _report(
        name or f"{getattr(client_factory, '__name__', 'client')}[{backend}]",
        seed,
        outcomes,
        plan,
        requests,
        state.behaviours,
        configured.resilience.max_retries + 1,
        deadline,
        deadline_grace,
        wall,
        api_key,
        capture.records,
        kit_errors,
    )


class _StormState:
    def __init__(self, seed: int, mix: StormMix, plan: dict[int, StormOperation]) -> None:
        self.seed = seed
        self.mix = mix
        self.plan = plan
        self.attempts: collections.Counter[int] = collections.Counter()
        self.behaviours: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()

    def choose(self, request: HostileRequest) -> Misbehaviour:
        tag = storm_tag(request)
        operation = self.plan.get(tag) if tag is not None else None
        if tag is None or operation is None:
            return Misbehaviour.json(_EMPTY_PAGE, name="untagged-empty-page")
        with self.lock:
            attempt = self.attempts[tag]
            self.attempts[tag] += 1
        rng = random.Random(f"{self.seed}:{tag}:{attempt}")
        behaviour = self.mix.draw(rng, operation.answer(request))
        with self.lock:
            self.behaviours[_family(behaviour.name)] += 1
        return behaviour


def _family(name: str) -> str:
    if name.startswith("stall-"):
        return "stall"
    if name.startswith("status-"):
        return name.split("-retry-after")[0]
    if name.startswith("short-body"):
        return "truncate"
    return name


async def _drive(
    factory: Callable[[Any], Any],
    options: Any,
    operations: Sequence[StormOperation] | None,
    calls: int,
    seed: int,
    plan: dict[int, StormOperation],
) -> list[tuple[int, Outcome]]:
    client = factory(options)
    chosen = (
        tuple(operations)
        if operations
        else (storm_sdk_operations() if hasattr(client, "workflows") else storm_core_operations())
    )
    picker = random.Random(f"{seed}:operations")
    is_async = inspect.iscoroutinefunction(getattr(client, "aclose", None))
    results: list[tuple[int, Outcome]] = []
    try:
        for number in range(calls):
            operation = picker.choice(chosen)
            plan[number] = operation
            started = time.monotonic()
            try:
                returned = await drive_async(operation.invoke(client, number), 1000, is_async=is_async)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                results.append((number, classify_exception(exc, time.monotonic() - started)))
                continue
            results.append((number, classify(returned, time.monotonic() - started)))
    finally:
        closing = getattr(client, "aclose", None)
        if closing is not None:
            await closing()
        else:
            client.close()
    return results


def _report(
    name: str,
    seed: int,
    outcomes: list[tuple[int, Outcome]],
    plan: Mapping[int, StormOperation],
    requests: list[HostileRequest],
    behaviours: Mapping[str, int],
    allowed: int,
    deadline: float | None,
    grace: float,
    wall: float,
    api_key: str,
    records: list[logging.LogRecord],
    kit_errors: int,
) -> StormReport:
    attempts: collections.Counter[int] = collections.Counter()
    unkeyed_posts: collections.Counter[int] = collections.Counter()
    for request in requests:
        tag = storm_tag(request)
        if tag is None:
            continue
        attempts[tag] += 1
        if request.method == "POST" and request.header("idempotency-key") is None:
            unkeyed_posts[tag] += 1
    calls: list[StormCall] = []
    untyped: list[tuple[int, str, str]] = []
    leaks: list[tuple[int, str]] = []
    for number, outcome in outcomes:
        calls.append(StormCall(number, plan[number].name, outcome.label, outcome.seconds, attempts[number]))
        if not outcome.typed:
            kind = type(outcome.exception).__name__ if outcome.exception is not None else outcome.label
            untyped.append((number, kind, repr(outcome.exception if outcome.exception is not None else outcome.value)))
        leaks += [(number, where) for where in outcome.leaks(api_key)]
    leaks += [(-1, where) for where in log_leaks(records, api_key)]
    labels = collections.Counter(call.label for call in calls)
    over_deadline = tuple(
        (call.number, round(call.seconds, 3))
        for call in calls
        if deadline is not None and call.seconds > deadline + grace
    )
    return StormReport(
        name=name,
        seed=seed,
        calls=tuple(calls),
        outcomes=dict(labels),
        untyped=tuple(untyped),
        allowed_attempts=allowed,
        over_budget=tuple((n, count) for n, count in sorted(attempts.items()) if count > allowed),
        duplicated_unkeyed_posts=tuple((n, count) for n, count in sorted(unkeyed_posts.items()) if count > 1),
        key_leaks=tuple(leaks),
        behaviours=dict(behaviours),
        wall_seconds=wall,
        deadline_seconds=deadline,
        over_deadline=over_deadline,
        kit_errors=kit_errors,
    )


def report_json(report: StormReport) -> str:
    """The report's totals as JSON (for CI artefacts)."""
    return json.dumps(
        {
            "name": report.name,
            "seed": report.seed,
            "calls": len(report.calls),
            "outcomes": dict(report.outcomes),
            "untyped": len(report.untyped),
            "max_attempts": report.max_attempts,
            "allowed_attempts": report.allowed_attempts,
            "over_budget": len(report.over_budget),
            "duplicated_unkeyed_posts": len(report.duplicated_unkeyed_posts),
            "key_leaks": len(report.key_leaks),
            "wall_seconds": round(report.wall_seconds, 2),
            "slowest_call_seconds": round(report.slowest_call_seconds, 3),
            "deadline_seconds": report.deadline_seconds,
            "behaviours": dict(report.behaviours),
        },
        indent=2,
    )
