"""Every public callable has a real signature: ``inspect.signature`` (and with it ``help()`` and IDEs) works on
each function, class and method reachable from the public packages, including the services hung on the
clients (``sdk.workflows``, ``client.models`` …) and the SDK operations made from programs."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from dependency_injector import providers

from civitai_kit import AsyncCivitaiClient, CivitaiApiOptions, CivitaiClient
from civitai_kit.sdk import AsyncSdkClient, SdkClient, TextToImageBuilder

PUBLIC_MODULES = ("civitai_kit", "civitai_kit.core", "civitai_kit.sdk", "civitai_kit.tools", "civitai_kit.testing")

KNOWN_GAPS: set[str] = set()


def _is_ours(cls: type) -> bool:
    return cls.__module__.startswith("civitai_kit")


def _is_operation(raw: object) -> bool:
    """An SDK operation: a descriptor wrapping the program function it runs (``Workflows.get`` …)."""
    plain = inspect.isfunction(raw) or isinstance(raw, (staticmethod, classmethod))
    return not plain and hasattr(type(raw), "__get__") and hasattr(raw, "__wrapped__")


def _methods(cls: type) -> Iterator[tuple[str, Any]]:
    """The public methods a civitai_kit class defines or inherits from another civitai_kit class."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not _is_ours(owner):
            continue
        raw = vars(owner)[name]
        if isinstance(raw, providers.Provider) and not isinstance(raw, providers.Callable):
            continue  # a provider of an object (``container.core_client()``), not a method
        if isinstance(raw, (staticmethod, classmethod)) or inspect.isfunction(raw) or _is_operation(raw):
            yield name, getattr(cls, name)
        elif isinstance(raw, providers.Callable):
            yield name, raw


def _services() -> Iterator[object]:
    """The objects hung on the four clients: ``client.models``, ``sdk.workflows`` …"""
    options = CivitaiApiOptions.isolated(api_key="signature-test-key")
    sync_clients: list[CivitaiClient | SdkClient] = [CivitaiClient(options), SdkClient(options)]
    async_clients: list[AsyncCivitaiClient | AsyncSdkClient] = [AsyncCivitaiClient(options), AsyncSdkClient(options)]
    try:
        for client in [*sync_clients, *async_clients]:
            for name in dir(client):
                if not name.startswith("_"):
                    value = getattr(client, name)
                    if not callable(value) and _is_ours(type(value)):
                        yield value
    finally:
        for sync_client in sync_clients:
            sync_client.close()
        for async_client in async_clients:
            asyncio.run(async_client.aclose())


def _public_callables() -> dict[str, Any]:
    found: dict[str, Any] = {}
    classes: dict[str, type] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if typing.get_origin(obj) is not None or not callable(obj):
                continue  # a type alias or a constant
            if isinstance(obj, type) and issubclass(obj, Warning):
                continue  # a warning category: filtered, never called (``Warning`` itself has no signature)
            found.setdefault(f"{module_name}.{name}", obj)
            if isinstance(obj, type):
                classes.setdefault(f"{module_name}.{name}", obj)
    for service in _services():
        cls = type(service)
        classes.setdefault(f"{cls.__module__}.{cls.__qualname__}", cls)
    for class_path, cls in classes.items():
        for name, method in _methods(cls):
            found[f"{class_path}.{name}"] = method
    return found


def test_every_public_callable_has_a_signature() -> None:
    callables = _public_callables()
    assert len(callables) > 500  # the walk reached the methods, not only the names in __all__
    missing = set()
    for path, obj in callables.items():
        try:
            inspect.signature(obj)
        except (TypeError, ValueError):
            missing.add(path)
    assert missing == KNOWN_GAPS


def _operations() -> Iterator[tuple[type, str]]:
    for service in _services():
        yield from ((type(service), name) for name, raw in vars(type(service)).items() if _is_operation(raw))
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type):
                for attr in dir(obj):
                    if _is_operation(inspect.getattr_static(obj, attr, None)):
                        yield obj, attr


class _Unbound:
    _runner = None


def test_an_sdk_operation_has_its_programs_signature() -> None:
    operations = sorted(set(_operations()), key=lambda op: (op[0].__qualname__, op[1]))
    assert len(operations) > 20
    for cls, name in operations:
        operation = getattr(cls, name)
        program = inspect.signature(operation.__wrapped__)
        on_class = inspect.signature(operation)
        bound = inspect.signature(operation.__get__(_Unbound(), cls))
        assert list(on_class.parameters.values()) == list(program.parameters.values()), (cls, name)
        assert list(bound.parameters.values()) == list(program.parameters.values())[1:], (cls, name)
        assert bound.return_annotation is inspect.Signature.empty  # a result or a coroutine, by mode


def test_workflows_get_reads_like_a_method() -> None:
    options = CivitaiApiOptions.isolated(api_key="signature-test-key")
    with SdkClient(options) as sdk:
        signature = inspect.signature(sdk.workflows.get)
    assert str(signature) == "(workflow_id: 'str', *, wait: 'int' = 0, hide_mature_content: 'bool' = False)"
    assert sdk.workflows.get.__name__ == "get"
    assert sdk.workflows.get.__doc__ == type(sdk.workflows).get.__doc__


def test_an_operation_can_be_called_on_its_class() -> None:
    builder: TextToImageBuilder[Any] = TextToImageBuilder()  # not bound to a client: running it says so
    with pytest.raises(TypeError, match=r"TextToImageBuilder.submit\(\) needs a client"):
        TextToImageBuilder.submit(builder)
