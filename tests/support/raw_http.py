"""Raw HTTP over sockets and `http.client` for the fake-server tests, so what the server writes is seen
exactly, without a client library smoothing it over."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from civitai_kit.testing import FakeCivitai


class RawHttp:
    """Talks to one server with bare sockets and `http.client`."""

    def __init__(self, server: FakeCivitai) -> None:
        self.server = server

    def connection(self, timeout: float = 5.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout)

    @contextmanager
    def connected(self, timeout: float = 5.0) -> Iterator[http.client.HTTPConnection]:
        connection = self.connection(timeout)
        try:
            yield connection
        finally:
            connection.close()

    def exchange(self, data: bytes, timeout: float = 5.0) -> bytes:
        """Send `data` on a fresh socket and read until the server closes it."""
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=timeout) as sock:
            sock.sendall(data)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks)
