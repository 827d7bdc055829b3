"""Parsing: every recorded response parses, real-world shape variations parse, and the fake orchestrator's
answers are valid against the real response schemas (so tests against the fake mean something)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from civitai_kit._http import ApiRequest, HttpClient
from civitai_kit.result import Failure
from civitai_kit.sdk import AirIdentifier, Blob, JobStatus, Workflow
from civitai_kit.sdk.coverage import _coverage_map
from civitai_kit.sdk.job_models import (
    ConsumptionDetails,
    QueryJobsResult,
    job_status,
    job_status_collection,
)
from civitai_kit.sdk.models import ResourceInfo, WorkflowPage
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import install_orchestration_routes
from tests.support.sdk_openapi import FIXTURES, v1, v2
from tests.support.sdk_support import SDXL, settings_for

RESPONSES = sorted((FIXTURES / "responses").glob("*.json"))


def test_every_recorded_response_is_here() -> None:
    assert len(RESPONSES) == 8


@pytest.mark.parametrize("path", RESPONSES, ids=lambda p: p.stem)
def test_every_recorded_response_parses(path: Path) -> None:
    payload = json.loads(path.read_text(encoding="utf-8"))
    if path.stem.startswith("v1-coverage"):
        coverage = _coverage_map(payload)
        assert coverage[AirIdentifier.parse("urn:air:sd1:lora:civitai:162141@182559")].is_available
        return
    if path.stem.startswith("v1-query"):
        page = QueryJobsResult.model_validate(payload)
        assert [len(job.job_id or "") for job in page.jobs] == [64, 64]  # hex ids, not GUIDs
        return
    collection = job_status_collection(payload)
    assert collection.jobs
    for job in collection.jobs:
        assert job.results or job.last_event is not None


def test_get_by_id_answers_a_single_job_status() -> None:
    payload = json.loads((FIXTURES / "responses" / "v1-get-job-comfy-succeeded.json").read_text())
    job = job_status(payload)
    assert job.job_id == "7b5ed968-1887-4ce2-8504-235383b53f6a"
    assert job.last_event is not None and job.last_event.type == "Succeeded"
    assert job.last_event.claim_duration == "00:00:43.7707452" and job.last_event.job_type == "Comfy"
    assert job_status({"jobs": [payload]}).job_id == job.job_id  # the documented wrapper also reads
    with pytest.raises(ValueError, match="one job"):
        job_status({"jobs": []})


def test_results_as_object_list_or_nothing() -> None:
    one = JobStatus.model_validate({"jobId": "A" * 64, "result": {"blobKey": "K", "available": True, "blobUrl": "u"}})
    many = JobStatus.model_validate({"jobId": 12, "result": [{"blobKey": "K1"}, {"blobKey": "K2"}, "junk"]})
    none = JobStatus.model_validate({"jobId": "x", "result": None, "properties": None})
    assert one.result is not None and one.result.blob_key == "K" and one.is_complete
    assert [r.blob_key for r in many.results] == ["K1", "K2"] and many.job_id == "12"
    assert none.result is None and none.properties == {} and not none.is_complete
    assert job_status_collection([{"jobId": "a"}, {"jobId": "b"}]).jobs[1].job_id == "b"
    assert JobStatus.model_validate({"jobId": "x", "future": 1}).model_extra == {"future": 1}


def test_unknown_enum_values_are_kept() -> None:
    workflow = Workflow.model_validate({"id": "1", "status": "hibernating", "steps": [{"$type": "newRecipe"}]})
    assert workflow.status == "hibernating" and not workflow.is_terminal and workflow.steps[0].type == "newRecipe"
    assert ConsumptionDetails.model_validate({"images": 3, "totalCost": 1.5}).total_cost == 1.5


# ---------------------------------------------------------------------------------------------- the fake


@pytest.fixture
def raw(fake_civitai: FakeCivitai) -> Iterator[tuple[HttpClient, Any]]:
    fake = install_orchestration_routes(fake_civitai)
    with HttpClient(settings_for(fake_civitai)) as http:
        yield http, fake


def _json(http: HttpClient, method: str, path: str, **kwargs: Any) -> Any:
    return http.send(ApiRequest(method, path, **kwargs)).unwrap().json()


def _template(prompt: str = "a fox", **extra: Any) -> dict[str, Any]:
    step = {"$type": "textToImage", "input": {"model": SDXL, "prompt": prompt, "cfgScale": 7, "seed": 1, "quantity": 2}}
    echo = {"$type": "echo", "name": "say", "input": {"message": "hi"}}
    return {"steps": [step, echo], "currencies": [], "tags": ["t"], **extra}


def test_fake_workflows_match_the_v2_schema_at_every_stage(raw: tuple[HttpClient, Any]) -> None:
    http, _ = raw
    api = v2()
    created = _json(http, "POST", "/v2/consumer/workflows", json=_template(tips={"civitai": 0.5, "creators": 1}))
    api.assert_valid("Workflow", created)
    statuses = [created["status"]]
    while statuses[-1] != "succeeded":
        body = _json(http, "GET", f"/v2/consumer/workflows/{created['id']}")
        api.assert_valid("Workflow", body)
        statuses.append(body["status"])
    assert statuses == ["unassigned", "scheduled", "processing", "succeeded"]
    Workflow.model_validate(body)
    api.assert_valid("WorkflowStep", _json(http, "GET", f"/v2/consumer/workflows/{created['id']}/steps/$0"))
    image_id = body["steps"][0]["output"]["images"][0]["id"]
    api.assert_valid("Blob", _json(http, "POST", f"/v2/consumer/blobs/{image_id}/refresh"))

    failed = _json(http, "POST", "/v2/consumer/workflows", params=(("wait", "5"),), json=_template("[fail]"))
    api.assert_valid("Workflow", failed)
    assert failed["status"] == "failed"
    running = _json(http, "POST", "/v2/consumer/workflows", json=_template())
    http.send(ApiRequest("PUT", f"/v2/consumer/workflows/{running['id']}", json={"status": "canceled"})).unwrap()
    canceled = _json(http, "GET", f"/v2/consumer/workflows/{running['id']}")
    api.assert_valid("Workflow", canceled)
    assert canceled["status"] == "canceled"
    page = _json(http, "GET", "/v2/consumer/workflows", params=(("take", "2"),))
    api.assert_valid("CursedArrayOfTelemetryCursorAndWorkflow", page)
    assert WorkflowPage.model_validate(page).next


def test_fake_resources_and_problems_match(raw: tuple[HttpClient, Any]) -> None:
    http, _ = raw
    api = v2()
    for air in (
        "urn:air:sdxl:checkpoint:civitai:101055@128078",
        "urn:air:sdxl:lora:civitai:328553@368189",
        "urn:air:sd1:checkpoint:civitai:107842@275408",
    ):
        info = _json(http, "GET", f"/v2/resources/{air}")
        api.assert_valid("ResourceInfo", info)
        ResourceInfo.model_validate(info)
    missing = http.send(ApiRequest("GET", "/v2/consumer/workflows/nope"))
    assert isinstance(missing, Failure) and missing.error.http_status == 404
    api.assert_valid("ProblemDetails", {"title": "Not Found", "status": 404, "detail": missing.error.message})


def test_fake_v1_answers_match_the_v1_schema(raw: tuple[HttpClient, Any]) -> None:
    http, _ = raw
    api = v1()
    job = {
        "$type": "textToImage",
        "model": SDXL,
        "params": {"prompt": "x", "width": 512, "height": 512},
        "properties": {"who": "me"},
    }
    submitted = _json(http, "POST", "/v1/consumer/jobs", json=job)
    api.assert_valid("JobStatusCollection", submitted)
    token, job_id = submitted["token"], submitted["jobs"][0]["jobId"]
    api.assert_valid(
        "JobStatusCollection", _json(http, "GET", "/v1/consumer/jobs", params=(("token", token), ("detailed", "true")))
    )
    single = _json(http, "GET", f"/v1/consumer/jobs/{job_id}")
    api.assert_valid("JobStatus", single)
    assert "jobs" not in single  # one JobStatus, as the real API answers
    api.assert_valid(
        "QueryJobsResult", _json(http, "POST", "/v1/consumer/jobs/query", json={"properties": {"who": "me"}})
    )
    api.assert_valid("TaintJobsResult", _json(http, "PUT", "/v1/consumer/jobs", params=(("token", token),), json={}))
    coverage = _json(
        http, "GET", "/v1/consumer/coverage", params=(("model", SDXL), ("model", "urn:air:sd1:lora:civitai:1@2"))
    )
    for value in coverage.values():
        api.assert_valid("ProviderAssetAvailability", value)
    api.assert_valid("ConsumptionDetails", _json(http, "GET", "/v1/consumer/consumption"))


def test_a_blob_expiry_without_a_zone_is_read_as_utc() -> None:
    def blob(expires: str) -> Blob:
        return Blob.model_validate({"id": "a.png", "url": "https://blobs.example/a.png", "urlExpiresAt": expires})

    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    assert blob("2030-01-01T11:59:59").is_expired(now)  # no traceback comparing naive with aware
    assert not blob("2030-01-01T12:00:01").is_expired(now)
    assert not blob("2030-01-01T12:00:01Z").is_expired(now.replace(tzinfo=None))
