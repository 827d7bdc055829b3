"""Downloads on the large-body read path, sync and async, over real loopback HTTP: the API host answers with a
307 to a storage host (``localhost`` instead of ``127.0.0.1``, so another origin), whose body breaks mid-way
(a FIN or a TCP reset) and is resumed with ``Range``. Multi-MiB bodies, so the direct reads and the 1 MiB
buffers are really used; the file must come out byte-exact, the key must never reach the storage host.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Success
from tests.support.download_support import Twin
from tests.support.raw_server import Peer, RawServer

MIB = 1024 * 1024
DATA = os.urandom(5 * MIB + 12345)
SHA256 = hashlib.sha256(DATA).hexdigest().upper()
KEY = "sk-fast-path-0123456789"


class Storage:
    """Serves ``DATA`` with ``Range``; the first requests break at the given offsets (``close`` or ``reset``)."""

    def __init__(self, *cuts: tuple[int, str]) -> None:
        self.cuts = list(cuts)
        self.starts: list[int] = []
        self.heads: list[bytes] = []

    def __call__(self, peer: Peer) -> None:
        while (head := peer.read_request()) is not None:
            self.heads.append(head)
            found = re.search(rb"(?im)^range:\s*bytes=(\d+)-", head)
            start = int(found.group(1)) if found else 0
            self.starts.append(start)
            body = DATA[start:]
            status = b"206 Partial Content" if start else b"200 OK"
            content_range = b"Content-Range: bytes %d-%d/%d\r\n" % (start, len(DATA) - 1, len(DATA)) if start else b""
            peer.send(
                b"HTTP/1.1 %b\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n"
                b'ETag: "v1"\r\n%b\r\n' % (status, len(body), content_range)
            )
            if self.cuts:
                at, how = self.cuts.pop(0)
                peer.send(body[: at - start])
                getattr(peer, how)()
                return
            peer.send(body)


class Api:
    """The API host: every request is answered with a 307 to the storage host under another name."""

    def __init__(self, storage_port: int) -> None:
        self.location = f"http://localhost:{storage_port}/file.bin?X-Amz-Signature=abc123"
        self.heads: list[bytes] = []

    def __call__(self, peer: Peer) -> None:
        while (head := peer.read_request()) is not None:
            self.heads.append(head)
            peer.send(
                b"HTTP/1.1 307 Temporary Redirect\r\nLocation: %b\r\nContent-Length: 0\r\n\r\n" % self.location.encode()
            )


class Servers:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.storage_server = RawServer(storage)
        self.api = Api(self.storage_server.port)
        self.api_server = RawServer(self.api)
        self.url = f"{self.api_server.url}/api/download/models/1"

    def close(self) -> None:
        self.api_server.close()
        self.storage_server.close()


@pytest.fixture
def servers(request: pytest.FixtureRequest) -> Iterator[Servers]:
    running = Servers(Storage(*request.param))
    yield running
    running.close()


@pytest.fixture(params=["sync", "async"])
async def twin(request: pytest.FixtureRequest, servers: Servers, tmp_path: Path) -> AsyncIterator[Twin]:
    options = CivitaiApiOptions.isolated(
        base_url=servers.api_server.url,
        api_key=KEY,
        resilience={"max_retries": 0},
        downloads={"models": {"base_directory": str(tmp_path)}},
    )
    service = Twin(request.param, options)
    yield service
    await service.close()


def _no_key_at_storage(servers: Servers) -> None:
    assert servers.api.heads and all(KEY.encode() in head for head in servers.api.heads)
    assert not any(b"authorization" in head.lower() or KEY.encode() in head for head in servers.storage.heads)


CLOSES = [(MIB + MIB // 2 + 7, "close"), (3 * MIB + 1, "close"), (3 * MIB + 2, "close")]


@pytest.mark.parametrize("servers", [CLOSES], indirect=True, ids=["closes"])
async def test_cut_bodies_resume_exactly_where_they_broke(twin: Twin, servers: Servers, tmp_path: Path) -> None:
    target = tmp_path / "model.safetensors"
    result = await twin.call("download_url", servers.url, str(target), expected_hash=SHA256)
    assert isinstance(result, Success), result
    assert result.value.verified and result.value.resumed and target.read_bytes() == DATA
    # every byte read before a break was kept: each resume starts exactly where the body was cut
    assert servers.storage.starts == [0, *(at for at, _ in CLOSES)]
    assert not Path(f"{target}.part").exists()
    _no_key_at_storage(servers)


RESETS = [(2 * MIB + 3, "reset"), (4 * MIB + 5, "reset")]


@pytest.mark.parametrize("servers", [RESETS], indirect=True, ids=["resets"])
async def test_resets_mid_body_resume_to_a_byte_exact_file(twin: Twin, servers: Servers, tmp_path: Path) -> None:
    target = tmp_path / "model.safetensors"
    result = await twin.call("download_url", servers.url, str(target), expected_hash=SHA256)
    assert isinstance(result, Success), result
    assert result.value.verified and target.read_bytes() == DATA
    starts = servers.storage.starts
    assert len(starts) == 3 and starts[0] == 0 and 0 < starts[1] <= RESETS[0][0] and starts[2] <= RESETS[1][0]
    _no_key_at_storage(servers)


@pytest.mark.parametrize("servers", [[]], indirect=True, ids=["whole"])
async def test_a_part_left_by_an_earlier_run_is_resumed_on_the_fast_path(
    twin: Twin, servers: Servers, tmp_path: Path
) -> None:
    target = tmp_path / "model.safetensors"
    Path(f"{target}.part").write_bytes(DATA[: 2 * MIB + 99])
    result = await twin.call("download_url", servers.url, str(target), expected_hash=SHA256)
    assert isinstance(result, Success), result
    assert result.value.resumed and target.read_bytes() == DATA
    assert servers.storage.starts == [2 * MIB + 99]
    _no_key_at_storage(servers)
