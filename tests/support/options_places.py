"""Helpers shared by the options tests (a uniquely named module: tests have no packages)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class ConfigPlaces:
    """The isolated places, with helpers that write configuration into them."""

    config_dir: Path
    secrets_dir: Path
    user_secrets: Path
    monkeypatch: pytest.MonkeyPatch

    def appsettings(self, data: Any, environment: str | None = None) -> Path:
        name = f"appsettings.{environment}.json" if environment else "appsettings.json"
        path = self.config_dir / name
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return path

    def dotenv(self, text: str) -> Path:
        path = self.config_dir / ".env"
        path.write_text(text, encoding="utf-8")
        return path

    def secret_file(self, name: str, content: str) -> Path:
        self.secrets_dir.mkdir(exist_ok=True)
        path = self.secrets_dir / name
        path.write_text(content, encoding="utf-8")
        return path

    def user_secret_file(self, data: Any) -> Path:
        self.user_secrets.parent.mkdir(parents=True, exist_ok=True)
        self.user_secrets.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        self.user_secrets.chmod(0o600)
        return self.user_secrets

    def env(self, name: str, value: str) -> None:
        self.monkeypatch.setenv(name, value)
