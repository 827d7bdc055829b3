"""Dependency injection: one validated [`CivitaiApiOptions`][] bound into providers for every client.

The .NET original registers itself with ``services.AddCivitaiApi(...)``; here the same call configures a
``CivitaiContainer`` (``container.add_civitai_api(...)``), and the module-level [`add_civitai_api`][] mounts
one into an application's own container.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from dependency_injector import containers, providers

from civitai_kit import sdk
from civitai_kit._config.context import config_sources
from civitai_kit._config.jsonc import load_jsonc
from civitai_kit._http import AsyncHttpClient, ClientSettings, HttpClient
from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.errors import ConfigurationError
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.tools.downloads import AsyncDownloadService, DownloadService
from civitai_kit.tools.hash_cache import HashCache
from civitai_kit.tools.hashing import AsyncFileHashingService, FileHashingService
from civitai_kit.tools.library import AsyncLibraryScanner, LibraryScanner

if TYPE_CHECKING:
    from civitai_kit.sdk import AsyncSdkClient, SdkClient

OptionsCallback: TypeAlias = Callable[[CivitaiApiOptions], CivitaiApiOptions | None]
OptionsSource: TypeAlias = (
    "CivitaiApiOptions | Mapping[str, Any] | str | Path | OptionsCallback | providers.Configuration | None"
)

DEFAULT_SECTION = "CivitaiApi"


def _sync_http(settings: ClientSettings, transport: Any) -> Iterator[HttpClient]:
    client = HttpClient(settings, transport=transport)
    try:
        yield client
    finally:
        client.close()


async def _async_http(settings: ClientSettings, transport: Any) -> AsyncIterator[AsyncHttpClient]:
    client = AsyncHttpClient(settings, transport=transport)
    try:
        yield client
    finally:
        await client.aclose()


def _hash_cache() -> Iterator[HashCache]:
    cache = HashCache()
    try:
        yield cache
    finally:
        cache.close()


def _sdk_settings(options: CivitaiApiOptions) -> ClientSettings:
    return ClientSettings.for_sdk(options)


def _sdk_client(options: CivitaiApiOptions, http_client: HttpClient) -> SdkClient:
    """The SDK's classes come through its lazy exports when first asked for: a container built for a download
    (``civitai download``) never imports the v2 schema."""
    return sdk.SdkClient(options, http_client=http_client)


def _async_sdk_client(options: CivitaiApiOptions, http_client: AsyncHttpClient) -> AsyncSdkClient:
    return sdk.AsyncSdkClient(options, http_client=http_client)


def _configure(
    container: CivitaiContainer,
    options_or_config: OptionsSource = None,
    *,
    section: str = DEFAULT_SECTION,
    config_dir: str | os.PathLike[str] | None = None,
    environment: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> CivitaiContainer:
    """``container.add_civitai_api(...)``: bind the options; every client built afterwards uses them."""
    if any(resource.initialized for resource in container.traverse(types=[providers.Resource])):
        raise RuntimeError(
            "add_civitai_api() must bind options before the first client is created: HTTP clients already "
            "opened keep the old settings. Call (and, with async clients, await) shutdown_resources() first."
        )
    provider = options_provider(
        options_or_config, section=section, config_dir=config_dir, environment=environment, overrides=overrides
    )
    container.options.override(provider)
    container.reset_singletons()
    return container


class _Method(providers.Callable[Any]):
    """A provider used as a container method (``container.add_civitai_api(...)``), with its function's
    signature minus the container it is given."""

    @property
    def __signature__(self) -> inspect.Signature:
        assert self.provides is not None
        signature = inspect.signature(self.provides)
        return signature.replace(parameters=list(signature.parameters.values())[1:])


class CivitaiContainer(containers.DeclarativeContainer):
    """Providers for everything civitai-kit offers, all fed from one [`CivitaiApiOptions`][].

    Override ``transport`` / ``async_transport`` (an ``httpx`` transport) to point every client somewhere
    else in tests. ``shutdown_resources()`` closes every HTTP client, sync and async.
    """

    __self__ = providers.Self()

    options = providers.Singleton(CivitaiApiOptions)
    transport: providers.Object[Any] = providers.Object(None)
    async_transport: providers.Object[Any] = providers.Object(None)

    core_settings = providers.Singleton(ClientSettings.for_core, options)
    sdk_settings = providers.Singleton(_sdk_settings, options)

    http_client = providers.Resource(_sync_http, settings=core_settings, transport=transport)
    async_http_client = providers.Resource(_async_http, settings=core_settings, transport=async_transport)
    sdk_http_client = providers.Resource(_sync_http, settings=sdk_settings, transport=transport)
    async_sdk_http_client = providers.Resource(_async_http, settings=sdk_settings, transport=async_transport)

    core_client = providers.Singleton(CivitaiClient, options, http_client=http_client)
    async_core_client = providers.Singleton(AsyncCivitaiClient, options, http_client=async_http_client)
    sdk_client = providers.Singleton(_sdk_client, options, http_client=sdk_http_client)
    async_sdk_client = providers.Singleton(_async_sdk_client, options, http_client=async_sdk_http_client)

    hash_cache = providers.Resource(_hash_cache)
    hasher = providers.Singleton(FileHashingService, cache=hash_cache)
    async_hasher = providers.Singleton(AsyncFileHashingService, cache=hash_cache)
    downloader = providers.Singleton(
        DownloadService, options, client=core_client, http_client=http_client, hash_cache=hash_cache
    )
    async_downloader = providers.Singleton(
        AsyncDownloadService, options, client=async_core_client, http_client=async_http_client, hash_cache=hash_cache
    )
    library = providers.Singleton(LibraryScanner, core_client, options=options, hashing=hasher, hash_cache=hash_cache)
    async_library = providers.Singleton(
        AsyncLibraryScanner, async_core_client, options=options, hashing=hasher, hash_cache=hash_cache
    )

    add_civitai_api = _Method(_configure, __self__)


def options_provider(
    options_or_config: OptionsSource = None,
    *,
    section: str = DEFAULT_SECTION,
    config_dir: str | os.PathLike[str] | None = None,
    environment: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> providers.Provider[CivitaiApiOptions]:
    """A provider yielding validated options from any accepted input form.

    ``overrides`` (keyword arguments of ``CivitaiApiOptions``, e.g. a command line's flags) rank as
    arguments, above every other source; ``config_dir`` and ``environment`` choose where configuration files
    are read (as in ``CivitaiApiOptions.load``). All three apply while options load, so they cannot be
    combined with an options object that is already loaded.
    """
    source = options_or_config
    if isinstance(source, CivitaiApiOptions):
        if config_dir is not None or environment is not None or overrides:
            raise TypeError(
                "config_dir, environment and overrides apply while options load; these options are already "
                "loaded (build them with CivitaiApiOptions.load(config_dir, environment, **overrides) instead)"
            )
        return providers.Object(source)
    load = _Loader(section, config_dir, environment, dict(overrides or {}))
    if source is None:
        return providers.Singleton(load.from_sources)
    if isinstance(source, providers.Configuration):
        # The Singleton hands over the configuration's current dict (read lazily, on first use), so values
        # loaded into the Configuration after add_civitai_api() still count.
        return providers.Singleton(load.from_mapping, source)
    if isinstance(source, Mapping):
        return providers.Singleton(load.from_mapping, dict(source))
    if isinstance(source, str | Path):
        return providers.Singleton(load.from_json_file, Path(source))
    if callable(source):
        return providers.Singleton(load.with_callback, source)
    raise TypeError(
        "options_or_config must be CivitaiApiOptions, a mapping, a JSON file path, a callable or a "
        f"providers.Configuration, not {type(source).__name__}"
    )


@dataclass(frozen=True)
class _Loader:
    """How the options of one ``add_civitai_api`` call load: the section, where files are read, and the
    arguments that rank above every source."""

    section: str
    config_dir: str | os.PathLike[str] | None
    environment: str | None
    overrides: Mapping[str, Any]

    def from_sources(self) -> CivitaiApiOptions:
        return CivitaiApiOptions.load(self.config_dir, self.environment, section=self.section, **self.overrides)

    def from_mapping(self, values: Mapping[str, Any] | None) -> CivitaiApiOptions:
        with config_sources(config_dir=self.config_dir, environment=self.environment):
            return CivitaiApiOptions.from_section(values or {}, self.section, **self.overrides)

    def from_json_file(self, path: Path) -> CivitaiApiOptions:
        if not path.exists():
            raise ConfigurationError(f"Configuration file not found: {path}")
        document = load_jsonc(path, "configuration file")  # comments allowed; deep or huge JSON refused by name
        if document is None:
            document = {}
        if not isinstance(document, Mapping):
            raise ConfigurationError(f"Configuration file {path} must contain a JSON object")
        return self.from_mapping(document)

    def with_callback(self, callback: OptionsCallback) -> CivitaiApiOptions:
        options = self.from_sources()
        returned = callback(options)
        return returned if isinstance(returned, CivitaiApiOptions) else options


def add_civitai_api(
    app_container: Any,
    options_or_config: OptionsSource = None,
    *,
    section: str = DEFAULT_SECTION,
    name: str = "civitai",
    config_dir: str | os.PathLike[str] | None = None,
    environment: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> providers.Container[CivitaiContainer]:
    """Mount a [`CivitaiContainer`][] into an application container as ``app_container.<name>``.

    Works on a ``DynamicContainer`` instance or on a ``DeclarativeContainer`` *class* before it is
    instantiated (wiring maps providers against the class; adding one to an instance breaks ``wire()``).
    ``config_dir``, ``environment`` and ``overrides`` are those of ``options_provider``.
    """
    if getattr(app_container, "declarative_parent", None) is not None:
        raise TypeError(
            "add_civitai_api() needs the DeclarativeContainer class (before instantiation) or a "
            "DynamicContainer; providers added to an instance of a declarative container cannot be wired. "
            f"Call it as add_civitai_api({type(app_container).__name__}, ...) before creating the container."
        )
    options = options_provider(
        options_or_config, section=section, config_dir=config_dir, environment=environment, overrides=overrides
    )
    sub = providers.Container(CivitaiContainer, options=options)
    setattr(app_container, name, sub)
    return sub
