"""Library identification over loopback: real files on disk, the fake REST API's by-hash endpoints."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing import FakeCivitai, Fault
from civitai_kit.testing.rest import RestData, install_rest_routes
from civitai_kit.tools import HashAlgorithm
from civitai_kit.tools.hash_cache import HashCache
from civitai_kit.tools.hashing import FileHashingService, hash_file
from civitai_kit.tools.library import (
    EMBEDDED,
    AsyncLibraryScanner,
    IdentifiedFile,
    LibraryIndex,
    LibraryScanner,
    find_model_files,
    sidecar_path,
)


def safetensors(tensor_data: bytes, metadata: dict[str, str] | None = None) -> bytes:
    header: dict[str, Any] = {"w": {"dtype": "U8", "shape": [len(tensor_data)], "data_offsets": [0, len(tensor_data)]}}
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + tensor_data


def civitai_hashes(path: Path, *keep: str) -> dict[str, str]:
    """The wire ``hashes`` Civitai would store for ``path`` (only the ``keep`` keys)."""
    computed = hash_file(path)
    wire = {algorithm.value: value for algorithm, value in computed.items()}
    return {key: wire[key] for key in keep}


class Library:
    """A folder of model files plus the catalogue that knows (some of) them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        models = root / "models"
        (models / "loras" / "nested").mkdir(parents=True)
        (models / ".hidden").mkdir()
        self.known = models / "loras" / "known.safetensors"
        self.known.write_bytes(safetensors(os.urandom(3000)))
        self.copy = models / "loras" / "nested" / "copy-of-known.safetensors"
        self.copy.write_bytes(self.known.read_bytes())
        self.resaved = models / "loras" / "resaved.safetensors"  # same tensors, another header: AutoV3 only
        tensors = os.urandom(2000)
        original = root / "original.safetensors"
        original.write_bytes(safetensors(tensors, {"ss_note": "original"}))
        self.resaved.write_bytes(safetensors(tensors, {"ss_note": "re-saved by a tool"}))
        self.legacy = models / "legacy.ckpt"  # Civitai knows only its CRC32
        self.legacy.write_bytes(b"PK\x03\x04" + os.urandom(5000))
        self.claims = models / "claims.safetensors"  # only its embedded hash is known
        self.claims.write_bytes(safetensors(os.urandom(1000), {"sshs_model_hash": "ab" * 32}))
        self.unknown = models / "unknown.gguf"
        self.unknown.write_bytes(b"GGUF" + os.urandom(1000))
        (models / "partial.safetensors.part").write_bytes(b"x")
        (models / "notes.txt").write_text("not a model")
        (models / ".hidden" / "secret.safetensors").write_bytes(b"x")
        self.broken = models / "broken.safetensors"
        self.broken.symlink_to(root / "missing-target")

        resaved_hashes = civitai_hashes(original, "SHA256", "AutoV2", "AutoV3")
        resaved_hashes["AutoV3"] = resaved_hashes["AutoV3"][:12]  # older files carry a 12-char AutoV3
        self.models = [
            _model(1, "Known LoRA", "LORA", 11, "known.safetensors", civitai_hashes(self.known, "SHA256", "AutoV2")),
            _model(2, "Resaved LoRA", "LORA", 21, "resaved.safetensors", resaved_hashes),
            _model(3, "Old Checkpoint", "Checkpoint", 31, "legacy.ckpt", civitai_hashes(self.legacy, "CRC32")),
            _model(4, "Claimed", "LORA", 41, "claims.safetensors", {"SHA256": "CD" * 32, "SSHS": "AB" * 32}),
        ]


def _model(
    model_id: int, name: str, kind: str, version_id: int, file_name: str, hashes: dict[str, str]
) -> dict[str, Any]:
    return {
        "id": model_id,
        "name": name,
        "type": kind,
        "nsfw": False,
        "nsfwLevel": 1,
        "modelVersions": [
            {
                "id": version_id,
                "name": "v1.0",
                "baseModel": "SDXL 1.0",
                "publishedAt": "2025-01-01T00:00:00.000Z",
                "files": [
                    {"id": version_id * 10, "name": file_name, "type": "Model", "primary": True, "hashes": hashes}
                ],
            }
        ],
    }


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(tmp_path)


