"""The pure parts of downloads: token values, hash choice, URL rebasing, refusal codes, Content-Range, lock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from civitai_kit.core.models import FileHashes, Image, ModelFile, ModelVersion
from civitai_kit.errors import Error, ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.tools import HashAlgorithm
from civitai_kit.tools.download_lock import TargetLock
from civitai_kit.tools.download_plan import (
    choose_expected_hash,
    image_extension,
    image_tokens,
    model_file_tokens,
    plan_url,
    rebase_download_url,
)
from civitai_kit.tools.download_refusals import (
    classify_refusal,
    is_non_file_content_type,
    looks_like_error_document,
)
from civitai_kit.tools.download_sink import PartSink
from civitai_kit.tools.download_transfer import ContentRange, parse_content_range
from civitai_kit.tools.download_types import ExpectedHash

SHA = "2577CD588CAF5295D4C6A5601125A47AFB6EC01A20CB9D46E0C45F2EAF027620"
REAL_HASHES = {
    "AutoV1": "E63A2012",
    "AutoV2": "2577CD588C",
    "SHA256": SHA,
    "CRC32": "0F1F8C9E",
    "BLAKE3": "9692A6B5CE470854D0C8BBBF0B5B43ECAF257ED99E5CA80B851C0EA1A045CD09",
    "AutoV3": "407E165725A2",
}


# ---------------------------------------------------------------------------------------------- hashes


def test_choose_expected_hash_prefers_the_option_then_the_strongest() -> None:
    hashes = FileHashes.model_validate(REAL_HASHES)
    assert choose_expected_hash(hashes) == ExpectedHash(HashAlgorithm.SHA256, SHA)
    assert choose_expected_hash(hashes, HashAlgorithm.CRC32) == ExpectedHash(HashAlgorithm.CRC32, "0F1F8C9E")
    # SHA512 is not a Civitai field: fall back to the strongest present.
    assert choose_expected_hash(hashes, HashAlgorithm.SHA512) == ExpectedHash(HashAlgorithm.SHA256, SHA)
    partial = FileHashes.model_validate({"AutoV2": "2577cd588c", "CRC32": "0f1f8c9e", "AutoV1": "E63A2012"})
    assert choose_expected_hash(partial) == ExpectedHash(HashAlgorithm.CRC32, "0F1F8C9E")
    assert choose_expected_hash(FileHashes.model_validate({})) is None
    assert choose_expected_hash(None) is None


def test_expected_hash_matches_case_insensitively_and_prefixes_only_for_autov() -> None:
    assert ExpectedHash(HashAlgorithm.SHA256, SHA).matches(SHA.lower())
    assert not ExpectedHash(HashAlgorithm.SHA256, SHA).matches(SHA[:-1])
    assert not ExpectedHash(HashAlgorithm.SHA256, SHA).matches(None)
    assert ExpectedHash(HashAlgorithm.AUTOV3, "407e165725a2").matches("407E165725A2" + "0" * 52)
    assert ExpectedHash(HashAlgorithm.AUTOV2, "2577CD588C").matches("2577cd588c")
    assert not ExpectedHash(HashAlgorithm.AUTOV2, "25").matches("2577CD588C")  # too short to mean anything


# ---------------------------------------------------------------------------------------------- tokens


def test_plan_url_names_a_bad_algorithm_argument(tmp_path: Path) -> None:
    options = CivitaiApiOptions.isolated()
    with pytest.raises(ValueError, match=r"^algorithm: 'md5' is not .*SHA256"):
        plan_url("https://example.test/f", tmp_path / "f", options, expected_hash=SHA, algorithm="md5")
    planned = plan_url("https://example.test/f", tmp_path / "f", options, expected_hash=SHA, algorithm="sha256")
    assert planned.value.expected == ExpectedHash(HashAlgorithm.SHA256, SHA)


def test_model_file_tokens_with_and_without_version() -> None:
    file = ModelFile.model_validate(
        {
            "id": 322619,
            "name": "fukawa.safetensors",
            "type": "Model",
            "metadata": {"format": "SafeTensor", "size": None, "fp": "fp16"},
        }
    )
    assert model_file_tokens(file) == {
        "FileId": "322619",
        "FileName": "fukawa.safetensors",
        "FileType": "Model",
        "Format": "SafeTensor",
        "Size": None,
        "Precision": "fp16",
    }
    version = ModelVersion.model_validate(
        {"id": 399893, "modelId": 357756, "name": "v1.0", "baseModel": "Pony", "model": {"name": "M", "type": "LORA"}}
    )
    tokens = model_file_tokens(file, version)
    assert {k: tokens[k] for k in ("VersionId", "VersionName", "BaseModel", "ModelId", "ModelName", "ModelType")} == {
        "VersionId": "399893",
        "VersionName": "v1.0",
        "BaseModel": "Pony",
        "ModelId": "357756",
        "ModelName": "M",
        "ModelType": "LORA",
    }
    embedded = ModelVersion.model_validate({"id": 1, "name": "v"})  # as inside a /models response
    assert model_file_tokens(file, embedded)["ModelName"] is None


@pytest.mark.parametrize(
    ("payload", "nsfw", "date"),
    [
        ({"nsfwLevel": "X", "createdAt": "2023-04-11T15:33:12.500Z"}, "X", "2023-04-11"),
        ({"nsfwLevel": "Mature", "createdAt": "2023-04-11T23:30:00-05:00"}, "Mature", "2023-04-12"),
        ({"browsingLevel": 16}, "X", None),
        ({"browsingLevel": 1}, "None", None),
        ({"nsfw": True}, "Mature", None),
        ({}, None, None),
    ],
)
def test_image_tokens_use_api_values_and_never_now(
    payload: dict[str, object], nsfw: str | None, date: str | None
) -> None:
    image = Image.model_validate({"id": 7, "url": "https://image.civitai.com/x/width=450/abc.jpeg", **payload})
    tokens = image_tokens(image)
    assert tokens["NsfwLevel"] == nsfw
    assert tokens["Date"] == date  # CivitaiSharp used "now" when absent: names must be deterministic
    assert tokens["Extension"] == "jpeg"


@pytest.mark.parametrize(
    ("url", "media", "expected"),
    [
        ("https://example.com/images/12345678.webp?width=100", None, "webp"),
        ("https://example.com/video/12345678", "video", "mp4"),
        ("https://example.com/a/b.PNG", None, "png"),
        ("https://example.com/a/.png", None, "png"),
        ("https://example.com/a/file.exe", None, "png"),
        ("https://example.com/a/file.mov#frag", None, "mov"),
    ],
)
def test_image_extension(url: str, media: str | None, expected: str) -> None:
    assert image_extension(Image.model_validate({"id": 1, "url": url, "type": media})) == expected


# ---------------------------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        (
            "https://civitai.com/api/download/models/1?type=Model",
            "http://127.0.0.1:9",
            "http://127.0.0.1:9/api/download/models/1?type=Model",
        ),
        (
            "https://civitai.com/api/download/models/1",
            "https://proxy/civitai",
            "https://proxy/civitai/api/download/models/1",
        ),
        (
            "https://civitai.red/api/download/models/1",
            "https://civitai.com",
            "https://civitai.com/api/download/models/1",
        ),
        (
            "https://civitai.com/api/download/models/1",
            "https://civitai.com",
            "https://civitai.com/api/download/models/1",
        ),
        ("https://image.civitai.com/x/y.jpeg", "http://127.0.0.1:9", "https://image.civitai.com/x/y.jpeg"),
        (
            "https://evil.example/api/download/models/1",
            "http://127.0.0.1:9",
            "https://evil.example/api/download/models/1",
        ),
    ],
)
def test_rebase_download_url(url: str, base: str, expected: str) -> None:
    assert rebase_download_url(url, base) == expected


# ---------------------------------------------------------------------------------------------- refusals


def _error(status: int, message: str, **details: object) -> Error:
    return Error(ErrorCode.HTTP_ERROR, message, details=details or None, http_status=status)


def test_classify_refusal() -> None:
    deadline = datetime.now(UTC) + timedelta(days=2)
    early = classify_refusal(
        _error(403, "This asset is in Early Access.", error="Early Access", deadline=deadline.isoformat())
    )
    assert early.code == ErrorCode.EARLY_ACCESS
    assert early.details is not None and early.details["deadline"] == deadline
    assert deadline.isoformat() in early.message
    assert classify_refusal(_error(403, "Forbidden")).code == ErrorCode.NO_ACCESS
    assert classify_refusal(_error(410, "Model archived, not available for download")).code == ErrorCode.ARCHIVED
    assert classify_refusal(_error(429, "slow down")).code == ErrorCode.DOWNLOAD_LIMIT
    login = _error(401, "The creator of this asset requires you to be logged in to download it", error="Unauthorized")
    assert classify_refusal(login).code == ErrorCode.LOGIN_REQUIRED
    disabled = _error(401, "The creator of this asset has disabled downloads on this file")
    assert classify_refusal(disabled).code == ErrorCode.DOWNLOADS_DISABLED
    bare = _error(401, "Unauthorized")
    assert classify_refusal(bare) is bare  # a wrong key is not a refusal
    not_found = _error(404, "File not found")
    assert classify_refusal(not_found) is not_found
    garbled = classify_refusal(_error(403, "Early Access", deadline="soon-ish"))
    assert garbled.details is not None and garbled.details["deadline"] == "soon-ish"


@pytest.mark.parametrize(
    ("content_type", "kind", "refused"),
    [
        ("application/json; charset=utf-8", "model", True),
        ("application/problem+json", "file", True),
        ("text/html", "image", True),
        ("text/plain", "model", True),
        ("text/plain", "file", False),
        ("application/octet-stream", "model", False),
        ("binary/octet-stream", "model", False),
        ("image/png", "image", False),
        ("", "model", False),
    ],
)
def test_non_file_content_types(content_type: str, kind: str, refused: bool) -> None:
    assert is_non_file_content_type(content_type, kind) is refused  # type: ignore[arg-type]


def test_error_document_sniffing() -> None:
    assert looks_like_error_document(b'  {"error":"Unauthorized"}', "model")
    assert looks_like_error_document(b"<!DOCTYPE html><html>", "image")
    assert not looks_like_error_document(b"<!DOCTYPE html><html>", "file")
    assert not looks_like_error_document(b'{"__metadata__":{}}', "model")  # a safetensors-like JSON is not an error
    assert not looks_like_error_document(b"\x08\x00\x00\x00\x00\x00\x00\x00{}", "model")
    assert not looks_like_error_document(b"{not json", "model")


# ---------------------------------------------------------------------------------------------- Content-Range


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("bytes 100-199/1000", ContentRange(100, 199, 1000)),
        ("bytes 0-0/1", ContentRange(0, 0, 1)),
        ("BYTES 5-9/*", ContentRange(5, 9, None)),
        ("bytes 200-100/1000", None),
        ("bytes 0-1000/1000", None),
        ("bytes */1000", None),
        ("items 0-1/2", None),
        (None, None),
    ],
)
def test_parse_content_range(value: str | None, expected: ContentRange | None) -> None:
    assert parse_content_range(value) == expected


# ---------------------------------------------------------------------------------------------- lock


def test_target_lock_is_exclusive_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "model.safetensors"
    first, second = TargetLock(target), TargetLock(target)
    assert first.try_acquire()
    assert not second.try_acquire()
    with pytest.raises(RuntimeError):
        first.try_acquire()
    first.release()
    assert not first.path.exists()
    assert second.try_acquire()
    second.release()
    first.release()  # twice is harmless


def test_target_lock_under_contention(tmp_path: Path) -> None:
    target = tmp_path / "contended.bin"
    holders = 0
    peak = 0
    guard = threading.Lock()

    def worker() -> None:
        nonlocal holders, peak
        lock = TargetLock(target)
        for _ in range(200):
            if lock.try_acquire():
                with guard:
                    holders += 1
                    peak = max(peak, holders)
                with guard:
                    holders -= 1
                lock.release()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 1
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------- sink


def _fill(sink: PartSink, data: bytes) -> bool:
    """Read ``data`` into the sink as a network read would; ``True`` when a flush is due."""
    room = sink.room()
    room[: len(data)] = data
    return sink.commit(len(data))


def test_part_sink_writes_and_hashes_in_order(tmp_path: Path) -> None:
    import hashlib
    import os

    from civitai_kit.tools.download_sink import BUFFER_SIZE
    from civitai_kit.tools.hashing import MultiHasher

    target = tmp_path / "out.part"
    data = os.urandom(3 * BUFFER_SIZE + 17)
    with target.open("ab", buffering=0) as file:
        sink = PartSink(lambda: file)
        hasher = MultiHasher([HashAlgorithm.SHA256])
        at = 0
        for size in (10, 65536, BUFFER_SIZE, BUFFER_SIZE, BUFFER_SIZE):  # reads of any size, never past the room
            size = min(size, len(sink.room()), len(data) - at)
            if at == 10:
                assert sink.head(20) == data[:10]  # nothing written yet
            if _fill(sink, data[at : at + size]):
                assert sink.flush(hasher)
            at += size
        _fill(sink, data[at:])
        assert sink.flush(hasher) and sink.buffered == 0
    assert target.read_bytes() == data
    assert hasher.hexdigests()[HashAlgorithm.SHA256] == hashlib.sha256(data).hexdigest().upper()


def test_part_sink_room_is_the_free_end_of_one_buffer() -> None:
    from civitai_kit.tools.download_sink import BUFFER_SIZE

    sink = PartSink(lambda: pytest.fail("nothing may be written"))
    assert len(sink.room()) == BUFFER_SIZE
    assert not _fill(sink, b"x" * 100)
    assert len(sink.room()) == BUFFER_SIZE - 100
    assert _fill(sink, b"y" * (BUFFER_SIZE - 100))  # full: a flush is due
    assert len(sink.room()) == 0


def test_part_sink_take_and_discard() -> None:
    sink = PartSink(lambda: pytest.fail("nothing may be written"))
    _fill(sink, b'{"error":')
    _fill(sink, b'"nope"}')
    assert sink.take() == b'{"error":"nope"}' and sink.buffered == 0
    _fill(sink, b"abc")
    sink.discard()
    assert sink.buffered == 0 and sink.error is None


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_part_sink_reports_a_full_disk() -> None:
    from civitai_kit.tools.hashing import MultiHasher

    with open("/dev/full", "ab", buffering=0) as full:
        sink = PartSink(lambda: full)
        _fill(sink, b"x" * 1000)
        hasher = MultiHasher([HashAlgorithm.SHA256])
        assert not sink.flush(hasher)
        assert isinstance(sink.error, OSError) and sink.error.errno == 28  # ENOSPC
        assert hasher.size == 0  # nothing unwritten was hashed
        _fill(sink, b"y")
        assert not sink.flush(hasher) and hasher.size == 0  # nothing more is written after a failure
