"""Clients share one verifying TLS context per CA source instead of reading the CA bundle for each client."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import certifi
import pytest

import civitai_kit._http.aiohttp_transport  # noqa: F401  (aiohttp builds its own default contexts once, at import)
from civitai_kit._http.settings import ClientSettings
from civitai_kit._http.transports import _tls_context, build_async_client, build_sync_client, tls_context


def test_every_kind_of_client_reuses_one_context(monkeypatch: pytest.MonkeyPatch) -> None:
    _tls_context.cache_clear()
    built: list[Any] = []
    create = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(args or kwargs)
        return create(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    for _ in range(3):
        build_sync_client(ClientSettings(base_url="http://127.0.0.1:9"), None).close()
        for backend in ("httpx", "aiohttp"):
            client = build_async_client(ClientSettings(base_url="http://127.0.0.1:9", backend=backend), None)
            asyncio.run(client.aclose())
    assert len(built) == 1


def test_the_shared_context_verifies() -> None:
    context = tls_context()
    assert context is tls_context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


def test_a_ca_bundle_from_the_environment_gets_its_own_context(monkeypatch: pytest.MonkeyPatch) -> None:
    default = tls_context()
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    from_file = tls_context()
    assert from_file is not default and from_file is tls_context()
