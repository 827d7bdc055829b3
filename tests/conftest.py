"""Suite-wide isolation: no test reads the developer's Civitai configuration or writes into their home.

Every CIVITAI* variable is removed, the configuration places (config dir, secrets dir, user secrets) point into
a fresh folder per test, and the XDG directories that ``platformdirs`` uses for caches and data do too.

Hypothesis runs deterministically (the same examples on every run and in every xdist worker, no example
database, no timing health check on a loaded machine); ``HYPOTHESIS_PROFILE=explore`` draws fresh examples.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_CONTROL_PREFIXES = ("CIVITAI", "DOTNET_ENVIRONMENT", "PYDANTIC_SETTINGS_DEBUG")


@pytest.fixture(autouse=True)
def _isolated_civitai_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(_CONTROL_PREFIXES):
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("isolated-home")  # beside the test's tmp_path, which stays empty
    for variable, folder in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
    ):
        monkeypatch.setenv(variable, str(home / folder))
    (home / "project").mkdir(parents=True)  # a config dir that does not exist is warned about
    monkeypatch.setenv("CIVITAI_CONFIG_DIR", str(home / "project"))
    monkeypatch.setenv("CIVITAI_SECRETS_DIR", str(home / "run-secrets"))
    monkeypatch.setenv("CIVITAI_USER_SECRETS", str(home / "user-secrets.json"))
