"""The files model browsers read next to a model: a preview image and three kinds of metadata.

For ``loras/foxes.safetensors``:

- ``foxes.preview.<png|jpeg|webp|gif>`` — the version's first preview image within the NSFW limit. A1111, Forge
  and ComfyUI's model managers look for ``<name>.preview.<ext>`` with any image extension; the extension is the
  real format of the bytes.
- ``foxes.civitai.info`` — the model version as Civitai describes it, with its ``model`` summary: the file
  A1111's Civitai Helper writes and reads.
- ``foxes.json`` — A1111/Forge's user metadata for a LoRA (``activation text``, ``preferred weight``, ``sd
  version``, ``description``, ``negative text``, ``notes``). A user's own edits are kept: only keys that are
  missing or empty are filled in.
- ``foxes.civitai.json`` — the version as Civitai sends it (civitai-kit's own record, also written by
  ``identify``).

A download and ``identify --write-sidecars`` both call [`write_sidecars`][civitai_kit.tools.sidecars.write_sidecars];
which files are written and the preview's NSFW limit come from ``CivitaiApi:Downloads:Sidecars``. A sidecar that
cannot be written never fails the download it accompanies: the report says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from civitai_kit._http import HttpCore
from civitai_kit._runtime import Blocking, Operation
from civitai_kit.core.enums import BrowsingLevel
from civitai_kit.core.html import html_to_plain_text
from civitai_kit.result import Failure
from civitai_kit.tools.download_files import write_json_sidecar
from civitai_kit.tools.download_transfer import Transfer
from civitai_kit.tools.download_types import DownloadPlan
from civitai_kit.tools.formats import FileFormat, detect_format

if TYPE_CHECKING:
    from civitai_kit.core.models import Model, ModelImage, ModelVersion
    from civitai_kit.options import CivitaiApiOptions

__all__ = [
    "PREVIEW_EXTENSIONS",
    "SidecarKind",
    "SidecarReport",
    "a1111_metadata",
    "choose_preview",
    "civitai_info",
    "sd_version",
    "sidecar_choice",
    "sidecar_paths",
    "write_sidecars",
]

PREVIEW_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "gif")
"""The preview extensions A1111/Forge and the ComfyUI managers look for after ``<name>.preview.``."""


class SidecarKind(StrEnum):
    """One kind of file written next to a model (the values are what ``Downloads:Sidecars:Kinds`` accepts)."""

    PREVIEW = "preview"
    CIVITAI_INFO = "civitai_info"
    A1111_JSON = "a1111_json"
    CIVITAI_JSON = "civitai_json"


@dataclass(frozen=True, slots=True)
class SidecarReport:
    """What was written next to one model file, and what was not and why (never fatal)."""

    written: Mapping[SidecarKind, Path] = field(default_factory=dict)
    skipped: Mapping[SidecarKind, str] = field(default_factory=dict)


def sidecar_paths(model_path: Path) -> dict[SidecarKind, Path]:
    """Where each sidecar of ``model_path`` goes (the preview's path ends ``.preview.png`` until the bytes say
    otherwise)."""
    stem = model_path.name[: -len(model_path.suffix)] if model_path.suffix else model_path.name
    folder = model_path.parent
    return {
        SidecarKind.PREVIEW: folder / f"{stem}.preview.png",
        SidecarKind.CIVITAI_INFO: folder / f"{stem}.civitai.info",
        SidecarKind.A1111_JSON: folder / f"{stem}.json",
        SidecarKind.CIVITAI_JSON: folder / f"{stem}.civitai.json",
    }


# ---------------------------------------------------------------------------------------------- contents


def sd_version(base_model: str | None) -> str:
    """A1111's ``sd version`` choice (``SD1``, ``SD2``, ``SDXL`` or ``Unknown``) for a Civitai base model."""
    text = (base_model or "").strip().lower()
    if text.startswith("sd 1"):
        return "SD1"
    if text.startswith("sd 2"):
        return "SD2"
    if text.startswith("sdxl") or text in {"pony", "illustrious", "noobai"}:
        return "SDXL"
    return "Unknown"


