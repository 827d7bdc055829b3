"""The command composes the container: one ``CivitaiContainer`` per invocation, every object from its providers,
its resources shut down however the invocation ends, and no hand-built library object anywhere in ``cli/``."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers

import civitai_kit.cli as cli_package
from civitai_kit.cli import _state
from civitai_kit.container import CivitaiContainer
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result
from civitai_kit.testing.sandbox import Sandbox
from civitai_kit.tools import HashAlgorithm
from civitai_kit.tools.hashing import FileHashingService

CLI_SOURCES = sorted(Path(cli_package.__file__).parent.glob("*.py"))

HAND_BUILT = {
    "CivitaiApiOptions",
    "CivitaiClient",
    "AsyncCivitaiClient",
    "SdkClient",
    "AsyncSdkClient",
    "HttpClient",
    "AsyncHttpClient",
    "FileHashingService",
    "AsyncFileHashingService",
    "DownloadService",
    "AsyncDownloadService",
    "LibraryScanner",
    "AsyncLibraryScanner",
    "HashCache",
}
"""Library objects the command must take from its container, never construct (nor ``CivitaiApiOptions.load``)."""


@dataclass
class Composition:
    """Every container the command built, each given ``overrides`` (provider name -> provider) first."""

    overrides: dict[str, providers.Provider[Any]] = field(default_factory=dict)
    built: list[Any] = field(default_factory=list)

    def __call__(self) -> Any:
        container = CivitaiContainer()
        for name, provider in self.overrides.items():
            getattr(container, name).override(provider)
        self.built.append(container)
        return container

    @property
    def only(self) -> Any:
        assert len(self.built) == 1, f"{len(self.built)} containers for one invocation"
        return self.built[0]

    def shut_down(self) -> bool:
        """No resource (HTTP client, hash cache) of any container built so far is still open."""
        resources = [resource for built in self.built for resource in built.traverse(types=[providers.Resource])]
        return bool(resources) and not any(resource.initialized for resource in resources)


@pytest.fixture
def composition(monkeypatch: pytest.MonkeyPatch) -> Iterator[Composition]:
    built = Composition()
    monkeypatch.setattr(_state, "CivitaiContainer", built)
    yield built


def _transport(handler: Callable[[httpx.Request], httpx.Response]) -> providers.Object[Any]:
    return providers.Object(httpx.MockTransport(handler))


def _refusing(requests: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(400, json={"error": "answered by the overridden transport"})

    return handler


# ------------------------------------------------------------------------------------------------ one container


def test_browsing_uses_the_containers_client_and_shuts_it_down(cli: Any, composition: Composition) -> None:
    requests: list[httpx.Request] = []
    composition.overrides["transport"] = _transport(_refusing(requests))
    outcome = cli("models", "get", "7")
    assert outcome.exit_code == 1
    assert "answered by the overridden transport" in outcome.stderr
    assert [request.url.path for request in requests] == ["/api/v1/models/7"]
    assert composition.shut_down()  # also after a failure


def test_generate_uses_the_containers_sdk_client(cli: Any, composition: Composition, fake_key: str) -> None:
    requests: list[httpx.Request] = []
    composition.overrides["transport"] = _transport(_refusing(requests))
    outcome = cli("generate", "a cat", env={"CIVITAIAPI__SDK__APITOKEN": fake_key})
    assert outcome.exit_code == 1
    assert "answered by the overridden transport" in outcome.stderr
    assert requests and all(request.url.path.startswith("/v2/consumer/") for request in requests)
    assert composition.shut_down()


class RecordingHasher(FileHashingService):
    """The container's hasher, remembering what it was asked to hash."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[Path] = []

    def compute(self, path: Any, *args: Any, **kwargs: Any) -> Any:
        self.paths.append(Path(path))
        return super().compute(path, *args, **kwargs)


def test_hash_and_by_hash_use_the_containers_hasher(cli: Any, composition: Composition, tmp_path: Path) -> None:
    sample = tmp_path / "sample.bin"
    sample.write_bytes(b"hello world")
    hasher = RecordingHasher()
    composition.overrides["hasher"] = providers.Object(hasher)
    assert cli("hash", str(sample), "--json").exit_code == 0
    assert len(composition.built) == 1 and hasher.paths == [sample]
    cli("versions", "by-hash", str(sample))
    assert len(composition.built) == 2 and hasher.paths == [sample, sample]


