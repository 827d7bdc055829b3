"""The optional HTTP cache never crosses identities and never keeps what it must not.

Requests with a credential bypass it (neither read nor written), ``no-store``/``private`` answers are not
stored, the key never reaches the disk, and the cache is readable by its owner only. Every test runs on the sync
client and on the async client over both backends, each call from a fresh client sharing one cache directory.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from civitai_kit._http import ApiRequest, AsyncHttpClient, ClientSettings, HttpClient, RetryPolicy
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse

KEY_A = "cache-key-a-0123456789abcdef"
KEY_B = "cache-key-b-fedcba9876543210"
POLICIES = {
    "absent": None,
    "public": "public, s-maxage=300",
    "private": "private, max-age=300",
    "no-store": "no-store",
    "no-cache": "No-Cache",
}
KINDS = ["sync", "async", "aiohttp"]


@pytest.fixture
def server() -> Iterator[FakeCivitai]:
    """``/api/v1/echo/{policy}`` answers with who asked, under the ``Cache-Control`` named by ``policy``."""
    with FakeCivitai() as fake:

        @fake.route("GET", "/api/v1/echo/{policy}")
        def echo(request: FakeRequest) -> FakeResponse:
            directive = POLICIES[request.path_params["policy"]]
            headers = {"Cache-Control": directive} if directive else None
            caller = request.headers.get("authorization", "anonymous")
            return FakeResponse.json({"caller": caller, "n": len(fake.requests)}, headers=headers)

        yield fake


def _settings(server: FakeCivitai, directory: Path, kind: str, key: str | None) -> ClientSettings:
    return ClientSettings(
        base_url=server.url,
        token=SecretStr(key) if key else None,
        cache_directory=str(directory),
        backend="aiohttp" if kind == "aiohttp" else "httpx",
    )


async def fetch(kind: str, settings: ClientSettings, request: ApiRequest) -> Any:
    """One call from a fresh client (so only the cache on disk links two calls)."""
    if kind == "sync":

        def call() -> Any:
            with HttpClient(settings) as client:
                return client.send_json(request, lambda payload: payload).unwrap()

        return await asyncio.to_thread(call)
    async with AsyncHttpClient(settings) as client:
        return (await client.send_json(request, lambda payload: payload)).unwrap()


def _echo(policy: str, *params: tuple[str, str]) -> ApiRequest:
    return ApiRequest("GET", f"/api/v1/echo/{policy}", params=params)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy", list(POLICIES))
async def test_a_response_for_one_key_is_never_served_to_another_key_or_to_no_key(
    kind: str, policy: str, server: FakeCivitai, tmp_path: Path
) -> None:
    callers = []
    for key in (KEY_A, KEY_B, None, KEY_A):
        body = await fetch(kind, _settings(server, tmp_path / "cache", kind, key), _echo(policy))
        callers.append(body["caller"])
    assert callers == [f"Bearer {KEY_A}", f"Bearer {KEY_B}", "anonymous", f"Bearer {KEY_A}"]
    assert len(server.requests) == 4


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy", ["absent", "public"])
async def test_an_anonymous_public_response_is_served_from_the_cache(
    kind: str, policy: str, server: FakeCivitai, tmp_path: Path
) -> None:
    settings = _settings(server, tmp_path / "cache", kind, None)
    first = await fetch(kind, settings, _echo(policy))
    second = await fetch(kind, settings, _echo(policy))
    assert first == second == {"caller": "anonymous", "n": 1}
    assert len(server.requests) == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("policy", ["private", "no-store", "no-cache"])
async def test_a_private_no_store_or_no_cache_response_is_never_stored(
    kind: str, policy: str, server: FakeCivitai, tmp_path: Path
) -> None:
    settings = _settings(server, tmp_path / "cache", kind, None)
    await fetch(kind, settings, _echo(policy))
    await fetch(kind, settings, _echo(policy))
    assert len(server.requests) == 2


@pytest.mark.parametrize("kind", KINDS)
async def test_a_credential_in_the_query_bypasses_the_cache(kind: str, server: FakeCivitai, tmp_path: Path) -> None:
    settings = _settings(server, tmp_path / "cache", kind, None)
    for token in ("first-query-token", "other-query-token"):
        await fetch(kind, settings, _echo("public", ("token", token)))
    assert len(server.requests) == 2
    assert not any(b"query-token" in data for data in _cache_bytes(tmp_path / "cache"))


@pytest.mark.parametrize("kind", KINDS)
async def test_the_key_never_reaches_the_cache_files(kind: str, server: FakeCivitai, tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    await fetch(kind, _settings(server, directory, kind, None), _echo("public"))
    await fetch(kind, _settings(server, directory, kind, KEY_A), _echo("public"))
    await fetch(kind, _settings(server, directory, kind, KEY_A), _echo("absent"))
    contents = _cache_bytes(directory)
    assert any(b"anonymous" in data for data in contents), "the anonymous answer should be cached"
    assert not any(KEY_A.encode() in data for data in contents)


@pytest.fixture
def world_readable_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("world_readable_umask")
@pytest.mark.parametrize("kind", KINDS)
async def test_the_cache_is_readable_by_its_owner_only(kind: str, server: FakeCivitai, tmp_path: Path) -> None:
    """Checked while the client is open, so SQLite's write-ahead log and shared-memory files exist too."""
    directory = tmp_path / "cache"
    settings = _settings(server, directory, kind, None)
    if kind == "sync":
        with HttpClient(settings) as client:
            await asyncio.to_thread(client.send, _echo("public"))
            modes = _modes(directory)
    else:
        async with AsyncHttpClient(settings) as aclient:
            await aclient.send(_echo("public"))
            modes = _modes(directory)
    assert _mode(directory) == 0o700
    assert f"{_database_name(kind)}-wal" in modes
    assert modes == dict.fromkeys(modes, 0o600)


