"""The sandbox: one [`FakeCivitai`][] answering as the whole of Civitai, with realistic data.

    with start_sandbox() as sandbox:               # every area's routes on 127.0.0.1:<free port>
        options = CivitaiApiOptions(**sandbox.option_values())
        ...                                          # REST, downloads and the Generator all answer

It wires the areas together so that what one serves, another agrees with: each generated model file in the
REST catalogue is downloadable, its bytes hash to the catalogue's ``SHA256``/``AutoV2``/``CRC32``, and
early-access or archived versions are refused the way Civitai refuses them. ``civitai sandbox``, the
examples and ``make demo`` use it when no Civitai key or base URL is configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from civitai_kit.testing.downloads import FakeDownloads, install_download_routes
from civitai_kit.testing.keys import accepted_key_set, bearer_accepted, key_accepted
from civitai_kit.testing.orchestration import install_orchestration_routes
from civitai_kit.testing.orchestration_state import FakeOrchestrator
from civitai_kit.testing.rest import RestData, install_rest_routes
from civitai_kit.testing.rest_data import JSON, FakeModelFile
from civitai_kit.testing.server import FakeCivitai

__all__ = ["SANDBOX_TOKEN", "Sandbox", "install_sandbox", "sandbox_environment", "start_sandbox"]

SANDBOX_TOKEN = "sandbox-token"
"""The Generator token the examples use against the sandbox (accepted unless ``accepted_keys`` is given)."""

BASE_URL_VARIABLE = "CIVITAIAPI__BASEURL"
SDK_BASE_URL_VARIABLE = "CIVITAIAPI__SDK__BASEURL"


@dataclass
class Sandbox:
    """A started fake Civitai and the state behind each area (mutable: tests may add data or refusals)."""

    server: FakeCivitai
    rest: RestData
    downloads: FakeDownloads
    orchestrator: FakeOrchestrator

    @property
    def url(self) -> str:
        return self.server.url

    def option_values(self) -> dict[str, Any]:
        """Keyword arguments for ``CivitaiApiOptions`` that point every client at the sandbox, with the
        placeholder Generator token unless the sandbox accepts only given keys (it would be refused)."""
        sdk: dict[str, Any] = {"base_url": self.url}
        if self.rest.api_keys is None:
            sdk["api_token"] = SANDBOX_TOKEN
        return {"base_url": self.url, "sdk": sdk}

    def environment(self) -> dict[str, str]:
        """Environment variables that point every client (and the ``civitai`` command) at the sandbox."""
        return sandbox_environment(self.url)

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def sandbox_environment(url: str) -> dict[str, str]:
    """``CIVITAIAPI__BASEURL`` and ``CIVITAIAPI__SDK__BASEURL`` for a sandbox at ``url``."""
    return {BASE_URL_VARIABLE: url, SDK_BASE_URL_VARIABLE: url}


def install_sandbox(
    server: FakeCivitai, data: RestData | None = None, *, accepted_keys: Iterable[str] | None = None
) -> Sandbox:
    """Install the REST, download and orchestration routes on ``server``, consistent with each other.

    ``accepted_keys``: the only API keys ``/me``, favourites, login-only downloads and every Generator route
    accept (401 for any other); by default any non-blank key is accepted. Later changes go to
    ``Sandbox.rest.api_keys``, which all of them read.
    """
    rest = install_rest_routes(server, data if data is not None else RestData.sample())
    keys = accepted_key_set(accepted_keys)
    if keys is not None:
        rest.api_keys = keys
    downloads = install_download_routes(server)
    downloads.accepts = lambda request: key_accepted(request, rest.api_keys)
    versions: dict[Any, tuple[JSON, JSON]] = {}  # one pass, not a scan of the catalogue per file
    for model, version in rest.versions():
        versions.setdefault(version.get("id"), (model, version))
    for generated in rest.fake_files():
        _serve(downloads, versions.get(generated.version_id, ({}, {})), generated)
    orchestrator = install_orchestration_routes(server)
    orchestrator.accepts = lambda request: bearer_accepted(request, rest.api_keys)
    return Sandbox(server=server, rest=rest, downloads=downloads, orchestrator=orchestrator)


def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    data: RestData | None = None,
    *,
    accepted_keys: Iterable[str] | None = None,
) -> Sandbox:
    """A started sandbox on ``host:port`` (port 0: a free one). Stop it with ``stop()`` or ``with``.
    ``accepted_keys`` as for [`install_sandbox`][]."""
    keys = accepted_key_set(accepted_keys)  # checked before a port is taken
    server = FakeCivitai(host, port).start()
    try:
        return install_sandbox(server, data, accepted_keys=keys)
    except BaseException:
        server.stop()
        raise


@contextmanager
def running_sandbox(
    host: str = "127.0.0.1", port: int = 0, *, accepted_keys: Iterable[str] | None = None
) -> Iterator[Sandbox]:
    """``with running_sandbox() as sandbox:`` — started on entry, stopped on exit."""
    with start_sandbox(host, port, accepted_keys=accepted_keys) as sandbox:
        yield sandbox


def _serve(downloads: FakeDownloads, owner: tuple[JSON, JSON], generated: FakeModelFile) -> None:
    """Make one catalogue file downloadable, refused the way Civitai refuses its ``(model, version)``."""
    model, version = owner
    file = generated.file
    primary = _primary_file(version)
    metadata = file.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    settings: dict[str, Any] = {
        "primary": primary is not None and primary.get("id") == file.get("id"),
        "file_type": file.get("type"),
        "metadata": {key: str(value) for key in ("format", "size", "fp") if (value := metadata.get(key))},
    }
    if model.get("mode") == "Archived":
        settings["refusal"] = "archived"
    elif version.get("availability") == "EarlyAccess":
        settings["refusal"] = "early_access"
        settings["early_access_deadline"] = _deadline(version)
    downloads.add(
        generated.content,
        name=str(file.get("name") or f"{file['id']}.safetensors"),
        version_id=generated.version_id,
        file_id=int(file["id"]),
        **settings,
    )


def _primary_file(version: JSON) -> JSON | None:
    """The file Civitai serves for a version without ``fileId`` (as ``ModelVersion.primary_file`` picks it)."""
    files = [f for f in version.get("files") or () if isinstance(f, dict)]
    return (
        next((f for f in files if f.get("primary") is True), None)
        or next((f for f in files if f.get("type") == "Model"), None)
        or (files[0] if files else None)
    )


def _deadline(version: JSON) -> datetime | None:
    for key in ("earlyAccessDeadline", "earlyAccessEndsAt"):
        text = version.get(key)
        if isinstance(text, str) and text:
            try:
                return datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                continue
    return None
