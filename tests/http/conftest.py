"""Fixtures for the HTTP layer's tests: raw-socket loopback servers (``tests.support.raw_server``)."""

from __future__ import annotations

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
