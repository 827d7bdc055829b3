"""``civitai models|versions|images|tags|creators`` against the sandbox's REST API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civitai_kit.testing import Fault
from civitai_kit.testing.sandbox import Sandbox


def test_models_list_table_and_cursor_hint(cli: Any, sandbox: Sandbox) -> None:
    outcome = cli("models", "list", "--type", "LORA", "--limit", "3")
    assert outcome.exit_code == 0, outcome.stderr
    lora_ids = {m["id"] for m in sandbox.rest.models if m.get("type") == "LORA"}
    shown = [int(line.split("│")[1]) for line in outcome.stdout.splitlines() if line.startswith("│")]
    assert len(shown) == 3 and set(shown) <= lora_ids
    assert "more: --cursor " in outcome.stderr


def test_models_list_json_before_or_after_the_command(cli: Any, sandbox: Sandbox) -> None:
    before = cli("--json", "models", "list", "--limit", "4", "--sort", "Newest")
    after = cli("models", "list", "--limit", "4", "--sort", "Newest", "--json")
    assert before.exit_code == after.exit_code == 0
    assert before.json()["items"] == after.json()["items"]
    page = before.json()
    assert len(page["items"]) == 4
    assert page["metadata"]["nextCursor"]
    nxt = cli(
        "models", "list", "--limit", "4", "--sort", "Newest", "--cursor", page["metadata"]["nextCursor"], "--json"
    )
    assert {m["id"] for m in nxt.json()["items"]}.isdisjoint(m["id"] for m in page["items"])


def test_max_items_follows_pages(cli: Any, sandbox: Sandbox) -> None:
    outcome = cli("--json", "models", "list", "--limit", "5", "--max-items", "12")
    assert outcome.exit_code == 0
    ids = [m["id"] for m in outcome.json()["items"]]
    assert len(ids) == 12 == len(set(ids))
    requests = [r for r in sandbox.server.requests.snapshot() if r.path == "/api/v1/models"]
    assert len(requests) >= 3


def test_models_get_and_versions_get(cli: Any, sandbox: Sandbox, served_file: Any) -> None:
    file = served_file
    found = sandbox.rest.version(file.version_id)
    assert found is not None
    model_id = found[0]["id"]
    model = cli("models", "get", str(model_id))
    assert model.exit_code == 0
    assert str(file.version_id) in model.stdout and file.name in model.stdout
    version = cli("versions", "get", str(file.version_id), "--json")
    assert version.exit_code == 0
    data = version.json()
    assert data["id"] == file.version_id
    assert any(f["hashes"]["SHA256"] == file.sha256() for f in data["files"])


def test_versions_by_hash_accepts_a_hash_or_a_file(
    cli: Any, sandbox: Sandbox, tmp_path: Path, served_file: Any
) -> None:
    file = served_file
    by_autov2 = cli("versions", "by-hash", file.sha256()[:10], "--json")
    assert by_autov2.exit_code == 0 and by_autov2.json()["id"] == file.version_id
    local = tmp_path / "mystery.safetensors"
    local.write_bytes(file.data)
    by_file = cli("versions", "by-hash", str(local))
    assert by_file.exit_code == 0, by_file.stderr
    assert f"SHA256 {file.sha256()}" in by_file.stderr
    assert str(file.version_id) in by_file.stdout
    unknown = cli("versions", "by-hash", "0123456789")
    assert unknown.exit_code == 1
    assert "NOT_FOUND" in unknown.stderr and len(unknown.stderr.strip().splitlines()) == 1


def test_images_list_carries_metadata(cli: Any, sandbox: Sandbox) -> None:
    outcome = cli("images", "list", "--limit", "5", "--json")
    assert outcome.exit_code == 0
    items = outcome.json()["items"]
    assert len(items) == 5
    assert any(isinstance(item.get("meta"), dict) and item["meta"].get("prompt") for item in items)
    table = cli("images", "list", "--limit", "2")
    assert str(items[0]["id"]) in table.stdout


def test_tags_and_creators(cli: Any, sandbox: Sandbox) -> None:
    tags = cli("tags", "list", "--limit", "3", "--json")
    assert tags.exit_code == 0
    assert [t["name"] for t in tags.json()["items"]] == sandbox.rest.tag_names()[:3]
    second = cli("tags", "list", "--limit", "3", "--page", "2", "--json")
    assert [t["name"] for t in second.json()["items"]] == sandbox.rest.tag_names()[3:6]
    creators = cli("creators", "list", "--limit", "3")
    assert creators.exit_code == 0
    assert sandbox.rest.creators()[0]["username"] in creators.stdout
    assert "more: --page 2" in creators.stderr


def test_api_failures_exit_1_with_civitais_message(cli: Any, sandbox: Sandbox) -> None:
    missing = cli("models", "get", "999999999")
    assert missing.exit_code == 1
    assert missing.stdout == ""
    line = missing.stderr.strip()
    assert line.startswith("error: NOT_FOUND (HTTP 404): No model with id 999999999 [GET http://127.0.0.1:")
    assert line.endswith("/api/v1/models/999999999]") and len(line.splitlines()) == 1
    sandbox.server.faults.add(Fault.json(400, {"error": "Something odd happened"}), path="/api/v1/tags")
    odd = cli("tags", "list")
    assert odd.exit_code == 1
    assert "Something odd happened" in odd.stderr


def test_favorites_without_a_key_fail_before_any_request(cli: Any, sandbox: Sandbox) -> None:
    before = len(sandbox.server.requests.snapshot())
    outcome = cli("models", "list", "--favorites")
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith("error:") and "needs an API key" in outcome.stderr
    assert len(sandbox.server.requests.snapshot()) == before


@pytest.mark.parametrize(
    "args",
    [
        ("models", "list", "--limit", "500"),
        ("models", "list", "--limit", "150"),
        ("models", "get", "0"),
        ("models", "get", "abc"),
        ("images", "list", "--model-id", "-3"),
    ],
)
def test_bad_arguments_are_usage_errors(cli: Any, args: tuple[str, ...]) -> None:
    outcome = cli(*args)
    assert outcome.exit_code == 2, outcome.everything
    assert outcome.stdout == ""


def test_cursor_with_max_items_is_a_usage_error_not_silently_ignored(cli: Any) -> None:
    first = cli("--json", "models", "list", "--limit", "3").json()
    cursor = first["metadata"]["nextCursor"]
    outcome = cli("models", "list", "--limit", "3", "--cursor", cursor, "--max-items", "6", "--json")
    assert outcome.exit_code == 2
    assert "--cursor" in outcome.stderr and "--max-items" in outcome.stderr
    assert outcome.json()["error"]["code"] == "usage"  # with --json the error is JSON on stdout too
