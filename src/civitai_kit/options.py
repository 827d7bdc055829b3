"""``CivitaiApiOptions``: every setting of civitai-kit, validated once, with the origin of each value.

Values are merged from these places, highest priority first (the .NET options pattern, plus the usual
Python places for secrets):

1. keyword arguments, and assignments made by a configuration callback;
2. a configuration mapping given to [`CivitaiApiOptions.from_section`][];
3. environment variables: ``CIVITAIAPI__APIKEY``, ``CivitaiApi__Sdk__ApiToken``, ``CIVITAIAPI__API_KEY``
   (``__`` or ``:`` nest, any case, underscores ignored), then the flat ``CIVITAI_API_KEY``,
   ``CIVITAI_API_TOKEN`` and ``CIVITAI_TOKEN``;
4. ``.env`` in the config directory (never overrides a real environment variable);
5. a secrets directory, one file per key (``$CIVITAI_SECRETS_DIR``, default ``/run/secrets``);
6. user secrets, a per-user JSON file (``civitai secrets set CivitaiApi:ApiKey ...``; see
   [`UserSecrets`][civitai_kit.options.UserSecrets]);
7. ``appsettings.{Environment}.json`` then ``appsettings.json`` in the config directory, section
   ``CivitaiApi``;
8. defaults.

Keys bind the way .NET binds them: ``ApiKey``, ``apikey`` and ``API_KEY`` are the same key, ``:`` or
``__`` nests (``Sdk:ApiToken``), and ``null`` for a setting that has a default means "use the default"
(``appsettings.example.json`` uses it for the platform-dependent directories).

The config directory is ``$CIVITAI_CONFIG_DIR`` (default: the working directory) and the environment is
``$CIVITAI_ENVIRONMENT`` or ``$DOTNET_ENVIRONMENT`` (default ``Production``). ``config_sources``
changes them for a block of code; [`CivitaiApiOptions.isolated`][] reads nothing but its arguments.

A bad value fails at load (or assignment) with one [`ConfigurationError`][civitai_kit.errors.ConfigurationError] naming
the key, where it came from and the rule. Keys are ``SecretStr``: ``repr``, ``str``, dumps, logs and
errors never show them.
"""

from __future__ import annotations

import functools
import math
import os
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, NamedTuple, Self, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import ExtraValues
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from civitai_kit._config.binder import (
    UnknownKey,
    field_info,
    is_secret,
    leaf_paths,
    resolve,
    section_type,
    skipping,
)
from civitai_kit._config.context import SourcePlan, config_sources, current_plan, user_dir
from civitai_kit._config.errors import CrossFieldError, Problem, configuration_error, problems_from
from civitai_kit._config.jsonc import parse_jsonc
from civitai_kit._config.keys import DEFAULT_SECTION, dotnet_key, section_path, strip_prefix
from civitai_kit._config.sources import (
    ARGUMENT,
    ConfigDirectoryWarning,
    UnknownConfigKeyWarning,
    arguments_layer,
    build_sources,
    explicit_mapping,
    loading,
    mapping_layer,
)
from civitai_kit._config.user_secrets import UserSecretsFile
from civitai_kit._redact import register_secret
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit._vocabulary.layouts import Layout
from civitai_kit._vocabulary.path_pattern_rules import PatternKind, validate_pattern
from civitai_kit.errors import ConfigurationError

__all__ = [
    "ASSIGNMENT",
    "DEFAULT_SECTION",
    "CacheOptions",
    "CircuitBreakerOptions",
    "CivitaiApiOptions",
    "ConfigDirectoryWarning",
    "DownloadOptions",
    "HashAlgorithm",
    "ImageDownloadOptions",
    "ModelDownloadOptions",
    "OptionValue",
    "RateLimitOptions",
    "ResilienceOptions",
    "SdkOptions",
    "SourcePlan",
    "UnknownConfigKeyWarning",
    "UnknownKey",
    "UserSecrets",
    "config_sources",
    "leaving_out",
]

