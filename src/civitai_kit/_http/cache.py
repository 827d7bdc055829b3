"""The optional HTTP cache (hishel, the ``cache`` extra), shared only by anonymous requests.

hishel caches every successful GET by URL, whoever asked: a response personalised for one key would be served
to another key or to no key, with the request's ``Authorization`` stored beside it. Here a request that
carries a credential goes straight to the network (never read from nor written to the cache), a response marked
``no-store``, ``private`` or ``no-cache`` is never stored, the database is readable by its owner only, and a
database it cannot use means uncached calls, never an exception.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

import hishel
import httpx
from hishel.httpx import AsyncCacheTransport, CacheTransport

from civitai_kit._http.settings import ClientSettings
from civitai_kit._redact import redact

logger = logging.getLogger("civitai_kit")

_CREDENTIAL_HEADERS = ("authorization", "proxy-authorization")
_UNSTORABLE = frozenset({"no-store", "private", "no-cache"})
"""``no-cache`` too: this cache never revalidates, so it could only serve such a response unchecked."""
_PRIVATE_DIRECTORY = 0o700
_PRIVATE_FILE = 0o600
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def carries_credential(request: httpx.Request) -> bool:
    """An ``Authorization`` header, or a URL the redactor would change (``?token=``, ``?key=``, a known key)."""
    url = str(request.url)
    return any(name in request.headers for name in _CREDENTIAL_HEADERS) or redact(url) != url


def may_store(headers: hishel.Headers) -> bool:
    """Whether the response's ``Cache-Control`` lets a cache shared by every anonymous caller keep it."""
    directives = {
        directive.split("=", 1)[0].strip().lower()
        for value in headers.get_list("cache-control") or []
        for directive in value.split(",")
    }
    return not directives & _UNSTORABLE


class _SqliteStorage(hishel.SqliteStorage):
    """Stores only what may be stored; a database it cannot use (another program's tables, a hishel 1.x cache)
    turns into cache misses instead of an exception out of every call."""

    _unusable = False

    def get_entries(self, key: str) -> list[hishel.Entry]:
        if self._unusable:
            return []
        try:
            entries = super().get_entries(key)
        except RuntimeError as exc:
            self._unusable = _give_up(self.database_path, exc)
            return []
        return [_with_body(entry, self._cached_body(entry)) for entry in entries]

    def create_entry(
        self,
        request: hishel.Request,
        response: hishel.Response,
        key: str,
        *,
        ttl: float | None = None,
        tti: float | None = None,
    ) -> hishel.Entry:
        if self._unusable or not may_store(response.headers):
            return _unstored(request, response)
        try:
            return super().create_entry(request, response, key, ttl=ttl, tti=tti)
        except RuntimeError as exc:
            self._unusable = _give_up(self.database_path, exc)
            return _unstored(request, response)

    def _cached_body(self, entry: hishel.Entry) -> Iterator[bytes]:
        """A stored body that fails mid-read (removed, corrupted) fails like a network read and is forgotten,
        so that the core's retry reaches the server."""
        assert isinstance(entry.response.stream, Iterator)
        try:
            yield from entry.response.stream
        except _STORAGE_ERRORS as exc:
            with suppress(RuntimeError):
                self.remove_entry(entry.id)
            raise _unreadable(exc) from exc


class _AsyncSqliteStorage(hishel.AsyncSqliteStorage):
    """The async twin of ``_SqliteStorage``."""

    _unusable = False

    async def get_entries(self, key: str) -> list[hishel.Entry]:
        if self._unusable:
            return []
        try:
            entries = await super().get_entries(key)
        except RuntimeError as exc:
            self._unusable = _give_up(self.database_path, exc)
            return []
        return [_with_body(entry, self._cached_body(entry)) for entry in entries]

    async def create_entry(
        self,
        request: hishel.Request,
        response: hishel.Response,
        key: str,
        *,
        ttl: float | None = None,
        tti: float | None = None,
    ) -> hishel.Entry:
        if self._unusable or not may_store(response.headers):
            return _unstored(request, response)
        try:
            return await super().create_entry(request, response, key, ttl=ttl, tti=tti)
        except RuntimeError as exc:
            self._unusable = _give_up(self.database_path, exc)
            return _unstored(request, response)

    async def _cached_body(self, entry: hishel.Entry) -> AsyncIterator[bytes]:
        assert isinstance(entry.response.stream, AsyncIterator)
        try:
            async for chunk in entry.response.stream:
                yield chunk
        except _STORAGE_ERRORS as exc:
            with suppress(RuntimeError):
                await self.remove_entry(entry.id)
            raise _unreadable(exc) from exc


