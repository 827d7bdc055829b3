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
    assert any(
        line.startswith("warning: unknown configuration key CivitaiSdk:TimeoutSecond")
        and "did you mean CivitaiSdk:TimeoutSeconds?" in line
        for line in text.stdout.splitlines()
    )
