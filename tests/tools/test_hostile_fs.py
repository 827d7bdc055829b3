"""Every hostile file-system state of :mod:`civitai_kit.testing.hostile_fs`, through the sync and the async
download services (verified and unverified) and through the library scanner.

The invariants, whatever the state: the call returns ``Success`` or ``Failure`` (never raises), nothing
outside the download directory is written, replaced or removed (a snapshot of the outside folder is
compared), and every file left in the download directory but our working files is the whole, correct file.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.core.models import ModelFile, ModelVersion
from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Success
from civitai_kit.testing import FakeCivitai, FakeResponse, hostile_fs
from civitai_kit.testing.rest import RestData, install_rest_routes
from civitai_kit.tools.download_files import part_file_hook
from civitai_kit.tools.download_types import DownloadedFile
from civitai_kit.tools.downloads import AsyncDownloadService, DownloadService
from civitai_kit.tools.hash_cache import HashCache
from civitai_kit.tools.hashing import FileHashingService, hash_file
from civitai_kit.tools.library import AsyncLibraryScanner, IdentifiedFile, LibraryScanner, sidecar_path

DATA = os.urandom(256 * 1024)
ROOM = 64 * 1024  # what a "full disk" still takes
WORKING_SUFFIXES = (".part", ".lock", ".meta", ".tmp")


@dataclass
class Scene:
    base: Path
    outside: Path
    target: Path
    """Where the file lands when the names are plain: ``base/LORA/Model/model.safetensors``."""
    stack: contextlib.ExitStack
    file_name: str = "model.safetensors"
    model_name: str = "Model"
    planted: set[Path] = field(default_factory=set)
    """Files a state put in the download directory itself (not the download's)."""


Setup = Callable[[Scene], str | None]
"""Puts one hostile state in place; returns a reason to skip when this machine cannot produce it."""


def _folder(scene: Scene) -> Path:
    scene.target.parent.mkdir(parents=True, exist_ok=True)
    return scene.target.parent


def _part(scene: Scene) -> Path:
    return hostile_fs.part_path(scene.target)


def _read_only(scene: Scene) -> str | None:
    state = scene.stack.enter_context(hostile_fs.read_only_directory(_folder(scene)))
    return None if state.enforced else "cannot make a folder read-only for this process"


def _full_disk(mount: bool) -> Setup:
    def setup(scene: Scene) -> str | None:
        disk = scene.stack.enter_context(hostile_fs.full_disk(_folder(scene), size=ROOM, mount=mount))
        return "cannot mount a tmpfs here" if mount and disk.mode != "tmpfs" else None

    return setup


def _write_refused(scene: Scene) -> None:
    class Refusing:
        def __init__(self, inner: BinaryIO) -> None:
            self.inner = inner

        def write(self, data: Any) -> int:
            raise PermissionError(errno.EROFS, "Read-only file system")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    scene.stack.enter_context(part_file_hook(lambda _p, f: Refusing(f)))  # type: ignore[arg-type,return-value]


def _fifo_part(scene: Scene) -> str | None:
    if not hasattr(os, "mkfifo"):
        return "no named pipes on this platform"
    _folder(scene)
    hostile_fs.fifo(_part(scene))
    return None


def _names(file_name: str, model_name: str) -> Setup:
    def setup(scene: Scene) -> None:
        scene.file_name, scene.model_name = file_name, model_name

    return setup


def _do(make: Callable[[Scene], object]) -> Setup:
    """A state that is just made (nothing to skip)."""

    def setup(scene: Scene) -> None:
        make(scene)

    return setup


def _part_with_symlinked_meta(scene: Scene) -> None:
    _folder(scene)
    _part(scene).write_bytes(DATA[:1000])
    Path(f"{_part(scene)}.meta").symlink_to(scene.outside / "victim.bin")


def _file_in_place_of_folder(scene: Scene) -> None:
    scene.base.mkdir(parents=True)
    (scene.base / "LORA").write_text("not a folder")
    scene.planted.add(scene.base / "LORA")


def _target_symlink_outside(scene: Scene) -> None:
    _folder(scene)
    scene.target.symlink_to(scene.outside / "victim.bin")


STATES: dict[str, tuple[Setup, str]] = {
    "part-symlink-to-file": (_do(lambda s: hostile_fs.symlink_part_file(s.target, s.outside / "victim.bin")), "ok"),
    "part-symlink-to-nothing": (_do(lambda s: hostile_fs.symlink_part_file(s.target, s.outside / "new.bin")), "ok"),
    "part-dangling-symlink": (_do(lambda s: hostile_fs.dangling_symlink(_part(s))), "ok"),
    "part-symlink-loop": (_do(lambda s: hostile_fs.symlink_loop(_folder(s), _part(s).name)), "ok"),
    "lock-symlink-to-file": (_do(lambda s: hostile_fs.symlink_lock_file(s.target, s.outside / "victim.bin")), "ok"),
    "lock-symlink-to-nothing": (_do(lambda s: hostile_fs.symlink_lock_file(s.target, s.outside / "x.lock")), "ok"),
    "meta-symlink": (_do(_part_with_symlinked_meta), "ok"),
    "folder-symlink-outside": (_do(lambda s: hostile_fs.symlinked_directory(s.base, "LORA", s.outside)), "fail"),
    "folder-dangling-outside": (
        _do(lambda s: hostile_fs.dangling_symlink(s.base / "LORA", s.outside / "gone")),
        "fail",
    ),
    "folder-dangling-inside": (_do(lambda s: hostile_fs.dangling_symlink(s.base / "LORA")), "fail"),
    "folder-symlink-loop": (_do(lambda s: hostile_fs.symlink_loop(s.base, "LORA")), "fail"),
    "folder-is-a-file": (_do(_file_in_place_of_folder), "fail"),
    "target-symlink-outside": (_do(_target_symlink_outside), "fail"),
    "target-dangling-outside": (_do(lambda s: hostile_fs.dangling_symlink(s.target, s.outside / "gone")), "fail"),
    "target-is-a-directory": (_do(lambda s: hostile_fs.directory_in_place_of(s.target)), "fail"),
    "part-is-a-directory": (_do(lambda s: hostile_fs.directory_in_place_of(_part(s))), "fail"),
    "part-is-a-fifo": (_fifo_part, "fail"),
    "read-only-folder": (_read_only, "fail"),
    "full-disk-tmpfs": (_full_disk(mount=True), "fail"),
    "full-disk-injected": (_full_disk(mount=False), "fail"),
    "write-refused": (_do(_write_refused), "fail"),
    **{f"name-{i}": (_names(name, name), "ok") for i, name in enumerate(hostile_fs.HOSTILE_NAMES)},
}


@pytest.fixture
def served(fake_civitai: FakeCivitai) -> str:
    fake_civitai.add_route("GET", "/blob/model", lambda _r: FakeResponse.bytes(DATA))
    return f"{fake_civitai.url}/blob/model"


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.bin").write_bytes(b"precious")
    (outside / "sub").mkdir()
    base = tmp_path / "models"
    with contextlib.ExitStack() as stack:
        yield Scene(base, outside, base / "LORA" / "Model" / "model.safetensors", stack)


async def download(kind: str, options: CivitaiApiOptions, file: ModelFile, version: ModelVersion, verify: bool) -> Any:
    if kind == "sync":
        with DownloadService(options) as service:
            return await asyncio.to_thread(service.download_model_file, file, version, verify=verify)
    async with AsyncDownloadService(options) as service:
        return await service.download_model_file(file, version, verify=verify)


def assert_only_whole_files(scene: Scene) -> None:
    """Apart from working files and what a state planted, every file in the base is the whole download."""
    for current, _dirs, files in os.walk(scene.base):
        for name in files:
            path = Path(current) / name
            if name.endswith(WORKING_SUFFIXES) or name == "keep.txt" or path in scene.planted:
                continue
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            assert path.read_bytes() == DATA, f"a partial or foreign file at {path}"


@pytest.mark.parametrize("verify", [True, False], ids=["verified", "unverified"])
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("state", sorted(STATES))
async def test_downloads_survive_every_hostile_state(
    fake_civitai: FakeCivitai, served: str, scene: Scene, state: str, kind: str, verify: bool
) -> None:
    setup, expected = STATES[state]
    skip = setup(scene)
    if skip:
        pytest.skip(skip)
    options = CivitaiApiOptions.isolated(
        base_url=fake_civitai.url,
        resilience={"max_retries": 0},
        downloads={"models": {"base_directory": str(scene.base)}},
    )
    file = ModelFile.model_validate(
        {"id": 1, "name": scene.file_name, "hashes": {"SHA256": hash_file_bytes()}, "downloadUrl": served}
    )
    version = ModelVersion.model_validate(
        {"id": 2, "modelId": 3, "name": "v1", "model": {"name": scene.model_name, "type": "LORA"}}
    )
    before = hostile_fs.snapshot(scene.outside)

    result = await download(kind, options, file, version, verify)  # raising fails the test

    assert isinstance(result, Success | Failure), result
    assert hostile_fs.snapshot(scene.outside) == before, "something outside the download directory changed"
    assert_only_whole_files(scene)
    if expected == "ok":
        assert isinstance(result, Success), result
    if expected == "fail":
        assert isinstance(result, Failure), result
        assert result.error.message and str(result.error.code.name) in str(result.error)
    if isinstance(result, Success):
        done: DownloadedFile = result.value
        assert done.path.read_bytes() == DATA and not done.path.is_symlink()
        assert Path(os.path.realpath(done.path)).is_relative_to(scene.base.resolve())
        assert all(len(part.encode("utf-8")) <= 255 for part in done.path.parts)


def hash_file_bytes() -> str:
    import hashlib

    return hashlib.sha256(DATA).hexdigest().upper()


# ---------------------------------------------------------------------------------------------- library


@dataclass
class HostileLibrary:
    root: Path
    outside: Path
    known: Path


@pytest.fixture
def hostile_library(tmp_path: Path, fake_civitai: FakeCivitai) -> HostileLibrary:
    outside = tmp_path / "outside"
    (outside / "shelf").mkdir(parents=True)
    known = outside / "shelf" / "known.safetensors"  # identified through a symlink from the library
    known.write_bytes(b"known model bytes" * 100)
    (outside / "victim.civitai.json").write_text("{}")
    root = tmp_path / "library"
    root.mkdir()
    (root / "plain.safetensors").write_bytes(b"plain" * 100)
    (root / "linked.safetensors").symlink_to(known)
    sidecar_path(root / "linked.safetensors").symlink_to(outside / "victim.civitai.json")  # planted sidecar link
    hostile_fs.symlink_loop(root, "loop-a.safetensors", "loop-b.safetensors")
    hostile_fs.dangling_symlink(root / "dangling.safetensors", outside / "gone.safetensors")
    (root / "dir.safetensors").mkdir()  # a folder named like a model file
    (root / "dir.safetensors" / "inner.ckpt").write_bytes(b"inner" * 10)
    hostile_fs.symlinked_directory(root, "linked-dir.safetensors", outside / "shelf")  # never followed
    (root / "self").symlink_to(root, target_is_directory=True)  # a directory loop, never followed
    unreadable = root / "unreadable.safetensors"
    unreadable.write_bytes(b"secret" * 10)
    unreadable.chmod(0)
    if hasattr(os, "mkfifo"):
        hostile_fs.fifo(root / "pipe.safetensors")  # reading it would block forever
    for name in hostile_fs.SURROGATE_NAMES[:1] + hostile_fs.RESERVED_NAMES[:2]:
        with contextlib.suppress(OSError):
            (root / f"{name}.gguf").write_bytes(b"GGUF" + name.encode("utf-8", "surrogateescape"))
    sha = hash_file(known).sha256
    model = {
        "id": 1,
        "name": "Known",
        "type": "LORA",
        "nsfw": False,
        "modelVersions": [
            {
                "id": 11,
                "name": "v1",
                "files": [{"id": 110, "name": "known.safetensors", "primary": True, "hashes": {"SHA256": sha}}],
            }
        ],
    }
    install_rest_routes(fake_civitai, RestData.from_models([model], with_images=False))
    return HostileLibrary(root, outside, known)


class _RootCannotBeRefused(FileHashingService):
    """Root reads a ``chmod 0`` file anyway: refuse it the way the OS refuses anyone else."""

    def compute(self, path: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(path).name == "unreadable.safetensors" and os.access(path, os.R_OK):
            return Failure.of(ErrorCode.FILE_NOT_FOUND, f"Permission denied: '{path}'")
        return super().compute(path, *args, **kwargs)


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_the_library_scanner_survives_a_hostile_folder(
    fake_civitai: FakeCivitai, hostile_library: HostileLibrary, tmp_path: Path, kind: str
) -> None:
    options = CivitaiApiOptions.isolated(base_url=fake_civitai.url, resilience={"max_retries": 0})
    before = hostile_fs.snapshot(hostile_library.outside)
    with HashCache(tmp_path / "cache.sqlite") as cache:
        hashing = _RootCannotBeRefused(cache)
        records: list[IdentifiedFile]
        if kind == "sync":
            with CivitaiClient(options) as client:
                scanner = LibraryScanner(client, hashing=hashing)
                records = await asyncio.wait_for(
                    asyncio.to_thread(scanner.identify_folder, hostile_library.root, write_sidecars=True), 30
                )
        else:
            async with AsyncCivitaiClient(options) as client:
                aio = AsyncLibraryScanner(client, hashing=hashing)
                records = await asyncio.wait_for(aio.identify_folder(hostile_library.root, write_sidecars=True), 30)
    found = {r.path.name: r for r in records}
    assert "pipe.safetensors" not in found and "dir.safetensors" not in found
    assert "inner.ckpt" in found and "plain.safetensors" in found
    assert not any(name.startswith(("linked-dir", "self")) for name in found)  # symlinked folders not entered
    for name in ("loop-a.safetensors", "loop-b.safetensors", "dangling.safetensors", "unreadable.safetensors"):
        assert found[name].error is not None and found[name].reason.startswith("could not be hashed"), found[name]
    linked = found["linked.safetensors"]
    assert linked.version_id == 11 and linked.sidecar == sidecar_path(hostile_library.root / "linked.safetensors")
    assert not linked.sidecar.is_symlink()  # the planted link was replaced, not written through
    assert hostile_fs.snapshot(hostile_library.outside) == before
    (hostile_library.root / "unreadable.safetensors").chmod(0o600)


# ---------------------------------------------------------------------------------------------- the kit


def test_the_kit_builds_what_it_says(tmp_path: Path) -> None:
    target = tmp_path / "dl" / "m.safetensors"
    part = hostile_fs.symlink_part_file(target, tmp_path / "elsewhere")
    lock = hostile_fs.symlink_lock_file(target, tmp_path / "elsewhere.lock")
    assert part == Path(f"{target}.part") and part.is_symlink() and lock == Path(f"{target}.lock")
    link = hostile_fs.symlinked_directory(tmp_path, "d", tmp_path / "real")
    assert link.is_symlink() and link.is_dir()
    dangling = hostile_fs.dangling_symlink(tmp_path / "x")
    assert dangling.is_symlink() and not dangling.exists()
    loop = hostile_fs.symlink_loop(tmp_path, "a")
    assert loop.is_symlink() and not os.path.exists(loop)
    folder = hostile_fs.directory_in_place_of(tmp_path / "t.bin")
    assert (folder / "keep.txt").exists()
    snap = hostile_fs.snapshot(tmp_path)
    assert snap["d"] == ("link", str(tmp_path / "real")) and snap["t.bin"] == ("dir", "")
    assert all(name.encode("utf-8", "surrogatepass") for name in hostile_fs.HOSTILE_NAMES)
    with pytest.raises(UnicodeEncodeError):
        hostile_fs.SURROGATE_NAMES[0].encode("utf-8")
    assert all(len(name.encode("utf-8")) > 255 for name in hostile_fs.OVERLONG_NAMES)


def test_read_only_directory_restores_the_mode(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o750)
    with hostile_fs.read_only_directory(folder) as state:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o555
        if state.enforced:
            with pytest.raises(OSError):
                (folder / "f").write_text("x")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    (folder / "f").write_text("writable again")


@pytest.mark.parametrize("mount", [True, False], ids=["tmpfs", "injected"])
def test_full_disk_refuses_writes_past_its_size(tmp_path: Path, mount: bool) -> None:
    from civitai_kit.tools.download_files import open_part_file

    folder = tmp_path / "disk"
    folder.mkdir()
    with hostile_fs.full_disk(folder, size=ROOM, mount=mount) as disk:
        if mount and disk.mode != "tmpfs":
            pytest.skip("cannot mount a tmpfs here")
        with pytest.raises(OSError) as raised, open_part_file(folder / "x.part", fresh=True) as part:
            for _ in range(2 * ROOM // 4096 + 8):
                part.write(b"\0" * 4096)
        assert raised.value.errno == errno.ENOSPC
    assert disk.mode == ("tmpfs" if mount else "injected")
    if sys.platform.startswith("linux") and mount:
        assert not (folder / "x.part").exists()  # the tmpfs went away with its content
