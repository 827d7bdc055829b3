"""Building the underlying httpx clients: pool limits, timeouts, headers, optional cache and aiohttp backend."""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from civitai_kit._http.network import AsyncNetworkTransport
from civitai_kit._http.settings import ClientSettings

_CONNECT_TIMEOUT = 10.0
_Transport = TypeVar("_Transport", httpx.BaseTransport, httpx.AsyncBaseTransport)


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

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cookies = None

    @property
    def cookies(self) -> httpx.Cookies:
        return self._answer_cookies

    @cookies.setter
    def cookies(self, cookies: httpx.Cookies | dict[str, str] | None) -> None:
        self._answer_cookies = _AnswerCookies(cookies)


class _Client(_AnswerCookiesJar, httpx.Client):
    pass


class _AsyncClient(_AnswerCookiesJar, httpx.AsyncClient):
    pass


def build_sync_client(settings: ClientSettings, transport: httpx.BaseTransport | None) -> httpx.Client:
    """The sync client: ``transport`` when given (a test's, a mock), else httpx's network transport, with a
    transport per proxy the environment names; each of them behind the response cache when it is on."""
    cached: Callable[[httpx.BaseTransport], httpx.BaseTransport] = _as_is
    if settings.cache_directory is not None:
        from civitai_kit._http.cache import AnonymousCache, private_database

        if (database := private_database(settings.cache_directory, "http-cache-sync.sqlite")) is not None:
            cached = functools.partial(AnonymousCache, database=database, settings=settings)

    if transport is not None:
        return _Client(transport=cached(transport), **_client_kwargs(settings))

    def network(proxy: str | None) -> httpx.BaseTransport:
        return cached(httpx.HTTPTransport(verify=tls_context(), limits=_limits(settings), proxy=proxy))

    return _Client(transport=network(None), mounts=_proxy_mounts(network), **_client_kwargs(settings))


def build_async_client(settings: ClientSettings, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    """The async twin of `build_sync_client`; its own network transport is ours (``AsyncNetworkTransport``) or
    aiohttp's, while a request for a proxy goes through httpx's (neither of ours speaks to proxies)."""
    cached: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] = _as_is
    if settings.cache_directory is not None:
        from civitai_kit._http.cache import AsyncAnonymousCache, private_database

        if (database := private_database(settings.cache_directory, "http-cache-async.sqlite")) is not None:
            cached = functools.partial(AsyncAnonymousCache, database=database, settings=settings)

    if transport is not None:
        return _AsyncClient(transport=cached(transport), **_client_kwargs(settings))

    def network(proxy: str | None) -> httpx.AsyncBaseTransport:
        if proxy is not None:
            return cached(httpx.AsyncHTTPTransport(verify=tls_context(), limits=_limits(settings), proxy=proxy))
        if settings.backend == "aiohttp":
            return cached(_aiohttp_transport(settings))
        return cached(AsyncNetworkTransport(ssl_context=tls_context(), limits=_limits(settings)))

    return _AsyncClient(transport=network(None), mounts=_proxy_mounts(network), **_client_kwargs(settings))


def _as_is(transport: _Transport) -> _Transport:
    return transport


def _proxy_mounts(network: Callable[[str], _Transport]) -> dict[str, _Transport | None]:
    """httpx mounts for the environment's proxies: ``network(proxy URL)`` per URL pattern, ``None`` (the client's
    own transport) for a host ``NO_PROXY`` names. httpx reads the variables itself only for a client whose
    transport it builds, and these clients are given theirs."""
    return {pattern: None if proxy is None else network(proxy) for pattern, proxy in environment_proxies().items()}


def environment_proxies() -> dict[str, str | None]:
    """The proxy the environment names for each httpx URL pattern, ``None`` for a pattern to reach directly: read
    as httpx reads it. ``HTTP_PROXY``, ``HTTPS_PROXY`` and ``ALL_PROXY`` (either case) give ``http://``,
    ``https://`` and ``all://``; each ``NO_PROXY`` entry is a host (and its subdomains), an IP address, or a
    URL pattern; ``NO_PROXY=*`` turns every proxy off."""
    found = urllib.request.getproxies()
    proxies: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if url := found.get(scheme):
            proxies[f"{scheme}://"] = url if "://" in url else f"http://{url}"
    for host in (entry.strip() for entry in found.get("no", "").split(",")):
        if host == "*":
            return {}
        if host:
            proxies[_direct_pattern(host)] = None
    return proxies


def _direct_pattern(host: str) -> str:
    if "://" in host:
        return host
    try:
        address = ipaddress.ip_address(host.split("/")[0])
    except ValueError:
        return f"all://{host}" if host.lower() == "localhost" else f"all://*{host}"
    return f"all://[{host}]" if address.version == 6 else f"all://{host}"


def _aiohttp_transport(settings: ClientSettings) -> httpx.AsyncBaseTransport:
    try:
        from civitai_kit._http.aiohttp_transport import AiohttpTransport
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError('http_backend="aiohttp" needs the aiohttp extra: pip install "civitai-kit[aiohttp]"') from exc
    return AiohttpTransport(verify=tls_context(), limits=_limits(settings))