@pytest.fixture
def options(fake_civitai: FakeCivitai, library: Library) -> CivitaiApiOptions:
    install_rest_routes(fake_civitai, RestData.from_models(library.models, with_images=False))
    return CivitaiApiOptions.isolated(base_url=fake_civitai.url, resilience={"max_retries": 0})


@pytest.fixture
def hashing(tmp_path: Path) -> Iterator[FileHashingService]:
    with HashCache(tmp_path / "hash-cache.sqlite") as cache:
        yield FileHashingService(cache)


def by_name(records: list[IdentifiedFile]) -> dict[str, IdentifiedFile]:
    return {record.path.name: record for record in records}


def check_records(library: Library, records: list[IdentifiedFile]) -> None:
    found = by_name(records)
    assert sorted(found) == sorted(
        [
            "known.safetensors", "copy-of-known.safetensors", "resaved.safetensors", "legacy.ckpt",
            "claims.safetensors", "unknown.gguf", "broken.safetensors",
        ]
    )  # fmt: skip
    for name in ("known.safetensors", "copy-of-known.safetensors"):
        record = found[name]
        assert (record.version_id, record.model_id, record.model_name) == (11, 1, "Known LoRA")
        assert record.matched_by == HashAlgorithm.SHA256 and record.reason == "matched by SHA256"
        assert record.file is not None and record.file.id == 110
        assert record.hashes is not None and record.size == library.known.stat().st_size
    resaved = found["resaved.safetensors"]
    assert resaved.version_id == 21 and resaved.matched_by == HashAlgorithm.AUTOV3
    assert "near match" in resaved.reason and resaved.file is not None
    legacy = found["legacy.ckpt"]
    assert legacy.version_id == 31 and legacy.matched_by == HashAlgorithm.CRC32
    assert legacy.file is not None and legacy.file.name == "legacy.ckpt"
    claims = found["claims.safetensors"]
    assert claims.version_id == 41 and claims.matched_by == EMBEDDED
    unknown = found["unknown.gguf"]
    assert not unknown.identified and unknown.error is None
    assert unknown.reason.startswith("not found on Civitai by SHA256 or")
    assert "BLAKE3" in unknown.reason and "CRC32" in unknown.reason
    broken = found["broken.safetensors"]
    assert not broken.identified and broken.hashes is None and broken.error is not None
    assert broken.reason.startswith("could not be hashed")


def test_find_model_files_skips_parts_hidden_and_other_files(library: Library) -> None:
    names = [p.name for p in find_model_files(library.root / "models")]
    assert "partial.safetensors.part" not in names and "notes.txt" not in names and "secret.safetensors" not in names
    assert [p.name for p in find_model_files(library.root / "models", recursive=False)] == [
        "broken.safetensors", "claims.safetensors", "legacy.ckpt", "unknown.gguf",
    ]  # fmt: skip
    assert [p.name for p in find_model_files(library.root / "models", extensions=["GGUF"])] == ["unknown.gguf"]
    with pytest.raises(ValueError, match="directory"):
        find_model_files(library.root / "nope")


def test_identify_folder(
    fake_civitai: FakeCivitai, library: Library, options: CivitaiApiOptions, hashing: FileHashingService
) -> None:
    with CivitaiClient(options) as client:
        records = LibraryScanner(client, hashing=hashing).identify_folder(library.root / "models")
    check_records(library, records)
    posts = [r for r in fake_civitai.requests if r.method == "POST"]
    assert [r.path for r in posts] == ["/api/v1/model-versions/by-hash/ids", "/api/v1/model-versions/by-hash"]
    assert len(posts[0].json()) == 5  # one bulk request for every distinct SHA256
    assert posts[1].json() == [hashlib.sha256(library.known.read_bytes()).hexdigest().upper()]
    gets = [r.path for r in fake_civitai.requests if r.method == "GET"]
    assert all(path.startswith("/api/v1/model-versions/by-hash/") for path in gets)


