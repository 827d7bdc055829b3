"""What the workflow commands put on the wire, checked against the v2 spec by its own validator (independently
of the sandbox, which checks them too): every submit a ``WorkflowTemplate`` with an ``externalId``, the cancel a
``PUT {"status": "canceled"}``, the listing's filters as the spec names them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from civitai_kit.testing.openapi_contract import v2_contract
from civitai_kit.testing.sandbox import Sandbox
from tests.cli.test_workflow_cli import WORKFLOWS, _submits, _template, _write

TOKEN_VAR = "CIVITAIAPI__SDK__APITOKEN"


def _assert_template(body: Any) -> None:
    contract = v2_contract()
    assert contract.field_errors(contract.validator("WorkflowTemplate"), body) == {}
    assert body["externalId"].startswith("civitai-cli-")


def test_every_submit_is_a_spec_workflow_template(cli: Any, sandbox: Sandbox, tmp_path: Path, fake_key: str) -> None:
    token = {TOKEN_VAR: fake_key}
    before = len(_submits(sandbox))
    runs = [
        ("generate", "a cat", "--dir", str(tmp_path / "a")),
        ("generate", "a cat", "--engine", "flux2", "--set", "model=dev", "--set", "operation=createImage",
         "--dir", str(tmp_path / "b")),
        ("workflow", "submit", str(_write(tmp_path, _template())), "--dir", str(tmp_path / "c")),
    ]  # fmt: skip
    for args in runs:
        assert cli(*args, env=token).exit_code == 0, args
    bodies = [request.json() for request in _submits(sandbox)[before:]]
    assert len(bodies) == len(runs)
    for body in bodies:
        _assert_template(body)
    assert len({body["externalId"] for body in bodies}) == len(runs)  # one key per run, never shared
    own = _template()
    own["externalId"] = "my-own-key-1"
    assert cli("workflow", "submit", str(_write(tmp_path, own, "own.json")), env=token).exit_code == 0
    assert _submits(sandbox)[-1].json()["externalId"] == "my-own-key-1"  # the file's key is kept


def test_cancel_and_list_requests(cli: Any, sandbox: Sandbox, fake_key: str) -> None:
    token = {TOKEN_VAR: fake_key}
    workflow_id = cli("--json", "workflow", "submit", "-", env=token, input=json.dumps(_template())).json()["id"]
    assert cli("workflow", "cancel", workflow_id, env=token).exit_code == 0
    [put] = [r for r in sandbox.server.requests.snapshot() if r.method == "PUT" and r.path.endswith(workflow_id)]
    assert put.json() == {"status": "canceled"}
    listed = cli("workflow", "list", "--tag", "a", "--tag", "b", "--since", "2026-01-02", "--exclude-failed",
                 "--oldest-first", "--limit", "3", env=token)  # fmt: skip
    assert listed.exit_code == 0, listed.everything
    query = next(r for r in reversed(sandbox.server.requests.snapshot()) if r.path == WORKFLOWS and r.method == "GET")
    assert query.query_all("tags") == ["a", "b"]
    assert query.query["take"] == "3" and query.query["excludeFailed"] == "true" and query.query["ascending"] == "true"
    assert query.query["fromDate"].startswith("2026-01-02")
