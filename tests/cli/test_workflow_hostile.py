"""The workflow commands against a misbehaving orchestrator: HTML errors, connections cut mid-body, a workflow
that never finishes, a ProblemDetails refusal. Each ends in a clear exit code, and a retried submit never runs
twice (its ``externalId``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.testing import Fault
from civitai_kit.testing.sandbox import Sandbox
from tests.cli.conftest import QUICK_RETRIES
from tests.cli.test_workflow_cli import WORKFLOWS, _submits, _template, _write

TOKEN_VAR = "CIVITAIAPI__SDK__APITOKEN"


def test_html_500_on_submit_is_retried_once_without_spending_twice(
    cli: Any, sandbox: Sandbox, tmp_path: Path, fake_key: str
) -> None:
    sandbox.server.faults.add(
        Fault.html(500, "<html><body>Internal error</body></html>"), path=WORKFLOWS, method="POST"
    )
    before = len(sandbox.orchestrator.workflows)
    outcome = cli(
        "--json", "workflow", "submit", str(_write(tmp_path, _template())), "--wait", env={TOKEN_VAR: fake_key}
    )
    assert outcome.exit_code == 0, outcome.everything
    first, retried = (request.json()["externalId"] for request in _submits(sandbox)[-2:])
    assert first == retried
    assert len(sandbox.orchestrator.workflows) == before + 1


@pytest.mark.slow  # waits out the first 2 s poll delay by design, like the other workflow-polling CLI tests
def test_connection_cut_mid_body_while_waiting_recovers(cli: Any, sandbox: Sandbox, fake_key: str) -> None:
    token = {TOKEN_VAR: fake_key}
    workflow_id = cli("--json", "workflow", "submit", "-", env=token, input=json.dumps(_template())).json()["id"]
    sandbox.server.faults.add(Fault.truncate(12), path=f"{WORKFLOWS}/{workflow_id}", method="GET")
    outcome = cli("--json", "workflow", "wait", workflow_id, env=token)
    assert outcome.exit_code == 0, outcome.everything
    assert outcome.json()["status"] == "succeeded"


def test_html_500_every_time_exits_1_without_html(cli: Any, sandbox: Sandbox, fake_key: str) -> None:
    page = "<html><body><h1>Bad gateway soup</h1></body></html>"
    sandbox.server.faults.add(Fault.html(500, page), path=f"{WORKFLOWS}/wf-broken", method="GET", times=None)
    outcome = cli("workflow", "get", "wf-broken", env={TOKEN_VAR: fake_key, **QUICK_RETRIES})
    assert outcome.exit_code == 1
    assert "500" in outcome.stderr and "<html>" not in outcome.stderr


def test_problem_details_400_exits_1_with_its_detail(cli: Any, sandbox: Sandbox, tmp_path: Path, fake_key: str) -> None:
    problem = {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "Model is not available."}
    sandbox.server.faults.add(Fault.json(400, problem), path=WORKFLOWS, method="POST")
    outcome = cli("generate", "a cat", "--dir", str(tmp_path), env={TOKEN_VAR: fake_key})
    assert outcome.exit_code == 1
    assert "Model is not available." in outcome.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.slow  # waits for its --timeout by design
def test_workflow_that_never_finishes_hits_the_timeout(cli: Any, sandbox: Sandbox, fake_key: str) -> None:
    stuck = {"id": "wf-stuck", "status": "processing", "steps": []}
    sandbox.server.faults.add(Fault.json(200, stuck), path=f"{WORKFLOWS}/wf-stuck", method="GET", times=None)
    outcome = cli("--json", "workflow", "wait", "wf-stuck", "--timeout", "1", env={TOKEN_VAR: fake_key})
    assert outcome.exit_code == 1
    assert "wf-stuck" in outcome.stderr
    assert outcome.json()["error"]["exit_code"] == 1
