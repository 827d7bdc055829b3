"""``civitai workflow submit|get|list|cancel|wait`` and ``generate --engine``, end to end against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer

from civitai_kit.cli._output import Output
from civitai_kit.cli._workflow_run import parse_sets
from civitai_kit.sdk import spec_inputs
from civitai_kit.testing.sandbox import Sandbox

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WORKFLOWS = "/v2/consumer/workflows"


def _template(prompt: str = "a lighthouse", *, tags: list[str] | None = None) -> dict[str, Any]:
    step = {"$type": "textToImage", "input": {"model": "urn:air:sd1:checkpoint:civitai:4384@128713",
                                              "prompt": prompt, "width": 512, "height": 512, "seed": 7}}  # fmt: skip
    return {"steps": [step], "tags": tags or []}


def _write(tmp_path: Path, document: Any, name: str = "workflow.json") -> Path:
    file = tmp_path / name
    file.write_text(json.dumps(document), encoding="utf-8")
    return file


def _submits(sandbox: Sandbox) -> list[Any]:
    return [r for r in sandbox.server.requests.snapshot() if r.path == WORKFLOWS and r.method == "POST"]


def test_submit_wait_saves_outputs(cli: Any, sandbox: Sandbox, tmp_path: Path, fake_key: str) -> None:
    token = {"CIVITAIAPI__SDK__APITOKEN": fake_key}
    file = _write(tmp_path, _template(tags=["cli-e2e"]))
    outcome = cli("--json", "workflow", "submit", str(file), "--wait", "--dir", str(tmp_path / "out"), env=token)
    assert outcome.exit_code == 0, outcome.everything
    result = outcome.json()
    assert result["status"] == "succeeded"
    [saved] = [Path(item["path"]) for item in result["outputs"]]
    assert saved.parent == tmp_path / "out" and saved.read_bytes().startswith(PNG_MAGIC)
    body = _submits(sandbox)[-1].json()
    assert body["externalId"].startswith("civitai-cli-") and body["tags"] == ["cli-e2e"]
    got = cli("--json", "workflow", "get", result["workflow_id"], env=token)
    assert got.exit_code == 0 and got.json()["id"] == result["workflow_id"]
    human = cli("workflow", "get", result["workflow_id"], env=token)
    assert "succeeded" in human.stdout and "textToImage" in human.stdout
    listed = cli("--json", "workflow", "list", "--tag", "cli-e2e", env=token)
    assert listed.exit_code == 0
    assert [item["id"] for item in listed.json()["items"]] == [result["workflow_id"]]
    assert fake_key not in outcome.everything + listed.everything


@pytest.mark.slow  # `workflow wait` polls at the documented cadence (2 s, then 5 s)
def test_submit_stdin_then_wait_and_cancel(cli: Any, tmp_path: Path, fake_key: str) -> None:
    token = {"CIVITAIAPI__SDK__APITOKEN": fake_key}
    submitted = cli("--json", "workflow", "submit", "-", env=token, input=json.dumps(_template()))
    assert submitted.exit_code == 0, submitted.everything
    workflow_id = submitted.json()["id"]
    waited = cli("--json", "workflow", "wait", workflow_id, "--dir", str(tmp_path / "w"), env=token)
    assert waited.exit_code == 0, waited.everything
    assert [Path(item["path"]).parent for item in waited.json()["outputs"]] == [tmp_path / "w"]
    other = cli("--json", "workflow", "submit", "-", env=token, input=json.dumps(_template("another")))
    canceled = cli("--json", "workflow", "cancel", other.json()["id"], env=token)
    assert canceled.exit_code == 0, canceled.everything
    assert canceled.json()["status"] == "canceled"
    after = cli("workflow", "wait", other.json()["id"], env=token)
    assert after.exit_code == 1 and "ended canceled" in after.stderr


def test_list_pages_with_a_quoted_cursor(cli: Any, fake_key: str) -> None:
    token = {"CIVITAIAPI__SDK__APITOKEN": fake_key}
    for prompt in ("one", "two"):
        assert (
            cli("workflow", "submit", "-", env=token, input=json.dumps(_template(prompt, tags=["paged"]))).exit_code
            == 0
        )
    first = cli("workflow", "list", "--tag", "paged", "--limit", "1", env=token)
    assert first.exit_code == 0, first.everything
    hint = next(line for line in first.stderr.splitlines() if "--cursor" in line)
    cursor = hint.split("--cursor ", 1)[1].strip().strip("'")
    second = cli("--json", "workflow", "list", "--tag", "paged", "--limit", "1", "--cursor", cursor, env=token)
    assert second.exit_code == 0 and len(second.json()["items"]) == 1
    bad_since = cli("workflow", "list", "--since", "yesterday", env=token)
    assert bad_since.exit_code == 2


def test_submit_rejects_before_sending(cli: Any, sandbox: Sandbox, tmp_path: Path, fake_key: str) -> None:
    token = {"CIVITAIAPI__SDK__APITOKEN": fake_key}
    before = len(_submits(sandbox))
    bad_field = _template()
    bad_field["steps"][0]["input"]["width"] = "wide"
    cases = {
        "not json": _write(tmp_path, None, "x.json").write_text("{nope") or tmp_path / "x.json",
        "list": _write(tmp_path, [1], "list.json"),
        "no steps": _write(tmp_path, {"steps": []}, "empty.json"),
        "unknown type": _write(tmp_path, {"steps": [{"$type": "noSuchStep", "input": {}}]}, "type.json"),
        "bad field": _write(tmp_path, bad_field, "field.json"),
    }
    for name, file in cases.items():
        outcome = cli("workflow", "submit", str(file), env=token)
        assert outcome.exit_code == 2, (name, outcome.everything)
        assert "FILE" in outcome.stderr
    assert "width" in cli("workflow", "submit", str(cases["bad field"]), env=token).stderr
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    into_file = cli("workflow", "submit", str(_write(tmp_path, _template())), "--dir", str(a_file), env=token)
    assert into_file.exit_code == 2 and "--dir" in into_file.stderr
    assert len(_submits(sandbox)) == before  # nothing was sent, nothing spent


def test_failed_workflow_exits_1_with_the_step_reason(cli: Any, tmp_path: Path, fake_key: str) -> None:
    token = {"CIVITAIAPI__SDK__APITOKEN": fake_key}
    failed = cli("workflow", "submit", str(_write(tmp_path, _template("[fail] x"))), "--wait", env=token)
    assert failed.exit_code == 1
    assert "ended failed" in failed.stderr and "textToImage" in failed.stderr  # that step type reports no errors
    engine = ("--engine", "flux2", "--set", "model=dev", "--set", "operation=createImage")
    generated = cli("generate", "[fail] a cat", *engine, "--dir", str(tmp_path / "g"), env=token)
    assert generated.exit_code == 1 and "failed this step: '[fail]' is in the prompt" in generated.stderr
    assert not list((tmp_path / "g").iterdir())


def test_generate_engine_with_set_fields(cli: Any, sandbox: Sandbox, tmp_path: Path, fake_key: str) -> None:
    token = {"CIVITAIAPI__SDK__APITOKEN": fake_key}
    engines = sorted(spec_inputs.engines("ImageGenInput"))
    assert {"flux2", "openai", "gemini", "seedream", "sdcpp", "wan"} <= set(engines)
    help_text = cli("generate", "--help").stdout
    assert all(engine in help_text for engine in engines)
    args = ("--engine", "flux2", "--set", "model=dev", "--set", "operation=createImage", "--set", "width=1024")
    outcome = cli("--json", "generate", "a fox", *args, "--dir", str(tmp_path), env=token)
    assert outcome.exit_code == 0, outcome.everything
    assert outcome.json()["engine"] == "flux2" and outcome.json()["images"]
    step = _submits(sandbox)[-1].json()["steps"][0]
    assert step["$type"] == "imageGen" and step["input"]["engine"] == "flux2"
    assert step["input"]["width"] == 1024 and step["input"]["prompt"] == "a fox"
    before = len(_submits(sandbox))
    bad = cli("generate", "a fox", *args[:-1], "--set", "width=wide", env=token)
    assert bad.exit_code == 2 and "width" in bad.stderr
    unknown = cli("generate", "a fox", "--engine", "nope", env=token)
    assert unknown.exit_code == 2 and "flux2" in unknown.stderr
    mixed = cli("generate", "a fox", "--engine", "flux2", "--width", "64", env=token)
    assert mixed.exit_code == 2 and "--width" in mixed.stderr
    no_engine = cli("generate", "a fox", "--set", "width=64", env=token)
    assert no_engine.exit_code == 2 and "--engine" in no_engine.stderr
    malformed = cli("generate", "a fox", "--engine", "flux2", "--set", "novalue", env=token)
    assert malformed.exit_code == 2 and "name=value" in malformed.stderr
    assert len(_submits(sandbox)) == before


def test_set_values_parse_as_json_and_nest_with_dots() -> None:
    output = Output(json_mode=False, quiet=True, progress=False)
    items = ["width=1024", "guidance_scale=3.5", "prompt=a fox", 'images=["u"]', "loras.first.strength=0.5"]
    assert parse_sets(output, items) == {
        "width": 1024,
        "guidanceScale": 3.5,
        "prompt": "a fox",
        "images": ["u"],
        "loras": {"first": {"strength": 0.5}},
    }
    with pytest.raises(typer.Exit):
        parse_sets(output, ["width=1", "width.inner=2"])  # cannot nest inside a value