async def test_async_scanner_gives_the_same_records(
    library: Library, options: CivitaiApiOptions, hashing: FileHashingService
) -> None:
    async with AsyncCivitaiClient(options) as client:
        records = await AsyncLibraryScanner(client, hashing=hashing).identify_folder(library.root / "models")
    check_records(library, records)


def test_identify_files_and_sidecars(library: Library, options: CivitaiApiOptions, hashing: FileHashingService) -> None:
    scanner = LibraryScanner(options=options, hashing=hashing)
    records = scanner.identify_files([library.known, library.unknown], write_sidecars=True)
    assert [r.path for r in records] == [library.known, library.unknown]
    known, unknown = records
    assert known.sidecar == sidecar_path(library.known) == library.known.with_name("known.civitai.json")
    sidecar = json.loads(known.sidecar.read_text(encoding="utf-8"))
    assert sidecar["id"] == 11 and sidecar["modelId"] == 1 and sidecar["files"][0]["hashes"]["SHA256"]
    assert unknown.sidecar is None and not sidecar_path(library.unknown).exists()
    assert not [p for p in library.known.parent.iterdir() if p.name.startswith(".known")]  # no temp files left


def test_copies_of_a_file_share_one_fallback_chain(
    fake_civitai: FakeCivitai, library: Library, options: CivitaiApiOptions, hashing: FileHashingService
) -> None:
    copies = [library.unknown.with_name(f"unknown-{index}.gguf") for index in range(3)]
    legacy_copy = library.legacy.with_name("legacy-copy.ckpt")
    for path, source in [*((copy, library.unknown) for copy in copies), (legacy_copy, library.legacy)]:
        path.write_bytes(source.read_bytes())
    paths = [library.unknown, *copies, library.legacy, legacy_copy]
    records = LibraryScanner(options=options, hashing=hashing).identify_files(paths)
    gets = [r.path.rsplit("/", 1)[-1] for r in fake_civitai.requests if r.method == "GET"]
    unknown, legacy = hash_file(library.unknown), hash_file(library.legacy)
    assert gets.count(str(unknown.crc32)) == 1 and gets.count(str(unknown.blake3)) == 1  # not once per copy
    assert gets.count(str(legacy.crc32)) == 1
    assert len(gets) == len(set(gets))
    first, *others = records[:4]
    assert not first.identified and first.reason.startswith("not found on Civitai by SHA256 or")
    assert all((r.reason, r.version, r.error) == (first.reason, None, None) for r in others)
    assert [r.path for r in records] == paths and {r.version_id for r in records[4:]} == {31}
    assert all(r.matched_by == HashAlgorithm.CRC32 and r.file is not None for r in records[4:])


def test_api_failure_is_recorded_per_file(
    fake_civitai: FakeCivitai, library: Library, options: CivitaiApiOptions, hashing: FileHashingService
) -> None:
    fake_civitai.faults.add(Fault.status(503, retry_after=1), path="/api/v1/model-versions/by-hash/ids")
    fake_civitai.faults.add(Fault.status(503), path="/api/v1/model-versions/by-hash/*", times=None)
    records = LibraryScanner(options=options, hashing=hashing).identify_files([library.known, library.legacy])
    for record in records:
        assert not record.identified
        assert record.error is not None and record.error.code == ErrorCode.SERVICE_UNAVAILABLE
    assert records[0].reason.startswith("lookup failed")
    assert records[1].reason.startswith("lookup by AutoV3 failed") or records[1].reason.startswith("lookup failed")


