"""``civitai config show`` and ``civitai secrets``: sources, masking, exit codes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any


def _rows(outcome_json: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {row["key"]: row for row in outcome_json["options"]}


def test_config_show_names_each_source_and_masks_the_key(cli: Any, sandbox_env: dict[str, str], fake_key: str) -> None:
    outcome = cli("--json", "config", "show", env={"CIVITAI_API_KEY": fake_key})
    assert outcome.exit_code == 0
    rows = _rows(outcome.json())
    assert rows["CivitaiApi:ApiKey"] == {
        "key": "CivitaiApi:ApiKey",
        "value": "***",
        "source": "environment variable CIVITAI_API_KEY",
    }
    assert rows["CivitaiApi:BaseUrl"]["value"] == sandbox_env["CIVITAIAPI__BASEURL"]
    assert rows["CivitaiApi:BaseUrl"]["source"] == "environment variable CIVITAIAPI__BASEURL"
    assert rows["CivitaiApi:TimeoutSeconds"] == {"key": "CivitaiApi:TimeoutSeconds", "value": "30", "source": "default"}
    assert outcome.json()["sdk_token"]["configured"] is True
    assert fake_key not in outcome.everything


def test_config_show_human_table(cli: Any, fake_key: str) -> None:
    outcome = cli("config", "show", env={"CIVITAIAPI__SDK__APITOKEN": fake_key})
    assert outcome.exit_code == 0
    line = next(line for line in outcome.stdout.splitlines() if "CivitaiApi:Sdk:ApiToken" in line)
    assert "***" in line and "environment variable CIVITAIAPI__SDK__APITOKEN" in line
    used = next(line for line in outcome.stdout.splitlines() if line.startswith("API key:"))
    assert "***" in used and "(Sdk:ApiToken, used as the API key)" in used
    assert fake_key not in outcome.everything


def test_flags_rank_as_arguments(cli: Any, fake_key: str) -> None:
    outcome = cli("--api-key", fake_key, "--base-url", "http://127.0.0.1:9/proxy/", "config", "show", "--json")
    rows = _rows(outcome.json())
    assert rows["CivitaiApi:ApiKey"]["source"] == "argument"
    assert rows["CivitaiApi:BaseUrl"] == {
        "key": "CivitaiApi:BaseUrl",
        "value": "http://127.0.0.1:9/proxy",
        "source": "argument",
    }
    assert fake_key not in outcome.everything


def test_appsettings_file_is_named_as_the_source(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "appsettings.Staging.json").write_text(json.dumps({"CivitaiApi": {"TimeoutSeconds": 77}}))
    outcome = cli("--config-dir", str(tmp_path), "--environment", "Staging", "--json", "config", "show")
    row = _rows(outcome.json())["CivitaiApi:TimeoutSeconds"]
    assert row["value"] == "77"
    assert row["source"].startswith("appsettings.Staging.json")


def test_a_bad_flag_value_is_a_usage_error(cli: Any) -> None:
    outcome = cli("--base-url", "ftp://nowhere", "config", "show")
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    assert "CivitaiApi:BaseUrl" in outcome.stderr and "(from argument)" in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1


def test_a_bad_configured_value_fails_with_its_source(cli: Any) -> None:
    outcome = cli("config", "show", env={"CIVITAIAPI__TIMEOUTSECONDS": "0"})
    assert outcome.exit_code == 1
    assert "CivitaiApi:TimeoutSeconds" in outcome.stderr
    assert "environment variable CIVITAIAPI__TIMEOUTSECONDS" in outcome.stderr


def test_secrets_round_trip(cli: Any, fake_key: str) -> None:
    store = Path(os.environ["CIVITAI_USER_SECRETS"])
    saved = cli("secrets", "set", "civitaiapi:apikey", fake_key)
    assert saved.exit_code == 0, saved.stderr
    assert "CivitaiApi:ApiKey" in saved.stdout
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert json.loads(store.read_text())["CivitaiApi:ApiKey"] == fake_key

    listed = cli("secrets", "list", "--json")
    assert listed.json()["secrets"] == {"CivitaiApi:ApiKey": "***"}
    shown = cli("config", "show", "--json")
    assert _rows(shown.json())["CivitaiApi:ApiKey"]["source"] == f"user secrets ({store})"

    cli("secrets", "set", "CivitaiApi:TimeoutSeconds", "45")
    assert cli("secrets", "list", "--json").json()["secrets"]["CivitaiApi:TimeoutSeconds"] == "45"

    removed = cli("secrets", "remove", "CivitaiApi:ApiKey")
    assert removed.exit_code == 0
    assert "CivitaiApi:ApiKey" not in json.loads(store.read_text())
    for outcome in (saved, listed, shown, removed):
        assert fake_key not in outcome.everything


def test_secrets_set_prompts_when_the_value_is_omitted(cli: Any, fake_key: str) -> None:
    outcome = cli("secrets", "set", "CivitaiApi:Sdk:ApiToken", input=fake_key + "\n")
    assert outcome.exit_code == 0, outcome.stderr
    assert json.loads(Path(os.environ["CIVITAI_USER_SECRETS"]).read_text()) == {"CivitaiApi:Sdk:ApiToken": fake_key}
    assert fake_key not in outcome.everything


def test_secrets_errors(cli: Any) -> None:
    unknown = cli("secrets", "set", "CivitaiApi:NoSuchOption", "x")
    assert unknown.exit_code == 2
    assert "is not an option" in unknown.stderr
    invalid = cli("secrets", "set", "CivitaiApi:TimeoutSeconds", "9999")
    assert invalid.exit_code == 2
    assert "TimeoutSeconds" in invalid.stderr
    missing = cli("secrets", "remove", "CivitaiApi:ApiKey")
    assert missing.exit_code == 1
    assert "is not in" in missing.stderr
    empty = cli("secrets", "list")
    assert empty.exit_code == 0 and "No user secrets" in empty.stdout


def test_usage_errors_exit_2(cli: Any) -> None:
    assert cli("config", "show", "--bogus").exit_code == 2
    assert cli("no-such-command").exit_code == 2
