"""Immutable workflow builders: ``textToImage``, any step by type, and multi-step workflows.

Every ``with_*`` returns a new builder, so a configured builder can be shared and varied freely. Values are
checked against the v2 schema's ranges when set (``ValueError``/``TypeError`` naming the argument), and
required inputs when the step is built — always before any request is sent.

    wf = (sdk.workflows.text_to_image()
          .with_model("urn:air:sdxl:checkpoint:civitai:101055@128078")
          .with_prompt("a lighthouse at dawn").with_size(1024, 1024)
          .with_tags("demo").submit(wait=30))
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, Self, TypedDict, Unpack

from civitai_kit._runtime import AsyncDriver, Bound, Driver, M, Operation, OperationMethod
from civitai_kit.core.air import AirIdentifier
from civitai_kit.result import Result
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk import spec_inputs, workflow_calls
from civitai_kit.sdk.enums import AssetType, ImageTransformer, OutputFormat, Scheduler, member
from civitai_kit.sdk.models import Workflow
from civitai_kit.sdk.service import http_of
from civitai_kit.sdk.templates import StepSettings, StepTemplate, WorkflowSettings, WorkflowTemplate

SEED_MAX = 4_294_967_295
TEXT_TO_IMAGE_SIDE = (64, 4084)


class StepSource(Protocol):
    """Anything that can produce a step: a step builder, or a [`StepTemplate`][] (via ``step()``)."""

    def step(self) -> StepTemplate: ...


class ControlNetOptions(TypedDict, total=False):
    weight: float
    """0–2 (default 1)."""
    start_step: float
    """Fraction of the sampling where it starts (default 0)."""
    end_step: float
    """Fraction where it stops (default 1)."""
    mask: str
    """The inpaint mask image (required for the ``inpaint`` preprocessor)."""


def control_net(
    preprocessor: ImageTransformer | str, image: str, **options: Unpack[ControlNetOptions]
) -> dict[str, Any]:
    """A v2 ``ImageJobControlNet``: preprocessor, control image (URL, data URL or AIR), weight, step range."""
    transformer = member(ImageTransformer, preprocessor, "preprocessor")
    start, end = check.step_range(options.get("start_step", 0.0), options.get("end_step", 1.0))
    weight, mask = options.get("weight", 1.0), options.get("mask")
    if transformer is ImageTransformer.INPAINT and mask is None:
        raise ValueError("mask is required for the inpaint preprocessor")
    net: dict[str, Any] = {
        "preprocessor": transformer.value,
        "weight": check.number("weight", weight, 0, 2),
        "startStep": start,
        "endStep": end,
        "image": check.text("image", image),
    }
    if mask is not None:
        net["mask"] = check.text("mask", mask)
    return net


def _submit(
    self: _WorkflowBuilderBase[Any], *, wait: int = 0, whatif: bool = False, hide_mature_content: bool = False
) -> Operation[Result[Workflow]]:
    """Build the workflow and submit it (``wait``: seconds the server may block, up to 100; ``whatif``: only
    estimate the cost). Building happens here, so a missing model or prompt raises before any request."""
    template = self.build()
    return workflow_calls.submit(
        http_of(self), template, wait=wait, whatif=whatif, hide_mature_content=hide_mature_content
    )


@dataclass(frozen=True, kw_only=True)
class _WorkflowBuilderBase(Bound[M], WorkflowSettings):
    _driver: Driver | AsyncDriver | None = field(default=None, repr=False, compare=False)

    def build(self) -> WorkflowTemplate:
        raise NotImplementedError

    submit = OperationMethod(_submit)


@dataclass(frozen=True, kw_only=True)
class WorkflowBuilder(_WorkflowBuilderBase[M]):
    """A workflow of several steps; later steps may reference earlier ones by name."""

    steps: tuple[StepTemplate, ...] = ()

    def add_step(self, step: StepSource | StepTemplate) -> Self:
        template = step if isinstance(step, StepTemplate) else step.step()
        return replace(self, steps=(*self.steps, template))

    def build(self) -> WorkflowTemplate:
        return WorkflowTemplate(self.steps, self.options)


@dataclass(frozen=True, kw_only=True)
class _StepBuilderBase(_WorkflowBuilderBase[M], StepSettings):
    """A single-step workflow: ``step()`` gives the step alone, ``build()`` the whole workflow."""

    def step(self) -> StepTemplate:
        raise NotImplementedError

    def build(self) -> WorkflowTemplate:
        return WorkflowTemplate((self.step(),), self.options)


@dataclass(frozen=True, kw_only=True)
class StepBuilder(_StepBuilderBase[M]):
    """Any recipe by its ``$type`` with a hand-written input (``sdk.workflows.step("echo", {...})``)."""

    type: str
    input: Mapping[str, Any] = field(default_factory=dict)

    def with_input(self, **values: Any) -> Self:
        """Set input fields (wire names, e.g. ``with_input(mediaUrl="https://…")``)."""
        return replace(self, input={**self.input, **values})

    def step(self) -> StepTemplate:
        return StepTemplate(self.type, dict(self.input), self.step_options)


@dataclass(frozen=True, kw_only=True)
class SpecStepBuilder(_StepBuilderBase[M]):
    """Any step type, any engine, checked against the v2 spec: ``sdk.workflows.image_gen_with("flux2", …)``,
    ``video_gen("kling", …)``, ``run("wdTagging", media_url=…)``.

    Fields are given in snake_case (or wire names); each is checked when set — unknown fields, wrong types,
    out-of-range numbers, over-long text and unknown enum or discriminator values (``engine``, ``model``,
    ``operation``…) raise ``ValueError`` naming the field — and required ones when the step is built.
    """

    type: str
    input: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        spec_inputs.step_input_schema(self.type)  # an unknown step type fails here, not at submit

    def with_input(self, **values: Any) -> Self:
        """More input fields; the values set so far are re-checked with them (a discriminator may change)."""
        merged = {**self.input, **values}
        _partial_check(self.type, merged)
        return replace(self, input=merged)

    def step(self) -> StepTemplate:
        return StepTemplate(self.type, spec_inputs.check_step_input(self.type, self.input), self.step_options)


def _partial_check(step_type: str, values: Mapping[str, Any]) -> None:
    """Check the values given so far; a still-missing required field is fine until ``step()``."""
    with suppress(spec_inputs.MissingField):
        spec_inputs.check_step_input(step_type, values)


@dataclass(frozen=True, kw_only=True)
class TextToImageBuilder(_StepBuilderBase[M]):
    """The ``textToImage`` step (``TextToImageInput``): checkpoint, prompt, size, sampler, LoRAs, ControlNets."""

    input: Mapping[str, Any] = field(default_factory=dict)
    networks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    control_nets: tuple[Mapping[str, Any], ...] = ()

    def _put(self, key: str, value: Any) -> Self:
        return replace(self, input={**self.input, key: value})

    def with_model(self, model: AirIdentifier | str) -> Self:
        """The checkpoint's AIR, e.g. ``urn:air:sdxl:checkpoint:civitai:101055@128078``."""
        return self._put("model", check.air("model", model))

    def with_prompt(self, prompt: str) -> Self:
        return self._put("prompt", check.text("prompt", prompt))

    def with_negative_prompt(self, negative_prompt: str) -> Self:
        return self._put("negativePrompt", check.text("negative_prompt", negative_prompt, allow_blank=True))

    def with_size(self, width: int, height: int) -> Self:
        """Width and height in pixels: 64–4084 and multiples of 8."""
        low, high = TEXT_TO_IMAGE_SIDE
        return replace(
            self,
            input={
                **self.input,
                "width": check.dimension("width", width, low, high),
                "height": check.dimension("height", height, low, high),
            },
        )

    def with_steps(self, steps: int) -> Self:
        return self._put("steps", check.integer("steps", steps, 1, 150))

    def with_cfg_scale(self, cfg_scale: float) -> Self:
        return self._put("cfgScale", check.number("cfg_scale", cfg_scale, 1, 30))

    def with_seed(self, seed: int) -> Self:
        """0–4294967295; without a seed the builder picks a random one (the schema requires a value)."""
        return self._put("seed", check.integer("seed", seed, 0, SEED_MAX))

    def with_clip_skip(self, clip_skip: int) -> Self:
        return self._put("clipSkip", check.integer("clip_skip", clip_skip, 1, 12))

    def with_scheduler(self, scheduler: Scheduler | str) -> Self:
        return self._put("scheduler", member(Scheduler, scheduler, "scheduler").value)

    def with_quantity(self, quantity: int) -> Self:
        """How many batches to run (1–100)."""
        return self._put("quantity", check.integer("quantity", quantity, 1, 100))

    def with_batch_size(self, batch_size: int) -> Self:
        """Images per batch (1–100)."""
        return self._put("batchSize", check.integer("batch_size", batch_size, 1, 100))

    def with_output_format(self, output_format: OutputFormat | str) -> Self:
        return self._put("outputFormat", member(OutputFormat, output_format, "output_format").value)

    def with_source_image(self, image: str, denoise_strength: float = 0.8) -> Self:
        """img2img: a source image (URL, data URL or AIR) and how much of it to repaint (0–1)."""
        strength = check.number("denoise_strength", denoise_strength, 0, 1)
        # The wire name's spelling ("Strenght") is the API's own.
        return replace(
            self,
            input={**self.input, "sourceImage": check.text("image", image), "sourceImageDenoiseStrenght": strength},
        )

    def with_engine(self, engine: str) -> Self:
        return self._put("engine", check.text("engine", engine))

    def with_image_metadata(self, image_metadata: str) -> Self:
        """Text stored with the produced images."""
        return self._put("imageMetadata", check.text("image_metadata", image_metadata, allow_blank=True))

    def with_additional_network(
        self,
        air: AirIdentifier | str,
        *,
        strength: float | None = None,
        trigger_word: str | None = None,
        type: AssetType | str | None = None,
    ) -> Self:
        """A LoRA / LyCORIS / embedding by AIR; the same AIR again replaces the earlier entry."""
        params: dict[str, Any] = {}
        if strength is not None:
            params["strength"] = check.number("strength", strength, -10, 10)
        if trigger_word is not None:
            params["triggerWord"] = check.text("trigger_word", trigger_word)
        if type is not None:
            params["type"] = member(AssetType, type, "type").value
        return replace(self, networks={**self.networks, check.air("air", air): params})

    def with_control_net(
        self, preprocessor: ImageTransformer | str, image: str, **options: Unpack[ControlNetOptions]
    ) -> Self:
        """A ControlNet: preprocessor, control image (URL, data URL or AIR); ``weight``, ``start_step``,
        ``end_step``, ``mask`` as in [`ControlNetOptions`][]."""
        net = control_net(preprocessor, image, **options)
        return replace(self, control_nets=(*self.control_nets, net))

    def step(self) -> StepTemplate:
        if "model" not in self.input:
            raise ValueError("model is required: use with_model(<checkpoint AIR>)")
        if "prompt" not in self.input:
            raise ValueError("prompt is required: use with_prompt(…)")
        wire: dict[str, Any] = {"cfgScale": 7.5, "seed": random.randrange(SEED_MAX + 1), **self.input}
        if self.networks:
            wire["additionalNetworks"] = {air: dict(params) for air, params in self.networks.items()}
        if self.control_nets:
            wire["controlNets"] = [dict(net) for net in self.control_nets]
        return StepTemplate("textToImage", wire, self.step_options)
