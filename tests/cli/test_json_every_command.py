"""``--json`` output parses for every command of the app, on success and on error: the commands are found by
walking the Typer app, so a command added without a success case here fails the test."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from civitai_kit.cli.app import every_command
from civitai_kit.testing.media import solid_png
from tests.cli.conftest import CIVITAI

Case = Callable[[Any, Path], tuple[str, ...]]
"""(the served version: ``version_id``, ``model_id``, ``sha256``; a temporary folder) → the command's arguments."""


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    children = getattr(command, "commands", None)
    if not children:
        yield path
        return
    for name, child in children.items():
        yield from _leaves(child, (*path, name))


COMMANDS = sorted(_leaves(every_command()))

SUCCESS: dict[tuple[str, ...], Case] = {
    ("models", "list"): lambda f, tmp: ("--limit", "2"),
    ("models", "get"): lambda f, tmp: (str(f.model_id),),
    ("versions", "get"): lambda f, tmp: (str(f.version_id),),
    ("versions", "by-hash"): lambda f, tmp: (f.sha256,),
    ("images", "list"): lambda f, tmp: ("--limit", "2"),
    ("tags", "list"): lambda f, tmp: ("--limit", "2"),
    ("creators", "list"): lambda f, tmp: ("--limit", "2"),
    ("download",): lambda f, tmp: (str(f.version_id), "--dir", str(tmp / "dl")),
    ("hash",): lambda f, tmp: (str(_file(tmp)),),
    ("identify",): lambda f, tmp: (str(_file(tmp).parent),),
    ("generate",): lambda f, tmp: ("a cat", "--dir", str(tmp / "gen")),
    ("generate-video",): lambda f, tmp: ("a cat", "--image", str(_png(tmp)), "--dir", str(tmp / "video")),
    ("blobs", "upload"): lambda f, tmp: (str(_png(tmp)),),
    ("images", "download"): lambda f, tmp: ("--username", "nobody_at_all", "--dir", str(tmp / "img")),
    ("config", "show"): lambda f, tmp: (),
    ("secrets", "set"): lambda f, tmp: ("CivitaiApi:Sdk:ApiToken", "ck-json-walk-0451"),
    ("secrets", "list"): lambda f, tmp: (),
    ("secrets", "remove"): lambda f, tmp: ("CivitaiApi:Sdk:ApiToken",),
    ("login",): lambda f, tmp: ("--token", "ck-json-walk-0451"),
    ("logout",): lambda f, tmp: (),
    ("whoami",): lambda f, tmp: (),
    ("enums",): lambda f, tmp: (),
    ("workflow", "submit"): lambda f, tmp: (str(_workflow_file(tmp)),),
    ("workflow", "get"): lambda f, tmp: (f.workflow_id,),
    ("workflow", "list"): lambda f, tmp: ("--limit", "2"),
    ("workflow", "cancel"): lambda f, tmp: (f.workflow_id,),
    ("workflow", "wait"): lambda f, tmp: (f.workflow_id, "--dir", str(tmp / "wf")),
}
LONG_RUNNING = {("sandbox",)}
"""Serves until stopped: checked as a process (its first JSON document, then SIGTERM)."""


def _file(tmp: Path) -> Path:
    folder = tmp / "files"
    folder.mkdir(exist_ok=True)
    file = folder / "a.safetensors"
    file.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      " + b"w" * 64)
    return file


def _png(tmp: Path) -> Path:
    file = tmp / "still.png"
    file.write_bytes(solid_png(16, 16, (1, 2, 3)))
    return file


def _workflow_file(tmp: Path) -> Path:
    file = tmp / "workflow.json"
    step = {"$type": "textToImage", "input": {"model": "urn:air:sd1:checkpoint:civitai:4384@128713", "prompt": "a cat",
                                              "width": 512, "height": 512, "seed": 1}}  # fmt: skip
    file.write_text(json.dumps({"steps": [step]}), encoding="utf-8")
    return file


def test_every_command_has_a_success_case() -> None:
    assert set(COMMANDS) == set(SUCCESS) | LONG_RUNNING


POLLS = {("workflow", "wait")}
"""Commands that poll at the documented cadence (2 s, then 5 s): they wait seconds by nature (``slow``)."""


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(command, marks=[pytest.mark.slow] if command in POLLS else [])
        for command in COMMANDS
        if command not in LONG_RUNNING
    ],
    ids=" ".join,
)
def test_json_success_parses(
    cli: Any, served_file: Any, tmp_path: Path, fake_key: str, command: tuple[str, ...]
) -> None:
    version = cli("--json", "versions", "get", str(served_file.version_id)).json()
    known = SimpleNamespace(
        version_id=served_file.version_id,
        model_id=version["modelId"],
        sha256=next(file["hashes"]["SHA256"] for file in version["files"] if file.get("primary")),
    )
    if command[0] == "workflow" and command != ("workflow", "submit"):  # one to look at, cancel or wait for
        submitted = cli(
            "--json", "workflow", "submit", str(_workflow_file(tmp_path)), env={"CIVITAIAPI__SDK__APITOKEN": fake_key}
        )
        known.workflow_id = submitted.json()["id"]
    if command == ("secrets", "remove"):  # something to remove
        assert cli("secrets", "set", "CivitaiApi:Sdk:ApiToken", "ck-json-walk-0451").exit_code == 0
    args = SUCCESS[command](known, tmp_path)
    outcome = cli("--json", *command, *args, env={"CIVITAIAPI__SDK__APITOKEN": fake_key})
    assert outcome.exit_code == 0, outcome.everything
    document = outcome.json()
    assert "error" not in document if isinstance(document, dict) else True


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_json_usage_error_parses(cli: Any, command: tuple[str, ...]) -> None:
    outcome = cli("--json", *command, "--no-such-option")
    assert outcome.exit_code == 2
    assert outcome.json()["error"]["code"] == "usage"
    assert len(outcome.stderr.strip().splitlines()) == 1


@pytest.mark.slow  # a subprocess
def test_sandbox_json_then_stops(sandbox_env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [str(CIVITAI), "--json", "sandbox"],
        env={**os.environ, **sandbox_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        while (line := process.stdout.readline()) and line != "}\n":
            lines.append(line)
        document = json.loads("".join([*lines, line]))
        assert document["url"].startswith("http://127.0.0.1:")
    finally:
        process.terminate()
        process.communicate(timeout=60)
    assert process.returncode == 0
