"""``sdk.blobs.upload`` on the wire, sync and async, against plain loopback servers (not our sandbox): the exact
bytes, headers and framing for a path, bytes and streams; which bodies are sent again on a retry; progress; a
source file that changes or vanishes mid-upload; and every local refusal before a request."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.sdk import UploadedBlob
from civitai_kit.sdk.schema import ImageBlob, VideoBlob
from civitai_kit.testing.hostile import HostileServer, Misbehaviour
from tests.support.recording_server import RecordingServer
from tests.support.upload_support import BIG_PNG, BLOBS, SMALL_PNG, TOKEN, blob_answer, upload

MODES = ["sync", "async"]


class OneShot(io.RawIOBase):
    """A binary stream that can be read once and cannot tell its length (a pipe, a socket)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        server.answer(201, json.dumps(blob_answer()).encode(), Content_Type="application/json")
        yield server


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


def _sources(tmp_path: Path) -> dict[str, Callable[[], Any]]:
    file = tmp_path / "photo.png"
    file.write_bytes(BIG_PNG)
    return {
        "path": lambda: file,
        "str-path": lambda: str(file),
        "bytes": lambda: BIG_PNG,
        "bytearray": lambda: bytearray(BIG_PNG),
        "seekable-stream": lambda: io.BytesIO(BIG_PNG),
        "open-file": lambda: file.open("rb"),
    }


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["path", "str-path", "bytes", "bytearray", "seekable-stream", "open-file"])
async def test_the_raw_bytes_go_out_with_their_type_and_length(
    recorder: RecordingServer, tmp_path: Path, mode: str, kind: str
) -> None:
    source = _sources(tmp_path)[kind]()
    try:
        result = await upload(mode, recorder.url, source)
    finally:
        if isinstance(source, io.IOBase):
            source.close()  # the caller's stream stays the caller's to close
    assert isinstance(result, Success), result
    [sent] = recorder.requests
    assert (sent.method, sent.path, sent.query) == ("POST", BLOBS, [])
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["content-type"] == "image/png"
    assert sent.headers["content-length"] == str(len(BIG_PNG))
    assert "transfer-encoding" not in sent.headers
    assert sent.body == BIG_PNG  # the spec declares no requestBody schema: the file itself is the body
    uploaded = result.value
    assert isinstance(uploaded, UploadedBlob) and isinstance(uploaded.blob, ImageBlob)
    assert (uploaded.id, uploaded.content_type, uploaded.size) == ("UP1.png", "image/png", len(BIG_PNG))
    assert uploaded.as_input() == blob_answer()["url"]


@pytest.mark.parametrize("mode", MODES)
async def test_a_stream_of_unknown_length_is_sent_chunked(hostile: HostileServer, mode: str) -> None:
    hostile.always(BLOBS, Misbehaviour.json(blob_answer("V1.mp4", "video"), 201))
    video = b"\x00\x00\x00\x18ftypmp42" + b"v" * 700_000
    result = await upload(mode, hostile.url, OneShot(video), content_type="video/mp4")
    assert isinstance(result, Success) and isinstance(result.value.blob, VideoBlob), result
    [sent] = hostile.requests
    assert sent.header("transfer-encoding") == "chunked" and sent.header("content-length") is None
    assert (sent.header("content-type"), sent.body) == ("video/mp4", video)
    assert result.value.size is None


@pytest.mark.parametrize("mode", MODES)
async def test_the_content_type_comes_from_the_suffix_the_bytes_or_the_caller(
    recorder: RecordingServer, tmp_path: Path, mode: str
) -> None:
    webm = tmp_path / "clip.WEBM"
    webm.write_bytes(b"\x1a\x45\xdf\xa3 webm")
    unnamed = tmp_path / "upload.bin"
    unnamed.write_bytes(b"RIFF\x10\x00\x00\x00WEBPVP8 data")
    jpeg = b"\xff\xd8\xff\xe0 jfif"
    cases: list[tuple[Any, str | None]] = [(webm, None), (unnamed, None), (jpeg, None), (SMALL_PNG, "image/webp")]
    for source, given in cases:
        assert isinstance(await upload(mode, recorder.url, source, content_type=given), Success)
    types = [sent.headers["content-type"] for sent in recorder.requests]
    assert types == ["video/webm", "image/webp", "image/jpeg", "image/webp"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["path", "bytes"])