_STORAGE_ERRORS = (RuntimeError, sqlite3.Error, OSError)


def _unreadable(exc: Exception) -> httpx.ReadError:
    return httpx.ReadError(f"The cached response could not be read: {exc}")


def _with_body(entry: hishel.Entry, body: Iterator[bytes] | AsyncIterator[bytes]) -> hishel.Entry:
    return replace(entry, response=replace(entry.response, stream=body))


def _unstored(request: hishel.Request, response: hishel.Response) -> hishel.Entry:
    return hishel.Entry(id=uuid.uuid4(), request=request, response=response)


def _give_up(database: Path, exc: Exception) -> bool:
    """Say once why the cache is bypassed from now on; the storage keeps the ``True`` as ``_unusable``."""
    logger.warning("The HTTP cache at %s cannot be used, so calls bypass it: %s", database, exc)
    return True


class AnonymousCache(httpx.BaseTransport):
    """Sends requests with a credential to ``network`` directly and the others through hishel's cache."""

    def __init__(self, network: httpx.BaseTransport, database: Path, settings: ClientSettings) -> None:
        self._network = network
        storage = _SqliteStorage(**_storage_kwargs(database, settings))
        self._cache = CacheTransport(next_transport=network, storage=storage)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._network if carries_credential(request) else self._cache
        return transport.handle_request(request)

    def close(self) -> None:
        self._cache.close()  # closes the network transport too


class AsyncAnonymousCache(httpx.AsyncBaseTransport):
    """The async twin of ``AnonymousCache``."""

    def __init__(self, network: httpx.AsyncBaseTransport, database: Path, settings: ClientSettings) -> None:
        self._network = network
        storage = _AsyncSqliteStorage(**_storage_kwargs(database, settings))
        self._cache = AsyncCacheTransport(next_transport=network, storage=storage)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._network if carries_credential(request) else self._cache
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._cache.aclose()


def _storage_kwargs(database: Path, settings: ClientSettings) -> dict[str, Any]:
    # A body larger than the client would read into memory is not worth a disk copy (downloads stream past).
    return {
        "database_path": database,
        "default_ttl": settings.cache_ttl_seconds,
        "max_stream_size": settings.max_response_bytes,
    }


def private_database(directory: str, name: str) -> Path | None:
    """The cache database ``directory/name``, created (or fixed) mode 0600 in a directory created 0700.

    ``None``, with a warning, when that cannot be done safely (a symlink in its place, a read-only disk): the
    client then runs without a cache rather than through someone else's file.
    """
    path = Path(directory) / name
    try:
        _private_directory(Path(directory))
        _private_file(path, create=True)
        for suffix in _SQLITE_SIDECARS:
            _private_file(path.with_name(path.name + suffix), create=False)
    except OSError as exc:
        logger.warning("The HTTP cache is off: %s cannot be made private to this user (%s).", path, exc)
        return None
    return path


def _private_directory(directory: Path) -> None:
    """Create ``directory`` owner-only; an existing one (perhaps the user's own folder) is left as it is."""
    try:
        directory.mkdir(mode=_PRIVATE_DIRECTORY, parents=True)
    except FileExistsError:
        return
    directory.chmod(_PRIVATE_DIRECTORY)  # mkdir's mode is filtered by the umask


def _private_file(path: Path, *, create: bool) -> None:
    """Open without following a symlink, then set owner-only read/write (a missing sidecar is skipped)."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | (os.O_CREAT if create else 0)
    try:
        descriptor = os.open(path, flags, _PRIVATE_FILE)
    except FileNotFoundError:
        if create:
            raise
        return
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, _PRIVATE_FILE)
        else:  # Windows: only the read-only flag exists
            path.chmod(_PRIVATE_FILE)
    finally:
        os.close(descriptor)
