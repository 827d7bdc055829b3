"""The ``imageGen`` step: one builder over the engine/ecosystem variants of ``ImageGenInput``.

Each supported variant lists the input fields its schema allows and their ranges (copied from the v2
OpenAPI document: ``Sd1ImageGenInput``, ``SdxlImageGenInput``, ``Flux1SdCppImageGenInput``,
``ComfySd1ImageGenInput``, ``ComfySdxlImageGenInput``, ``ComfyFlux1ImageGenInput`` and their operations).
Setting a field the variant does not have is a ``ValueError`` — e.g. ``clipSkip`` on SDXL, which the
orchestrator rejects with a 400.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Self, Unpack

from civitai_kit._runtime import M
from civitai_kit.core.air import AirIdentifier
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk.builders import ControlNetOptions, _StepBuilderBase, control_net
from civitai_kit.sdk.enums import (
    ComfySampler,
    ComfyScheduler,
    ImageTransformer,
    OutputFormat,
    SdCppSampleMethod,
    SdCppSchedule,
    member,
)
from civitai_kit.sdk.templates import StepTemplate

Checker = Callable[[str, Any], Any]


def _enum(enum: Any) -> Checker:
    return lambda name, value: member(enum, value, name).value


def _int(low: int, high: int) -> Checker:
    return partial(check.integer, low=low, high=high)


def _num(low: float, high: float) -> Checker:
    return partial(check.number, low=low, high=high)


def _text(max_length: int, *, allow_blank: bool = False) -> Checker:
    return partial(check.text, max_length=max_length, allow_blank=allow_blank)


def _side(low: int, high: int) -> Checker:
    return partial(check.dimension, low=low, high=high)


def _choice(*allowed: str) -> Checker:
    def checked(name: str, value: Any) -> Any:
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        return value

    return checked


def _keep(name: str, value: Any) -> Any:
    return value  # already checked by the builder method (loras, embeddings, control nets)


_SEED = _int(check.INT64_MIN, check.INT64_MAX)
_BASE: dict[str, Checker] = {
    "outputFormat": lambda name, value: member(OutputFormat, value, name).value,
    "imageMetadata": _text(100_000, allow_blank=True),
}


@dataclass(frozen=True, slots=True)
class ImageGenVariant:
    """One ``engine``/``ecosystem`` pair: allowed input keys, what must be set, and the variant operation."""

    engine: str
    ecosystem: str
    keys: Mapping[str, Checker]
    required: tuple[str, ...]
    strength_key: str  # the denoise key of ``createVariant``
    operations: tuple[str, ...] = ("createImage", "createVariant")

    def check(self, argument: str, key: str, value: Any) -> Any:
        checker = self.keys.get(key)
        if checker is None:
            raise ValueError(f"{argument} is not supported by imageGen {self.engine}/{self.ecosystem}")
        return checker(argument, value)


def _stable_diffusion(engine: str, ecosystem: str, side: int, extra: Mapping[str, Checker]) -> ImageGenVariant:
    """SD1/SDXL/Flux-style inputs shared by sdcpp and comfy (``Sd1ImageGenInput``, ``ComfySdxlImageGenInput``…)."""
    strength = "strength" if engine == "sdcpp" else "denoiseStrength"
    keys = {
        **_BASE,
        "model": check.air,
        "prompt": _text(10_000),
        "steps": _int(1, 150),
        "cfgScale": _num(0, 30),
        "seed": _SEED,
        "quantity": _int(1, 12),
        "vaeModel": check.air,
        "loras": _keep,
        "width": _side(64, side),
        "height": _side(64, side),
        "image": _text(50_000_000),
        strength: _num(0, 1),
        **extra,
    }
    return ImageGenVariant(engine, ecosystem, keys, ("model", "prompt"), strength)


_SDCPP = {
    "negativePrompt": _text(10_000, allow_blank=True),
    "sampleMethod": _enum(SdCppSampleMethod),
    "schedule": _enum(SdCppSchedule),
    "embeddings": _keep,
    "uCache": _choice("off", "normal"),
}
_COMFY = {"sampler": _enum(ComfySampler), "scheduler": _enum(ComfyScheduler), "controlNets": _keep}


_NEGATIVE = {"negativePrompt": _text(10_000, allow_blank=True)}
_FLUX1_SDCPP = ImageGenVariant(
    "sdcpp",
    "flux1",
    {
        **_BASE,
        "prompt": _text(1_000),
        "negativePrompt": _text(10_000, allow_blank=True),
        "width": _side(832, 1216),
        "height": _side(832, 1216),
        "seed": _SEED,
        "quantity": _int(1, 4),
        "cfgScale": _num(1, 20),
        "steps": _int(4, 50),
        "sampleMethod": _enum(SdCppSampleMethod),
        "schedule": _enum(SdCppSchedule),
        "loras": _keep,
        "diffuserModel": check.air,
        "vaeModel": check.air,
        "clipLModel": check.air,
        "t5XXLModel": check.air,
        "images": _keep,
        "image": _text(50_000_000),
        "strength": _num(0, 1),
    },
    ("diffuserModel", "vaeModel", "clipLModel", "t5XXLModel", "prompt"),
    "strength",
    ("createImage", "editImage", "createVariant"),
)

VARIANTS: dict[tuple[str, str], ImageGenVariant] = {
    ("sdcpp", "sd1"): _stable_diffusion("sdcpp", "sd1", 2048, {**_SDCPP, "clipSkip": _int(1, 12)}),
    ("sdcpp", "sdxl"): _stable_diffusion("sdcpp", "sdxl", 2048, _SDCPP),
    ("sdcpp", "flux1"): _FLUX1_SDCPP,
    ("comfy", "sd1"): _stable_diffusion("comfy", "sd1", 1024, {**_COMFY, **_NEGATIVE, "clipSkip": _int(1, 12)}),
    ("comfy", "sdxl"): _stable_diffusion("comfy", "sdxl", 2048, {**_COMFY, **_NEGATIVE}),
    ("comfy", "flux1"): _stable_diffusion("comfy", "flux1", 2048, _COMFY),
}
_OPERATION_KEYS = {"createVariant": ("image", "strength", "denoiseStrength"), "editImage": ("images",)}
_REQUIRED_HINTS = {
    "model": "with_model(<checkpoint AIR>)",
    "prompt": "with_prompt(…)",
    "diffuserModel": "with_flux_models(…)",
    "vaeModel": "with_flux_models(…)",
    "clipLModel": "with_flux_models(…)",
    "t5XXLModel": "with_flux_models(…)",
}


def variant(engine: str, ecosystem: str) -> ImageGenVariant:
    found = VARIANTS.get((engine, ecosystem))
    if found is None:
        supported = ", ".join(f"{e}/{s}" for e, s in VARIANTS)
        raise ValueError(
            f"imageGen engine/ecosystem {engine!r}/{ecosystem!r} has no builder (supported: {supported}); "
            "use sdk.workflows.step('imageGen', {...}) for other engines"
        )
    return found


@dataclass(frozen=True, kw_only=True)
class ImageGenBuilder(_StepBuilderBase[M]):
    """``imageGen`` for one engine/ecosystem (``sdk.workflows.image_gen("sdcpp", "sdxl")``)."""

    variant: ImageGenVariant
    operation: str = "createImage"
    input: Mapping[str, Any] = field(default_factory=dict)

    def _put(self, argument: str, key: str, value: Any) -> Self:
        return replace(self, input={**self.input, key: self.variant.check(argument, key, value)})

    def with_model(self, model: AirIdentifier | str) -> Self:
        return self._put("model", "model", model)

    def with_prompt(self, prompt: str) -> Self:
        return self._put("prompt", "prompt", prompt)

    def with_negative_prompt(self, negative_prompt: str) -> Self:
        return self._put("negative_prompt", "negativePrompt", negative_prompt)

    def with_size(self, width: int, height: int) -> Self:
        return self._put("width", "width", width)._put("height", "height", height)

    def with_steps(self, steps: int) -> Self:
        return self._put("steps", "steps", steps)

    def with_cfg_scale(self, cfg_scale: float) -> Self:
        return self._put("cfg_scale", "cfgScale", cfg_scale)

    def with_seed(self, seed: int) -> Self:
        return self._put("seed", "seed", seed)

    def with_quantity(self, quantity: int) -> Self:
        return self._put("quantity", "quantity", quantity)

    def with_clip_skip(self, clip_skip: int) -> Self:
        return self._put("clip_skip", "clipSkip", clip_skip)

    def with_sampler(self, sampler: SdCppSampleMethod | ComfySampler | str) -> Self:
        """``sampleMethod`` for sdcpp (``SdCppSampleMethod``), ``sampler`` for comfy (``ComfySampler``)."""
        key = "sampleMethod" if "sampleMethod" in self.variant.keys else "sampler"
        return self._put("sampler", key, sampler)

    def with_scheduler(self, scheduler: SdCppSchedule | ComfyScheduler | str) -> Self:
        """``schedule`` for sdcpp (``SdCppSchedule``), ``scheduler`` for comfy (``ComfyScheduler``)."""
        key = "schedule" if "schedule" in self.variant.keys else "scheduler"
        return self._put("scheduler", key, scheduler)

    def with_vae(self, vae: AirIdentifier | str) -> Self:
        return self._put("vae", "vaeModel", vae)

    def with_u_cache(self, mode: str) -> Self:
        return self._put("u_cache", "uCache", mode)

    def with_output_format(self, output_format: OutputFormat | str) -> Self:
        return self._put("output_format", "outputFormat", output_format)

    def with_image_metadata(self, image_metadata: str) -> Self:
        return self._put("image_metadata", "imageMetadata", image_metadata)

    def with_lora(self, air: AirIdentifier | str, strength: float = 1.0) -> Self:
        """Add a LoRA by AIR (the same AIR again replaces its strength)."""
        loras = {**self.input.get("loras", {}), check.air("air", air): check.number("strength", strength, -10, 10)}
        return self._put("lora", "loras", loras)

    def with_embedding(self, air: AirIdentifier | str) -> Self:
        embeddings = [*self.input.get("embeddings", []), check.air("air", air)]
        return self._put("embedding", "embeddings", list(dict.fromkeys(embeddings)))

    def with_control_net(
        self, preprocessor: ImageTransformer | str, image: str, **options: Unpack[ControlNetOptions]
    ) -> Self:
        """A ControlNet (comfy engines); options as in [`ControlNetOptions`][]."""
        return self._put(
            "control_net",
            "controlNets",
            [*self.input.get("controlNets", []), control_net(preprocessor, image, **options)],
        )

    def with_flux_models(
        self,
        *,
        diffuser: AirIdentifier | str,
        vae: AirIdentifier | str,
        clip_l: AirIdentifier | str,
        t5xxl: AirIdentifier | str,
    ) -> Self:
        """The four models sdcpp Flux.1 loads separately."""
        return (
            self._put("diffuser", "diffuserModel", diffuser)
            ._put("vae", "vaeModel", vae)
            ._put("clip_l", "clipLModel", clip_l)
            ._put("t5xxl", "t5XXLModel", t5xxl)
        )

    def with_source_image(self, image: str, strength: float = 0.7) -> Self:
        """Make a variant of ``image`` (URL, data URL or base64): operation ``createVariant``."""
        changed = self._put("image", "image", image)._put("strength", self.variant.strength_key, strength)
        return replace(changed, operation="createVariant")

    def with_edit_images(self, *images: str) -> Self:
        """Edit up to two images by prompt: operation ``editImage`` (sdcpp Flux.1)."""
        if "editImage" not in self.variant.operations:
            raise ValueError(
                f"images: editImage is not supported by imageGen {self.variant.engine}/{self.variant.ecosystem}"
            )
        if not 1 <= len(images) <= 2:
            raise ValueError(f"images: editImage takes one or two images, got {len(images)}")
        return replace(self._put("images", "images", list(check.strings("images", images))), operation="editImage")

    def step(self) -> StepTemplate:
        for key in self.variant.required:
            if key not in self.input:
                raise ValueError(
                    f"{key} is required for imageGen {self.variant.engine}/{self.variant.ecosystem}: "
                    f"use {_REQUIRED_HINTS[key]}"
                )
        # Inputs of the other operations (a source image, then edit images…) are left out.
        foreign = {"image", "images", self.variant.strength_key} - set(_OPERATION_KEYS.get(self.operation, ()))
        inputs = {key: value for key, value in self.input.items() if key not in foreign}
        if self.operation == "createVariant":
            inputs.setdefault(self.variant.strength_key, 0.7 if self.variant.strength_key == "strength" else 0.75)
        body = {"engine": self.variant.engine, "ecosystem": self.variant.ecosystem, "operation": self.operation}
        return StepTemplate("imageGen", {**body, **inputs}, self.step_options)