async def test_a_path_or_bytes_is_sent_again_whole_on_a_retry(
    hostile: HostileServer, tmp_path: Path, mode: str, kind: str
) -> None:
    hostile.sequence(
        BLOBS, [Misbehaviour.status(503), Misbehaviour.status(502)], then=Misbehaviour.json(blob_answer(), 201)
    )
    result = await upload(mode, hostile.url, _sources(tmp_path)[kind]())
    assert isinstance(result, Success), result
    assert [r.body for r in hostile.requests] == [BIG_PNG] * 3


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "stream", [lambda: io.BytesIO(BIG_PNG), lambda: OneShot(BIG_PNG)], ids=["seekable", "one-shot"]
)
async def test_a_stream_once_read_is_never_sent_again(
    hostile: HostileServer, mode: str, stream: Callable[[], Any]
) -> None:
    hostile.sequence(BLOBS, [Misbehaviour.status(503)], then=Misbehaviour.json(blob_answer(), 201))
    result = await upload(mode, hostile.url, stream(), content_type="image/png")
    assert isinstance(result, Failure) and result.error.http_status == 503, result
    assert hostile.attempts(BLOBS) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["path", "one-shot"])
async def test_progress_counts_up_to_the_total(hostile: HostileServer, tmp_path: Path, mode: str, kind: str) -> None:
    hostile.always(BLOBS, Misbehaviour.json(blob_answer(), 201))
    seen: list[tuple[int, int | None]] = []
    source = _sources(tmp_path)["path"]() if kind == "path" else OneShot(BIG_PNG)
    result = await upload(
        mode, hostile.url, source, content_type="image/png", progress=lambda sent, total: seen.append((sent, total))
    )
    assert isinstance(result, Success), result
    sent_counts = [sent for sent, _ in seen]
    assert sent_counts == sorted(set(sent_counts)) and sent_counts[-1] == len(BIG_PNG) and len(seen) >= 3
    expected_total = len(BIG_PNG) if kind == "path" else None
    assert {total for _, total in seen} == {expected_total}


class CallbackBug(Exception):
    pass


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["path", "bytes"])
async def test_a_progress_callback_that_raises_stops_the_upload_and_reaches_the_caller(
    hostile: HostileServer, tmp_path: Path, mode: str, kind: str
) -> None:
    hostile.always(BLOBS, Misbehaviour.json(blob_answer(), 201))

    def progress(sent: int, total: int | None) -> None:
        raise CallbackBug(f"bug at {sent}")

    with pytest.raises(CallbackBug, match="bug at"):
        await upload(mode, hostile.url, _sources(tmp_path)[kind](), progress=progress)
    assert not any(r.body == BIG_PNG for r in hostile.requests), "a complete body reached the server"
    assert hostile.attempts(BLOBS) <= 1  # the cut request at most: nothing was retried


def _append_to(path: Path) -> None:
    with path.open("ab") as file:
        file.write(b"more")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("change", "word"),
    [
        (_append_to, "changed"),
        (lambda path: path.write_bytes(BIG_PNG[:1000]), "shrank"),
        (lambda path: path.write_bytes(BIG_PNG[::-1]), "changed"),
    ],
    ids=["appended", "truncated", "rewritten-same-size"],
)
async def test_a_file_changed_mid_upload_stops_it_and_is_not_retried(
    hostile: HostileServer, tmp_path: Path, mode: str, change: Callable[[Path], Any], word: str
) -> None:
    hostile.always(BLOBS, Misbehaviour.json(blob_answer(), 201))
    file = tmp_path / "photo.png"
    file.write_bytes(BIG_PNG)
    changed: list[bool] = []

    def progress(sent: int, total: int | None) -> None:
        if not changed:
            changed.append(True)
            change(file)

    result = await upload(mode, hostile.url, file, progress=progress)
    assert isinstance(result, Failure), result
    assert (
        result.error.code == ErrorCode.IO_ERROR and word in result.error.message and "photo.png" in result.error.message
    )
    assert hostile.attempts(BLOBS) <= 1, "a changed file was sent again"
    assert all(len(r.body) < len(BIG_PNG) for r in hostile.requests), "the server received a complete body"


