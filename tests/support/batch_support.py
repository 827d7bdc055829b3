"""Sandbox files for batch and layout tests: one clean, served primary file per model type, and the files of
the real "pickle danger" template (OrangeMixs, cloned by the sandbox with its ``Danger`` pickle scan)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civitai_kit.testing.downloads import FakeFile
from civitai_kit.testing.sandbox import Sandbox


@dataclass(frozen=True)
class Served:
    """A file the sandbox serves, with its REST model, version and file bodies."""

    fake: FakeFile
    model: dict[str, Any]
    version: dict[str, Any]
    file: dict[str, Any]

    @property
    def version_id(self) -> int:
        return self.fake.version_id


def served(sandbox: Sandbox) -> list[Served]:
    found: list[Served] = []
    for fake in sandbox.downloads.files():
        pair = sandbox.rest.version(fake.version_id)
        if pair is None:
            continue
        model, version = pair
        file = next((f for f in version.get("files") or () if f.get("id") == fake.file_id), None)
        if file is not None:
            found.append(Served(fake, model, version, file))
    return found


def clean_primary(sandbox: Sandbox, model_type: str) -> Served:
    """A primary ``Model`` file of a ``model_type`` model that downloads and verifies without a warning."""
    return next(
        one
        for one in served(sandbox)
        if one.model.get("type") == model_type
        and one.fake.primary
        and one.fake.refusal is None
        and not one.fake.require_login
        and one.file.get("type") == "Model"
        and one.file.get("pickleScanResult") == "Success"
        and one.file.get("virusScanResult") == "Success"
        and one.file.get("hashes")
        and str(one.file.get("name", "")).endswith(".safetensors")
        and one.model.get("mode") is None
    )


def danger(sandbox: Sandbox) -> Served:
    """A served file whose pickle scan is ``Danger`` (the OrangeMixs template's ``orangemix.vae.pt``)."""
    return next(
        one
        for one in served(sandbox)
        if one.file.get("pickleScanResult") == "Danger" and one.fake.refusal is None and not one.fake.require_login
    )


def pending(sandbox: Sandbox) -> Served:
    """A served primary file whose scans are still ``Pending``."""
    return next(
        one
        for one in served(sandbox)
        if one.file.get("pickleScanResult") == "Pending" and one.fake.primary and one.fake.refusal is None
    )


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())
