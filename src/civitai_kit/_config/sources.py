"""The places options come from, as pydantic-settings sources (highest priority first):

arguments -> configuration mapping (``from_section``) -> environment -> ``.env`` -> secrets directory ->
user secrets -> ``appsettings.{Environment}.json`` -> ``appsettings.json`` (then field defaults).

Each source binds .NET-style keys onto field names (``civitai_kit._config.binder``) and records the
origin of every value, so ``options.source_of(...)`` can say where a value came from.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from civitai_kit._config.binder import Entry, Layer, UnknownKey, bind, flatten, section_type, within_section
from civitai_kit._config.context import CONFIG_DIR_VARIABLE, SourcePlan, current_environ
from civitai_kit._config.errors import SECTION_RULE, Problem, configuration_error
from civitai_kit._config.jsonc import load_jsonc
from civitai_kit._config.keys import norm, section_path, split_env_name, strip_prefix
from civitai_kit.errors import CivitaiWarning, ConfigurationError, Error, ErrorCode

logger = logging.getLogger("civitai_kit.options")

FLAT_ALIASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # lowest priority first: CIVITAI_API_TOKEN beats CIVITAI_TOKEN
    ("CIVITAI_API_KEY", ("ApiKey",)),
    ("CIVITAI_TOKEN", ("Sdk", "ApiToken")),
    ("CIVITAI_API_TOKEN", ("Sdk", "ApiToken")),
)
"""Flat variable names people already use for a key; the ``CivitaiApi__...`` form beats them."""

FOREIGN_SECTIONS: tuple[tuple[str, str], ...] = (("CivitaiSdk", "Sdk"), ("CivitaiDownloads", "Downloads"))
"""CivitaiSharp's top-level sections and the part of ours each binds onto (``CivitaiSdk:TimeoutSeconds`` is
``CivitaiApi:Sdk:TimeoutSeconds``). Within one source our own section wins a key both set."""

UNUSED_FOREIGN_KEYS = frozenset({("Sdk", "apiversion")})
"""CivitaiSharp keys with no meaning here: ``CivitaiSdk:ApiVersion`` (the Generator SDK's paths carry their own
version). Dropped with a warning that says so, not reported as a misspelling."""

MAX_SECRET_FILE_BYTES = 64 * 1024

ARGUMENT = "argument"
CONFIGURATION_MAPPING = "configuration mapping"


# ---------------------------------------------------------------------------------------- load state


@dataclass(slots=True)
class LoadState:
    """One construction of the options: what it reads, and every layer read so far (highest first)."""

    plan: SourcePlan
    environ: Mapping[str, str]
    arguments: Layer
    mapping: Layer | None = None
    layers: list[Layer] = field(default_factory=list)
    unknown: list[UnknownKey] = field(default_factory=list)

    def origins(self) -> dict[str, str]:
        """Dotted field -> origin of the value that won (the first layer that set it)."""
        merged: dict[str, str] = {}
        for layer in self.layers:
            for path, origin in layer.origins.items():
                merged.setdefault(path, origin)
        return merged


_LOAD: ContextVar[LoadState | None] = ContextVar("civitai_options_load", default=None)
_MAPPING: ContextVar[Layer | None] = ContextVar("civitai_options_mapping", default=None)


@contextmanager
def loading(plan: SourcePlan, arguments: Layer) -> Iterator[LoadState]:
    """Make ``plan`` and ``arguments`` visible to the sources while the options are built."""
    state = LoadState(plan, current_environ(), arguments, mapping=_MAPPING.get())
    token = _LOAD.set(state)
    try:
        yield state
    finally:
        _LOAD.reset(token)


@contextmanager
def explicit_mapping(layer: Layer) -> Iterator[None]:
    """Values bound from a configuration mapping, ranked just below arguments (``from_section``)."""
    token = _MAPPING.set(layer)
    try:
        yield
    finally:
        _MAPPING.reset(token)


def build_sources(settings_cls: type[BaseSettings]) -> tuple[PydanticBaseSettingsSource, ...]:
    """The sources for the load in progress, highest priority first."""
    state = _LOAD.get()
    if state is None:
        raise RuntimeError("options sources are only built while CivitaiApiOptions is being constructed")
    sources: list[PydanticBaseSettingsSource] = [_Fixed(settings_cls, state, state.arguments)]
    if state.mapping is not None:
        sources.append(_Fixed(settings_cls, state, state.mapping))
    if not state.plan.isolated:
        _warn_if_config_dir_missing(state)
        sources += [
            EnvironmentSource(settings_cls, state),
            DotEnvSource(settings_cls, state),
            SecretsDirSource(settings_cls, state),
            UserSecretsSource(settings_cls, state),
            AppSettingsSource(settings_cls, state, state.plan.environment_appsettings_file),
            AppSettingsSource(settings_cls, state, state.plan.appsettings_file),
        ]
    return tuple(sources)


class UnknownConfigKeyWarning(CivitaiWarning):
    """A configuration file, variable or secret names a key no option has (a typo such as ``TimeoutSecond``):
    it is ignored, like .NET ignores it, but never silently. The message names the key, where it was and the
    closest known key; ``civitai config show`` lists the same."""


def report_unknown(layer: Layer, state: LoadState | None) -> None:
    """Warn about each unknown key of ``layer`` (Python ``warnings`` and the log), and keep it on the load."""
    for unknown in layer.unknown:
        if state is not None:
            state.unknown.append(unknown)
        logger.warning("%s", unknown.message())
        warnings.warn(unknown.message(), UnknownConfigKeyWarning, stacklevel=2)


class ConfigDirectoryWarning(CivitaiWarning):
    """``CIVITAI_CONFIG_DIR`` names a folder that is not there, so no ``appsettings*.json`` or ``.env`` is
    read (a typo, or a volume that was not mounted); the other sources still apply."""


_warned_dirs: set[Path] = set()
_warned_lock = threading.Lock()


def _warn_if_config_dir_missing(state: LoadState) -> None:
    """Warn once per process and folder: a silently empty configuration is the hardest mistake to see."""
    variable = (state.environ.get(CONFIG_DIR_VARIABLE) or "").strip()
    directory = state.plan.config_dir
    if not variable or Path(variable).expanduser().absolute() != directory:
        return  # the variable is unset, or an explicit choice replaced it
    try:
        if directory.is_dir():
            return
    except OSError:
        return  # cannot tell (no permission): reading its files will say what is wrong
    with _warned_lock:
        if directory in _warned_dirs:
            return
        _warned_dirs.add(directory)
    message = (
        f"{CONFIG_DIR_VARIABLE} names {directory}, which is not a directory: no appsettings*.json or .env is "
        "read from it; the other configuration sources still apply"
    )
    logger.warning("%s", message)
    warnings.warn(message, ConfigDirectoryWarning, stacklevel=2)


# ---------------------------------------------------------------------------------------- base


def bind_shaped(model: type[BaseModel], entries: list[Entry], section: str) -> Layer:
    """``bind``, refusing a section given as a list or a single value. Refused even when a higher source
    sets the section properly: like a syntax error, a misshapen file is wrong whatever else is configured."""
    layer = bind(model, entries, section=section)
    if layer.misshapen:
        raise configuration_error([Problem(key, origin, SECTION_RULE) for key, origin in layer.misshapen])
    return layer


class LayerSource(PydanticBaseSettingsSource):
    """A source that reads one place into a ``Layer`` and records it for provenance."""

    def __init__(self, settings_cls: type[BaseSettings], state: LoadState) -> None:
        super().__init__(settings_cls)
        self.state = state

    @property
    def plan(self) -> SourcePlan:
        return self.state.plan

    def read(self) -> Layer:
        raise NotImplementedError

    def bind(self, entries: list[Entry]) -> Layer:
        layer = bind_shaped(self.settings_cls, _without_unused(entries), self.plan.section)
        report_unknown(layer, self.state)
        return layer

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads the whole place at once

    def __call__(self) -> dict[str, Any]:
        layer = self.read()
        self.state.layers.append(layer)
        return layer.values


class _Fixed(LayerSource):
    """A layer bound before loading started (arguments, a configuration mapping)."""

    def __init__(self, settings_cls: type[BaseSettings], state: LoadState, layer: Layer) -> None:
        super().__init__(settings_cls, state)
        self.layer = layer

    def read(self) -> Layer:
        return self.layer


# ---------------------------------------------------------------------------------------- environment


def variable_entries(variables: Mapping[str, str | None], section: str, describe: Callable[[str], str]) -> list[Entry]:
    """Entries for environment-style names: ``CivitaiApi__Sdk__ApiToken`` (``__`` or ``:`` nest, any case)
    and the flat aliases. Empty values count as unset. Later entries win, so aliases come first."""
    prefix = section_path(section)
    by_upper = {name.upper(): name for name in sorted(variables, reverse=True)}
    entries = []
    for alias, path in FLAT_ALIASES:
        name = by_upper.get(alias)
        if name is not None and (variables[name] or "").strip():
            entries.append(Entry(path, variables[name], describe(name)))
    present = [(split_env_name(name), variables[name], describe(name)) for name in sorted(variables)]
    items = [(segments, value, origin) for segments, value, origin in present if (value or "").strip()]
    entries += foreign_entries([(segments, value) for segments, value, _ in items], [o for *_, o in items])
    for segments, value, origin in items:
        relative = strip_prefix(segments, prefix)
        if relative is not None:
            entries.append(Entry(relative, value, origin))
    return entries


def foreign_entries(items: list[tuple[tuple[str, ...], Any]], origins: list[str]) -> list[Entry]:
    """Entries for CivitaiSharp's ``CivitaiSdk`` / ``CivitaiDownloads`` sections, bound onto ours (they come
    before our section's entries, so ours win within a source)."""
    entries = []
    for (segments, value), origin in zip(items, origins, strict=True):
        for foreign, ours in FOREIGN_SECTIONS:
            relative = strip_prefix(segments, (foreign,))
            if relative is not None:
                entries.append(Entry((ours, *relative), value, origin, written_as=foreign))
    return entries


