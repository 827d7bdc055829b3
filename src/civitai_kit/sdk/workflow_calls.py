"""Operations for every v2 workflow endpoint (``/v2/consumer/workflows``), shared by the sync and async
clients and by the builders' ``submit()``. Arguments are checked when an operation is made, before anything
is sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, Unpack
from urllib.parse import quote

from civitai_kit._http import ApiRequest, HttpCore, encode_query
from civitai_kit._runtime import Now, Operation, Sleep
from civitai_kit.errors import Error, ErrorCode
from civitai_kit.result import Failure, Result
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk.calls import call, call_empty
from civitai_kit.sdk.models import Workflow, WorkflowPage, WorkflowStep
from civitai_kit.sdk.templates import WorkflowTemplate

WORKFLOWS = "/v2/consumer/workflows"
MAX_WAIT_SECONDS = 100  # the orchestrator caps a request's blocking wait at 100 s
POLL_DELAYS = (2.0, 5.0, 10.0, 15.0)
POLL_EVERY = 30.0


def workflow_path(workflow_id: str, *rest: str) -> str:
    check.text("workflow_id", workflow_id)
    return "/".join((WORKFLOWS, quote(workflow_id, safe=""), *(quote(part, safe="") for part in rest)))


def submit(
    http: HttpCore,
    template: WorkflowTemplate | Mapping[str, Any],
    *,
    wait: int = 0,
    whatif: bool = False,
    hide_mature_content: bool = False,
) -> Operation[Result[Workflow]]:
    """``POST /v2/consumer/workflows``. Retried on 429/5xx only when the template carries an ``externalId``."""
    body = template.to_json() if isinstance(template, WorkflowTemplate) else dict(template)
    wait = check.integer("wait", wait, 0, MAX_WAIT_SECONDS)
    if body.get("ephemeral") and not body.get("callbacks") and wait == 0:
        raise ValueError("an ephemeral workflow needs a callback or wait > 0, or its results are lost")
    external_id = body.get("externalId")
    params = encode_query(
        {"wait": wait or None, "whatif": whatif or None, "hideMatureContent": hide_mature_content or None}
    )
    request = ApiRequest(
        "POST",
        WORKFLOWS,
        params=params,
        json=body,
        idempotency_key=external_id if isinstance(external_id, str) else None,
    )
    return call(http, request, Workflow.model_validate, hold=wait)


def get(
    http: HttpCore, workflow_id: str, *, wait: int = 0, hide_mature_content: bool = False
) -> Operation[Result[Workflow]]:
    """``GET /v2/consumer/workflows/{id}``; ``wait``: seconds the server may hold it until the workflow ends."""
    wait = check.integer("wait", wait, 0, MAX_WAIT_SECONDS)
    params = encode_query({"wait": wait or None, "hideMatureContent": hide_mature_content or None})
    request = ApiRequest("GET", workflow_path(workflow_id), params=params)
    return call(http, request, Workflow.model_validate, hold=wait)


class WorkflowFilters(TypedDict, total=False):
    """Filters of ``GET /v2/consumer/workflows``."""

    tags: Iterable[str]
    """Only workflows carrying every one of these tags."""
    query: str | None
    """Text matched against the workflows' metadata."""
    ascending: bool | None
    """Oldest first (default: newest first)."""
    hide_mature_content: bool | None
    """Leave mature blobs' URLs out (the server's default for this listing is ``True``)."""
    from_date: datetime | None
    to_date: datetime | None
    exclude_failed: bool


def query_page(
    http: HttpCore, *, cursor: str | None = None, take: int = 100, **filters: Unpack[WorkflowFilters]
) -> Operation[Result[WorkflowPage]]:
    """One page of ``GET /v2/consumer/workflows`` (``take`` 1–1000); ``next`` in the page continues it."""
    return call(http, query_request(cursor=cursor, take=take, **filters), WorkflowPage.model_validate)


def query_request(*, cursor: str | None = None, take: int = 100, **filters: Unpack[WorkflowFilters]) -> ApiRequest:
    """The request for one page of the listing (its filters checked)."""
    from_date, to_date = filters.get("from_date"), filters.get("to_date")
    params = encode_query(
        {
            "cursor": cursor or None,
            "take": check.integer("take", take, 1, 1000),
            "tags": list(check.strings("tags", filters.get("tags", ()))),
            "query": filters.get("query"),
            "ascending": filters.get("ascending"),
            "hideMatureContent": filters.get("hide_mature_content"),
            "fromDate": from_date.isoformat() if from_date else None,
            "toDate": to_date.isoformat() if to_date else None,
            "excludeFailed": filters.get("exclude_failed") or None,
        }
    )
    return ApiRequest("GET", WORKFLOWS, params=params)