ASSIGNMENT = "assignment"
"""The origin of a value set on an options object after it was built (e.g. by a configure callback)."""

DEFAULT = "default"
NOT_SET = "(not set)"
MASK = "**********"


# ------------------------------------------------------------------------------------------ field rules


def _clean_key(value: object) -> str | None:
    """Trim a key; refuse one with inner whitespace or control characters, without ever echoing it. The
    text returned is wrapped by the field's ``SecretStr`` type (in every mode, ``model_validate_strings``
    included)."""
    if value is None:
        return None
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not isinstance(raw, str):
        raise ValueError("must be text")
    raw = raw.strip()
    if not raw:
        return None
    if any(char.isspace() or not char.isprintable() for char in raw):
        raise ValueError(
            "must not contain spaces, line breaks or control characters; check for a copy-and-paste mistake"
        )
    if not raw.isascii():
        raise ValueError("must contain only ASCII characters (it is sent in an HTTP header)")
    register_secret(raw)
    return raw


def _clean_base_url(value: str) -> str:
    """An absolute http(s) URL without trailing slashes; a path prefix (a proxy's) is kept."""
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname or any(c.isspace() for c in url):
        raise ValueError("must be an absolute http:// or https:// URL such as https://civitai.com")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain a user name or password (set ApiKey for credentials)")
    if parts.query or parts.fragment:
        raise ValueError("must not contain a query string or fragment")
    try:
        parts.port  # noqa: B018 - raises for a malformed port
    except ValueError:
        raise ValueError("must have a valid port number") from None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path.rstrip("/"), "", ""))


def _clean_api_version(value: str) -> str:
    version = value.strip()
    if not version:
        raise ValueError("must not be blank")
    if any(char.isspace() or char in "/?#" for char in version):
        raise ValueError("must be a single path segment such as v1")
    return version


