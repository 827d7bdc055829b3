"""A file that changes on the server between an interrupted download and its resume, with no hash to
catch it: the resume sends ``If-Range`` and checks the validators, so the result is never the old file's
head glued to the new file's tail. Real loopback HTTP (a purpose-built route on the fake server)."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Result, Success
from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse, Fault, hostile_fs
from civitai_kit.tools.download_types import DownloadedFile
from civitai_kit.tools.download_validators import ResumeValidator
from tests.support.download_support import Twin

SIZE = 200_000
CUT = 50_000
OLD, NEW = os.urandom(SIZE), os.urandom(SIZE)  # the same length: Content-Range alone cannot tell them apart


class ChangingFile:
    """A route serving ``OLD`` to the first ``change_after`` requests and ``NEW`` afterwards, with ``Range``
    support and the chosen validators; ``honour_if_range`` answers a stale ``If-Range`` with a full 200."""

    def __init__(self, *, validators: str = "etag", honour_if_range: bool = True, change_after: int = 1) -> None:
        self.validators = validators
        self.honour_if_range = honour_if_range
        self.change_after = change_after
        self.requests: list[FakeRequest] = []
        self._lock = threading.Lock()

    def headers(self, version: int) -> dict[str, str]:
        found: dict[str, str] = {}
        if "etag" in self.validators:
            found["ETag"] = f'"v{version}-abc"'
        if "weak" in self.validators:
            found["ETag"] = f'W/"v{version}-abc"'
        if "date" in self.validators:
            found["Last-Modified"] = f"Tue, 0{version + 1} Apr 2025 10:00:00 GMT"
        return found

    def __call__(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            self.requests.append(request)
            version = 0 if len(self.requests) <= self.change_after else 1
        data, headers = (OLD, NEW)[version], self.headers(version)
        wanted = re.match(r"bytes=(\d+)-$", request.headers.get("range") or "")
        if_range = request.headers.get("if-range")
        stale = if_range is not None and if_range not in headers.values()
        if wanted is None or (self.honour_if_range and stale):
            return FakeResponse.bytes(data, headers=headers)
        start = int(wanted.group(1))
        headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        return FakeResponse.bytes(data[start:], status=206, headers=headers)

    def sent(self, name: str) -> list[str | None]:
        return [r.headers.get(name) for r in self.requests]


@pytest.fixture
def options(fake_civitai: FakeCivitai) -> CivitaiApiOptions:
    return CivitaiApiOptions.isolated(base_url=fake_civitai.url, resilience={"max_retries": 0})


@pytest.fixture(params=["sync", "async"])
async def twin(request: pytest.FixtureRequest, options: CivitaiApiOptions) -> AsyncIterator[Twin]:
    service = Twin(request.param, options)
    yield service
    await service.close()


def serve(server: FakeCivitai, route: ChangingFile, *, cuts: tuple[int, ...] = (CUT,)) -> str:
    """Serve ``route``; its first responses are cut after ``cuts`` bytes (one fault per response)."""
    server.add_route("GET", "/blob/changing.bin", route)
    for cut in cuts:
        server.faults.add(Fault.truncate(cut), path="/blob/changing.bin", times=1)
    return f"{server.url}/blob/changing.bin"


def whole(result: Result[DownloadedFile], data: bytes) -> DownloadedFile:
    assert isinstance(result, Success), result
    assert result.value.path.read_bytes() == data, "old head + new tail" if result.value.size == SIZE else "?"
    return result.value


# ---------------------------------------------------------------------------------------------- one run


@pytest.mark.parametrize("validators", ["etag", "date", "etag+date"])
async def test_a_server_honouring_if_range_sends_the_new_file_whole(
    twin: Twin, fake_civitai: FakeCivitai, tmp_path: Path, validators: str
) -> None:
    route = ChangingFile(validators=validators)
    done = whole(await twin.call("download_url", serve(fake_civitai, route), tmp_path / "f.bin"), NEW)
    assert not done.resumed
    first = route.headers(0)
    assert route.sent("if-range")[1] == first.get("ETag", first.get("Last-Modified"))
    assert route.sent("range")[1] is not None and len(route.requests) == 2


@pytest.mark.parametrize("validators", ["etag", "date", "weak"])
async def test_a_server_ignoring_if_range_is_caught_by_its_validators(
    twin: Twin, fake_civitai: FakeCivitai, tmp_path: Path, validators: str
) -> None:
    route = ChangingFile(validators=validators, honour_if_range=False)
    done = whole(await twin.call("download_url", serve(fake_civitai, route), tmp_path / "g.bin"), NEW)
    assert not done.resumed
    assert route.sent("range")[1] is not None and route.sent("range")[2] is None  # 206 refused, restarted
    if validators == "weak":
        assert route.sent("if-range")[1] is None  # a weak ETag is not allowed in If-Range


async def test_an_unchanged_file_still_resumes(twin: Twin, fake_civitai: FakeCivitai, tmp_path: Path) -> None:
    route = ChangingFile(validators="etag+date", change_after=99)
    done = whole(await twin.call("download_url", serve(fake_civitai, route), tmp_path / "u.bin"), OLD)
    assert done.resumed and len(route.requests) == 2
    assert route.sent("if-range")[1] == '"v0-abc"'
    assert not Path(f"{done.path}.part.meta").exists()


async def test_a_server_without_validators_resumes_as_before(
    twin: Twin, fake_civitai: FakeCivitai, tmp_path: Path
) -> None:
    route = ChangingFile(validators="", change_after=99)
    done = whole(await twin.call("download_url", serve(fake_civitai, route), tmp_path / "n.bin"), OLD)
    assert done.resumed and route.sent("if-range") == [None, None]


# ---------------------------------------------------------------------------------------------- two runs


@pytest.mark.parametrize("honour", [True, False], ids=["honours-if-range", "ignores-if-range"])
async def test_a_part_left_by_an_earlier_run_is_checked_against_its_kept_validator(
    options: CivitaiApiOptions, fake_civitai: FakeCivitai, tmp_path: Path, honour: bool
) -> None:
    route = ChangingFile(validators="etag", honour_if_range=honour, change_after=2)
    url = serve(fake_civitai, route, cuts=(CUT, 0))  # the resume brings nothing: max_resumes=0 gives up
    destination = tmp_path / "later.bin"
    first = Twin("async", options, max_resumes=0)
    gave_up = await first.call("download_url", url, destination)
    await first.close()
    assert isinstance(gave_up, Failure) and "is kept" in gave_up.error.message
    meta = Path(f"{destination}.part.meta")
    assert json.loads(meta.read_text())["etag"] == '"v0-abc"'
    second = Twin("sync", options)  # a new run; the file changed on the server meanwhile
    done = whole(await second.call("download_url", url, destination), NEW)
    await second.close()
    assert route.sent("if-range")[2] == '"v0-abc"'
    assert not done.resumed and not meta.exists() and not Path(f"{destination}.part").exists()


@pytest.mark.parametrize("sidecar", ["symlink", "corrupt", "directory"])
async def test_a_symlinked_or_corrupt_sidecar_is_never_trusted_nor_followed(
    twin: Twin, fake_civitai: FakeCivitai, tmp_path: Path, sidecar: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.json").write_text('{"format": 1, "etag": "\\"v1-abc\\"", "last_modified": null}')
    destination = tmp_path / "dl" / "s.bin"
    destination.parent.mkdir()
    Path(f"{destination}.part").write_bytes(OLD[:CUT])
    meta = Path(f"{destination}.part.meta")
    if sidecar == "symlink":
        meta.symlink_to(outside / "victim.json")
    elif sidecar == "corrupt":
        meta.write_bytes(b"\xff{not json")
    else:
        meta.mkdir()
    before = hostile_fs.snapshot(outside)
    route = ChangingFile(validators="etag", change_after=99)
    fake_civitai.add_route("GET", "/blob/s.bin", route)
    done = whole(await twin.call("download_url", f"{fake_civitai.url}/blob/s.bin", destination), OLD)
    assert done.resumed and route.sent("if-range")[0] is None  # the planted validator was not used
    assert hostile_fs.snapshot(outside) == before
    assert not meta.is_symlink()


def test_validators_compare_like_rfc_9110() -> None:
    strong = ResumeValidator('"a"', "Tue, 01 Apr 2025 10:00:00 GMT")
    assert strong.if_range == '"a"'
    assert ResumeValidator('W/"a"', None).if_range is None
    assert ResumeValidator('W/"a"', "date").if_range == "date"
    assert strong.contradicts(ResumeValidator('"b"', strong.last_modified))
    assert not strong.contradicts(ResumeValidator('W/"a"', None))  # weak comparison: same version
    assert not strong.contradicts(ResumeValidator(None, strong.last_modified))
    assert strong.contradicts(ResumeValidator(None, "Wed, 02 Apr 2025 10:00:00 GMT"))
    assert not strong.contradicts(None)
    assert ResumeValidator.from_headers({}) is None
    assert ResumeValidator.from_json(strong.to_json()) == strong
    assert ResumeValidator.from_json({"format": 2, "etag": "x"}) is None


def test_a_validator_that_cannot_be_sent_back_is_no_validator() -> None:
    """A lying server's (or a doctored sidecar's) control characters never reach an If-Range header."""
    assert ResumeValidator.from_headers({"etag": '"a"\r\nX-Injected: 1'}) is None
    dated = ResumeValidator.from_headers({"etag": '"caf\u00e9"', "last-modified": "Tue, 01 Apr 2025 10:00:00 GMT"})
    assert dated == ResumeValidator(None, "Tue, 01 Apr 2025 10:00:00 GMT")
    assert ResumeValidator.from_json({"format": 1, "etag": "a\x00b", "last_modified": None}) is None
    assert ResumeValidator.from_json({"format": 1, "etag": "x" * 2000, "last_modified": 5}) is None
