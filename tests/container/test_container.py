"""The container: every ``add_civitai_api`` input form, mounting into an application container with wiring,
clients working end to end over loopback, and resource shutdown (sync and async)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import cast

import pytest
from dependency_injector import containers, providers
from dependency_injector.wiring import Provide, inject

from civitai_kit import (
    AsyncCivitaiClient,
    CivitaiApiOptions,
    CivitaiClient,
    CivitaiContainer,
    ConfigurationError,
    SdkClient,
    add_civitai_api,
)
from civitai_kit.testing.sandbox import Sandbox, start_sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox() as started:
        yield started


def _first_model_name(client: CivitaiClient) -> str:
    page = client.models.execute(limit=1).unwrap()
    return str(page.items[0].name)


def test_add_civitai_api_with_nothing_reads_every_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVITAI_API_KEY", "env-key-1")
    monkeypatch.setenv("CIVITAIAPI__TIMEOUTSECONDS", "45")
    container = CivitaiContainer()
    assert container.add_civitai_api() is container
    options = container.options()
    assert options.timeout_seconds == 45
    assert options.api_key is not None and options.api_key.get_secret_value() == "env-key-1"
    assert options.source_of("api_key") == "environment variable CIVITAI_API_KEY"


def test_add_civitai_api_with_an_options_object() -> None:
    options = CivitaiApiOptions.isolated(api_key="k", timeout_seconds=12)
    container = CivitaiContainer().add_civitai_api(options)
    assert container.options() is options
    assert container.core_client().options is options


@pytest.mark.parametrize(
    "mapping",
    [
        {"CivitaiApi": {"TimeoutSeconds": 61, "Sdk": {"TimeoutSeconds": 900}}},
        {"TimeoutSeconds": 61, "Sdk": {"TimeoutSeconds": 900}},
        {"civitaiapi": {"timeout_seconds": 61, "sdk": {"timeoutseconds": 900}}},
    ],
    ids=["whole-config", "section-only", "any-case"],
)
def test_add_civitai_api_with_a_mapping(mapping: dict[str, object]) -> None:
    options = CivitaiContainer().add_civitai_api(mapping).options()
    assert (options.timeout_seconds, options.sdk.timeout_seconds) == (61, 900)


def test_add_civitai_api_with_a_custom_section() -> None:
    config = {"Services": {"Civitai": {"BaseUrl": "http://127.0.0.1:9/proxy/"}}}
    options = CivitaiContainer().add_civitai_api(config, section="Services:Civitai").options()
    assert options.base_url == "http://127.0.0.1:9/proxy"


def test_add_civitai_api_with_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"CivitaiApi": {"ApiVersion": "v2", "StrictJsonParsing": True}}))
    options = CivitaiContainer().add_civitai_api(str(path)).options()
    assert options.api_version == "v2" and options.strict_json_parsing is True
    assert CivitaiContainer().add_civitai_api(path).options().api_version == "v2"


def test_a_missing_or_broken_json_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        CivitaiContainer().add_civitai_api(tmp_path / "nope.json").options()
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ConfigurationError, match=r"broken\.json"):
        CivitaiContainer().add_civitai_api(broken).options()


def test_add_civitai_api_with_a_callback() -> None:
    container = CivitaiContainer().add_civitai_api(lambda o: setattr(o, "timeout_seconds", 120))
    assert container.options().timeout_seconds == 120


def test_a_callback_setting_a_bad_value_fails_with_the_rule() -> None:
    container = CivitaiContainer().add_civitai_api(lambda o: setattr(o, "timeout_seconds", 999))
    with pytest.raises(ConfigurationError, match=r"TimeoutSeconds must be between 1 and 300"):
        container.options()


def test_a_callback_may_return_replacement_options() -> None:
    replacement = CivitaiApiOptions.isolated(api_version="v9")
    assert CivitaiContainer().add_civitai_api(lambda _: replacement).options() is replacement


def test_add_civitai_api_with_a_configuration_provider_loaded_later() -> None:
    config = providers.Configuration()
    container = CivitaiContainer().add_civitai_api(config, section="MyCivitai")
    config.from_dict({"MyCivitai": {"ApiKey": "from-config", "TimeoutSeconds": 33}})
    options = container.options()
    assert options.timeout_seconds == 33
    assert options.api_key is not None and options.api_key.get_secret_value() == "from-config"


def test_rebinding_before_use_resets_clients() -> None:
    container = CivitaiContainer().add_civitai_api({"ApiVersion": "v1"})
    options = container.options()
    container.add_civitai_api({"ApiVersion": "v2"})
    assert container.options() is not options
    assert container.core_client().options.api_version == "v2"
    container.shutdown_resources()


def test_rebinding_open_clients_is_refused_until_they_are_shut_down() -> None:
    container = CivitaiContainer().add_civitai_api({"BaseUrl": "http://127.0.0.1:9/a"})
    first = container.core_client()
    with pytest.raises(RuntimeError, match="shutdown_resources"):
        container.add_civitai_api({"BaseUrl": "http://127.0.0.1:9/b"})
    container.shutdown_resources()
    container.add_civitai_api({"BaseUrl": "http://127.0.0.1:9/b"})
    second = container.core_client()
    assert second is not first
    assert container.http_client().settings.base_url == "http://127.0.0.1:9/b"
    container.shutdown_resources()


def test_rejects_unknown_input_types() -> None:
    with pytest.raises(TypeError, match="options_or_config"):
        CivitaiContainer().add_civitai_api(42)


def test_clients_work_end_to_end_and_shutdown_closes_them(sandbox: Sandbox) -> None:
    container = CivitaiContainer().add_civitai_api(CivitaiApiOptions.isolated(**sandbox.option_values()))
    assert _first_model_name(container.core_client())
    http = container.http_client()
    assert container.downloader() is container.downloader()
    assert isinstance(container.sdk_client(), SdkClient)
    assert container.hash_cache.initialized  # the downloader shares the hash cache
    container.shutdown_resources()
    assert http._client.is_closed
    assert not container.hash_cache.initialized


DOWNLOAD_ONLY = """
import sys
from civitai_kit.container import CivitaiContainer
from civitai_kit.options import CivitaiApiOptions
container = CivitaiContainer().add_civitai_api(CivitaiApiOptions.isolated(api_key="k"))
container.downloader()
print(sorted(name for name in sys.modules if name.startswith("civitai_kit.sdk.")))
print(type(container.sdk_client()).__name__)
container.shutdown_resources()
"""


@pytest.mark.slow
def test_a_container_used_for_downloads_does_not_import_the_sdk() -> None:
    """``civitai download`` builds a container: the v2 SDK (its generated schema) loads only when asked for."""
    completed = subprocess.run([sys.executable, "-c", DOWNLOAD_ONLY], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == ["[]", "SdkClient"]


async def test_async_clients_and_async_shutdown(sandbox: Sandbox) -> None:
    container = CivitaiContainer().add_civitai_api(CivitaiApiOptions.isolated(**sandbox.option_values()))
    # async resources make the provider awaitable (the stubs type the plain call)
    client = await cast("Awaitable[AsyncCivitaiClient]", container.async_core_client())
    assert isinstance(client, AsyncCivitaiClient)
    page = (await client.models.execute(limit=1)).unwrap()
    assert page.items
    http = await container.async_http_client()
    sync_http = container.http_client()  # a sync resource in the same container
    shutdown = container.shutdown_resources()
    assert shutdown is not None
    await shutdown
    assert http._client.is_closed and sync_http._client.is_closed


def test_sdk_client_without_a_token_names_every_place_to_set_one() -> None:
    container = CivitaiContainer().add_civitai_api(CivitaiApiOptions.isolated())
    with pytest.raises(ConfigurationError) as raised:
        container.sdk_client()
    message = str(raised.value)
    for place in ("CivitaiApi:Sdk:ApiToken", "CivitaiApi:ApiKey", "CIVITAI_API_TOKEN", "CIVITAI_API_KEY", "secrets"):
        assert place in message
    container.shutdown_resources()


# ------------------------------------------------------------------------------ mounted in an app container


@inject
def first_model(client: CivitaiClient = Provide["civitai.core_client"]) -> str:
    """Module level: wiring patches functions it finds on the module. (The ``Annotated[...]`` marker form
    needs real annotations: it is not seen under ``from __future__ import annotations``.)"""
    return _first_model_name(client)


def test_mount_into_a_dynamic_container(sandbox: Sandbox) -> None:
    app = containers.DynamicContainer()
    mounted = add_civitai_api(app, sandbox.option_values())
    assert app.civitai is mounted
    assert _first_model_name(mounted.core_client())
    app.shutdown_resources()


def test_mount_into_a_declarative_class_with_wiring(sandbox: Sandbox) -> None:
    class App(containers.DeclarativeContainer):
        config = providers.Configuration()

    add_civitai_api(App, App.config, name="civitai")
    app = App()
    app.config.from_dict({"CivitaiApi": {"BaseUrl": sandbox.url, "ApiKey": "app-key"}})
    app.wire(modules=[__name__])
    try:
        assert first_model()
        last = sandbox.server.requests[-1]
        assert last.headers.get("authorization") == "Bearer app-key"
    finally:
        app.unwire()
        app.shutdown_resources()


def test_mount_refuses_an_instance_of_a_declarative_container() -> None:
    class App(containers.DeclarativeContainer):
        pass

    with pytest.raises(TypeError, match="DeclarativeContainer class"):
        add_civitai_api(App(), {})


def test_overriding_the_transport_reaches_every_client(sandbox: Sandbox) -> None:
    import httpx

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"items": [{"id": 7, "name": "mocked"}], "metadata": {}})

    container = CivitaiContainer().add_civitai_api(CivitaiApiOptions.isolated())
    with container.transport.override(httpx.MockTransport(handler)):
        assert _first_model_name(container.core_client()) == "mocked"
    assert seen == ["https://civitai.com/api/v1/models?limit=1"]
    container.shutdown_resources()


def test_a_settings_file_with_comments_loads_and_a_deep_one_is_a_configuration_error(tmp_path: Path) -> None:
    good = tmp_path / "settings.json"
    good.write_text('// ours\n{"CivitaiApi": {"TimeoutSeconds": 42}}', encoding="utf-8")
    container = CivitaiContainer()
    container.add_civitai_api(str(good))
    assert container.options().timeout_seconds == 42
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    other = CivitaiContainer()
    other.add_civitai_api(str(deep))
    with pytest.raises(ConfigurationError, match=r"deep\.json"):
        other.options()