def test_index_resolves_image_metadata_hashes(
    library: Library, options: CivitaiApiOptions, hashing: FileHashingService
) -> None:
    records = LibraryScanner(options=options, hashing=hashing).identify_folder(library.root / "models")
    index = LibraryIndex(records)
    assert len(index) == 6  # the broken link has no hashes
    known = hash_file(library.known)
    resaved = hash_file(library.resaved)
    assert known.auto_v2 is not None and resaved.auto_v3 is not None and known.sha256 is not None
    assert {r.path.name for r in index.resolve_hash(known.auto_v2.lower())} == {
        "known.safetensors",
        "copy-of-known.safetensors",
    }
    assert [r.path.name for r in index.resolve_hash(resaved.auto_v3[:12])] == ["resaved.safetensors"]
    assert index.resolve_hash("0x" + known.sha256) == index.resolve_hash(known.sha256)
    assert index.resolve_hash("1234") == () and index.resolve_hash("not hex!") == ()
    meta = {
        "Model hash": known.auto_v2.lower(),
        "Lora hashes": f'"resaved: {resaved.auto_v3[:12].lower()}, missing: 0123456789ab"',
        "hashes": {"vae": "fedcba9876"},
        "resources": [{"name": "legacy", "type": "model", "hash": hash_file(library.legacy).crc32}],
    }
    resolved = index.resolve_image_hashes(meta)
    assert {label: sorted(r.path.name for r in found) for label, found in resolved.items()} == {
        "model": ["copy-of-known.safetensors", "known.safetensors"],
        "lora:resaved": ["resaved.safetensors"],
        "lora:missing": [],
        "vae": [],
        "model:legacy": ["legacy.ckpt"],
    }


def test_scanner_closes_only_what_it_created(library: Library, options: CivitaiApiOptions, tmp_path: Path) -> None:
    with LibraryScanner(options=options) as own:  # creates its own client and hash cache
        assert own.identify_folder(library.root / "models")
        created = own._client
        assert created is not None
    assert own._client is None and created.http._client.is_closed
    with CivitaiClient(options) as given:
        with LibraryScanner(given) as borrowing:
            borrowing.identify_files([library.known])
        assert given.models.execute(limit=1).is_success  # still open


async def test_async_scanner_closes_its_own_client(library: Library, options: CivitaiApiOptions) -> None:
    async with AsyncLibraryScanner(options=options) as own:
        assert await own.identify_files([library.known])
        created = own._client
    assert own._client is None and created is not None


@pytest.fixture
def two_file_version(fake_civitai: FakeCivitai, tmp_path: Path) -> tuple[CivitaiApiOptions, list[Path]]:
    """One version whose two files (weights and a config) are both in the folder."""
    paths = [tmp_path / "weights.safetensors", tmp_path / "weights.pt"]
    for path in paths:
        path.write_bytes(safetensors(os.urandom(2000)))
    model = _model(5, "Two Files", "LORA", 51, paths[0].name, civitai_hashes(paths[0], "SHA256"))
    second = {"id": 511, "name": paths[1].name, "type": "Config", "hashes": civitai_hashes(paths[1], "SHA256")}
    model["modelVersions"][0]["files"].append(second)
    install_rest_routes(fake_civitai, RestData.from_models([model], with_images=False))
    return CivitaiApiOptions.isolated(base_url=fake_civitai.url, resilience={"max_retries": 0}), paths


def test_a_version_is_fetched_once_for_all_its_files_in_the_folder(
    fake_civitai: FakeCivitai, two_file_version: tuple[CivitaiApiOptions, list[Path]], hashing: FileHashingService
) -> None:
    options, paths = two_file_version
    records = LibraryScanner(options=options, hashing=hashing).identify_files(paths)
    assert [(r.version_id, r.file.id if r.file else None) for r in records] == [(51, 510), (51, 511)]
    posts = [r for r in fake_civitai.requests if r.method == "POST"]
    assert [len(r.json()) for r in posts] == [2, 1]  # both SHA256s resolve to ids; one fetches the version
    assert not [r for r in fake_civitai.requests if r.method == "GET"]


def test_a_version_missing_from_the_bulk_answer_is_fetched_once(
    fake_civitai: FakeCivitai, two_file_version: tuple[CivitaiApiOptions, list[Path]], hashing: FileHashingService
) -> None:
    options, paths = two_file_version
    fake_civitai.faults.add(Fault.status(503), path="*/model-versions/by-hash")  # the bulk fetch only
    records = LibraryScanner(options=options, hashing=hashing).identify_files(paths)
    assert [(r.version_id, r.matched_by) for r in records] == [(51, HashAlgorithm.SHA256)] * 2
    assert [r.path for r in fake_civitai.requests if r.method == "GET"] == ["/api/v1/model-versions/51"]
