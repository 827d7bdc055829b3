"""Options tests write configuration into ``tmp_path`` places. The suite-wide fixture in ``tests/conftest.py``
has already removed every CIVITAI* variable; this one points the places at folders the tests can see."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.options_places import ConfigPlaces


@pytest.fixture(autouse=True)
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConfigPlaces:
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