def _model_summary(version: ModelVersion, model: Model | None) -> dict[str, Any]:
    if version.model is not None:
        return version.model.model_dump(mode="json", by_alias=True, exclude_none=True)
    if model is None:
        return {}
    summary = {"name": model.name, "type": model.type, "nsfw": model.nsfw, "poi": model.poi}
    return {key: value for key, value in summary.items() if value is not None}


def civitai_info(version: ModelVersion, model: Model | None = None) -> dict[str, Any]:
    """The ``.civitai.info`` body: the version as the by-hash endpoint returns it, ``model`` summary included
    (a version taken from ``/models/{id}`` lacks it; ``model`` supplies it)."""
    body = version.model_dump(mode="json", by_alias=True, exclude_none=True)
    if model is not None:
        body.setdefault("modelId", model.id)
    summary = _model_summary(version, model)
    if summary:
        body["model"] = summary
    return body


def _page_link(version: ModelVersion, model: Model | None) -> str | None:
    model_id = version.model_id if version.model_id is not None else (model.id if model is not None else None)
    if model_id is None:
        return None
    return f"https://civitai.com/models/{model_id}?modelVersionId={version.id}"


def _readable(html: str | None) -> str:
    """A description as plain text for the UI's text box; the HTML itself when the ``tools`` extra (the
    converter) is not installed (A1111 renders it as HTML on the card)."""
    try:
        return html_to_plain_text(html)
    except ImportError:
        return (html or "").strip()


def a1111_metadata(version: ModelVersion, model: Model | None = None) -> dict[str, Any]:
    """A1111/Forge's user metadata for a LoRA-like network, filled from Civitai's description of it.
    ``preferred weight`` 0 means "use the UI's default multiplier" (Civitai publishes no weight)."""
    html = version.description or (model.description if model is not None else None)
    name = (version.model.name if version.model is not None else None) or (model.name if model is not None else None)
    notes = " — ".join(part for part in (name, version.name, _page_link(version, model)) if part)
    return {
        "description": _readable(html),
        "sd version": sd_version(version.base_model),
        "activation text": ", ".join(word.strip() for word in version.trained_words if word.strip()),
        "preferred weight": 0,
        "negative text": "",
        "notes": notes,
    }


def _merged_user_metadata(path: Path, fresh: dict[str, Any]) -> dict[str, Any]:
    """``fresh`` under what the user already has in ``path``: their non-empty values win."""
    try:
        existing = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError):
        return fresh
    if not isinstance(existing, dict):
        return fresh
    merged = dict(existing)
    for key, value in fresh.items():
        if merged.get(key) in (None, "", 0, 0.0, "Unknown"):
            merged[key] = value
    return merged


def choose_preview(images: Iterable[ModelImage], max_level: int) -> ModelImage | None:
    """The first still image whose NSFW level is at most ``max_level`` (a [`BrowsingLevel`][] value; an image
    without a level counts as PG)."""
    for image in images:
        if not image.url or (image.type or "image") != "image":
            continue
        if (image.nsfw_level or 1) <= max_level:
            return image
    return None


# ---------------------------------------------------------------------------------------------- writing


def _existing_preview(model_path: Path) -> Path | None:
    stem = sidecar_paths(model_path)[SidecarKind.PREVIEW].name[: -len(".png")]
    for extension in PREVIEW_EXTENSIONS:
        candidate = model_path.parent / f"{stem}.{extension}"
        if candidate.is_file():
            return candidate
    return None


def _text_sidecars(
    model_path: Path, version: ModelVersion, model: Model | None, kinds: frozenset[SidecarKind]
) -> tuple[dict[SidecarKind, Path], dict[SidecarKind, str]]:
    paths = sidecar_paths(model_path)
    contents: dict[SidecarKind, Callable[[], Any]] = {
        SidecarKind.CIVITAI_INFO: lambda: civitai_info(version, model),
        SidecarKind.A1111_JSON: lambda: _merged_user_metadata(
            paths[SidecarKind.A1111_JSON], a1111_metadata(version, model)
        ),
        SidecarKind.CIVITAI_JSON: lambda: version.model_dump(mode="json", by_alias=True, exclude_none=True),
    }
    written: dict[SidecarKind, Path] = {}
    skipped: dict[SidecarKind, str] = {}
    for kind, content in contents.items():
        if kind not in kinds:
            continue
        try:
            write_json_sidecar(paths[kind], content(), indent=2)
        except OSError as exc:
            skipped[kind] = f"{paths[kind]} could not be written: {exc.strerror or exc}"
        else:
            written[kind] = paths[kind]
    return written, skipped