def update(
    http: HttpCore,
    workflow_id: str,
    *,
    canceled: bool = False,
    metadata: Mapping[str, Any] | None = None,
    tags: Iterable[str] | None = None,
    allow_mature_content: bool | None = None,
) -> Operation[Result[None]]:
    """``PUT /v2/consumer/workflows/{id}`` (``UpdateWorkflowRequest``)."""
    body: dict[str, Any] = {}
    if canceled:
        body["status"] = "canceled"
    if metadata is not None:
        body["metadata"] = dict(metadata)
    if tags is not None:
        body["tags"] = list(check.strings("tags", tags))
    if allow_mature_content is not None:
        body["allowMatureContent"] = bool(allow_mature_content)
    if not body:
        raise ValueError("update() needs at least one of canceled, metadata, tags, allow_mature_content")
    return call_empty(http, ApiRequest("PUT", workflow_path(workflow_id), json=body))


def cancel(http: HttpCore, workflow_id: str) -> Operation[Result[None]]:
    """Cancel: ``PUT {"status": "canceled"}``; jobs not yet finished are stopped and refunded."""
    return update(http, workflow_id, canceled=True)


def delete(http: HttpCore, workflow_id: str) -> Operation[Result[None]]:
    """``DELETE /v2/consumer/workflows/{id}``."""
    return call_empty(http, ApiRequest("DELETE", workflow_path(workflow_id)))


def add_tag(http: HttpCore, workflow_id: str, tag: str) -> Operation[Result[None]]:
    """``POST …/tags`` with the tag as a JSON string body."""
    tag = check.text("tag", tag, max_length=200)
    return call_empty(http, ApiRequest("POST", workflow_path(workflow_id, "tags"), json=tag))


def remove_tag(http: HttpCore, workflow_id: str, tag: str | None = None) -> Operation[Result[None]]:
    """Remove one tag, or every tag when ``tag`` is ``None``."""
    path = (
        workflow_path(workflow_id, "tags")
        if tag is None
        else workflow_path(workflow_id, "tags", check.text("tag", tag))
    )
    return call_empty(http, ApiRequest("DELETE", path))


def get_step(http: HttpCore, workflow_id: str, step_name: str) -> Operation[Result[WorkflowStep]]:
    """``GET …/steps/{name}``: one step of a workflow."""
    path = workflow_path(workflow_id, "steps", check.text("step_name", step_name))
    return call(http, ApiRequest("GET", path), WorkflowStep.model_validate)


def update_step(
    http: HttpCore, workflow_id: str, step_name: str, metadata: Mapping[str, Any]
) -> Operation[Result[None]]:
    """``PUT …/steps/{name}``: replace a step's metadata."""
    path = workflow_path(workflow_id, "steps", check.text("step_name", step_name))
    return call_empty(http, ApiRequest("PUT", path, json={"metadata": dict(metadata)}))


def poll_delays() -> Iterable[float]:
    """The documented polling cadence: 2, 5, 10, 15 s, then every 30 s."""
    yield from POLL_DELAYS
    while True:
        yield POLL_EVERY


def wait_for(
    http: HttpCore, workflow_id: str, *, timeout: float = 600.0, hide_mature_content: bool = False
) -> Operation[Result[Workflow]]:
    """Poll until the workflow is terminal. On timeout: a ``TIMEOUT`` failure whose ``details["workflow"]``
    is the last state seen (``details["status"]`` its status)."""
    timeout = check.number("timeout", timeout, 0)
    check.text("workflow_id", workflow_id)
    return _poll(http, workflow_id, timeout, hide_mature_content)


def _poll(http: HttpCore, workflow_id: str, timeout: float, hide_mature_content: bool) -> Operation[Result[Workflow]]:
    started: float = yield Now()
    for delay in poll_delays():
        result = yield from get(http, workflow_id, hide_mature_content=hide_mature_content)
        if isinstance(result, Failure) or result.value.is_terminal:
            return result
        now: float = yield Now()
        remaining = timeout - (now - started)
        if remaining <= 0:
            workflow = result.value
            return Failure(
                Error(
                    ErrorCode.TIMEOUT,
                    f"Workflow {workflow_id} is still {workflow.status} after {timeout:g} s.",
                    details={"workflow": workflow, "status": workflow.status, "workflow_id": workflow_id},
                )
            )
        yield Sleep(min(delay, remaining))
    raise AssertionError("unreachable: poll_delays() never ends")
