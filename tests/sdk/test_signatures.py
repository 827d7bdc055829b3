"""Every public method of the SDK has a real signature (``inspect.signature`` works and names the
arguments a caller passes), on the classes and on the objects a client hands out, sync and async."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest

from civitai_kit._http import AsyncHttpClient, HttpClient
from civitai_kit.sdk import AsyncSdkClient, SdkClient
from civitai_kit.sdk.blobs import Blobs
from civitai_kit.sdk.workflows import Workflows
from civitai_kit.testing import FakeCivitai
from tests.support.sdk_support import settings_for

SERVICES = ("workflows", "blobs", "resources", "jobs", "coverage", "usage")


def public_objects(sdk: Any) -> Iterator[Any]:
    """The services of a client and the builders they hand out."""
    yield from (getattr(sdk, name) for name in SERVICES)
    yield sdk.workflows.text_to_image()
    yield sdk.workflows.image_gen()
    yield sdk.workflows.step("textToImage")
    yield sdk.workflows.new()
    yield sdk.jobs.create_text_to_image()
    yield sdk.jobs.query


def public_methods(obj: Any) -> Iterator[tuple[str, Any, Any]]:
    """``(name, as bound to obj, as looked up on the class)`` of every public method."""
    for name in dir(type(obj)):
        on_class = getattr(type(obj), name)
        if not name.startswith("_") and callable(on_class) and not isinstance(on_class, type):
            yield name, getattr(obj, name), on_class


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_every_public_sdk_method_has_a_real_signature(fake_civitai: FakeCivitai, mode: str) -> None:
    settings = settings_for(fake_civitai)
    sdk = (
        SdkClient(http_client=HttpClient(settings))
        if mode == "sync"
        else AsyncSdkClient(http_client=AsyncHttpClient(settings))
    )
    checked = 0
    for obj in public_objects(sdk):
        for name, bound, on_class in public_methods(obj):
            where = f"{type(obj).__name__}.{name}"
            unbound = list(inspect.signature(on_class).parameters)
            assert unbound and unbound[0] == "self", f"{where}{inspect.signature(on_class)}"
            parameters = inspect.signature(bound).parameters.values()
            assert [p.name for p in parameters] == unbound[1:], where
            assert not any(p.kind is p.VAR_POSITIONAL and p.name == "args" for p in parameters), where
            checked += 1
    assert checked > 100


def test_operation_methods_keep_their_documentation() -> None:
    assert "Poll until the workflow is terminal" in (inspect.getdoc(Workflows.wait_for) or "")
    assert "HEAD" in (inspect.getdoc(Blobs.exists) or "")
