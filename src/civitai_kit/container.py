"""Dependency injection: one validated :class:`CivitaiApiOptions` bound into providers for every client.

The .NET original registers itself with ``services.AddCivitaiApi(...)``; here the same call configures a
``CivitaiContainer`` (``container.add_civitai_api(...)``), and the module-level :func:`add_civitai_api` mounts
one into an application's own container.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeAlias

from dependency_injector import containers, providers

from civitai_kit._config.jsonc import load_jsonc
from civitai_kit._http import AsyncHttpClient, ClientSettings, HttpClient
from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.errors import ConfigurationError
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.sdk import AsyncSdkClient, SdkClient
from civitai_kit.tools.downloads import AsyncDownloadService, DownloadService
from civitai_kit.tools.hash_cache import HashCache
from civitai_kit.tools.hashing import AsyncFileHashingService, FileHashingService
from civitai_kit.tools.library import AsyncLibraryScanner, LibraryScanner

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


def _configure(
    container: CivitaiContainer, options_or_config: OptionsSource = None, *, section: str = DEFAULT_SECTION
) -> CivitaiContainer:
    """``container.add_civitai_api(...)``: bind the options; every client built afterwards uses them."""
    if any(resource.initialized for resource in container.traverse(types=[providers.Resource])):
        raise RuntimeError(
            "add_civitai_api() must bind options before the first client is created: HTTP clients already "
            "opened keep the old settings. Call (and, with async clients, await) shutdown_resources() first."
        )
    container.options.override(options_provider(options_or_config, section=section))
    container.reset_singletons()
    return container


class CivitaiContainer(containers.DeclarativeContainer):
    """Providers for everything civitai-kit offers, all fed from one :class:`CivitaiApiOptions`.

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
    sdk_client = providers.Singleton(SdkClient, options, http_client=sdk_http_client)
    async_sdk_client = providers.Singleton(AsyncSdkClient, options, http_client=async_sdk_http_client)

    hash_cache = providers.Resource(_hash_cache)
    hasher = providers.Singleton(FileHashingService, cache=hash_cache)
    async_hasher = providers.Singleton(AsyncFileHashingService, cache=hash_cache)
    downloader = providers.Singleton(
        DownloadService, options, client=core_client, http_client=http_client, hash_cache=hash_cache
    )
    async_downloader = providers.Singleton(
        AsyncDownloadService, options, client=async_core_client, http_client=async_http_client, hash_cache=hash_cache
    )
    library = providers.Singleton(
        LibraryScanner, core_client, options=options, hashing=hasher, hash_cache=hash_cache
    )
    async_library = providers.Singleton(
        AsyncLibraryScanner, async_core_client, options=options, hashing=hasher, hash_cache=hash_cache
    )

    add_civitai_api = providers.Callable(_configure, __self__)


def options_provider(
    options_or_config: OptionsSource = None, *, section: str = DEFAULT_SECTION
) -> providers.Provider[CivitaiApiOptions]:
    """A provider yielding validated options from any accepted input form."""
    source = options_or_config
    if source is None:
        return providers.Singleton(CivitaiApiOptions)
    if isinstance(source, CivitaiApiOptions):
        return providers.Object(source)
    if isinstance(source, providers.Configuration):
        return providers.Singleton(_from_configuration, source, section)
    if isinstance(source, Mapping):
        return providers.Singleton(CivitaiApiOptions.from_section, dict(source), section=section)
    if isinstance(source, str | Path):
        return providers.Singleton(_from_json_file, Path(source), section)
    if callable(source):
        return providers.Singleton(_from_callback, source)
    raise TypeError(
        "options_or_config must be CivitaiApiOptions, a mapping, a JSON file path, a callable or a "
        f"providers.Configuration, not {type(source).__name__}"
    )


def _from_configuration(values: Mapping[str, Any] | None, section: str) -> CivitaiApiOptions:
    # The Singleton hands over the configuration's current dict (read lazily, on first use), so values
    # loaded into the Configuration after add_civitai_api() still count.
    return CivitaiApiOptions.from_section(values or {}, section=section)


def _from_json_file(path: Path, section: str) -> CivitaiApiOptions:
    if not path.exists():
        raise ConfigurationError(f"Configuration file not found: {path}")
    document = load_jsonc(path, "configuration file")  # comments allowed; deep or huge JSON refused by name
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        raise ConfigurationError(f"Configuration file {path} must contain a JSON object")
    return CivitaiApiOptions.from_section(document, section=section)


def _from_callback(callback: OptionsCallback) -> CivitaiApiOptions:
    options = CivitaiApiOptions()
    returned = callback(options)
    return returned if isinstance(returned, CivitaiApiOptions) else options


def add_civitai_api(
    app_container: Any,
    options_or_config: OptionsSource = None,
    *,
    section: str = DEFAULT_SECTION,
    name: str = "civitai",
) -> providers.Container[CivitaiContainer]:
    """Mount a :class:`CivitaiContainer` into an application container as ``app_container.<name>``.

    Works on a ``DynamicContainer`` instance or on a ``DeclarativeContainer`` *class* before it is
    instantiated (wiring maps providers against the class; adding one to an instance breaks ``wire()``).
    """
    if getattr(app_container, "declarative_parent", None) is not None:
        raise TypeError(
            "add_civitai_api() needs the DeclarativeContainer class (before instantiation) or a "
            "DynamicContainer; providers added to an instance of a declarative container cannot be wired. "
            f"Call it as add_civitai_api({type(app_container).__name__}, ...) before creating the container."
        )
    sub = providers.Container(CivitaiContainer, options=options_provider(options_or_config, section=section))
    setattr(app_container, name, sub)
    return sub
