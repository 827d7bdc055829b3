"""Building the underlying httpx clients: pool limits, timeouts, headers, optional cache and aiohttp backend."""

from __future__ import annotations

import functools
import os
import ssl
import urllib.request
from typing import Any

import httpx

from civitai_kit._http.network import AsyncNetworkTransport
from civitai_kit._http.settings import ClientSettings

_CONNECT_TIMEOUT = 10.0


def timeout_for(seconds: float) -> httpx.Timeout:
    """Read/write/pool timeouts of ``seconds``; connecting never waits longer than 10 s."""
    return httpx.Timeout(seconds, connect=min(_CONNECT_TIMEOUT, seconds))


def tls_context() -> ssl.SSLContext:
    """The verifying TLS context the clients of this process share. Building one reads the whole CA bundle
    (tens of milliseconds of CPU for every client), so it is built once per CA source: httpx's choice
    of ``SSL_CERT_FILE``, ``SSL_CERT_DIR`` or certifi's bundle."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """One context per CA source (the arguments are the cache key; httpx reads the same variables)."""
    return httpx.create_ssl_context()


def _limits(settings: ClientSettings) -> httpx.Limits:
    return httpx.Limits(
        max_connections=max(settings.max_concurrency * 2, 10),
        max_keepalive_connections=max(settings.max_concurrency, 10),
    )


def _client_kwargs(settings: ClientSettings) -> dict[str, Any]:
    return {
        "verify": tls_context(),
        "timeout": timeout_for(settings.timeout),
        "limits": _limits(settings),
        "headers": {"User-Agent": settings.user_agent, "Accept": "application/json"},
        "follow_redirects": True,
    }


class _AnswerCookies(httpx.Cookies):
    """A cookie jar that looks at a response only when it sets a cookie.

    httpx wraps every response and its request in urllib objects to look for cookies (~15 µs a call, a tenth
    of a call on the aiohttp backend); the APIs' answers set none, and one that does is still read."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class _AnswerCookiesJar:
    """Gives an httpx client an `_AnswerCookies` jar, the one every request and response of it uses."""

    _answer_cookies: _AnswerCookies

    @property
    def cookies(self) -> httpx.Cookies:
        return self._answer_cookies

    @cookies.setter
    def cookies(self, cookies: httpx.Cookies | dict[str, str] | None) -> None:
        self._answer_cookies = _AnswerCookies(cookies)


class _Client(_AnswerCookiesJar, httpx.Client):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cookies = None


class _AsyncClient(_AnswerCookiesJar, httpx.AsyncClient):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cookies = None


def build_sync_client(settings: ClientSettings, transport: httpx.BaseTransport | None) -> httpx.Client:
    if settings.cache_directory is not None:
        from civitai_kit._http.cache import AnonymousCache, private_database

        if (database := private_database(settings.cache_directory, "http-cache-sync.sqlite")) is not None:
            network = transport or httpx.HTTPTransport(verify=tls_context(), limits=_limits(settings))
            transport = AnonymousCache(network, database, settings)
    return _Client(transport=transport, **_client_kwargs(settings))


def build_async_client(settings: ClientSettings, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    if transport is None and settings.backend == "aiohttp":
        transport = _aiohttp_transport(settings)
    elif transport is None and not _environment_proxies():
        transport = AsyncNetworkTransport(ssl_context=tls_context(), limits=_limits(settings))
    if settings.cache_directory is not None:
        from civitai_kit._http.cache import AsyncAnonymousCache, private_database

        if (database := private_database(settings.cache_directory, "http-cache-async.sqlite")) is not None:
            network = transport or AsyncNetworkTransport(ssl_context=tls_context(), limits=_limits(settings))
            transport = AsyncAnonymousCache(network, database, settings)
    return _AsyncClient(transport=transport, **_client_kwargs(settings))


def _environment_proxies() -> bool:
    """Whether the environment names a proxy (``HTTPS_PROXY``, ``ALL_PROXY`` …): httpx honours them only in a
    client whose transport it builds itself, so such a client keeps httpx's own."""
    found = urllib.request.getproxies()
    return any(found.get(scheme) for scheme in ("http", "https", "all"))


def _aiohttp_transport(settings: ClientSettings) -> httpx.AsyncBaseTransport:
    try:
        from civitai_kit._http.aiohttp_transport import AiohttpTransport
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError('http_backend="aiohttp" needs the aiohttp extra: pip install "civitai-kit[aiohttp]"') from exc
    return AiohttpTransport(verify=tls_context(), limits=_limits(settings))