def _clean_directory(value: object) -> object:
    """Expand ``~``; refuse blank or control-character paths (they only ever mean a mistake)."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
    if isinstance(value, str | os.PathLike):
        text = os.fspath(value)
        if not isinstance(text, str):
            raise ValueError("must be a path")
        if any(not char.isprintable() for char in text):
            raise ValueError("must not contain control characters")
        return Path(text).expanduser()
    return value


def _lower_choice(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _pattern(kind: PatternKind) -> AfterValidator:
    def check(pattern: str) -> str:
        try:
            validate_pattern(pattern, kind)
        except ValueError as exc:
            raise ValueError(f"must be a valid {kind} path pattern: {exc}") from None
        return pattern

    return AfterValidator(check)


Key = Annotated[SecretStr | None, BeforeValidator(_clean_key)]
BaseUrl = Annotated[str, AfterValidator(_clean_base_url)]
Directory = Annotated[Path, BeforeValidator(_clean_directory)]


def _data_dir(kind: str) -> Path:
    return user_dir("data") / kind


def _cache_dir() -> Path:
    return user_dir("cache")


# ------------------------------------------------------------------------------------------ sections


class OptionValue(NamedTuple):
    """One option as [`CivitaiApiOptions.describe`][] reports it (keys masked)."""

    key: str
    value: str
    source: str


_T = TypeVar("_T")


@functools.cache
def _scalar_kinds(model: type[BaseModel], field: str) -> frozenset[Any]:
    """``float | None`` -> ``{float, NoneType}``; a plain annotation -> itself. Kept per field: every
    construction checks every field (66 of them)."""
    annotation = model.model_fields[field].annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return frozenset(typing.get_args(annotation))
    return frozenset({annotation})


def _fits_float(value: int) -> bool:
    try:
        float(value)
    except OverflowError:
        return False
    return True


class _OptionsModel(BaseModel):
    """Shared behaviour: every way to build or change options is validated and reported like a load
    (one [`ConfigurationError`][], never a pydantic error that quotes the input, a key included),
    provenance is kept per field, and equality compares values only (not where they came from)."""

    # Defaults are not validated on every build (a fifth of its cost): they are written valid, which
    # tests/options/test_validation.py checks by validating every one of them.
    model_config = ConfigDict(validate_assignment=True, extra="forbid", allow_inf_nan=False)

    _location: ClassVar[tuple[str, ...]] = ()
    """Where this section sits below the root (``("sdk",)``), for error messages."""

    _origins: dict[str, str] = PrivateAttr(default_factory=dict)
    _section: str = PrivateAttr(default=DEFAULT_SECTION)

    def __init__(self, /, **data: Any) -> None:
        self._checked(lambda: super(_OptionsModel, self).__init__(**data))

    # pydantic calls a custom __init__ when it validates a nested section; marked as the base one, it does not,
    # so a section inside a load reports its problems through the load (with their true sources).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def _checked(cls, build: Callable[[], _T]) -> _T:
        """Run a pydantic validation of an argument; its ValidationError becomes a ConfigurationError."""
        try:
            return build()
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        # raised outside the except block: the ValidationError (which echoes raw input) is not chained
        raise cls._refusal(errors, DEFAULT_SECTION, lambda _path: ARGUMENT)

    @classmethod
    def _refusal(
        cls, errors: list[ErrorDetails], section: str, source_of: Callable[[tuple[str, ...]], str]
    ) -> ConfigurationError:
        return configuration_error(
            problems_from(errors, model=cls, section=section, prefix=cls._location, source_of=source_of)
        )

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_crossed_scalars(cls, value: Any, info: ValidationInfo) -> Any:
        """pydantic reads ``true`` as 1 and ``1`` as true; in configuration either is a mistake, not a value.
        Text is left to the field (``"true"``, ``"1"`` from the environment still bind, trimmed like .NET)."""
        assert info.field_name is not None
        kinds = _scalar_kinds(cls, info.field_name)
        if bool in kinds:
            if isinstance(value, int | float) and not isinstance(value, bool):
                raise ValueError("must be true or false, not a number")
            return value.strip() if isinstance(value, str) else value
        if isinstance(value, bool) and kinds & {int, float}:
            raise ValueError(f"must be {'a whole number' if int in kinds else 'a number'}, not true or false")
        if float in kinds and isinstance(value, int) and not _fits_float(value):
            return math.inf if value > 0 else -math.inf  # refused as not finite, like 1e400 in a file
        return value

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """pydantic's, with errors as [`ConfigurationError`][]."""
        return cls._checked(
            lambda: super(_OptionsModel, cls).model_validate(
                obj,
                strict=strict,
                extra=extra,
                from_attributes=from_attributes,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            )
        )

    @classmethod
    def model_validate_strings(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """pydantic's, with errors as [`ConfigurationError`][]."""
        return cls._checked(
            lambda: super(_OptionsModel, cls).model_validate_strings(
                obj, strict=strict, extra=extra, context=context, by_alias=by_alias, by_name=by_name
            )
        )

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Like ``model_validate`` on the decoded object (snake_case fields; comments allowed), decoded
        by the bounded decoder configuration files use."""
        try:
            document = parse_jsonc(json_data)
        except ValueError as exc:
            key = dotnet_key(DEFAULT_SECTION, cls._location)
            raise configuration_error([Problem(key, "JSON", f"must be valid JSON ({exc})")]) from None
        return cls.model_validate(
            document, strict=strict, extra=extra, context=context, by_alias=by_alias, by_name=by_name
        )

    @classmethod
    def model_construct(  # type: ignore[override]  # pydantic's mypy plugin narrows it per model
        cls, _fields_set: set[str] | None = None, **values: Any
    ) -> Self:
        """pydantic's unvalidated build, trusted input only; still, a key is held as ``SecretStr`` and a
        section given as a mapping becomes that section, so nothing built here shows a key."""
        for name, value in values.items():
            info = cls.model_fields.get(name)
            nested = section_type(info) if info is not None else None
            if nested is not None and isinstance(value, Mapping):
                values[name] = nested.model_construct(**value)
            elif info is not None and is_secret(info) and isinstance(value, str):
                values[name] = SecretStr(value)
        return super().model_construct(_fields_set, **values)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; ``update`` values are validated (pydantic's own ``model_copy`` skips validation)."""
        copy = super().model_copy(deep=deep)
        for name, value in (update or {}).items():
            setattr(copy, name, value)
        return copy

    def model_post_init(self, context: Any, /) -> None:
        # Built directly in code: what was passed is an argument. A load re-stamps this afterwards.
        self._origins = {name: ARGUMENT for name in self.model_fields_set if not self._is_section(name)}

    if not TYPE_CHECKING:  # like pydantic: keep mypy checking attribute names on assignment

        def __setattr__(self, name: str, value: Any) -> None:
            self._assign(name, value)

    def _assign(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            super().__setattr__(name, value)
            return
        if name not in type(self).model_fields:
            key = dotnet_key(self._section, (*self._location, name))
            known = ", ".join(type(self).model_fields)
            raise configuration_error([Problem(key, ASSIGNMENT, f"is not a known option (known: {known})")])
        before, fields_set = self.__dict__[name], set(self.model_fields_set)
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        else:
            self._mark_assigned(name)
            return
        # pydantic has already stored the value when a model-level rule fails; a refused value must not stick
        self.__dict__[name] = before
        object.__setattr__(self, "__pydantic_fields_set__", fields_set)
        raise self._refusal(errors, self._section, lambda _path: ASSIGNMENT)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, like every pydantic model

    def _is_section(self, name: str) -> bool:
        return isinstance(getattr(self, name, None), _OptionsModel)

    def _mark_assigned(self, name: str) -> None:
        value = getattr(self, name)
        if isinstance(value, _OptionsModel):
            value._adopt(
                self._section, lambda section, field: ASSIGNMENT if field in section.model_fields_set else DEFAULT
            )
        else:
            self._origins = {**self._origins, name: ASSIGNMENT}

    def _adopt(self, section: str, origin: Callable[[_OptionsModel, str], str]) -> None:
        """Re-stamp this subtree: its section name and each leaf's origin (``origin(model, field)``)."""
        self._section = section
        origins: dict[str, str] = {}
        for name in type(self).model_fields:
            child = getattr(self, name)
            if isinstance(child, _OptionsModel):
                child._adopt(section, origin)
            else:
                origins[name] = origin(self, name)
        self._origins = origins

    def _origin(self, path: tuple[str, ...]) -> str:
        target: _OptionsModel = self
        for name in path[:-1]:
            target = getattr(target, name)
        return target._origins.get(path[-1], DEFAULT)


class CircuitBreakerOptions(_OptionsModel):
    """Stop calling a failing API for a while instead of hammering it."""

    _location = ("resilience", "circuit_breaker")

    enabled: bool = False
    failure_threshold: int = Field(default=5, ge=1, le=1000)
    """Consecutive failures that open the circuit."""
    reset_seconds: float = Field(default=30.0, gt=0, le=3600)
    """How long the circuit stays open before one trial request."""


class RateLimitOptions(_OptionsModel):
    """Client-side pacing, so a batch job stays under Civitai's limits."""

    _location = ("resilience", "rate_limit")

    requests_per_second: float | None = Field(default=None, gt=0, le=1000)
    """None: no pacing."""
    max_concurrency: int = Field(default=8, ge=1, le=256)


class ResilienceOptions(_OptionsModel):
    """Retries with exponential backoff (honouring ``Retry-After``), circuit breaker, rate limit."""

    _location = ("resilience",)

    max_retries: int = Field(default=3, ge=0, le=10)
    base_delay_seconds: float = Field(default=0.5, ge=0, le=60)
    max_delay_seconds: float = Field(default=30.0, ge=0, le=600)
    max_retry_after_seconds: float = Field(default=120.0, ge=0, le=3600)
    """A longer ``Retry-After`` fails fast with the wait in the error instead of sleeping."""
    total_timeout_seconds: float = Field(default=300.0, gt=0, le=86400)
    """The most one call may take, retries and waits included, and the most one page walk may take between
    two items: a server that drips bytes or pages forever cannot hold a call past it."""
    max_empty_pages: int = Field(default=20, ge=1, le=10000)
    """Consecutive empty pages a walk follows before it stops (a server answering empty pages with fresh
    cursors would otherwise be walked forever)."""
    circuit_breaker: CircuitBreakerOptions = Field(default_factory=CircuitBreakerOptions)
    rate_limit: RateLimitOptions = Field(default_factory=RateLimitOptions)

    @model_validator(mode="after")
    def _delays_in_order(self) -> Self:
        if self.max_delay_seconds < self.base_delay_seconds:
            raise CrossFieldError(
                f"must have MaxDelaySeconds ({self.max_delay_seconds:g}) at least BaseDelaySeconds "
                f"({self.base_delay_seconds:g})",
                "base_delay_seconds",
                "max_delay_seconds",
            )
        return self


class SdkOptions(_OptionsModel):
    """The Generator (orchestration) API."""

    _location = ("sdk",)

    base_url: BaseUrl = "https://orchestration.civitai.com"
    api_token: Key = None
    """Falls back to ``ApiKey`` when unset (see [`CivitaiApiOptions.sdk_token`][]), and stands in for ``ApiKey``
    when that is unset (see [`CivitaiApiOptions.rest_key`][])."""
    timeout_seconds: int = Field(default=600, ge=1, le=1800)
    """Long, because generation calls may wait server-side for minutes."""


class ModelDownloadOptions(_OptionsModel):
    """Where and how model files are downloaded."""

    _location = ("downloads", "models")

    base_directory: Directory = Field(default_factory=lambda: _data_dir("models"))
    path_pattern: Annotated[str, _pattern("model")] = "{ModelType}/{ModelName}/{FileName}"
    overwrite_existing: bool = False
    verify_hash: bool = True
    hash_algorithm: HashAlgorithm = HashAlgorithm.SHA256


class ImageDownloadOptions(_OptionsModel):
    """Where and how images are downloaded."""

    _location = ("downloads", "images")

    base_directory: Directory = Field(default_factory=lambda: _data_dir("images"))
    path_pattern: Annotated[str, _pattern("image")] = "{Id}.{Extension}"
    overwrite_existing: bool = False


SidecarName = Literal["preview", "civitai_info", "a1111_json", "civitai_json"]
PreviewLevel = Literal["PG", "PG13", "R", "X", "XXX"]


def _names(value: object) -> object:
    """``"preview, civitai_info"`` (one environment variable) or a list; names compared in lower case."""
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return tuple(item.strip().lower() if isinstance(item, str) else item for item in value)
    return value


def _upper_choice(value: object) -> object:
    return value.strip().upper().replace("-", "") if isinstance(value, str) else value


class SidecarOptions(_OptionsModel):
    """Files written next to a model for the apps that browse it (see ``civitai_kit.tools.sidecars``)."""

    _location = ("downloads", "sidecars")

    enabled: bool = False
    """Whether downloads write them by default (``identify`` writes them when asked: ``--write-sidecars``)."""
    kinds: Annotated[tuple[SidecarName, ...], BeforeValidator(_names)] = (
        "preview",
        "civitai_info",
        "a1111_json",
        "civitai_json",
    )
    preview_max_nsfw_level: Annotated[PreviewLevel, BeforeValidator(_upper_choice)] = "PG13"
    """The most explicit preview image chosen (the first image at or below it)."""


def _relative_folder(value: str | None) -> str | None:
    """A layout folder override: a relative path that stays under the root."""
    if value is None:
        return None
    parts = [part for part in value.replace("\\", "/").split("/") if part not in ("", ".")]
    if not parts or value.startswith(("/", "\\")) or ".." in parts or ":" in value:
        raise ValueError("must be a folder relative to Downloads:Root, without '..'")
    return "/".join(parts)


Folder = Annotated[str | None, AfterValidator(_relative_folder)]


class LayoutFolderOptions(_OptionsModel):
    """Overrides of a layout's folder for one kind of model, relative to ``Downloads:Root`` (unset: the layout's).

    The kinds are Civitai's model types, plus ``TextEncoder`` and ``UNet`` for files that say they are one.
    """

    _location = ("downloads", "layout_folders")

    checkpoint: Folder = None
    lora: Folder = None
    locon: Folder = None
    dora: Folder = None
    textual_inversion: Folder = None
    vae: Folder = None
    controlnet: Folder = None
    upscaler: Folder = None
    hypernetwork: Folder = None
    motion_module: Folder = None
    poses: Folder = None
    wildcards: Folder = None
    workflows: Folder = None
    detection: Folder = None
    text_encoder: Folder = None
    unet: Folder = None
    other: Folder = None


class DownloadOptions(_OptionsModel):
    """Downloads of model files and images."""

    _location = ("downloads",)

    models: ModelDownloadOptions = Field(default_factory=ModelDownloadOptions)
    images: ImageDownloadOptions = Field(default_factory=ImageDownloadOptions)
    sidecars: SidecarOptions = Field(default_factory=SidecarOptions)
    max_concurrency: int = Field(default=4, ge=1, le=64)
    # -- layouts and safety (civitai_kit.tools.layouts, civitai_kit.tools.download_scans) --------------------
    layout: Layout = Layout.FLAT
    """``flat`` (the models' path pattern under their base directory), ``comfyui`` or ``a1111`` (also Forge and
    reForge): each model type in the folder that app reads, under ``Root``."""
    root: Directory | None = None
    """The app's folder (ComfyUI's, or A1111's ``stable-diffusion-webui``) for a ``Layout`` other than flat."""
    layout_folders: LayoutFolderOptions = Field(default_factory=lambda: LayoutFolderOptions())
    """Per-type overrides of the layout's folders (``Downloads:LayoutFolders:Lora = models/loras/civitai``)."""
    allow_unsafe: bool = False
    """Download files whose pickle or virus scan says ``Danger`` (refused by default)."""


class CacheOptions(_OptionsModel):
    """An HTTP response cache on disk (the ``cache`` extra)."""

    _location = ("cache",)

    enabled: bool = False
    directory: Directory = Field(default_factory=_cache_dir)
    ttl_seconds: int = Field(default=300, ge=1, le=30 * 24 * 3600)


# ------------------------------------------------------------------------------------------ the options


class CivitaiApiOptions(_OptionsModel, BaseSettings):
    """Everything civitai-kit can be configured with. See the module docstring for where values come
    from; ``source_of`` says where each one did."""

    model_config = SettingsConfigDict(  # pydantic-settings validates defaults unless told not to
        validate_assignment=True, extra="forbid", validate_default=False, allow_inf_nan=False
    )

    base_url: BaseUrl = "https://civitai.com"
    api_version: Annotated[str, AfterValidator(_clean_api_version)] = "v1"
    api_key: Key = None
    """Optional for the public REST API; also the SDK token unless ``sdk.api_token`` is set. When unset, REST
    calls and downloads use ``sdk.api_token`` (see [`rest_key`][civitai_kit.options.CivitaiApiOptions.rest_key])."""
    timeout_seconds: int = Field(default=30, ge=1, le=300)
    strict_json_parsing: bool = False
    """True: unknown fields in API responses are an error instead of being kept in ``model_extra``."""
    max_response_bytes: int = Field(default=64 * 1024 * 1024, ge=1024, le=16 * 1024**3)
    """The largest API response body read into memory, counted after decompression (a gzip bomb stops
    here); file downloads stream to disk and are not limited by it."""
    http_backend: Annotated[Literal["httpx", "aiohttp"], BeforeValidator(_lower_choice)] = "httpx"
    resilience: ResilienceOptions = Field(default_factory=ResilienceOptions)
    sdk: SdkOptions = Field(default_factory=SdkOptions)
    downloads: DownloadOptions = Field(default_factory=DownloadOptions)
    cache: CacheOptions = Field(default_factory=CacheOptions)

    _plan: SourcePlan | None = PrivateAttr(default=None)
    _unknown: tuple[UnknownKey, ...] = PrivateAttr(default=())

    def __init__(self, **values: Any) -> None:
        plan = current_plan()
        arguments = arguments_layer(type(self), values, plan.section)
        errors: list[ErrorDetails] = []
        with loading(plan, arguments) as load:
            try:
                # not _OptionsModel's: problems here are named with their sources. Ours are handed over
                # (``_build_sources``): left to itself, pydantic-settings first builds its default sources, which
                # these options never use, and reads the whole environment twice doing so (a third of the time
                # of an isolated build: 313 -> 215 us)
                BaseSettings.__init__(self, _build_sources=(build_sources(type(self)), {}))
            except ValidationError as exc:
                errors = exc.errors(include_url=False)
        if errors:
            # raised outside the except block: the ValidationError (which echoes raw input) is not chained
            origins = load.origins()
            raise self._refusal(errors, plan.section, lambda path: _origin_of(origins, path))
        self._plan = plan
        self._unknown = tuple(load.unknown)
        origins = load.origins()
        self._adopt(plan.section, lambda section, name: origins.get(".".join((*section._location, name)), DEFAULT))

    # -------------------------------------------------------------------------------- constructors

    @classmethod
    def load(
        cls,
        config_dir: str | os.PathLike[str] | None = None,
        environment: str | None = None,
        *,
        section: str | None = None,
        **overrides: Any,
    ) -> Self:
        """Load from every source, reading configuration files from ``config_dir`` for ``environment``
        (defaults: ``$CIVITAI_CONFIG_DIR`` or the working directory; ``$CIVITAI_ENVIRONMENT`` or
        ``Production``); ``overrides`` rank highest."""
        with config_sources(config_dir=config_dir, environment=environment, section=section):
            return cls(**overrides)

    @classmethod
    def isolated(cls, **values: Any) -> Self:
        """Options from ``values`` and defaults only: no environment, ``.env``, secrets or files. For tests
        and for hosts that pass every setting explicitly."""
        with config_sources(isolated=True):
            return cls(**values)

    @classmethod
    def from_section(
        cls, configuration: Mapping[str, Any] | None, section: str = DEFAULT_SECTION, **overrides: Any
    ) -> Self:
        """Bind a configuration mapping the .NET way (``{"CivitaiApi": {"ApiKey": ...}}``, or the section
        itself; keys in any case). Its values rank like arguments, above the environment; ``overrides``
        rank above it."""
        section_path(section)
        layer = mapping_layer(cls, configuration or {}, section)
        with config_sources(section=section), explicit_mapping(layer):
            return cls(**overrides)

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Like constructing with ``**obj`` (every source is read, ``obj`` ranks as arguments); errors are
        [`ConfigurationError`][], never a pydantic error that echoes the input (and with it, a key)."""
        if isinstance(obj, Mapping):
            return cls(**obj)
        return super().model_validate(
            obj,
            strict=strict,
            extra=extra,
            from_attributes=from_attributes,
            context=context,
            by_alias=by_alias,
            by_name=by_name,
        )

    @classmethod
    def model_validate_strings(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Like [`model_validate`][] (text values are parsed the way environment values are)."""
        return cls.model_validate(obj, strict=strict, extra=extra, context=context, by_alias=by_alias, by_name=by_name)

    # -------------------------------------------------------------------------------- provenance

    def source_of(self, key: str) -> str:
        """Where the value of ``key`` came from, for people: ``"environment variable CIVITAI_API_KEY"``,
        ``"appsettings.json (/srv/app/appsettings.json)"``, ``"argument"``, ``"default"``...

        ``key`` is a field path (``"sdk.api_token"``) or a configuration key (``"Sdk:ApiToken"``,
        ``"CivitaiApi:Sdk:ApiToken"``).
        """
        return self._origin(self._field_path(key))

    def sdk_token(self) -> SecretStr | None:
        """The Generator API token: ``sdk.api_token``, else ``api_key``."""
        return self.sdk.api_token if self.sdk.api_token is not None else self.api_key

    def rest_key(self) -> SecretStr | None:
        """The key for REST calls and downloads: ``api_key``, else the Generator token (``Sdk:ApiToken``,
        which ``CIVITAI_API_TOKEN`` and ``CIVITAI_TOKEN`` set): any name a user gives their one Civitai key
        authenticates every service."""
        return self.api_key if self.api_key is not None else self.sdk.api_token

    def rest_key_source(self) -> str:
        """Where [`rest_key`][] came from (``"not configured"`` when there is none)."""
        if self.api_key is not None:
            return self.source_of("api_key")
        if self.sdk.api_token is not None:
            return f"{self.source_of('sdk.api_token')} (Sdk:ApiToken, used as the API key)"
        return "not configured"

    def sdk_token_source(self) -> str:
        """Where [`sdk_token`][] came from (``"not configured"`` when there is none)."""
        if self.sdk.api_token is not None:
            return self.source_of("sdk.api_token")
        if self.api_key is not None:
            return f"{self.source_of('api_key')} (ApiKey, used as the SDK token)"
        return "not configured"

    def describe(self) -> list[OptionValue]:
        """Every option with its value (keys masked) and origin, for ``civitai config show``."""
        rows = []
        for path in leaf_paths(type(self)):
            value: Any = self
            for name in path:
                value = getattr(value, name)
            rows.append(OptionValue(dotnet_key(self._section, path), _display(value), self._origin(path)))
        return rows

    def unknown_keys(self) -> tuple[UnknownKey, ...]:
        """Keys the configuration sources set that no option has (each was warned about with
        ``UnknownConfigKeyWarning`` when loading), with the closest known key."""
        return self._unknown

    @property
    def sources(self) -> SourcePlan | None:
        """The places this object was loaded from (config dir, environment, files); None if it was
        not built by loading (e.g. ``model_construct``)."""
        return self._plan

    def _field_path(self, key: str) -> tuple[str, ...]:
        segments = tuple(part for part in key.replace(".", ":").split(":"))
        segments = strip_prefix(segments, section_path(self._section)) or segments
        path = resolve(type(self), segments)
        info = field_info(type(self), path) if path else None
        if path is None or info is None or section_type(info) is not None:
            keys = ", ".join(".".join(p) for p in leaf_paths(type(self)))
            raise ValueError(f"source_of: {key!r} is not an option; options are: {keys}")
        return path


class UserSecrets(UserSecretsFile):
    """Read and edit the user secrets file (``civitai secrets set CivitaiApi:ApiKey ...``): keys must name a
    setting of ``CivitaiApiOptions`` and values must pass its rules before they are stored.

    ``path`` defaults to ``$CIVITAI_USER_SECRETS``, else ``secrets.json`` in the per-user config
    directory (``platformdirs.user_config_dir("civitai-kit")``) - the file options load from.
    """

    options_type = CivitaiApiOptions


@contextmanager
def leaving_out(keys: Iterable[str], section: str = DEFAULT_SECTION) -> Iterator[None]:
    """Load [`CivitaiApiOptions`][] without the values of these configuration keys (``CivitaiApi:TimeoutSeconds``,
    or a section) while the block runs, so the rest can be shown when some values are invalid
    (``civitai config show``). Keys that name no option are ignored."""
    paths = []
    for key in keys:
        segments = tuple(key.replace(".", ":").split(":"))
        path = resolve(CivitaiApiOptions, strip_prefix(segments, section_path(section)) or segments)
        if path is not None:
            paths.append(path)
    with skipping(paths):
        yield


def _origin_of(origins: Mapping[str, str], path: tuple[str, ...]) -> str:
    """The origin of a field, or of every set field below a section, for an error message."""
    dotted = ".".join(path)
    if dotted in origins:
        return origins[dotted]
    below = sorted({origin for key, origin in origins.items() if key.startswith(dotted + ".") or not dotted})
    return "; ".join(below) if below else DEFAULT


def _display(value: Any) -> str:
    if value is None:
        return NOT_SET
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