def test_identify_uses_the_containers_library(cli: Any, composition: Composition, tmp_path: Path) -> None:
    asked: list[Path] = []

    class Library:
        def identify_folder(self, directory: Path, **_: Any) -> list[Any]:
            asked.append(directory)
            return []

    composition.overrides["library"] = providers.Object(Library())
    outcome = cli("identify", str(tmp_path), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    assert json.loads(outcome.stdout) == [] and asked == [tmp_path]
    assert composition.shut_down()


def test_download_uses_the_containers_downloader(
    cli: Any, composition: Composition, sandbox: Sandbox, served_file: Any, tmp_path: Path
) -> None:
    asked: list[tuple[int, int]] = []

    class Downloader:
        def download_model_file(self, file: Any, version: Any, **_: Any) -> Result[Any]:
            asked.append((version.id, file.id))
            return Failure.of(ErrorCode.IO_ERROR, "refused by the overridden downloader")

    composition.overrides["downloader"] = providers.Object(Downloader())
    outcome = cli("download", str(served_file.version_id), "--dir", str(tmp_path))
    assert outcome.exit_code == 1
    assert "refused by the overridden downloader" in outcome.stderr
    assert asked == [(served_file.version_id, served_file.file_id)]
    assert composition.shut_down()  # the real client fetched the version over the container's HTTP client


def test_download_checks_a_present_file_through_the_containers_hash_cache(
    cli: Any, composition: Composition, served_file: Any, tmp_path: Path
) -> None:
    """A file already in place is verified by hashing it, through the hash cache every tool shares."""
    arguments = ("download", str(served_file.version_id), "--dir", str(tmp_path), "--json")
    assert cli(*arguments).exit_code == 0
    again = cli(*arguments)
    assert again.exit_code == 0, again.stderr
    done = json.loads(again.stdout)
    assert done["already_present"] is True
    assert len(composition.built) == 2 and composition.shut_down()
    container = composition.built[-1]
    cached = container.hash_cache().get(done["path"])
    container.shutdown_resources()
    assert cached.get(HashAlgorithm.SHA256) == done["hashes"]["SHA256"]


def test_ctrl_c_still_shuts_the_container_down(cli: Any, composition: Composition) -> None:
    def interrupted(_: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    composition.overrides["transport"] = _transport(interrupted)
    outcome = cli("models", "get", "7")
    assert outcome.exit_code == 130  # interrupted
    assert composition.shut_down()


def test_flags_reach_the_containers_options(cli: Any, composition: Composition, fake_key: str) -> None:
    outcome = cli("--api-key", fake_key, "--base-url", "http://127.0.0.1:9/p/", "--json", "config", "show")
    assert outcome.exit_code == 0, outcome.stderr
    options = composition.only.options()
    assert options.base_url == "http://127.0.0.1:9/p" and options.source_of("base_url") == "argument"
    assert options.api_key is not None and options.api_key.get_secret_value() == fake_key


def test_options_load_only_for_commands_that_need_them(cli: Any, composition: Composition) -> None:
    broken = {"CIVITAIAPI__TIMEOUTSECONDS": "0"}
    assert cli("secrets", "list", env=broken).exit_code == 0
    assert cli("config", "show", env=broken).exit_code == 1
    assert len(composition.built) == 2


# ------------------------------------------------------------------------------------------------ the sources


def _calls(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                yield func.id
            elif isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else ""
                yield f"{owner}.{func.attr}" if owner else func.attr


def test_no_library_object_is_built_by_hand_in_the_cli() -> None:
    containers = []
    for source in CLI_SOURCES:
        calls = list(_calls(ast.parse(source.read_text(), str(source))))
        built = sorted({call for call in calls if call.split(".")[0] in HAND_BUILT})
        assert not built, f"{source.name} builds {built} itself; take them from the container"
        containers += [source.name for call in calls if call == "CivitaiContainer"]
    assert containers == ["_state.py"]


def test_only_the_sandbox_command_imports_testing() -> None:
    importers = set()
    for source in CLI_SOURCES:
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "civitai_kit.testing" or name.startswith("civitai_kit.testing.") for name in names):
                importers.add(source.name)
    assert importers == {"_sandbox_cmd.py"}