def _without_unused(entries: list[Entry]) -> list[Entry]:
    kept = []
    for entry in entries:
        if entry.written_as is not None and (entry.segments[0], *map(norm, entry.segments[1:])) in UNUSED_FOREIGN_KEYS:
            message = f"configuration key {entry.key('')} from {entry.origin} is not used by civitai-kit (ignored)"
            logger.warning("%s", message)
            warnings.warn(message, UnknownConfigKeyWarning, stacklevel=3)
            continue
        kept.append(entry)
    return kept


def names_a_key(name: str, section: str) -> bool:
    """Whether an environment-style name is one of ours (a flat alias, or under the section)."""
    if name.upper() in {alias for alias, _ in FLAT_ALIASES}:
        return True
    segments = split_env_name(name)
    prefixes = [section_path(section), *((foreign,) for foreign, _ in FOREIGN_SECTIONS)]
    return any(strip_prefix(segments, prefix) is not None for prefix in prefixes)


class EnvironmentSource(LayerSource):
    """Real environment variables (``os.environ`` unless the load was given another mapping)."""

    def read(self) -> Layer:
        return self.bind(
            variable_entries(self.state.environ, self.plan.section, lambda name: f"environment variable {name}")
        )


class DotEnvSource(LayerSource):
    """``.env`` in the config directory, read with python-dotenv. It never touches ``os.environ`` and
    ranks below it, so a real variable always beats the file."""

    def read(self) -> Layer:
        path = self.plan.dotenv_file
        if not path.is_file():
            return Layer()
        try:
            variables = dotenv_values(path, encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _error(f"cannot read .env file {path}: {exc}") from None
        return self.bind(variable_entries(variables, self.plan.section, lambda _name: f".env ({path})"))


class SecretsDirSource(LayerSource):
    """Key-per-file secrets (Docker/Kubernetes ``/run/secrets``): the file name is the key, in any of the
    environment spellings (``CIVITAI_API_KEY``, ``CivitaiApi__ApiKey``); the content is the value."""

    def read(self) -> Layer:
        directory = self.plan.secrets_dir
        try:
            names = sorted(p.name for p in directory.iterdir() if not p.name.startswith("."))
        except OSError:
            return Layer()  # absent or unreadable: nothing configured here
        ours = [name for name in names if names_a_key(name, self.plan.section)]  # never open other apps' secrets
        present = {name: value for name in ours if (value := self._read_secret(directory / name)) is not None}
        return self.bind(variable_entries(present, self.plan.section, lambda name: f"secrets dir ({directory / name})"))

    @staticmethod
    def _read_secret(path: Path) -> str | None:
        try:
            if not path.is_file():
                return None
            if path.stat().st_size > MAX_SECRET_FILE_BYTES:
                logger.warning("Ignoring secrets file %s: larger than %d bytes", path, MAX_SECRET_FILE_BYTES)
                return None
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise _error(f"cannot read secrets file {path}: {getattr(exc, 'strerror', None) or exc}") from None


# ---------------------------------------------------------------------------------------- JSON files


def section_entries(items: list[tuple[tuple[str, ...], Any]], section: str, origin: str) -> list[Entry]:
    """Entries under ``section``; a list or a value where the section (or a parent of it) belongs is an
    error, not an empty section (``null`` is: .NET reads it as "not set")."""
    prefix = section_path(section)
    for segments, value in items:
        leads = len(segments) <= len(prefix) and all(map(_same_key, segments, prefix))
        if leads and value is not None:
            key = ":".join(prefix[: len(segments)])
            raise configuration_error([Problem(key, origin, SECTION_RULE)])
    return foreign_entries(items, [origin] * len(items)) + within_section(items, prefix, origin)


def _same_key(a: str, b: str) -> bool:
    return norm(a) == norm(b)


def json_entries(document: Any, path: Path, what: str, section: str, origin: str) -> list[Entry]:
    """Entries under ``section`` of a JSON configuration document (which must be an object)."""
    if not isinstance(document, Mapping):
        raise _error(f"{what} {path} must contain a JSON object at the top level")
    return section_entries(list(flatten(document)), section, origin)


class UserSecretsSource(LayerSource):
    """The per-user secrets file (``civitai secrets set CivitaiApi:ApiKey ...``), keys flat
    (``"CivitaiApi:ApiKey"``) or nested, like ``dotnet user-secrets``."""

    def read(self) -> Layer:
        path = self.plan.user_secrets
        if not path.is_file():
            return Layer()
        _warn_if_shared(path)
        document = load_jsonc(path, "user secrets file")
        origin = f"user secrets ({path})"
        return self.bind(json_entries(document, path, "user secrets file", self.plan.section, origin))


class AppSettingsSource(LayerSource):
    """One ``appsettings*.json`` file (comments and trailing commas allowed, like .NET)."""

    def __init__(self, settings_cls: type[BaseSettings], state: LoadState, path: Path) -> None:
        super().__init__(settings_cls, state)
        self.path = path

    def read(self) -> Layer:
        if not self.path.is_file():
            return Layer()
        document = load_jsonc(self.path, "settings file")
        origin = f"{self.path.name} ({self.path})"
        return self.bind(json_entries(document, self.path, "settings file", self.plan.section, origin))


def mapping_layer(
    model: type[BaseModel], mapping: Mapping[str, Any], section: str, origin: str = CONFIGURATION_MAPPING
) -> Layer:
    """Bind a whole configuration mapping (the section is found inside) or the section itself."""
    items = list(flatten(mapping))
    entries = section_entries(items, section, origin)
    if not entries:
        entries = [Entry(segments, value, origin) for segments, value in items]
    layer = bind_shaped(model, _without_unused(entries), section)
    report_unknown(layer, _LOAD.get())
    return layer


def _warn_if_shared(path: Path) -> None:
    if os.name != "posix":
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & 0o077:
        logger.warning("User secrets file %s is readable by other users (mode %o); run: chmod 600 %s", path, mode, path)


def _error(message: str) -> ConfigurationError:
    return ConfigurationError(Error(ErrorCode.CONFIGURATION_INVALID, message))


def arguments_layer(model: type[BaseModel], values: Mapping[str, Any], section: str) -> Layer:
    """Bind constructor keyword arguments (snake_case field names; sections as options objects or
    mappings). An unknown name is an error here: unlike a config file, a typo in code should fail."""
    unknown = [name for name in values if name not in model.model_fields]
    entries = []
    for name, value in values.items():
        if name in unknown:
            continue
        if isinstance(value, BaseModel | Mapping) and section_type(model.model_fields[name]) is not None:
            entries += [Entry(segments, item, ARGUMENT) for segments, item in flatten({name: value})]
        else:
            entries.append(Entry((name,), value, ARGUMENT))
    layer = bind_shaped(model, entries, section)
    names = [f"{name!r}" for name in unknown] + [f"'{item.key}'" for item in layer.unknown]
    if names:
        known = ", ".join(sorted(model.model_fields))
        raise _error(f"unknown option{'s' if len(names) > 1 else ''} {', '.join(names)}; the options are: {known}")
    return layer