def _preview(http: HttpCore, model_path: Path, image: ModelImage) -> Operation[Path | str]:
    """Download ``image`` as the preview; the path, or why there is none."""
    target = sidecar_paths(model_path)[SidecarKind.PREVIEW]
    assert image.url is not None
    plan = DownloadPlan(
        url=image.url, destination=target, base_directory=model_path.parent, kind="image", fix_extension=True
    )
    outcome = yield from Transfer(plan, max_resumes=2).run(http)
    if isinstance(outcome, Failure):
        return f"the preview image could not be downloaded: {outcome.error.message}"
    path = outcome.value.path
    detected: FileFormat = yield Blocking(lambda: detect_format(path))
    if not detected.is_image:
        yield Blocking(lambda: path.unlink(missing_ok=True))
        return f"the preview URL did not answer an image (found {detected.name.lower()}); nothing was kept"
    return path


def _kinds(kinds: Iterable[SidecarKind | str]) -> frozenset[SidecarKind]:
    if isinstance(kinds, str):
        kinds = [kinds]
    try:
        return frozenset(SidecarKind(kind) for kind in kinds)
    except ValueError:
        known = ", ".join(kind.value for kind in SidecarKind)
        raise ValueError(f"kinds: {list(kinds)!r} names an unknown sidecar (known: {known})") from None


def _level(level: int | str) -> int:
    if isinstance(level, str):
        name = level.strip().upper().replace("-", "")
        if name not in BrowsingLevel.__members__ or name == "BLOCKED":
            raise ValueError(f"preview_max_level: {level!r} is not one of PG, PG13, R, X, XXX")
        return int(BrowsingLevel[name])
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        raise ValueError(f"preview_max_level: {level!r} is not a browsing level (1, 2, 4, 8 or 16)")
    return level


def sidecar_choice(options: CivitaiApiOptions) -> dict[str, Any]:
    """``write_sidecars`` keyword arguments from ``CivitaiApi:Downloads:Sidecars``."""
    settings = options.downloads.sidecars
    return {"kinds": settings.kinds, "preview_max_level": settings.preview_max_nsfw_level}


def write_sidecars(
    http: HttpCore,
    model_path: Path,
    version: ModelVersion,
    *,
    model: Model | None = None,
    kinds: Iterable[SidecarKind | str] = tuple(SidecarKind),
    preview_max_level: int | str = "PG13",
) -> Operation[SidecarReport]:
    """Write the chosen sidecars next to ``model_path`` (an operation: the preview is a download through
    ``http``; run it with a driver). An existing preview (any image extension) is kept.

    ``preview_max_level``: a [`BrowsingLevel`][] or its name (``"PG13"``). Raises ``ValueError`` for an unknown
    kind or level."""
    chosen = _kinds(kinds)
    limit = _level(preview_max_level)
    written, skipped = yield Blocking(lambda: _text_sidecars(model_path, version, model, chosen))
    if SidecarKind.PREVIEW in chosen:
        present = yield Blocking(lambda: _existing_preview(model_path))
        image = choose_preview(version.images, limit)
        if present is not None:
            written[SidecarKind.PREVIEW] = present
        elif image is None:
            skipped[SidecarKind.PREVIEW] = f"no still preview image at NSFW level {BrowsingLevel(limit).name} or below"
        else:
            outcome = yield from _preview(http, model_path, image)
            if isinstance(outcome, Path):
                written[SidecarKind.PREVIEW] = outcome
            else:
                skipped[SidecarKind.PREVIEW] = outcome
    return SidecarReport(written=written, skipped=skipped)
