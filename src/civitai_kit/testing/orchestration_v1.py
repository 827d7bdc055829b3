"""Fake v1 consumer jobs API (legacy): submit, status by token / id, query, cancel, taint, coverage, usage.

Bodies are checked against the v1 request schema's rules (``additionalProperties: false``, PascalCase enums,
``params.width``/``height`` required), so the wire mistakes CivitaiSharp makes are refused here as the
real service would refuse them. Responses have the real shapes, including ``GET /jobs/{id}`` answering
one ``JobStatus``.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from civitai_kit.testing.messages import FakeRequest, FakeResponse
from civitai_kit.testing.orchestration_data import timestamp, v1_coverage
from civitai_kit.testing.orchestration_http import ApiProblem, Route, flag, found, json_body
from civitai_kit.testing.orchestration_state import FAIL_MARKER, FakeJob, FakeOrchestrator

_JOB_KEYS = frozenset(
    [
        "$type",
        "name",
        "priority",
        "providers",
        "expireAt",
        "properties",
        "callbackUrl",
        "timeout",
        "retries",
        "dependencies",
        "quantity",
        "model",
        "additionalNetworks",
        "controlNets",
        "params",
    ]
)
_PARAM_KEYS = frozenset(
    ["prompt", "negativePrompt", "scheduler", "steps", "cfgScale", "width", "height", "seed", "clipSkip"]
)
_SCHEDULERS = frozenset(
    [
        "EulerA",
        "Euler",
        "LMS",
        "Heun",
        "DPM2",
        "DPM2A",
        "DPM2SA",
        "DPM2M",
        "DPMSDE",
        "DPMFast",
        "DPMAdaptive",
        "LMSKarras",
        "DPM2Karras",
        "DPM2AKarras",
        "DPM2SAKarras",
        "DPM2MKarras",
        "DPMSDEKarras",
        "DDIM",
        "PLMS",
        "UniPC",
        "Undefined",
        "LCM",
        "DDPM",
        "DEIS",
    ]
)
_ASSET_TYPES = frozenset(["Lora", "Hypernetwork", "TextualInversion", "Lycoris", "Checkpoint", "Vae", "LoCon"])
_TRANSFORMERS = frozenset({"Canny", "DepthZoe", "SoftedgePidinet", "Rembg"})


def check_job(job: Any, where: str) -> list[str]:
    """Why the v1 API would refuse ``job`` (empty when it is acceptable)."""
    if not isinstance(job, dict):
        return [f"{where}: a job must be an object"]
    if job.get("$type") != "textToImage":
        return [f"{where}.$type: expected 'textToImage', got {job.get('$type')!r}"]
    problems = [f"{where}.{key}: unknown field" for key in sorted(set(job) - _JOB_KEYS)]
    params = job.get("params")
    if not isinstance(params, dict):
        return [*problems, f"{where}.params: required"]
    problems += [f"{where}.params.{key}: unknown field" for key in sorted(set(params) - _PARAM_KEYS)]
    problems += [f"{where}.params.{key}: required" for key in ("width", "height") if key not in params]
    if "scheduler" in params and params["scheduler"] not in _SCHEDULERS:
        problems.append(f"{where}.params.scheduler: {params['scheduler']!r} is not a Scheduler")
    for air, network in (job.get("additionalNetworks") or {}).items():
        if isinstance(network, dict) and network.get("type") not in (None, *_ASSET_TYPES):
            problems.append(f"{where}.additionalNetworks[{air}].type: {network.get('type')!r} is not an AssetType")
        if isinstance(network, dict) and set(network) - {"type", "strength", "triggerWord"}:
            problems.append(f"{where}.additionalNetworks[{air}]: unknown field")
    for net in job.get("controlNets") or []:
        if net.get("preprocessor") not in _TRANSFORMERS:
            problems.append(f"{where}.controlNets.preprocessor: {net.get('preprocessor')!r} is not an ImageTransformer")
    priority = job.get("priority")
    if priority is not None and not (isinstance(priority, dict) and set(priority) in ({"value"}, {"min", "max"})):
        problems.append(f"{where}.priority: expected {{value}} or {{min, max}}")
    return problems


def token_for(job_ids: list[str]) -> str:
    """An opaque batch token shaped like the real ones (base64 of ``{"Jobs": [...]}``)."""
    return base64.b64encode(json.dumps({"Jobs": job_ids}, separators=(",", ":")).encode()).decode()


def jobs_of(fake: FakeOrchestrator, token: str) -> list[FakeJob]:
    try:
        ids = json.loads(base64.b64decode(token, validate=True)).get("Jobs", [])
    except (ValueError, binascii.Error, AttributeError):
        raise ApiProblem(400, "Bad Request", "The token is not valid.") from None
    return [fake.jobs[job_id] for job_id in ids if job_id in fake.jobs]


def render_job(fake: FakeOrchestrator, job: FakeJob, *, detailed: bool, event: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"blobKey": job.blob.id.removesuffix(".png"), "available": job.done and not job.failed}
    if result["available"]:
        result["blobUrl"] = fake.signed_url(job.blob)
        assert job.blob.expires_at is not None
        result["blobUrlExpirationDate"] = timestamp(job.blob.expires_at)
    body: dict[str, Any] = {
        "jobId": job.id,
        "cost": job.cost,
        "properties": job.body.get("properties") or {},
        "result": result,
        "serviceProviders": {}
        if job.done
        else {"Civitai": {"support": "Available", "queuePosition": {"precedingJobs": 0, "precedingCost": 0.0}}},
        "scheduled": not job.done,
    }
    if event and (job.done or job.canceled):
        kind = "Canceled" if job.canceled else "Failed" if job.failed else "Succeeded"
        body["lastEvent"] = {
            "jobId": job.id,
            "type": kind,
            "dateTime": timestamp(fake.clock()),
            "provider": "Civitai",
            "jobType": "TextToImage",
            "jobHasCompleted": True,
            "claimHasCompleted": True,
            "retryAttempt": 0,
            "cost": job.cost,
        }
    if detailed:
        body["job"] = job_definition(job)
    return body


def job_definition(job: FakeJob) -> dict[str, Any]:
    """The stored job (``TextToImageJob``) that ``detailed=true`` adds: not the request, the server's record."""
    request = job.body
    definition: dict[str, Any] = {
        "id": job.id,
        "createdAt": timestamp(job.created_at),
        "type": "TextToImage",
        "cost": job.cost,
        "model": request["model"],
        "params": request["params"],
        "baseModel": "SDXL" if "sdxl" in str(request.get("model", "")).lower() else "SD_1_5",
        "storeAsBlob": True,
        "maxRetryAttempt": int(request.get("retries") or 0),
    }
    for key in ("properties", "additionalNetworks", "controlNets", "expireAt", "dependencies"):
        if request.get(key) is not None:
            definition[key] = request[key]
    return definition


