"""The sandbox orchestrator holds request bodies to the v2 spec: a body the spec rejects is a 400
``application/problem+json`` with ``errors`` by field, over real loopback HTTP; unknown routes under ``/v2``
are ProblemDetails too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import FakeOrchestrator, install_orchestration_routes
from tests.support.sdk_openapi import v2

AIR = "urn:air:sd1:checkpoint:civitai:4384@128713"
AUTH = {"Authorization": "Bearer t"}


@pytest.fixture
def client(fake_civitai: FakeCivitai) -> Iterator[tuple[httpx.Client, FakeOrchestrator]]:
    fake = install_orchestration_routes(fake_civitai)
    with httpx.Client(base_url=fake_civitai.url, headers=AUTH) as http:
        yield http, fake


def text_to_image(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"model": AIR, "prompt": "a cat", "width": 512, "height": 512, "cfgScale": 7, "seed": 1}
    data.update(changes)
    return {"steps": [{"$type": "textToImage", "input": data}], "currencies": []}


def problem(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    v2().assert_valid("ProblemDetails", body)
    assert body["status"] == 400
    errors: dict[str, Any] = body["errors"]
    return errors


def test_a_valid_template_is_accepted(client: tuple[httpx.Client, FakeOrchestrator]) -> None:
    http, _ = client
    response = http.post("/v2/consumer/workflows", json=text_to_image())
    assert response.status_code == 202, response.text
    v2().assert_valid("Workflow", response.json())


@pytest.mark.parametrize(
    ("template", "field"),
    [
        pytest.param(text_to_image(prompt=7), "steps[0].input.prompt", id="wrong-type"),
        pytest.param(text_to_image(width=-5), "steps[0].input.width", id="out-of-range"),
        pytest.param(text_to_image(model="dreamshaper"), "steps[0].input.model", id="model-not-an-air"),
        pytest.param(text_to_image(colour="red"), "steps[0].input.colour", id="unknown-key-closed-schema"),
        pytest.param({"steps": [{"$type": "paint", "input": {}}], "currencies": []}, "steps[0].$type", id="type"),
        pytest.param({"steps": [{"input": {}}], "currencies": []}, "steps[0].$type", id="no-type"),
        pytest.param({"steps": [{"$type": 7, "input": {}}], "currencies": []}, "steps[0].$type", id="type-not-text"),
        pytest.param({"steps": [{"$type": [], "input": {}}], "currencies": []}, "steps[0].$type", id="type-a-list"),
        pytest.param({"steps": [7], "currencies": []}, "steps[0]", id="step-not-an-object"),
        pytest.param(
            {"steps": [{"$type": "imageGen", "input": {"engine": "dalle9", "prompt": "x"}}], "currencies": []},
            "steps[0].input.engine",
            id="unknown-engine",
        ),
    ],
)
def test_a_template_the_spec_rejects_is_a_400_problem(
    client: tuple[httpx.Client, FakeOrchestrator], template: dict[str, Any], field: str
) -> None:
    http, fake = client
    errors = problem(http.post("/v2/consumer/workflows", json=template))
    assert field in errors, errors
    assert not fake.workflows


def test_missing_required_fields_are_named(client: tuple[httpx.Client, FakeOrchestrator]) -> None:
    http, _ = client
    template = text_to_image()
    del template["steps"][0]["input"]["cfgScale"]
    assert "steps[0].input.cfgScale" in problem(http.post("/v2/consumer/workflows", json=template))
    assert "steps" in problem(http.post("/v2/consumer/workflows", json={"currencies": []}))


def test_update_bodies_are_checked(client: tuple[httpx.Client, FakeOrchestrator]) -> None:
    http, _ = client
    workflow = http.post("/v2/consumer/workflows", json=text_to_image()).json()["id"]
    assert "status" in problem(http.put(f"/v2/consumer/workflows/{workflow}", json={"status": "paused"}))
    assert "tagz" in problem(http.put(f"/v2/consumer/workflows/{workflow}", json={"tagz": []}))
    step = f"/v2/consumer/workflows/{workflow}/steps/$0"
    assert "metadata" in problem(http.put(step, json={}))
    assert "metadata" in problem(http.put(step, json={"metadata": []}))


def test_json_patch_cancels_and_edits_a_workflow(client: tuple[httpx.Client, FakeOrchestrator]) -> None:
    http, fake = client
    workflow = http.post("/v2/consumer/workflows", json=text_to_image()).json()["id"]
    patch = [
        {"op": "replace", "path": "/metadata", "value": {"a": 1}},
        {"op": "add", "path": "/tags/-", "value": "night"},
        {"op": "replace", "path": "/status", "value": "canceled"},
    ]
    headers = {"Content-Type": "application/json-patch+json"}
    url = f"/v2/consumer/workflows/{workflow}"
    assert http.patch(url, content=json.dumps(patch), headers=headers).status_code == 204
    body = http.get(url).json()
    assert (body["status"], body["metadata"], body["tags"]) == ("canceled", {"a": 1}, ["night"])
    assert "[0].op" in problem(http.patch(url, content=json.dumps([{"op": "frob", "path": "/x"}]), headers=headers))
    assert "[0]" in problem(
        http.patch(url, content=json.dumps([{"op": "replace", "path": "/status", "value": "x"}]), headers=headers)
    )
    assert fake.workflows[workflow].canceled


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_v2_routes_are_problem_details(client: tuple[httpx.Client, FakeOrchestrator], method: str) -> None:
    http, _ = client
    response = http.request(method, "/v2/consumer/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    v2().assert_valid("ProblemDetails", response.json())
