"""The folder layouts downloads can follow: the names options validate and the tools map to folders."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Layout"]


class Layout(StrEnum):
    """Where a model file goes under ``Downloads:Root``.

    ``flat`` is the path pattern alone (no per-type folders); ``comfyui`` and ``a1111`` put each model type in
    the folder that app reads (``a1111`` also serves Forge and reForge: ``forge`` and ``reforge`` are accepted as
    its names). The folders are [`civitai_kit.tools.layouts`][].
    """

    FLAT = "flat"
    COMFYUI = "comfyui"
    A1111 = "a1111"

    @classmethod
    def _missing_(cls, value: object) -> Layout | None:
        text = str(value).strip().lower().replace("-", "").replace("_", "")
        aliases = {"comfy": cls.COMFYUI, "forge": cls.A1111, "reforge": cls.A1111, "automatic1111": cls.A1111}
        return aliases.get(text) or next((member for member in cls if member.value == text), None)
