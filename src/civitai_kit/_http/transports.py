"""Building the underlying httpx clients: pool limits, timeouts, headers, optional cache and aiohttp backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from civitai_kit._http.settings import ClientSettings

_CONNECT_TIMEOUT = 10.0


def timeout_for(seconds: float) -> httpx.Timeout:
    """Read/write/pool timeouts of ``seconds``; connecting never waits longer than 10 s."""
    return httpx.Timeout(seconds, connect=min(_CONNECT_TIMEOUT, seconds))


def _client_kwargs(settings: ClientSettings) -> dict[str, Any]:
    return {
        "timeout": timeout_for(settings.timeout),
        "limits": httpx.Limits(
            max_connections=max(settings.max_concurrency * 2, 10),
            max_keepalive_connections=max(settings.max_concurrency, 10),
        ),
        "headers": {"User-Agent": settings.user_agent, "Accept": "application/json"},
        "follow_redirects": True,
    }


def _cache_path(settings: ClientSettings, suffix: str) -> Path:
    assert settings.cache_directory is not None
    directory = Path(settings.cache_directory)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"http-cache-{suffix}.sqlite"


def build_sync_client(settings: ClientSettings, transport: httpx.BaseTransport | None) -> httpx.Client:
    if settings.cache_directory is not None:
        import hishel
        from hishel.httpx import CacheTransport

        storage = hishel.SqliteStorage(
            database_path=_cache_path(settings, "sync"), default_ttl=settings.cache_ttl_seconds
        )
        transport = CacheTransport(next_transport=transport or httpx.HTTPTransport(), storage=storage)
    return httpx.Client(transport=transport, **_client_kwargs(settings))


def build_async_client(
    settings: ClientSettings, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    if transport is None and settings.backend == "aiohttp":
        try:
            from civitai_kit._http.aiohttp_transport import AiohttpTransport
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ImportError(
                'http_backend="aiohttp" needs the aiohttp extra: pip install "civitai-kit[aiohttp]"'
            ) from exc
        transport = AiohttpTransport()
    if settings.cache_directory is not None:
        import hishel
        from hishel.httpx import AsyncCacheTransport

        storage = hishel.AsyncSqliteStorage(
            database_path=_cache_path(settings, "async"), default_ttl=settings.cache_ttl_seconds
        )
        transport = AsyncCacheTransport(next_transport=transport or httpx.AsyncHTTPTransport(), storage=storage)
    return httpx.AsyncClient(transport=transport, **_client_kwargs(settings))
