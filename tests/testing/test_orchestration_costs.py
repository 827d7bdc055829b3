"""A sandbox workflow costs the sum of its steps' costs, the same before it runs (``whatif``), while it is
queued and once it has finished; each step's jobs share its cost and the charge is in the first currency."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import install_orchestration_routes
from civitai_kit.testing.orchestration_outputs import estimate_cost
from tests.support.sdk_openapi import v2

AIR = "urn:air:sd1:checkpoint:civitai:4384@128713"
IMAGES = {"model": AIR, "prompt": "a cat", "width": 1024, "height": 1024, "cfgScale": 7, "seed": 1, "quantity": 5}
VIDEO = {
    "engine": "wan",
    "version": "v2.1",
    "provider": "civitai",
    "cfgScale": 4,
    "prompt": "a cat",
    "width": 320,
    "height": 240,
    "duration": 3,
}
TEMPLATE: dict[str, Any] = {
    "steps": [
        {"$type": "textToImage", "name": "images", "input": IMAGES},
        {"$type": "videoGen", "name": "video", "input": VIDEO},
    ],
    "tips": {"civitai": 0.5, "creators": 0.25},
    "currencies": ["green", "yellow"],
}


@pytest.fixture
def http(fake_civitai: FakeCivitai) -> httpx.Client:
    install_orchestration_routes(fake_civitai)
    return httpx.Client(base_url=fake_civitai.url, headers={"Authorization": "Bearer t"})


def _check(workflow: dict[str, Any]) -> None:
    v2().assert_valid("Workflow", workflow)
    image_cost, video_cost = estimate_cost("textToImage", IMAGES), estimate_cost("videoGen", VIDEO)
    assert image_cost == 5 and video_cost == 20 * 3  # five 1-megapixel images; three seconds of video
    base = image_cost + video_cost
    tips = {"civitai": round(base * 0.5), "creators": round(base * 0.25)}
    assert workflow["cost"] == {"base": base, "tips": tips, "total": base + tips["civitai"] + tips["creators"]}
    for step, cost in zip(workflow["steps"], (image_cost, video_cost), strict=True):
        assert sum(job["cost"] for job in step["jobs"]) == pytest.approx(cost)
    debit = workflow["transactions"]["list"][0]
    assert (debit["type"], debit["amount"], debit["accountType"]) == ("debit", workflow["cost"]["total"], "green")


def test_whatif_queued_and_finished_workflows_cost_the_sum_of_their_steps(http: httpx.Client) -> None:
    estimate = http.post("/v2/consumer/workflows", json=TEMPLATE, params={"whatif": "true"})
    assert estimate.status_code == 200, estimate.text
    _check(estimate.json())
    assert estimate.json()["transactions"]["insufficientBuzz"] is False

    queued = http.post("/v2/consumer/workflows", json=TEMPLATE).json()
    _check(queued)
    assert queued["cost"] == estimate.json()["cost"]
    finished = http.get(f"/v2/consumer/workflows/{queued['id']}", params={"wait": 1}).json()
    assert finished["status"] == "succeeded"
    _check(finished)
    step = http.get(f"/v2/consumer/workflows/{queued['id']}/steps/video").json()
    assert step["jobs"][0]["cost"] == pytest.approx(60)


def test_a_failed_workflow_is_refunded_in_the_currency_it_was_charged(http: httpx.Client) -> None:
    failing = {**TEMPLATE, "steps": [{"$type": "textToImage", "input": {**IMAGES, "prompt": "[fail]"}}]}
    workflow = http.post("/v2/consumer/workflows", json=failing, params={"wait": 1}).json()
    assert workflow["status"] == "failed"
    debit, credit = workflow["transactions"]["list"]
    assert credit["type"] == "credit" and credit["amount"] == debit["amount"] == workflow["cost"]["total"]
    assert credit["accountType"] == debit["accountType"] == "green"
