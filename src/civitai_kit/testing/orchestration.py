"""Fake Civitai orchestration routes: v2 workflows, blobs and resources (v1 jobs in ``orchestration_v1``).

    with FakeCivitai() as server:
        fake = install_orchestration_routes(server)
        sdk = SdkClient(http_client=HttpClient(ClientSettings(base_url=server.url, token=SecretStr("t"))))

Every route requires ``Authorization: Bearer <token>`` (any token, or one of ``tokens``; the sandbox shares
its REST keys) and answers 401 ``application/problem+json`` without it, like the orchestrator. Workflows go
unassigned → scheduled → processing → succeeded, one stage per status read; a prompt containing ``[fail]``
makes a workflow fail.
Finished image steps carry blobs whose signed URLs (on ``content_host``, another host name for the same
server, so the key is never sent there) serve real PNG bytes.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from civitai_kit.testing.keys import accepted_key_set, bearer_accepted
from civitai_kit.testing.messages import FakeRequest, FakeResponse
from civitai_kit.testing.orchestration_data import png, resource_info, timestamp
from civitai_kit.testing.orchestration_http import (
    ApiProblem,
    flag,
    found,
    guarded,
    json_body,
    problem_response,
    router,
    spec_body,
    wait_seconds,
)
from civitai_kit.testing.orchestration_outputs import (
    RECIPES,
    STEP_TYPES,
    Media,
    MintBlob,
    output_for,
    recipe_output,
)
from civitai_kit.testing.orchestration_state import (
    IMAGE_STEPS,
    LIFECYCLE,
    PREVIEW_SIDE,
    URL_LIFETIME,
    FakeBlob,
    FakeOrchestrator,
    FakeWorkflow,
    step_costs,
)
from civitai_kit.testing.orchestration_v1 import install_v1_routes
from civitai_kit.testing.server import FakeCivitai

# The input schema of each recipe, as the spec's paths name it (``imageUpload`` takes a bare string: "").
RECIPE_INPUTS = {name: f"{name[0].upper()}{name[1:]}Input" for name in RECIPES} | {"wdTagging": "WDTaggingInput"}
RECIPE_INPUTS["imageUpload"] = ""
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_TEXT_TO_IMAGE_KEYS = frozenset(
    [
        "quantity",
        "batchSize",
        "model",
        "additionalNetworks",
        "controlNets",
        "prompt",
        "negativePrompt",
        "scheduler",
        "steps",
        "cfgScale",
        "width",
        "height",
        "seed",
        "clipSkip",
        "imageMetadata",
        "engine",
        "outputFormat",
        "sourceImage",
        "sourceImageDenoiseStrenght",
    ]
)
_TEMPLATE_KEYS = frozenset(
    [
        "metadata",
        "tags",
        "steps",
        "callbacks",
        "tips",
        "arguments",
        "nsfwLevel",
        "experimental",
        "allowMatureContent",
        "upgradeMode",
        "currencies",
        "ephemeral",
        "externalId",
    ]
)


# ---------------------------------------------------------------------------------------------- rendering


def render_workflow(fake: FakeOrchestrator, workflow: FakeWorkflow, *, hide_mature: bool = False) -> dict[str, Any]:
    """The spec's ``Workflow``: its ``cost.base`` is the sum of its steps' costs (each step's jobs share its
    step's cost), tips are rates of that base, and the whole charge is one debit in the workflow's first
    currency (refunded by a credit in that currency when the workflow fails or is canceled)."""
    body = workflow.body
    status = workflow.status
    costs = step_costs(body)
    base = sum(costs)
    tip_rates = body.get("tips") or {"civitai": 0, "creators": 0}
    tips = {key: round(base * float(tip_rates.get(key, 0))) for key in ("civitai", "creators")}
    total = base + tips["civitai"] + tips["creators"]
    currencies = body.get("currencies") or ["blue", "green", "yellow"]
    account = currencies[0]
    transactions: list[dict[str, Any]] = [
        {"type": "debit", "amount": total, "id": f"tx-{workflow.id}", "accountType": account}
    ]
    if status in ("failed", "canceled"):
        transactions.append({"type": "credit", "amount": total, "id": f"tx-{workflow.id}-r", "accountType": account})
    rendered: dict[str, Any] = {
        "id": workflow.id,
        "createdAt": timestamp(workflow.created_at),
        "transactions": {"list": transactions},
        "metadata": workflow.metadata,
        "status": status,
        "tags": workflow.tags,
        "arguments": body.get("arguments") or {},
        "steps": [render_step(fake, workflow, index, costs[index], hide_mature) for index in range(len(costs))],
        "callbacks": body.get("callbacks") or [],
        "tips": {"civitai": float(tip_rates.get("civitai", 0)), "creators": float(tip_rates.get("creators", 0))},
        "cost": {"base": base, "tips": tips, "total": total},
        "upgradeMode": body.get("upgradeMode", "manual"),
        "currencies": currencies,
        "forceRefunded": False,
    }
    for key in ("nsfwLevel", "experimental", "ephemeral"):
        if body.get(key) is not None:
            rendered[key] = body[key]
    if workflow.allow_mature_content is not None:
        rendered["allowMatureContent"] = workflow.allow_mature_content
    if body.get("externalId"):
        rendered["externalId"] = body["externalId"]
    if workflow.started_at:
        rendered["startedAt"] = timestamp(workflow.started_at)
    if workflow.completed_at:
        rendered["completedAt"] = timestamp(workflow.completed_at)
    return rendered


def render_step(
    fake: FakeOrchestrator, workflow: FakeWorkflow, index: int, cost: int, hide_mature: bool
) -> dict[str, Any]:
    template = workflow.body["steps"][index]
    status = workflow.status
    job_ids = workflow.jobs[index]
    step: dict[str, Any] = {
        "$type": template["$type"],
        "name": template.get("name") or f"${index}",
        "priority": template.get("priority", "normal"),
        "status": status,
        "metadata": template.get("metadata") or {},
        "input": template.get("input") or {},
        "jobs": [
            {
                "id": job_id,
                "status": status,
                "cost": round(cost / len(job_ids), 4),
                "queuePosition": {"support": "available", "precedingJobs": max(0, 1 - workflow.stage)},
            }
            for job_id in job_ids
        ],
    }
    for key in ("timeout", "retries"):
        if template.get(key) is not None:
            step[key] = template[key]
    if workflow.started_at:
        step["startedAt"] = timestamp(workflow.started_at)
    if workflow.completed_at:
        step["completedAt"] = timestamp(workflow.completed_at)
    if status == "processing":
        step["estimatedProgressRate"] = 0.5
    output = render_output(fake, workflow, index, template, hide_mature)
    if output is not None:
        step["output"] = output
    return step


def render_output(
    fake: FakeOrchestrator, workflow: FakeWorkflow, index: int, template: dict[str, Any], hide_mature: bool
) -> dict[str, Any] | None:
    status = workflow.status
    if template["$type"] in IMAGE_STEPS:
        if status == "failed":
            # Only ImageGenOutput has ``errors``; a failed textToImage step just has no images.
            if template["$type"] == "imageGen":
                return {"images": [], "errors": ["The fake orchestrator failed this step: '[fail]' is in the prompt."]}
            return {"images": []}
        if status not in ("processing", "succeeded"):
            return None
        if status == "succeeded":
            completed_output(fake, workflow, index, template)  # the PNGs, once; the JSON is rendered fresh below
        images = [fake.blob_json(blob, available=status == "succeeded") for blob in workflow.blobs[index]]
        if hide_mature:
            for image in images:
                if image["nsfwLevel"] not in ("pg", "pg13"):
                    image.pop("url", None)
        return {"images": images}
    if template["$type"] == "echo" and status == "succeeded":
        return {"message": str((template.get("input") or {}).get("message", ""))}
    if status == "succeeded" and template["$type"] in STEP_TYPES:
        return completed_output(fake, workflow, index, template)
    return None


def completed_output(
    fake: FakeOrchestrator, workflow: FakeWorkflow, index: int, template: dict[str, Any]
) -> dict[str, Any]:
    """The one place a succeeded step gets its output: made once by
    [`output_for`][civitai_kit.testing.orchestration_outputs.output_for], its files stored as blobs.

    An image step's images fill the blobs it announced while processing (same ids, jobs and NSFW levels),
    so the images served are the PNGs ``output_for`` made at the requested size.
    """
    if index not in workflow.outputs:
        announced = iter(workflow.blobs[index])

        def mint(item: Media) -> Mapping[str, Any]:
            blob = next(announced, None) if item.kind == "image" else None
            if blob is None:
                return fake.store_media(item.kind, item.content, item.content_type, item.extension)
            blob.content, blob.content_type = item.content, item.content_type
            blob.width = int(item.fields.get("width", blob.width))
            blob.height = int(item.fields.get("height", blob.height))
            return fake.blob_json(blob, available=True)

        outcome = output_for(template["$type"], template.get("input"), mint=mint, now=fake.clock())
        workflow.outputs[index] = outcome.output
    return workflow.outputs[index]


# ---------------------------------------------------------------------------------------------- checks


def check_template(body: Any, wait: int) -> dict[str, Any]:
    """The checks the orchestrator makes before accepting a workflow (a subset, with its wording)."""
    if not isinstance(body, dict):
        raise ApiProblem(400, "Bad Request", "The workflow template must be a JSON object.")
    errors: dict[str, list[str]] = {}
    for key in set(body) - _TEMPLATE_KEYS:
        errors[key] = [f"The field '{key}' is not part of a workflow template."]
    steps = body.get("steps")
    if not isinstance(steps, list) or not steps:
        errors["steps"] = ["At least one step is required."]
        steps = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("$type"), str):
            errors[f"steps[{index}].$type"] = ["The step type ($type) is required."]
            continue
        data = step.get("input")
        if not isinstance(data, dict):
            errors[f"steps[{index}].input"] = ["The step input is required."]
            continue
        if step["$type"] == "textToImage":
            for key in set(data) - _TEXT_TO_IMAGE_KEYS:
                errors[f"steps[{index}].input.{key}"] = ["Unknown field."]
            for key in ("prompt", "cfgScale", "seed"):
                if key not in data:
                    errors[f"steps[{index}].input.{key}"] = [f"The {key} field is required."]
        if step["$type"] == "imageGen" and not isinstance(data.get("engine"), str):
            errors[f"steps[{index}].input.engine"] = ["The engine field is required."]
    tags = body.get("tags") or []
    if len(tags) > 10 or any(not isinstance(tag, str) or len(tag) > 200 for tag in tags):
        errors["tags"] = ["At most 10 tags of at most 200 characters each."]
    external_id = body.get("externalId")
    if external_id is not None and not (isinstance(external_id, str) and _EXTERNAL_ID.fullmatch(external_id)):
        errors["externalId"] = ["The externalId must match ^[A-Za-z0-9_-]+$ and be at most 128 characters."]
    if body.get("ephemeral") and not body.get("callbacks") and wait <= 0:
        errors["ephemeral"] = ["An ephemeral workflow requires a callback or wait > 0."]
    if errors:
        raise ApiProblem(
            400, "One or more validation errors occurred.", "The workflow template is invalid.", errors=errors
        )
    return body


def apply_patch(fake: FakeOrchestrator, workflow: FakeWorkflow, index: int, operation: dict[str, Any]) -> None:
    """One JSON Patch operation on a workflow: what the orchestrator lets a client change (status to
    ``canceled``, ``metadata`` and its keys, ``tags``), anything else a 400 naming the operation."""
    op, path, value = operation["op"], operation["path"], operation.get("value")
    if path == "/status" and op == "replace" and value == "canceled":
        fake.cancel(workflow)
    elif path == "/metadata" and op in ("add", "replace") and isinstance(value, dict):
        workflow.metadata = dict(value)
    elif path.startswith("/metadata/") and op in ("add", "replace", "remove"):
        key = path.removeprefix("/metadata/").replace("~1", "/").replace("~0", "~")
        if op == "remove":
            workflow.metadata.pop(key, None)
        else:
            workflow.metadata[key] = value
    elif path == "/tags" and op in ("add", "replace") and isinstance(value, list):
        workflow.tags = [str(tag) for tag in value][:10]
    elif path == "/tags/-" and op == "add" and isinstance(value, str):
        if value not in workflow.tags:
            workflow.tags.append(value)
    else:
        errors = {f"[{index}]": [f"The operation {op} {path} is not supported on a workflow."]}
        raise ApiProblem(400, "One or more validation errors occurred.", "Invalid JSON Patch document.", errors=errors)


def user_id(request: FakeRequest) -> int:
    try:
        return int(request.path_params["userId"])
    except ValueError:
        raise ApiProblem(400, "Bad Request", "userId must be an integer.", errors={"userId": ["Invalid."]}) from None


def _unknown_route(request: FakeRequest) -> FakeResponse:
    """Anything under ``/v2`` that no route serves: a ``ProblemDetails`` 404, never an HTML page."""
    return problem_response(404, "Not Found", f"No operation {request.method} {request.path}.")


# ---------------------------------------------------------------------------------------------- routes


def install_orchestration_routes(
    server: FakeCivitai,
    *,
    tokens: Iterable[str] | None = None,
    polls_per_stage: int = 1,
    clock: Callable[[], datetime] | None = None,
    content_host: str = "localhost",
) -> FakeOrchestrator:
    """Serve the orchestration API (v2 workflows, blobs, resources and the v1 jobs API) from ``server``.

    ``tokens``: the only Bearer keys accepted (default: any non-blank one); later changes go to
    ``FakeOrchestrator.accepts``. Returns the [`FakeOrchestrator`][] holding the state, for tests to inspect
    or drive.
    """
    keys = accepted_key_set(tokens, "tokens")
    fake = FakeOrchestrator(
        polls_per_stage=polls_per_stage, clock=clock, content_base_url=server.url_for_host(content_host)
    )
    fake.accepts = lambda request: bearer_accepted(request, keys)

    route = router(server, lambda handler: guarded(fake, handler))

    def find(request: FakeRequest) -> FakeWorkflow:
        return found(fake.workflows, request.path_params["workflowId"], "Workflow")

    def answer(workflow: FakeWorkflow, request: FakeRequest) -> FakeResponse:
        if wait_seconds(request) > 0:
            fake.finish(workflow)  # the server blocks until done; the fake is done at once
        body = render_workflow(fake, workflow, hide_mature=flag(request, "hideMatureContent"))
        return FakeResponse.json(body, 200 if workflow.terminal else 202)

    @route("POST", "/v2/consumer/workflows")
    def submit(request: FakeRequest) -> FakeResponse:
        body = check_template(spec_body(request, "WorkflowTemplate"), wait_seconds(request))
        external_id = body.get("externalId")
        existing = next(
            (w for w in fake.workflows.values() if external_id and w.body.get("externalId") == external_id), None
        )
        if existing is not None:
            return answer(existing, request)
        workflow = fake.create_workflow(body)
        if flag(request, "whatif"):
            estimate = render_workflow(fake, workflow)
            estimate["transactions"]["insufficientBuzz"] = False
            return FakeResponse.json(estimate, 200)
        fake.workflows[workflow.id] = workflow
        fake.notify(workflow)
        return answer(workflow, request)

    @route("GET", "/v2/consumer/workflows/{workflowId}")
    def get(request: FakeRequest) -> FakeResponse:
        workflow = find(request)
        fake.poll(workflow)
        return answer(workflow, request)

    @route("PUT", "/v2/consumer/workflows/{workflowId}")
    def update(request: FakeRequest) -> FakeResponse:
        workflow, body = find(request), spec_body(request, "UpdateWorkflowRequest")
        unknown = set(body) - {"status", "metadata", "tags", "allowMatureContent"} if isinstance(body, dict) else {"?"}
        if unknown or (isinstance(body, dict) and body.get("status") not in (None, "canceled")):
            raise ApiProblem(400, "Bad Request", f"Invalid update request: {sorted(unknown) or body.get('status')}")
        if body.get("status") == "canceled":
            fake.cancel(workflow)
        if body.get("metadata") is not None:
            workflow.metadata = dict(body["metadata"])
        if body.get("tags") is not None:
            workflow.tags = list(body["tags"])
        if body.get("allowMatureContent") is not None:
            workflow.allow_mature_content = bool(body["allowMatureContent"])
        return FakeResponse.empty(204)

    @route("PATCH", "/v2/consumer/workflows/{workflowId}")
    def patch(request: FakeRequest) -> FakeResponse:
        workflow = find(request)
        for index, operation in enumerate(spec_body(request, "JsonPatchDocument")):
            apply_patch(fake, workflow, index, operation)
        return FakeResponse.empty(204)

    @route("DELETE", "/v2/consumer/workflows/{workflowId}")
    def delete(request: FakeRequest) -> FakeResponse:
        workflow = find(request)
        fake.cancel(workflow)
        del fake.workflows[workflow.id]
        return FakeResponse.empty(204)

    @route("POST", "/v2/consumer/workflows/{workflowId}/tags")
    def add_tag(request: FakeRequest) -> FakeResponse:
        workflow, tag = find(request), json_body(request)
        if not isinstance(tag, str) or not tag or len(tag) > 200:
            raise ApiProblem(
                400, "One or more validation errors occurred.", "Invalid tag.", errors={"tag": ["Invalid tag."]}
            )
        if tag not in workflow.tags:
            if len(workflow.tags) >= 10:
                raise ApiProblem(
                    400,
                    "One or more validation errors occurred.",
                    "Too many tags.",
                    errors={"tags": ["At most 10 tags."]},
                )
            workflow.tags.append(tag)
        return FakeResponse.empty(204)

    @route("DELETE", "/v2/consumer/workflows/{workflowId}/tags")
    def remove_tags(request: FakeRequest) -> FakeResponse:
        find(request).tags.clear()
        return FakeResponse.empty(204)

    @route("DELETE", "/v2/consumer/workflows/{workflowId}/tags/{tag}")
    def remove_tag(request: FakeRequest) -> FakeResponse:
        workflow = find(request)
        if request.path_params["tag"] in workflow.tags:
            workflow.tags.remove(request.path_params["tag"])
        return FakeResponse.empty(204)

    def find_step(request: FakeRequest) -> tuple[FakeWorkflow, int]:
        workflow = find(request)
        name = request.path_params["stepName"]
        for index, step in enumerate(workflow.body["steps"]):
            if (step.get("name") or f"${index}") == name:
                return workflow, index
        raise ApiProblem(404, "Not Found", f"Step {name} was not found in workflow {workflow.id}.")

    @route("GET", "/v2/consumer/workflows/{workflowId}/steps/{stepName}")
    def get_step(request: FakeRequest) -> FakeResponse:
        workflow, index = find_step(request)
        return FakeResponse.json(render_step(fake, workflow, index, step_costs(workflow.body)[index], False))

    @route("PUT", "/v2/consumer/workflows/{workflowId}/steps/{stepName}")
    def update_step(request: FakeRequest) -> FakeResponse:
        workflow, index = find_step(request)
        body = spec_body(request, "UpdateWorkflowStepRequest")
        if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
            raise ApiProblem(400, "Bad Request", "metadata is required.")
        workflow.body["steps"][index]["metadata"] = body["metadata"]
        return FakeResponse.empty(204)

    @route("GET", "/v2/consumer/workflows")
    def query(request: FakeRequest) -> FakeResponse:
        found = list(fake.workflows.values())
        wanted = request.query_all("tags")
        found = [w for w in found if all(tag in w.tags for tag in wanted)]
        if text := request.query.get("query"):
            found = [w for w in found if text in json.dumps(w.metadata)]
        if flag(request, "excludeFailed"):
            found = [w for w in found if w.status != "failed"]
        found.sort(key=lambda w: w.created_at, reverse=not flag(request, "ascending"))
        offset = int(base64.urlsafe_b64decode(request.query["cursor"]).decode()) if request.query.get("cursor") else 0
        take = int(request.query.get("take", "100"))
        page = found[offset : offset + take]
        more = offset + take < len(found)
        cursor = base64.urlsafe_b64encode(str(offset + take).encode()).decode() if more else ""
        hide = request.query.get("hideMatureContent", "true").lower() == "true"
        return FakeResponse.json({"next": cursor, "items": [render_workflow(fake, w, hide_mature=hide) for w in page]})

    # -- blobs and resources -------------------------------------------------------------------------

    def find_blob(request: FakeRequest) -> FakeBlob:
        return found(fake.blobs, request.path_params["blobId"], "Blob")

    @route("GET", "/v2/consumer/blobs/{blobId}")
    def get_blob(request: FakeRequest) -> FakeResponse:
        return FakeResponse.redirect(fake.signed_url(find_blob(request)), status=308)

    @route("HEAD", "/v2/consumer/blobs/{blobId}")
    def head_blob(request: FakeRequest) -> FakeResponse:
        find_blob(request)
        return FakeResponse.empty(204)

    @route("POST", "/v2/consumer/blobs/{blobId}/refresh")
    def refresh_blob(request: FakeRequest) -> FakeResponse:
        blob = find_blob(request)
        fake.signed_url(blob, fresh=True)
        return FakeResponse.json(fake.blob_json(blob, available=True))

    def content(request: FakeRequest) -> FakeResponse:  # signed URL: no key needed (or sent)
        with fake.lock:
            blob = fake.blob_for_token(request.path_params["token"])
        if blob is None:
            return problem_response(403, "Forbidden", "The signed URL is invalid or has expired.")
        side = PREVIEW_SIDE
        content = blob.content or png(side, side, blob.seed)
        return FakeResponse.bytes(content, blob.content_type, headers={"Cache-Control": "private"})

    server.add_route("GET", "/v2/consumer/blobs/content/{token}", content)

    def blocked(request: FakeRequest) -> FakeResponse:
        return problem_response(403, "Forbidden", "This content was blocked by moderation.")

    def archive(request: FakeRequest) -> FakeResponse:
        return problem_response(410, "Gone", "The archive link has expired.")

    def streaming(request: FakeRequest) -> FakeResponse:
        with fake.lock:
            blob = fake.blobs.get(request.path_params["blobKey"])
        if blob is None:
            return problem_response(404, "Not Found", f"Blob {request.path_params['blobKey']} was not found.")
        return FakeResponse.bytes(blob.content or png(PREVIEW_SIDE, PREVIEW_SIDE, blob.seed), blob.content_type)

    server.add_route("GET", "/v2/consumer/blobs/blocked/{token}", blocked)
    server.add_route("GET", "/v2/consumer/blobs/archive/{token}", archive)
    server.add_route("GET", "/v2/consumer/streaming-blobs/{blobKey}", streaming)

    @route("GET", "/v2/resources/{air}")
    def resource(request: FakeRequest) -> FakeResponse:
        air = request.path_params["air"]
        info = resource_info(air.lower() if air.lower().startswith("urn:air:") else air, fake.clock())
        if info is None:
            raise ApiProblem(404, "Not Found", f"Resource {air} was not found.")
        return FakeResponse.json(info)

    @route("PATCH", "/v2/consumer/workflows/{workflowId}/steps/{stepName}")
    def patch_step(request: FakeRequest) -> FakeResponse:
        workflow, index = find_step(request)
        step = workflow.body["steps"][index]
        for number, operation in enumerate(spec_body(request, "JsonPatchDocument")):
            value = operation.get("value")
            if (
                operation["path"] != "/metadata"
                or operation["op"] not in ("add", "replace")
                or not isinstance(value, dict)
            ):
                detail = f"The operation {operation['op']} {operation['path']} is not supported on a step."
                raise ApiProblem(400, "Bad Request", detail, errors={f"[{number}]": [detail]})
            step["metadata"] = dict(value)
        return FakeResponse.empty(204)

    @route("GET", "/v2/consumer/blobs/upload")
    def upload_url(request: FakeRequest) -> FakeResponse:
        expires = fake.clock() + URL_LIFETIME
        url = f"{server.url}/v2/consumer/blobs?sig={secrets.token_urlsafe(18)}"
        return FakeResponse.json({"uploadUrl": url, "expiresAt": timestamp(expires)})

    @route("POST", "/v2/consumer/blobs")
    def upload(request: FakeRequest) -> FakeResponse:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        kind = content_type.split("/")[0]
        if kind not in ("image", "video", "audio"):
            raise ApiProblem(415, "Unsupported Media Type", f"Cannot store a blob of type {content_type or 'none'}.")
        if not request.body:
            raise ApiProblem(400, "Bad Request", "The upload is empty.")
        extension = content_type.split("/")[1].split("+")[0] or "bin"
        blob = fake.store_media(kind, request.body, content_type, extension)
        return FakeResponse.json({**blob, "type": kind}, 201)

    @route("DELETE", "/v2/consumer/civitai/{userId}")
    def invalidate_user(request: FakeRequest) -> FakeResponse:
        user_id(request)
        return FakeResponse.empty(204)

    @route("DELETE", "/v2/consumer/civitai/{userId}/tokens")
    def invalidate_tokens(request: FakeRequest) -> FakeResponse:
        user_id(request)
        return FakeResponse.empty(204)

    @route("GET", "/v2/resources")
    def resources(request: FakeRequest) -> FakeResponse:
        if request.query.get("view") != "queue":
            raise ApiProblem(400, "Bad Request", "view is required and must be 'queue'.", errors={"view": ["Invalid."]})
        return FakeResponse.json({"next": None, "items": []})

    @route("GET", "/v2/services")
    def services(request: FakeRequest) -> FakeResponse:
        return FakeResponse.json({"items": [], "totalCount": 0, "limit": 100, "offset": 0})

    @route("GET", "/v2/services/{serviceId:path}")
    def service(request: FakeRequest) -> FakeResponse:
        raise ApiProblem(404, "Not Found", f"Service {request.path_params['serviceId']} was not found.")

    @route("POST", "/v2/consumer/recipes/{recipe}")
    def recipe(request: FakeRequest) -> FakeResponse:
        name = request.path_params["recipe"]
        if name not in RECIPES:
            raise ApiProblem(404, "Not Found", f"No recipe {name}.")
        body = spec_body(request, RECIPE_INPUTS.get(name, ""))
        mint: MintBlob = lambda item: fake.store_media(item.kind, item.content, item.content_type, item.extension)  # noqa: E731
        return FakeResponse.json(recipe_output(name, body, mint=mint, now=fake.clock()).output)

    install_v1_routes(fake, route)
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        server.add_route(method, "/v2/{rest:path}", _unknown_route)
    return fake


__all__ = ["LIFECYCLE", "ApiProblem", "FakeOrchestrator", "install_orchestration_routes", "problem_response"]
