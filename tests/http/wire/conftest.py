"""Fixtures for the hostile wire tests: a refused port (the raw-socket servers come from ``tests/http/conftest.py``)."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens (the port was bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