@pytest.mark.usefixtures("world_readable_umask")
@pytest.mark.parametrize("kind", KINDS)
async def test_an_existing_world_readable_cache_file_is_made_private(
    kind: str, server: FakeCivitai, tmp_path: Path
) -> None:
    directory = tmp_path / "cache"
    directory.mkdir()
    database = directory / _database_name(kind)
    for path in (database, database.with_name(database.name + "-wal")):
        path.touch(mode=0o644)
    await fetch(kind, _settings(server, directory, kind, None), _echo("public"))
    assert set(_modes(directory).values()) == {0o600}


@pytest.mark.parametrize("kind", KINDS)
async def test_a_symlinked_cache_file_is_not_followed(kind: str, server: FakeCivitai, tmp_path: Path) -> None:
    """Someone else's (empty) file behind the cache's name is neither chmod-ed nor made a database; calls still
    work, uncached."""
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    target = tmp_path / "elsewhere.txt"
    target.touch()
    target.chmod(0o644)
    (directory / _database_name(kind)).symlink_to(target)
    settings = _settings(server, directory, kind, None)
    await fetch(kind, settings, _echo("public"))
    await fetch(kind, settings, _echo("public"))
    assert len(server.requests) == 2
    assert target.read_bytes() == b""
    assert _mode(target) == 0o644


def _database_name(kind: str) -> str:
    return "http-cache-sync.sqlite" if kind == "sync" else "http-cache-async.sqlite"


def _cache_bytes(directory: Path) -> list[bytes]:
    return [path.read_bytes() for path in directory.iterdir() if path.is_file()]


def _modes(directory: Path) -> dict[str, int]:
    return {path.name: _mode(path) for path in directory.iterdir() if ".sqlite" in path.name}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _hishel_1_cache(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE entries (id, cache_key, data, created_at, deleted_at)")
    connection.close()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "plant",
    [_hishel_1_cache, lambda path: path.write_bytes(b"not a database" * 100)],
    ids=["a hishel 1.x cache", "not a database"],
)
async def test_an_unusable_cache_file_means_uncached_calls_not_exceptions(
    kind: str, plant: Callable[[Path], None], server: FakeCivitai, tmp_path: Path
) -> None:
    directory = tmp_path / "cache"
    directory.mkdir()
    database = directory / _database_name(kind)
    plant(database)
    before = database.read_bytes()
    settings = _settings(server, directory, kind, None)
    for _ in range(2):
        assert await fetch(kind, settings, _echo("public")) == {"caller": "anonymous", "n": len(server.requests)}
    assert len(server.requests) == 2
    assert database.read_bytes() == before


@pytest.mark.parametrize("kind", KINDS)
async def test_a_cached_body_lost_from_the_database_is_fetched_again(
    kind: str, server: FakeCivitai, tmp_path: Path
) -> None:
    """Another process (or a disk fault) removed a stored body: the read fails like a network read, the entry
    is dropped, and the core's retry gets the answer from the server."""
    directory = tmp_path / "cache"
    settings = replace(_settings(server, directory, kind, None), retry=RetryPolicy(base_delay=0.01))
    await fetch(kind, settings, _echo("public"))
    with sqlite3.connect(directory / _database_name(kind)) as connection:
        connection.execute("DELETE FROM streams")
    connection.close()
    assert await fetch(kind, settings, _echo("public")) == {"caller": "anonymous", "n": 2}
    assert await fetch(kind, settings, _echo("public")) == {"caller": "anonymous", "n": 2}
    assert len(server.requests) == 2
