"""Fixtures for the hostile wire tests: raw-socket loopback servers (``tests.support.raw_server``) and a refused
port."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.support.raw_server import Behaviour, RawServer, RawServerFactory


@pytest.fixture
def raw_server() -> Iterator[RawServerFactory]:
    """Start raw servers for a test; all are shut down (stalled connections released) when it ends."""
    servers: list[RawServer] = []

    def start(behaviour: Behaviour) -> RawServer:
        server = RawServer(behaviour)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens (the port was bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
