"""Fixtures for the hostile-server matrix: a `HostileServer` as good as new, the client modes (sync httpx, async httpx,
async aiohttp) and a `Harness` that runs a call on a mode, bounded, and checks the library's promises.

Every test runs its call through the harness: on a thread joined with a hard timeout (a hang fails the test
instead of the run), with the library's own deadline options where they matter, and with log capture
(`caplog`: the `civitai_kit` logger at DEBUG, `httpx` at INFO) so the key can be looked for in the logs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from civitai_kit.testing.hostile import ClientMode, Harness, HostileServer, log_leaks


@pytest.fixture(scope="module")
def _module_server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


@pytest.fixture
def server(_module_server: HostileServer) -> HostileServer:
    """One server per module, reset before each test (no connection, script, log or kit error carries over):
    a start and a stop per test cost a sixth of these matrices' CPU time."""
    _module_server.reset()
    return _module_server


@pytest.fixture(params=list(ClientMode), ids=[mode.value for mode in ClientMode])
def mode(request: pytest.FixtureRequest) -> ClientMode:
    return ClientMode(request.param)


@pytest.fixture
def hostile(server: HostileServer, caplog: pytest.LogCaptureFixture) -> Iterator[Harness]:
    caplog.set_level(logging.INFO, logger="httpx")
    caplog.set_level(logging.DEBUG, logger="civitai_kit")
    harness = Harness(server)
    yield harness
    leaks = log_leaks(caplog.records, harness.api_key)
    assert not leaks, f"the API key is in {len(leaks)} captured log record(s), e.g. {leaks[0]}"
