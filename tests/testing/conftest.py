"""Fixtures for the fake-server tests."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest

from civitai_kit.testing import FakeCivitai
from tests.support.raw_http import RawHttp

pytest_plugins = ["pytester"]


@pytest.fixture
def raw(fake_civitai: FakeCivitai) -> RawHttp:
    return RawHttp(fake_civitai)


@pytest.fixture
def conn(raw: RawHttp) -> Iterator[http.client.HTTPConnection]:
    connection = raw.connection()
    yield connection
    connection.close()
