"""Where each kind of model goes in the folders ComfyUI and A1111/Forge/reForge read.

With ``Downloads:Layout`` ``comfyui`` or ``a1111``, a model file lands in ``Root / <folder of its kind> /
<pattern>`` (the pattern defaults to ``{FileName}``: both apps also scan sub-folders, so a pattern such as
``{BaseModel}/{FileName}`` keeps working). ``flat`` keeps the path pattern alone.

A file's kind is its model's type, except where the file says otherwise: a file of type ``VAE`` is a VAE,
``Negative`` an embedding, ``Text Encoder`` a text encoder and ``UNet``/``Diffusion Model`` a diffusion model,
whatever model it belongs to. ``Downloads:LayoutFolders:<Kind>`` overrides one folder. The table in
``docs/layouts.md`` is written from [`FOLDERS`][] by [`layout_table`][] (a test keeps it in step).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from civitai_kit._vocabulary.layouts import Layout
from civitai_kit.core.enums import ModelFileType, ModelType

if TYPE_CHECKING:
    from civitai_kit.core.models import ModelFile, ModelVersion
    from civitai_kit.options import LayoutFolderOptions

__all__ = ["FOLDERS", "KINDS", "Layout", "file_kind", "layout_folder", "layout_table"]

KINDS: Mapping[str, str] = {
    "Checkpoint": "checkpoint",
    "LORA": "lora",
    "LoCon": "locon",
    "DoRA": "dora",
    "TextualInversion": "textual_inversion",
    "VAE": "vae",
    "Controlnet": "controlnet",
    "Upscaler": "upscaler",
    "Hypernetwork": "hypernetwork",
    "MotionModule": "motion_module",
    "Poses": "poses",
    "Wildcards": "wildcards",
    "Workflows": "workflows",
    "Detection": "detection",
    "TextEncoder": "text_encoder",
    "UNet": "unet",
    "Other": "other",
}
"""Every kind a layout places, and the ``Downloads:LayoutFolders`` field that overrides its folder."""

FOLDERS: Mapping[Layout, Mapping[str, str]] = {
    Layout.COMFYUI: {
        "Checkpoint": "models/checkpoints",
        "LORA": "models/loras",
        "LoCon": "models/loras",
        "DoRA": "models/loras",
        "TextualInversion": "models/embeddings",
        "VAE": "models/vae",
        "Controlnet": "models/controlnet",
        "Upscaler": "models/upscale_models",
        "Hypernetwork": "models/hypernetworks",
        "MotionModule": "models/animatediff_models",
        "Poses": "input/poses",
        "Wildcards": "custom_nodes/comfyui-dynamicprompts/wildcards",
        "Workflows": "user/default/workflows",
        "Detection": "models/ultralytics/bbox",
        "TextEncoder": "models/text_encoders",
        "UNet": "models/diffusion_models",
        "Other": "models/other",
    },
    Layout.A1111: {
        "Checkpoint": "models/Stable-diffusion",
        "LORA": "models/Lora",
        "LoCon": "models/Lora",
        "DoRA": "models/Lora",
        "TextualInversion": "embeddings",
        "VAE": "models/VAE",
        "Controlnet": "models/ControlNet",
        "Upscaler": "models/ESRGAN",
        "Hypernetwork": "models/hypernetworks",
        "MotionModule": "extensions/sd-webui-animatediff/model",
        "Poses": "models/Poses",
        "Wildcards": "extensions/sd-dynamic-prompts/wildcards",
        "Workflows": "models/Workflows",
        "Detection": "models/adetailer",
        "TextEncoder": "models/text_encoder",
        "UNet": "models/Stable-diffusion",
        "Other": "models/Other",
    },
}
"""The folder (relative to the app's root) each kind goes to, per layout. ComfyUI still reads the older names
``models/clip`` and ``models/unet``; the current ones are used. A1111 loads LyCORIS (LoCon, DoRA) from
``models/Lora`` since 1.5; Forge loads diffusion-only models from ``models/Stable-diffusion``."""

_MODEL_TYPE_KINDS: Mapping[ModelType, str] = {
    ModelType.TEXT_ENCODER: "TextEncoder",
    ModelType.CLIP: "TextEncoder",
    ModelType.UNET: "UNet",
    ModelType.COMFY_WORKFLOWS: "Workflows",
}
_FILE_TYPE_KINDS: Mapping[ModelFileType, str] = {
    ModelFileType.VAE: "VAE",
    ModelFileType.NEGATIVE: "TextualInversion",
    ModelFileType.TEXT_ENCODER: "TextEncoder",
    ModelFileType.UNET: "UNet",
    ModelFileType.DIFFUSION_MODEL: "UNet",
}


def _text(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def file_kind(file: ModelFile, version: ModelVersion | None) -> str:
    """The kind (a key of [`KINDS`][]) of ``file``: what the file says it is, else its model's type; ``Other``
    when neither is known or the type is one no app folder holds."""
    if file.type is not None and file.type in _FILE_TYPE_KINDS:
        return _FILE_TYPE_KINDS[file.type]
    model = version.model if version is not None else None
    model_type = model.type if model is not None else None
    if model_type is None:
        return "Other"
    if model_type in _MODEL_TYPE_KINDS:
        return _MODEL_TYPE_KINDS[model_type]
    name = _text(model_type)
    return name if name in KINDS else "Other"


def layout_folder(
    layout: Layout, file: ModelFile, version: ModelVersion | None, overrides: LayoutFolderOptions | None = None
) -> PurePosixPath | None:
    """The folder under the root where ``file`` goes in ``layout`` (``None`` for ``flat``), an override first."""
    if layout is Layout.FLAT:
        return None
    kind = file_kind(file, version)
    override = getattr(overrides, KINDS[kind]) if overrides is not None else None
    return PurePosixPath(override or FOLDERS[layout][kind])


def layout_table() -> str:
    """The Markdown table of every kind's folder in every layout (``docs/layouts.md`` embeds it)."""
    layouts = [layout for layout in Layout if layout is not Layout.FLAT]
    lines = [
        "| Kind | `Downloads:LayoutFolders` key | " + " | ".join(f"`{layout.value}`" for layout in layouts) + " |",
        "|---|---|" + "---|" * len(layouts),
    ]
    for kind, field in KINDS.items():
        key = "".join(part.capitalize() for part in field.split("_"))
        folders = " | ".join(f"`{FOLDERS[layout][kind]}`" for layout in layouts)
        lines.append(f"| {kind} | `{key}` | {folders} |")
    return "\n".join(lines) + "\n"
