"""Buzz amounts: whole ones are ``int`` as the spec says, fractional ones exact ``Decimal``s read from the digits
the server sent, and both written back as JSON numbers."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from civitai_kit.sdk import Workflow
from civitai_kit.sdk import schema as spec
from civitai_kit.sdk.job_models import job_status_collection
from tests.support.sdk_openapi import FIXTURES, v2

AIR_A = "urn:air:sdxl:lora:civitai:1@1"
AIR_B = "urn:air:sdxl:lora:civitai:2@2"


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / "responses" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["v1-submit-textToImage-readme.json", "v1-get-jobs-by-token-succeeded-notebook.json"])
def test_recorded_v1_job_costs_keep_the_digits_the_server_sent(name: str) -> None:
    exact = json.loads((FIXTURES / "responses" / name).read_text(encoding="utf-8"), parse_float=Decimal)
    collection = job_status_collection(recorded(name))
    costs = [job.cost for job in collection.jobs]
    assert costs == [job["cost"] for job in exact["jobs"]] and all(isinstance(c, Decimal) for c in costs)


def workflow_body() -> dict[str, Any]:
    """A finished workflow as the spec describes it, with fractional fees and job costs."""
    job: dict[str, Any] = {"status": "succeeded", "cost": 0.1}
    step: dict[str, Any] = {"$type": "echo", "name": "0", "priority": "normal", "status": "succeeded", "metadata": {}}
    step |= {"jobs": [{**job, "id": "j1"}, {**job, "id": "j2", "cost": 0.2}], "input": {"message": "hi"}}
    cost = {"base": 10, "tips": {"civitai": 1, "creators": 2}, "total": 13, "fees": {AIR_A: 0.1, AIR_B: 0.2}}
    body: dict[str, Any] = {"id": "wf", "createdAt": "2026-01-01T00:00:00Z", "status": "succeeded", "metadata": {}}
    body |= {"tags": [], "arguments": {}, "callbacks": [], "tips": {"civitai": 0, "creators": 0}}
    body |= {"cost": cost | {"fixed": {}}, "upgradeMode": "manual", "currencies": [], "forceRefunded": False}
    return body | {"steps": [step]}


def test_workflow_cost_is_int_and_fees_add_up_exactly() -> None:
    v2().assert_valid("Workflow", workflow_body())
    for model in (Workflow, spec.Workflow):
        cost = model.model_validate(workflow_body()).cost
        assert cost is not None and cost.fees is not None and cost.tips is not None
        assert (type(cost.total), type(cost.base), type(cost.tips.civitai)) == (int, int, int)
        assert sum(cost.fees.values()) == Decimal("0.3")  # 0.1 + 0.2 as floats is 0.30000000000000004


def test_job_costs_add_up_exactly_and_are_written_as_numbers() -> None:
    for model in (Workflow, spec.Workflow):
        workflow = model.model_validate(workflow_body())
        jobs = workflow.steps[0].jobs
        assert jobs is not None and sum(job.cost or 0 for job in jobs) == Decimal("0.3")
        written = json.loads(workflow.model_dump_json(by_alias=True, exclude_none=True))
        assert [job["cost"] for job in written["steps"][0]["jobs"]] == [0.1, 0.2]
        assert written["cost"]["fees"] == {AIR_A: 0.1, AIR_B: 0.2} and written["cost"]["total"] == 13


def test_whole_amounts_stay_integers_on_the_wire() -> None:
    fee = spec.ResourceFee(amount=Decimal(25), type="perImageBuzz", settlement_currency="buzz")
    assert fee.to_request()["amount"] == 25 and isinstance(fee.to_request()["amount"], int)
    v2().assert_valid("ResourceFee", fee.to_request())


@pytest.mark.parametrize("sent", ["1e999999", "-1e999999"])
def test_an_absurd_amount_is_written_as_a_double_not_a_million_digit_integer(sent: str) -> None:
    """A string amount parses leniently as a ``Decimal``; writing it back must stay a double, not 10**999999."""
    fee = spec.ResourceFee.model_validate({"amount": sent, "type": "perImageBuzz", "settlementCurrency": "buzz"})
    assert fee.amount == Decimal(sent)
    written = fee.model_dump_json()
    assert len(written) < 200, written[:80]
    assert json.loads(written)["amount"] is None  # out of a double's range: JSON null, as pydantic writes inf
