"""Generation metadata of an image: an open mapping with typed accessors, and its resource entries."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, GetCoreSchemaHandler, ValidationError
from pydantic_core import core_schema

from civitai_kit._json import loads
from civitai_kit.core.base import CivitaiModel

__all__ = ["CivitaiResource", "ImageMeta", "ImageResource", "MetaField"]


def _unwrap_meta(value: Any) -> Any:
    """``/images`` legacy path answers ``{"id": <imageId>, "meta": {...} | null}``: take the inner one."""
    if isinstance(value, dict) and len(value) == 2 and "id" in value and "meta" in value:
        inner = value["meta"]
        if inner is None or isinstance(inner, dict):
            return inner
    return value


class ImageResource(CivitaiModel):
    """An entry of ``meta.resources`` (A1111's record of the model, LoRAs and embeddings used)."""

    name: str | None = None
    type: str | None = None
    hash: str | None = None
    weight: float | None = None


class CivitaiResource(CivitaiModel):
    """An entry of ``meta.civitaiResources`` (on-site generation records)."""

    type: str | None = None
    model_version_id: int | None = None
    model_version_name: str | None = None
    weight: float | None = None
    strength: float | None = None


class ImageMeta(Mapping[str, Any]):
    """Generation metadata: an open, read-only mapping (A1111, ComfyUI and Civitai keys all appear), plus
    typed accessors that tolerate Civitai's mixed value types (``"Clip skip": "2"``, huge seeds, floats).

    ``meta["Denoising strength"]`` reads any raw key. Accessors return ``None`` when a value is absent or
    cannot be read as the type they promise; the raw value is always still there.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data: dict[str, Any] = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"ImageMeta({self._data!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ImageMeta):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def to_dict(self) -> dict[str, Any]:
        """A copy of the raw metadata."""
        return dict(self._data)

    # -- typed accessors ------------------------------------------------------------------------------

    @property
    def prompt(self) -> str | None:
        return self._text("prompt")

    @property
    def negative_prompt(self) -> str | None:
        return self._text("negativePrompt", "Negative prompt")

    @property
    def seed(self) -> int | None:
        return self._int("seed", "Seed")

    @property
    def steps(self) -> int | None:
        return self._int("steps", "Steps")

    @property
    def sampler(self) -> str | None:
        return self._text("sampler", "Sampler")

    @property
    def scheduler(self) -> str | None:
        return self._text("scheduler", "Schedule type")

    @property
    def cfg_scale(self) -> float | None:
        return self._float("cfgScale", "CFG scale")

    @property
    def clip_skip(self) -> int | None:
        return self._int("clipSkip", "Clip skip")

    @property
    def denoising_strength(self) -> float | None:
        return self._float("denoise", "Denoising strength")

    @property
    def model_name(self) -> str | None:
        """The checkpoint name A1111 recorded (``Model``)."""
        return self._text("Model")

    @property
    def model_hash(self) -> str | None:
        """The checkpoint's short hash A1111 recorded (``Model hash``: an AutoV2 prefix)."""
        return self._text("Model hash")

    @property
    def size(self) -> tuple[int, int] | None:
        """``(width, height)`` from ``Size`` (``"512x768"``) or ``width``/``height``."""
        width, height = self._int("width"), self._int("height")
        if width is not None and height is not None:
            return width, height
        text = self._text("Size")
        if text and "x" in text:
            left, _, right = text.lower().partition("x")
            if left.strip().isdigit() and right.strip().isdigit():
                return int(left), int(right)
        return None

    @property
    def hashes(self) -> dict[str, str]:
        """``hashes``: resource name (``model``, ``lora:name``, ``vae``…) → short hash."""
        raw = self._data.get("hashes")
        if isinstance(raw, str):
            try:
                raw = loads(raw)
            except ValueError:
                return {}
        if not isinstance(raw, dict):
            return {}
        return {str(k): str(v) for k, v in raw.items() if isinstance(v, str | int) and not isinstance(v, bool)}

    @property
    def resources(self) -> tuple[ImageResource, ...]:
        """``resources`` entries that are objects (malformed entries are skipped)."""
        return self._models("resources", ImageResource)

    @property
    def civitai_resources(self) -> tuple[CivitaiResource, ...]:
        return self._models("civitaiResources", CivitaiResource)

    # -- helpers ----------------------------------------------------------------------------------------

    def _first(self, keys: tuple[str, ...]) -> Any:
        for key in keys:
            value = self._data.get(key)
            if value is not None:
                return value
        return None

    def _text(self, *keys: str) -> str | None:
        value = self._first(keys)
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return None

    def _float(self, *keys: str) -> float | None:
        value = self._first(keys)
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                return None
        else:
            return None
        return number if math.isfinite(number) else None

    def _int(self, *keys: str) -> int | None:
        value = self._first(keys)
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        number = self._float(*keys)
        return int(number) if number is not None and number.is_integer() else None

    def _models(self, key: str, model: type[_R]) -> tuple[_R, ...]:
        raw = self._data.get(key)
        if not isinstance(raw, list):
            return ()
        parsed: list[_R] = []
        for item in raw:
            if isinstance(item, dict):
                try:
                    parsed.append(model.model_validate(item))
                except ValidationError:
                    continue
        return tuple(parsed)

    @classmethod
    def _adopt(cls, data: dict[str, Any]) -> ImageMeta:
        """Wrap a dict pydantic has just built (already a private copy) without copying it again."""
        meta = cls.__new__(cls)
        meta._data = data
        return meta

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls._adopt,
            core_schema.dict_schema(core_schema.str_schema(), core_schema.any_schema()),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda meta: meta.to_dict()),
        )


_R = TypeVar("_R", bound=CivitaiModel)

MetaField = Annotated[ImageMeta | None, BeforeValidator(_unwrap_meta)]
