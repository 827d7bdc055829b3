"""User secrets: a per-user JSON file outside every project, the analogue of ``dotnet user-secrets``.

Keys are written the .NET way (``CivitaiApi:ApiKey``, ``CivitaiApi:Sdk:ApiToken``) and stored flat, as
``dotnet user-secrets`` stores them; nested JSON written by hand is read too. The file is replaced
atomically and is readable by its owner only (0600, in a 0700 directory).

The file's keys are the options' keys, but the options class sits a layer above this package: the public
``civitai_kit.options.UserSecrets`` names it in ``UserSecretsFile.options_type``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic_settings import BaseSettings

from civitai_kit._config.binder import field_info, flatten, is_secret, resolve, section_type
from civitai_kit._config.context import config_sources, default_user_secrets_path
from civitai_kit._config.jsonc import load_jsonc
from civitai_kit._config.keys import DEFAULT_SECTION, dotnet_key, norm, section_path, strip_prefix
from civitai_kit._config.sources import explicit_mapping, mapping_layer
from civitai_kit.errors import ConfigurationError, Error, ErrorCode

if TYPE_CHECKING:
    from collections.abc import Mapping

MASK = "**********"


class UserSecretsFile:
    """Read and edit the user secrets file of the options class ``options_type``."""

    options_type: ClassVar[type[BaseSettings]]
    """The options the keys belong to: keys must name one of its settings, values must pass its rules."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, section: str = DEFAULT_SECTION) -> None:
        self._path = Path(path).expanduser().absolute() if path is not None else default_user_secrets_path()
        self._section = section
        section_path(section)

    @property
    def path(self) -> Path:
        return self._path

    def get(self, key: str) -> str | None:
        """The stored value for ``key`` (any case), or None."""
        wanted = _normalized(key)
        found = None
        for stored, value in self._read().items():
            if _normalized(stored) == wanted:
                found = value
        return None if found is None else _text(found)

    def set(self, key: str, value: str) -> str:
        """Store ``value`` (trimmed) under ``key`` after checking both against the options' rules;
        returns the key as stored (``"CivitaiApi:ApiKey"``)."""
        path = self._leaf(key)
        if path is None:
            raise _error(
                f"{key!r} is not an option; write keys like {self._section}:ApiKey or {self._section}:Sdk:ApiToken"
            )
        canonical = dotnet_key(self._section, path)

        value = value.strip()
        if not value:
            raise _error(f"the value for {canonical} must not be blank; to forget it, remove the key")
        layer = mapping_layer(
            self.options_type, {canonical: value}, self._section, origin=f"user secrets ({self._path})"
        )
        with config_sources(isolated=True, section=self._section), explicit_mapping(layer):
            self.options_type()  # raises ConfigurationError naming the key and the rule, never the value
        data = {k: v for k, v in self._read().items() if _normalized(k) != _normalized(canonical)}
        data[canonical] = value
        self._write(data)
        return canonical

    def remove(self, key: str) -> bool:
        """Forget ``key`` (every spelling of it); False if it was not there."""
        wanted = _normalized(key)
        data = self._read()
        kept = {k: v for k, v in data.items() if _normalized(k) != wanted}
        if len(kept) == len(data):
            return False
        self._write(kept)
        return True

    def list(self, *, reveal: bool = False) -> dict[str, str]:
        """Every stored key with its value; keys and tokens are masked unless ``reveal`` is true."""
        return {k: _text(v) if reveal or not self._is_sensitive(k) else MASK for k, v in self._read().items()}

    # ---------------------------------------------------------------------------------- internals

    def _leaf(self, key: str) -> tuple[str, ...] | None:
        """The field path ``key`` names (``("sdk", "api_token")``), or None if it names no single option."""
        relative = strip_prefix(tuple(part.strip() for part in key.split(":")), section_path(self._section))
        path = resolve(self.options_type, relative) if relative else None
        info = field_info(self.options_type, path) if path else None
        return path if info is not None and section_type(info) is None else None

    def _is_sensitive(self, key: str) -> bool:
        path = self._leaf(key)
        info = field_info(self.options_type, path) if path else None
        return info is None or is_secret(info)  # unknown keys are masked too: they may be anything

    def _read(self) -> dict[str, Any]:
        if not self._path.is_file():
            return {}
        document = load_jsonc(self._path, "user secrets file")
        if not isinstance(document, dict):
            raise _error(f"user secrets file {self._path} must contain a JSON object")
        return {":".join(segments): value for segments, value in flatten(document)}

    def _write(self, data: Mapping[str, Any]) -> None:
        directory = self._path.parent
        if not directory.exists():
            directory.mkdir(mode=0o700, parents=True)
        text = json.dumps(dict(sorted(data.items())), indent=2, ensure_ascii=False) + "\n"
        fd, name = tempfile.mkstemp(prefix=".secrets-", suffix=".tmp", dir=directory)  # created 0600
        temporary = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.chmod(0o600)
            temporary.replace(self._path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        _fsync_directory(directory)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self._path)!r})"


def _normalized(key: str) -> tuple[str, ...]:
    return tuple(norm(part.strip()) for part in key.split(":"))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); harmless to skip where directories cannot be opened."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _error(message: str) -> ConfigurationError:
    return ConfigurationError(Error(ErrorCode.CONFIGURATION_INVALID, message))
