"""Isolation for options tests: no CIVITAI* variable from the developer's shell, and every place options
are read from (config dir, user secrets, secrets dir) points into ``tmp_path``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from options_places import ConfigPlaces

CONTROL_PREFIXES = ("CIVITAI", "DOTNET_ENVIRONMENT", "PYDANTIC_SETTINGS_DEBUG")


@pytest.fixture(autouse=True)
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConfigPlaces:
    for name in list(os.environ):
        if name.upper().startswith(CONTROL_PREFIXES):
            monkeypatch.delenv(name)
    config_dir = tmp_path / "project"
    config_dir.mkdir()
    placed = ConfigPlaces(
        config_dir=config_dir,
        secrets_dir=tmp_path / "run-secrets",
        user_secrets=tmp_path / "user-config" / "civitai-kit" / "secrets.json",
        monkeypatch=monkeypatch,
    )
    monkeypatch.setenv("CIVITAI_CONFIG_DIR", str(placed.config_dir))
    monkeypatch.setenv("CIVITAI_SECRETS_DIR", str(placed.secrets_dir))
    monkeypatch.setenv("CIVITAI_USER_SECRETS", str(placed.user_secrets))
    monkeypatch.chdir(tmp_path)
    return placed