def install_v1_routes(fake: FakeOrchestrator, route: Route) -> None:
    """Register the v1 routes with ``route`` (which adds the Bearer check and the state lock)."""

    def progress(job: FakeJob) -> None:
        if job.done or job.canceled:
            return
        job.polls += 1
        if job.polls >= fake.polls_per_stage:
            job.done = True

    def collection(jobs: list[FakeJob], token: str, request: FakeRequest) -> FakeResponse:
        detailed = flag(request, "detailed")
        body = {"token": token, "jobs": [render_job(fake, job, detailed=detailed, event=detailed) for job in jobs]}
        return FakeResponse.json(body, 200 if all(job.done or job.canceled for job in jobs) else 202)

    def find(request: FakeRequest) -> FakeJob:
        return found(fake.jobs, request.path_params["jobId"], "Job")

    @route("POST", "/v1/consumer/jobs")
    def submit(request: FakeRequest) -> FakeResponse:
        body = json_body(request)
        templates = body.get("jobs") if isinstance(body, dict) and "jobs" in body else [body]
        problems = [p for i, job in enumerate(templates or []) for p in check_job(job, f"jobs[{i}]")]
        if not templates or problems:
            raise ApiProblem(400, "Bad Request", "; ".join(problems) or "No jobs.")
        created = []
        for template in templates:
            params = template["params"]
            blob = fake.new_blob(str(uuid.uuid4()), int(params["width"]), int(params["height"]))
            quantity = int(template.get("quantity", 1))
            job = FakeJob(
                str(uuid.uuid4()),
                "",
                template,
                fake.clock(),
                blob,
                cost=round(1.2 * quantity, 2),
                failed=FAIL_MARKER in str(params.get("prompt", "")),
            )
            job.done = flag(request, "wait")
            fake.jobs[job.id] = job
            created.append(job)
        token = token_for([job.id for job in created])
        for job in created:
            job.token = token
        return collection(created, token, request)

    @route("GET", "/v1/consumer/jobs")
    def by_token(request: FakeRequest) -> FakeResponse:
        token = request.query.get("token") or ""
        jobs = jobs_of(fake, token)
        for job in jobs:
            job.done = job.done or flag(request, "wait")
            progress(job)
        return collection(jobs, token, request)

    @route("GET", "/v1/consumer/jobs/{jobId}")
    def by_id(request: FakeRequest) -> FakeResponse:
        job = find(request)
        progress(job)
        return FakeResponse.json(render_job(fake, job, detailed=flag(request, "detailed"), event=True))

    @route("DELETE", "/v1/consumer/jobs/{jobId}")
    def cancel_one(request: FakeRequest) -> FakeResponse:
        job = find(request)
        if not job.done and (flag(request, "force") or request.query.get("force") is None):
            job.canceled = True
        return FakeResponse.empty(200)

    @route("DELETE", "/v1/consumer/jobs")
    def cancel_token(request: FakeRequest) -> FakeResponse:
        force = request.query.get("force", "true").lower() == "true"
        for job in jobs_of(fake, request.query.get("token") or ""):
            if not job.done and force:
                job.canceled = True
        return FakeResponse.empty(200)

    def taint_body(request: FakeRequest, allowed: set[str]) -> dict[str, Any]:
        body = json_body(request) if request.body else {}
        if not isinstance(body, dict) or set(body) - allowed:
            raise ApiProblem(400, "Bad Request", f"A taint request takes only {sorted(allowed)}.")
        return body

    @route("PUT", "/v1/consumer/jobs/{jobId}")
    def taint_one(request: FakeRequest) -> FakeResponse:
        find(request).taint = taint_body(request, {"reason", "context"})
        return FakeResponse.empty(200)

    @route("PUT", "/v1/consumer/jobs")
    def taint_token(request: FakeRequest) -> FakeResponse:
        body = taint_body(request, {"reason", "context", "properties"})
        wanted = body.get("properties") or {}
        jobs = [
            job
            for job in jobs_of(fake, request.query.get("token") or "")
            if all((job.body.get("properties") or {}).get(k) == v for k, v in wanted.items())
        ]
        for job in jobs:
            job.taint = body
        return FakeResponse.json({"jobs": len(jobs)})

    @route("POST", "/v1/consumer/jobs/query")
    def query(request: FakeRequest) -> FakeResponse:
        body = json_body(request)
        if not isinstance(body, dict) or set(body) - {"cursor", "properties", "jobType"}:
            raise ApiProblem(400, "Bad Request", "A query takes cursor, properties and jobType.")
        wanted = body.get("properties") or {}
        found = sorted(
            (
                job
                for job in fake.jobs.values()
                if all((job.body.get("properties") or {}).get(k) == v for k, v in wanted.items())
            ),
            key=lambda job: job.created_at,
        )
        offset = int(body["cursor"]) if body.get("cursor") else 0
        page, size = found[offset : offset + 2], 2  # small pages so paging is exercised
        result: dict[str, Any] = {
            "jobs": [render_job(fake, job, detailed=flag(request, "detailed"), event=False) for job in page]
        }
        if offset + size < len(found):
            result["cursor"] = str(offset + size)
        return FakeResponse.json(result)

    @route("GET", "/v1/consumer/coverage")
    def coverage(request: FakeRequest) -> FakeResponse:
        models = request.query_all("model")
        if not models:
            raise ApiProblem(400, "Bad Request", "The model field is required.")
        return FakeResponse.json({air: v1_coverage(air) for air in models})

    @route("GET", "/v1/consumer/consumption")
    def consumption(request: FakeRequest) -> FakeResponse:
        start, end = (_date(request.query.get(name)) for name in ("startDate", "endDate"))

        def within(moment: datetime) -> bool:
            return (start is None or moment >= start) and (end is None or moment <= end)

        jobs = [job for job in fake.jobs.values() if within(job.created_at) and job.done and not job.failed]
        workflows = [w for w in fake.workflows.values() if within(w.created_at)]
        images = len(jobs) + sum(w.image_count for w in workflows)
        cost = sum(job.cost for job in jobs) + sum(4.0 * w.image_count for w in workflows)
        body: dict[str, Any] = {"images": images, "totalCost": round(cost, 4)}
        if start:
            body["startDate"] = timestamp(start)
        if end:
            body["endDate"] = timestamp(end)
        return FakeResponse.json(body)


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiProblem(400, "Bad Request", f"{text!r} is not a date.") from None