@pytest.mark.parametrize("mode", MODES)
async def test_a_file_deleted_mid_upload_is_sent_whole_from_the_open_handle(
    hostile: HostileServer, tmp_path: Path, mode: str
) -> None:
    hostile.always(BLOBS, Misbehaviour.json(blob_answer(), 201))
    file = tmp_path / "photo.png"
    file.write_bytes(BIG_PNG)
    result = await upload(mode, hostile.url, file, progress=lambda sent, total: file.unlink(missing_ok=True))
    assert isinstance(result, Success), result
    assert [r.body for r in hostile.requests] == [BIG_PNG]


@pytest.mark.parametrize("mode", MODES)
async def test_a_file_gone_before_a_retry_ends_the_call(hostile: HostileServer, tmp_path: Path, mode: str) -> None:
    hostile.sequence(BLOBS, [Misbehaviour.status(503)], then=Misbehaviour.json(blob_answer(), 201))
    file = tmp_path / "photo.png"
    file.write_bytes(BIG_PNG)
    result = await upload(mode, hostile.url, file, progress=lambda sent, total: file.unlink(missing_ok=True))
    assert isinstance(result, Failure) and result.error.code == ErrorCode.FILE_NOT_FOUND, result
    assert hostile.attempts(BLOBS) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_a_problem_details_refusal_keeps_civitais_message(recorder: RecordingServer, mode: str) -> None:
    problem = {
        "type": "about:blank",
        "title": "Unsupported Media Type",
        "status": 415,
        "detail": "image/gif is not accepted",
    }
    recorder.answer(415, json.dumps(problem).encode(), Content_Type="application/problem+json")
    result = await upload(mode, recorder.url, b"GIF89a....", content_type="image/gif")
    assert isinstance(result, Failure) and result.error.http_status == 415
    assert "image/gif is not accepted" in result.error.message and TOKEN not in str(result.error)
    assert len(recorder.requests) == 1


def test_an_uploaded_blob_without_a_url_cannot_be_an_input() -> None:
    blocked = UploadedBlob(
        ImageBlob.model_validate({**blob_answer(), "url": None, "blockedReason": "nsfw"}), "image/png", 3
    )
    with pytest.raises(ValueError, match=r"no URL.*nsfw"):
        blocked.as_input()


@pytest.mark.parametrize("mode", MODES)
async def test_bad_sources_are_refused_before_any_request(recorder: RecordingServer, tmp_path: Path, mode: str) -> None:
    empty = tmp_path / "empty.png"
    empty.touch()
    mystery = tmp_path / "data.bin"
    mystery.write_bytes(b"no known signature")
    refusals: list[tuple[Any, dict[str, Any], type[Exception], str]] = [
        (tmp_path / "missing.png", {}, ValueError, "source: there is no file"),
        (tmp_path, {}, ValueError, "source: .* is a directory"),
        (empty, {}, ValueError, "source: .* is empty"),
        (b"", {}, ValueError, "source is empty"),
        (io.BytesIO(b""), {"content_type": "image/png"}, ValueError, "source is an empty stream"),
        (mystery, {}, ValueError, "content_type: cannot tell"),
        (b"\x00\x01", {}, ValueError, "content_type: cannot tell"),
        (OneShot(b"x"), {}, ValueError, "content_type: cannot tell what the stream"),
        (SMALL_PNG, {"content_type": "png"}, ValueError, "content_type must be a media type"),
        (SMALL_PNG, {"progress": "yes"}, TypeError, "progress must be callable"),
        (12345, {}, TypeError, "source must be a path, bytes or a binary stream"),
    ]
    for source, kwargs, error, message in refusals:
        with pytest.raises(error, match=message):
            await upload(mode, recorder.url, source, **kwargs)
    assert recorder.requests == []
