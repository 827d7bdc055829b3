"""The async connection pool's network layer: httpcore's anyio backend, each connection's socket looked up once.

Before every request, httpcore's pool asks each idle pooled connection whether the server has closed it, which
asks its network stream whether the socket is readable. anyio answers any lookup on a stream by rebuilding the
stream's whole table of attributes, a ``getpeername`` system call included. With 16 calls in flight that was
about a quarter of an async call's CPU (300 calls: 14 000 lookups). Here each stream finds its socket once; the
readability test itself (one ``poll``) is unchanged, and so is everything else the stream does.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

__all__ = ["AsyncNetworkTransport"]


class AsyncNetworkTransport(httpx.AsyncHTTPTransport):
    """httpx's own async transport (TLS, pool limits, errors, the ``network_stream`` extension), its pool on
    [`SocketCachingBackend`][]."""

    def __init__(self, *, ssl_context: ssl.SSLContext, limits: httpx.Limits) -> None:
        super().__init__(verify=ssl_context, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(  # the one httpx built, with the network backend swapped
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=SocketCachingBackend(),
        )


class SocketCachingBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend (asyncio or trio), its streams wrapped in [`SocketCachingStream`][]."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return SocketCachingStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return SocketCachingStream(await self._backend.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class SocketCachingStream(httpcore.AsyncNetworkStream):
    """A network stream that answers ``socket`` and ``is_readable`` from the socket it found when it opened;
    everything else is ``inner``'s."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self.inner = inner
        self._socket: Any = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self.inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self.inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return SocketCachingStream(await self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "socket":
            return self._socket
        if info == "is_readable":
            return _readable(self._socket)
        return self.inner.get_extra_info(info)


def _readable(sock: socket.socket | None) -> bool:
    """Whether reading ``sock`` would not block: it holds bytes, or the peer has closed it (what an idle
    connection's readable socket means). A missing or closed socket counts as readable: the connection is over."""
    if sock is None or sock.fileno() < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))
