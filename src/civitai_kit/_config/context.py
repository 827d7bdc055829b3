"""Where one load of the options looks for configuration.

The defaults come from control variables (``CIVITAI_CONFIG_DIR``, ``CIVITAI_ENVIRONMENT`` ...) and the
platform; ``config_sources`` overrides them for a block of code (a test, a container's startup).
A context variable carries the choice because pydantic-settings builds sources in a classmethod.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs

from civitai_kit._config.keys import DEFAULT_SECTION, section_path
from civitai_kit.errors import ConfigurationError, Error, ErrorCode

APP_NAME = "civitai-kit"
DEFAULT_ENVIRONMENT = "Production"
DEFAULT_SECRETS_DIR = Path("/run/secrets")

CONFIG_DIR_VARIABLE = "CIVITAI_CONFIG_DIR"
ENVIRONMENT_VARIABLES = ("CIVITAI_ENVIRONMENT", "DOTNET_ENVIRONMENT")
SECRETS_DIR_VARIABLE = "CIVITAI_SECRETS_DIR"
USER_SECRETS_VARIABLE = "CIVITAI_USER_SECRETS"

_ENVIRONMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

UserDirKind = Literal["config", "data", "cache"]
_USER_DIR_VARIABLES = (
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
)
"""What platformdirs derives the per-user folders from (Linux and macOS: these variables; Windows: the shell's known
folders, which the variables follow)."""


def user_dir(kind: UserDirKind) -> Path:
    """civitai-kit's per-user ``config``, ``data`` or ``cache`` folder (platformdirs), worked out once for each
    home the environment names: every options object needs three, and platformdirs rebuilds them each time."""
    return _user_dir(kind, tuple(os.environ.get(name) for name in _USER_DIR_VARIABLES))


@functools.lru_cache(maxsize=32)
def _user_dir(kind: UserDirKind, _homes: tuple[str | None, ...]) -> Path:
    """``_homes`` (the variables' values) is only the cache key: a changed home is a new entry."""
    if kind == "config":
        return platformdirs.user_config_path(APP_NAME, appauthor=False)
    if kind == "data":
        return platformdirs.user_data_path(APP_NAME, appauthor=False)
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def default_user_secrets_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$CIVITAI_USER_SECRETS``, else ``secrets.json`` in the per-user config dir (outside any project)."""
    environ = os.environ if environ is None else environ
    override = environ.get(USER_SECRETS_VARIABLE, "").strip()
    if override:
        return Path(override).expanduser().absolute()
    return user_dir("config") / "secrets.json"


@dataclass(frozen=True, slots=True)
class _Request:
    """What a caller asked for; None means "the default"."""

    config_dir: Path | None = None
    environment: str | None = None
    section: str | None = None
    secrets_dir: Path | None = None
    user_secrets: Path | None = None
    environ: Mapping[str, str] | None = None
    isolated: bool | None = None


_REQUEST: ContextVar[_Request | None] = ContextVar("civitai_config_sources", default=None)


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """The places one load reads, fully resolved (absolute paths, environment name, section)."""

    section: str
    environment: str
    config_dir: Path
    secrets_dir: Path
    user_secrets: Path
    isolated: bool

    @property
    def dotenv_file(self) -> Path:
        return self.config_dir / ".env"

    @property
    def appsettings_file(self) -> Path:
        return self.config_dir / "appsettings.json"

    @property
    def environment_appsettings_file(self) -> Path:
        return self.config_dir / f"appsettings.{self.environment}.json"


@contextmanager
def config_sources(
    *,
    config_dir: str | os.PathLike[str] | None = None,
    environment: str | None = None,
    section: str | None = None,
    secrets_dir: str | os.PathLike[str] | None = None,
    user_secrets: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    isolated: bool | None = None,
) -> Iterator[None]:
    """Choose where options built inside the block read configuration.

    ``isolated=True`` reads nothing ambient (no environment, files or secrets): only arguments and
    defaults. ``environ`` replaces ``os.environ`` as the environment. Blocks nest; inner choices win.
    """
    if section is not None:
        section_path(section)
    outer = _REQUEST.get() or _Request()
    inner = _Request(
        config_dir=outer.config_dir if config_dir is None else Path(config_dir),
        environment=outer.environment if environment is None else environment,
        section=outer.section if section is None else section,
        secrets_dir=outer.secrets_dir if secrets_dir is None else Path(secrets_dir),
        user_secrets=outer.user_secrets if user_secrets is None else Path(user_secrets),
        environ=outer.environ if environ is None else environ,
        isolated=outer.isolated if isolated is None else isolated,
    )
    token = _REQUEST.set(inner)
    try:
        yield
    finally:
        _REQUEST.reset(token)


def current_environ() -> Mapping[str, str]:
    """The environment variables options read: ``os.environ`` unless ``config_sources`` replaced it."""
    request = _REQUEST.get() or _Request()
    return os.environ if request.environ is None else request.environ


def current_plan(*, section: str | None = None) -> SourcePlan:
    """Resolve the active request against control variables and platform defaults."""
    request = _REQUEST.get() or _Request()
    environ = current_environ()
    chosen_section = section or request.section or DEFAULT_SECTION
    section_path(chosen_section)
    return SourcePlan(
        section=chosen_section,
        environment=_environment(request.environment, environ),
        config_dir=_directory(request.config_dir, environ.get(CONFIG_DIR_VARIABLE), Path.cwd()),
        secrets_dir=_directory(request.secrets_dir, environ.get(SECRETS_DIR_VARIABLE), DEFAULT_SECRETS_DIR),
        user_secrets=request.user_secrets.expanduser().absolute()
        if request.user_secrets is not None
        else default_user_secrets_path(environ),
        isolated=bool(request.isolated),
    )


def _directory(chosen: Path | None, variable: str | None, default: Path) -> Path:
    if chosen is not None:
        return chosen.expanduser().absolute()
    if variable and variable.strip():
        return Path(variable.strip()).expanduser().absolute()
    return default.absolute()


def _environment(chosen: str | None, environ: Mapping[str, str]) -> str:
    name = chosen
    origin = "argument environment"
    if name is None:
        for variable in ENVIRONMENT_VARIABLES:
            if environ.get(variable, "").strip():
                name, origin = environ[variable], f"environment variable {variable}"
                break
    if name is None:
        return DEFAULT_ENVIRONMENT
    name = name.strip()
    if not _ENVIRONMENT_NAME.fullmatch(name):
        message = (
            f"the environment name from {origin} must be a simple name such as Development or Production "
            "(letters, digits, '.', '_' or '-')"
        )
        raise ConfigurationError(Error(ErrorCode.CONFIGURATION_INVALID, message))
    return name
