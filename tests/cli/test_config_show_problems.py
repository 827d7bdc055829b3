"""``civitai config show`` when the configuration has keys no option knows, or values that break a rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def test_unknown_keys_are_listed_with_source_and_suggestion(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "appsettings.json"
    path.write_text(
        json.dumps({"CivitaiSdk": {"TimeoutSecond": 900}, "CivitaiDownloads": {"Models": {"VerifyHash": False}}})
    )
    shown = cli("--config-dir", str(tmp_path), "--json", "config", "show")
    assert shown.exit_code == 0, shown.stderr
    data = shown.json()
    assert data["unknown_keys"] == [
        {
            "key": "CivitaiSdk:TimeoutSecond",
            "source": f"appsettings.json ({path})",
            "suggestion": "CivitaiSdk:TimeoutSeconds",
        }
    ]
    verify = next(row for row in data["options"] if row["key"] == "CivitaiApi:Downloads:Models:VerifyHash")
    assert verify == {
        "key": "CivitaiApi:Downloads:Models:VerifyHash",
        "value": "false",
        "source": f"appsettings.json ({path})",
    }
    text = cli("--config-dir", str(tmp_path), "config", "show")
    warned = [line for line in text.stderr.splitlines() if "CivitaiSdk:TimeoutSecond " in line]
    assert warned == [  # once, although the library both warns and logs it
        f"warning: unknown configuration key CivitaiSdk:TimeoutSecond from appsettings.json ({path}) is ignored; "
        "did you mean CivitaiSdk:TimeoutSeconds?"
    ]
    assert "TimeoutSecond " not in text.stdout


def test_invalid_values_are_marked_and_the_valid_ones_still_shown(cli: Any, tmp_path: Path, fake_key: str) -> None:
    path = tmp_path / "appsettings.json"
    settings = {"TimeoutSeconds": 0, "ApiKey": fake_key, "Sdk": {"TimeoutSeconds": 77}}
    path.write_text(json.dumps({"CivitaiApi": settings}))
    env = {"CIVITAIAPI__RESILIENCE__MAXRETRIES": "-5"}
    shown = cli("--config-dir", str(tmp_path), "--json", "config", "show", env=env)
    assert shown.exit_code == 1
    data = shown.json()
    rows = {row["key"]: row for row in data["options"]}
    assert rows["CivitaiApi:Sdk:TimeoutSeconds"] == {
        "key": "CivitaiApi:Sdk:TimeoutSeconds",
        "value": "77",
        "source": f"appsettings.json ({path})",
    }
    assert rows["CivitaiApi:ApiKey"]["value"] == "***"
    timeout = rows["CivitaiApi:TimeoutSeconds"]
    assert timeout["value"] is None and timeout["source"] == f"appsettings.json ({path})"
    assert timeout["invalid"] == "must be between 1 and 300"
    retries = rows["CivitaiApi:Resilience:MaxRetries"]
    assert retries["source"] == "environment variable CIVITAIAPI__RESILIENCE__MAXRETRIES"
    assert {p["key"] for p in data["problems"]} == {"CivitaiApi:TimeoutSeconds", "CivitaiApi:Resilience:MaxRetries"}
    assert fake_key not in shown.everything

    text = cli("--config-dir", str(tmp_path), "config", "show", env=env)
    assert text.exit_code == 1
    line = next(line for line in text.stdout.splitlines() if "CivitaiApi:TimeoutSeconds" in line)
    assert "INVALID: must be between 1 and 300" in line and str(path) in line
    assert any("CivitaiApi:Sdk:TimeoutSeconds" in line and "77" in line for line in text.stdout.splitlines())
    assert "error: CivitaiApi:Resilience:MaxRetries" in text.stderr
    assert fake_key not in text.everything


def test_a_bad_flag_is_still_a_usage_error(cli: Any) -> None:
    outcome = cli("--base-url", "ftp://nowhere", "config", "show")
    assert outcome.exit_code == 2 and outcome.stdout == ""
