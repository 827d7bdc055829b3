"""Every request body the SDK can build validates against the real OpenAPI documents, for generated inputs;
out-of-range inputs are refused at the builder with a ValueError naming the argument."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitai_kit.sdk.builders import StepBuilder, TextToImageBuilder, WorkflowBuilder
from civitai_kit.sdk.enums import (
    AssetType,
    BuzzAccount,
    CallbackEvent,
    ComfySampler,
    ComfyScheduler,
    ImageTransformer,
    OutputFormat,
    Priority,
    Scheduler,
    SdCppSampleMethod,
    SdCppSchedule,
    UpgradeMode,
    WorkflowNsfwLevel,
    v1_scheduler,
)
from civitai_kit.sdk.image_gen import VARIANTS, ImageGenBuilder, variant
from civitai_kit.sdk.jobs import TextToImageJobBuilder
from tests.support.sdk_openapi import v1, v2

SDXL = "urn:air:sdxl:checkpoint:civitai:101055@128078"
LORA = "urn:air:sdxl:lora:civitai:328553@368189"
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

sides = st.integers(8, 255).map(lambda n: n * 8)
prompts = st.text(min_size=1, max_size=60).filter(str.strip)
airs = st.builds(
    lambda eco, kind, model, version: f"urn:air:{eco}:{kind}:civitai:{model}@{version}",
    st.sampled_from(["sd1", "sdxl", "flux1", "pony", "zImage", "hidream-o1"]),
    st.sampled_from(["lora", "lycoris", "embedding", "checkpoint"]),
    st.integers(1, 10**7),
    st.integers(1, 10**7),
)
tags = st.lists(st.text(min_size=1, max_size=30).filter(str.strip), max_size=10, unique=True)


@st.composite
def workflow_settings(draw: st.DrawFn, builder: Any) -> Any:
    """Apply a random selection of workflow- and step-level settings."""
    if draw(st.booleans()):
        builder = builder.with_tags(*draw(tags))
    if draw(st.booleans()):
        builder = builder.with_metadata({"run": draw(st.integers()), "note": draw(st.text(max_size=20))})
    if draw(st.booleans()):
        events = draw(st.lists(st.sampled_from(list(CallbackEvent)), min_size=1, max_size=4))
        builder = builder.with_callback("https://example.com/hook", events, detailed=draw(st.booleans()))
    if draw(st.booleans()):
        builder = builder.with_currencies(*draw(st.lists(st.sampled_from(list(BuzzAccount)), max_size=3)))
    if draw(st.booleans()):
        builder = builder.with_tips(civitai=draw(st.floats(0, 2)), creators=draw(st.floats(0, 2)))
    if draw(st.booleans()):
        builder = builder.with_external_id(draw(st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True)))
    if draw(st.booleans()):
        builder = builder.with_nsfw_level(draw(st.sampled_from(list(WorkflowNsfwLevel))))
    if draw(st.booleans()):
        builder = builder.with_upgrade_mode(draw(st.sampled_from(list(UpgradeMode))))
    if draw(st.booleans()):
        builder = builder.with_allow_mature_content(draw(st.booleans())).with_experimental(draw(st.booleans()))
    if draw(st.booleans()):
        builder = builder.with_arguments({"image": "https://example.com/a.png"})
    if hasattr(builder, "with_priority") and draw(st.booleans()):
        builder = builder.with_priority(draw(st.sampled_from(list(Priority))))
        builder = builder.with_timeout(draw(st.integers(1, 3 * 86400))).with_retries(draw(st.integers(0, 5)))
        builder = builder.with_name(draw(st.from_regex(r"[a-z]{1,10}", fullmatch=True)))
    return builder


@st.composite
def text_to_image(draw: st.DrawFn) -> TextToImageBuilder[Any]:
    b: TextToImageBuilder[Any] = TextToImageBuilder().with_model(draw(airs)).with_prompt(draw(prompts))
    optional: list[Any] = [
        lambda b: b.with_negative_prompt(draw(st.text(max_size=40))),
        lambda b: b.with_size(draw(st.integers(8, 510).map(lambda n: n * 8)), draw(sides)),
        lambda b: b.with_steps(draw(st.integers(1, 150))),
        lambda b: b.with_cfg_scale(draw(st.floats(1, 30))),
        lambda b: b.with_seed(draw(st.integers(0, 4_294_967_295))),
        lambda b: b.with_clip_skip(draw(st.integers(1, 12))),
        lambda b: b.with_scheduler(draw(st.sampled_from(list(Scheduler)))),
        lambda b: b.with_quantity(draw(st.integers(1, 100))).with_batch_size(draw(st.integers(1, 100))),
        lambda b: b.with_output_format(draw(st.sampled_from(list(OutputFormat)))),
        lambda b: b.with_source_image("https://example.com/in.png", draw(st.floats(0, 1))),
        lambda b: b.with_engine("sdcpp").with_image_metadata(draw(st.text(max_size=20))),
        lambda b: b.with_additional_network(
            draw(airs), strength=draw(st.floats(-2, 2)), type=draw(st.sampled_from(list(AssetType)))
        ),
        lambda b: b.with_additional_network(draw(airs), trigger_word="easynegative"),
        lambda b: b.with_control_net(
            draw(st.sampled_from(list(ImageTransformer))),
            "https://example.com/pose.png",
            weight=draw(st.floats(0, 2)),
            start_step=0.0,
            end_step=draw(st.floats(0, 1)),
            mask="https://example.com/mask.png",
        ),
    ]
    for apply in optional:
        if draw(st.booleans()):
            b = apply(b)
    return draw(workflow_settings(b))


@EXAMPLES
@given(text_to_image())
def test_text_to_image_bodies_match_the_v2_schema(builder: TextToImageBuilder[Any]) -> None:
    v2().assert_valid("WorkflowTemplate", builder.build().to_json())


@st.composite
def image_gen(draw: st.DrawFn) -> ImageGenBuilder[Any]:
    engine, ecosystem = draw(st.sampled_from(sorted(VARIANTS)))
    found = variant(engine, ecosystem)
    b: ImageGenBuilder[Any] = ImageGenBuilder(variant=found).with_prompt(draw(prompts.filter(lambda p: len(p) < 900)))
    if "model" in found.keys:
        b = b.with_model(draw(airs))
    else:
        b = b.with_flux_models(diffuser=draw(airs), vae=draw(airs), clip_l=draw(airs), t5xxl=draw(airs))
    low, high = {"flux1": (104, 152)}.get(ecosystem, (8, 128)) if engine == "sdcpp" else (8, 128)
    if draw(st.booleans()):
        b = b.with_size(draw(st.integers(low, high)) * 8, draw(st.integers(low, high)) * 8)
    if draw(st.booleans()):
        b = b.with_steps(draw(st.integers(4, 50))).with_cfg_scale(draw(st.floats(1, 20)))
    if draw(st.booleans()):
        b = b.with_seed(draw(st.integers(0, 2**40))).with_quantity(draw(st.integers(1, 4)))
    if draw(st.booleans()):
        enum_pair = (SdCppSampleMethod, SdCppSchedule) if engine == "sdcpp" else (ComfySampler, ComfyScheduler)
        b = b.with_sampler(draw(st.sampled_from(list(enum_pair[0])))).with_scheduler(
            draw(st.sampled_from(list(enum_pair[1])))
        )
    if draw(st.booleans()):
        b = b.with_lora(draw(airs), draw(st.floats(0, 2)))
    if draw(st.booleans()) and "negativePrompt" in found.keys:
        b = b.with_negative_prompt(draw(st.text(max_size=30)))
    if draw(st.booleans()) and "clipSkip" in found.keys:
        b = b.with_clip_skip(draw(st.integers(1, 12)))
    if draw(st.booleans()) and "embeddings" in found.keys:
        b = b.with_embedding(draw(airs)).with_vae(draw(airs)).with_u_cache(draw(st.sampled_from(["off", "normal"])))
    if draw(st.booleans()) and "controlNets" in found.keys:
        preprocessor = draw(st.sampled_from(list(ImageTransformer)))
        b = b.with_control_net(preprocessor, "https://example.com/c.png", mask="https://example.com/m.png")
    if draw(st.booleans()):
        b = b.with_output_format(draw(st.sampled_from(list(OutputFormat))))
    operation = draw(st.sampled_from(found.operations))
    if operation == "createVariant":
        b = b.with_source_image("https://example.com/in.png", draw(st.floats(0, 1)))
    elif operation == "editImage":
        b = b.with_edit_images("https://example.com/a.png")
    return draw(workflow_settings(b))


@EXAMPLES
@given(image_gen())
def test_image_gen_bodies_match_the_v2_schema(builder: ImageGenBuilder[Any]) -> None:
    v2().assert_valid("WorkflowTemplate", builder.build().to_json())


def test_multi_step_and_generic_step_bodies_match() -> None:
    echo: StepBuilder[Any] = StepBuilder(type="echo", input={"message": "hi"}).with_name("greet")
    image: TextToImageBuilder[Any] = TextToImageBuilder().with_model(SDXL).with_prompt("a fox").with_name("draw")
    workflow: WorkflowBuilder[Any] = (
        WorkflowBuilder().add_step(echo).add_step(image).with_tags("demo").with_external_id("run-1")
    )
    body = workflow.build().to_json()
    v2().assert_valid("WorkflowTemplate", body)
    assert [step["$type"] for step in body["steps"]] == ["echo", "textToImage"]


def test_the_schema_check_catches_wrong_bodies() -> None:
    """The validator is not vacuous: a CivitaiSharp-style body and an SDXL clipSkip are rejected."""
    api = v2()
    good = TextToImageBuilder().with_model(SDXL).with_prompt("cat").build().to_json()
    bad = {**good, "steps": [{**good["steps"][0], "input": {**good["steps"][0]["input"], "scheduler": "euler_a"}}]}
    assert api.errors("WorkflowTemplate", bad)
    sdxl = ImageGenBuilder(variant=variant("sdcpp", "sdxl")).with_model(SDXL).with_prompt("x").step().to_json()
    assert api.errors("WorkflowStepTemplate", {**sdxl, "input": {**sdxl["input"], "clipSkip": 2}})
    assert api.errors("WorkflowTemplate", {"steps": []})


# ---------------------------------------------------------------------------------------------- v1


@st.composite
def job(draw: st.DrawFn) -> TextToImageJobBuilder[Any]:
    b: TextToImageJobBuilder[Any] = TextToImageJobBuilder().with_model(draw(airs)).with_prompt(draw(prompts))
    optional: list[Any] = [
        lambda b: b.with_negative_prompt("blurry"),
        lambda b: b.with_size(draw(st.integers(8, 256)) * 8, draw(st.integers(8, 256)) * 8),
        lambda b: b.with_steps(draw(st.integers(1, 150))),
        lambda b: b.with_cfg_scale(draw(st.floats(1, 30))),
        lambda b: b.with_seed(draw(st.integers(-1, 4_294_967_295))),
        lambda b: b.with_clip_skip(draw(st.integers(1, 12))),
        lambda b: b.with_scheduler(draw(st.sampled_from([s for s in Scheduler if s is not Scheduler.DPM3_M_SDE]))),
        lambda b: b.with_quantity(draw(st.integers(1, 100))),
        lambda b: b.with_additional_network(
            draw(airs), type=draw(st.sampled_from(list(AssetType))), strength=draw(st.floats(0, 2))
        ),
        lambda b: b.with_control_net(
            draw(st.sampled_from(["canny", "depthZoe", "softedgePidinet", "rembg"])),
            image_url="https://example.com/c.png",
        ),
        lambda b: b.with_control_net("canny", blob_key="ABCDEF"),
        lambda b: b.with_priority(draw(st.integers(0, 10))),
        lambda b: b.with_priority((draw(st.integers(0, 4)), draw(st.integers(5, 10)))),
        lambda b: b.with_callback_url("https://example.com/done"),
        lambda b: b.with_retries(draw(st.integers(0, 5))).with_timeout(draw(st.integers(1, 200_000))),
        lambda b: b.with_property("userId", draw(st.integers())).with_property("tag", "x"),
    ]
    for apply in optional:
        if draw(st.booleans()):
            b = apply(b)
    return b


@EXAMPLES
@given(job(), st.lists(job(), max_size=2))
def test_v1_job_bodies_match_the_v1_schema(first: TextToImageJobBuilder[Any], others: list[Any]) -> None:
    api = v1()
    body = first.to_json()
    assert body["$type"] == "textToImage"  # the discriminator CivitaiSharp never sent
    api.assert_valid("TextToImageJobRequest", body)
    # A batch is ``JobTemplateList``; its ``oneOf`` is told apart by ``$type`` on the server (the schema's
    # .NET discriminator names are not what clients send), so each item is checked as the type it names.
    batch = {"jobs": [body, *(other.to_json() for other in others)]}
    assert set(batch) == {"jobs"}
    for item in batch["jobs"]:
        api.assert_valid("TextToImageJobRequest", item)


def test_v1_wire_values_are_the_real_ones() -> None:
    body = (
        TextToImageJobBuilder()
        .with_model(SDXL)
        .with_prompt("cat")
        .with_scheduler(Scheduler.DPM2_M_KARRAS)
        .with_clip_skip(2)
        .with_additional_network(LORA, strength=0.7)
        .with_control_net(ImageTransformer.DEPTH_ZOE, image_url="https://example.com/d.png")
        .with_priority((2, 8))
        .with_timeout(25 * 3600)
        .to_json()
    )
    assert body["params"] == {"width": 512, "height": 512, "prompt": "cat", "scheduler": "DPM2MKarras", "clipSkip": 2}
    assert body["additionalNetworks"] == {LORA: {"type": "Lora", "strength": 0.7}}
    assert body["controlNets"][0]["preprocessor"] == "DepthZoe"
    assert body["priority"] == {"min": 2, "max": 8}
    assert body["timeout"] == "1.01:00:00"  # CivitaiSharp dropped the day
    assert "clipSkip" not in body
    assert v1_scheduler("euler_a") == "EulerA"
    with pytest.raises(ValueError, match="v1"):
        v1_scheduler(Scheduler.DPM3_M_SDE)
    with pytest.raises(ValueError, match="preprocessor"):
        TextToImageJobBuilder().with_control_net("openpose", image_url="https://example.com/p.png")


def test_other_v1_bodies_match() -> None:
    api = v1()
    api.assert_valid("TaintJobRequest", {"reason": "nsfw", "context": {"by": "moderator"}})
    api.assert_valid("TaintJobsRequest", {"reason": "nsfw", "properties": {"userId": 4}})
    api.assert_valid("QueryJobsRequest", {"properties": {"userId": 4}, "cursor": "2"})


# ---------------------------------------------------------------------------------------------- ranges


def _t2i() -> TextToImageBuilder[Any]:
    return TextToImageBuilder()


OUT_OF_RANGE = [
    (lambda: _t2i().with_steps(0), "steps"),
    (lambda: _t2i().with_steps(151), "steps"),
    (lambda: _t2i().with_cfg_scale(0.5), "cfg_scale"),
    (lambda: _t2i().with_cfg_scale(30.5), "cfg_scale"),
    (lambda: _t2i().with_cfg_scale(float("nan")), "cfg_scale"),
    (lambda: _t2i().with_size(63, 512), "width"),
    (lambda: _t2i().with_size(512, 4088), "height"),
    (lambda: _t2i().with_size(510, 512), "width"),
    (lambda: _t2i().with_seed(-1), "seed"),
    (lambda: _t2i().with_seed(2**32), "seed"),
    (lambda: _t2i().with_quantity(0), "quantity"),
    (lambda: _t2i().with_quantity(101), "quantity"),
    (lambda: _t2i().with_batch_size(101), "batch_size"),
    (lambda: _t2i().with_clip_skip(0), "clip_skip"),
    (lambda: _t2i().with_scheduler("euler_ancestral"), "scheduler"),
    (lambda: _t2i().with_model("sdxl:checkpoint"), "model"),
    (lambda: _t2i().with_prompt("   "), "prompt"),
    (lambda: _t2i().with_source_image("https://x/y.png", 1.5), "denoise_strength"),
    (lambda: _t2i().with_control_net("canny", "https://x/y.png", start_step=0.8, end_step=0.2), "start_step"),
    (lambda: _t2i().with_control_net("inpaint", "https://x/y.png"), "mask"),
    (lambda: _t2i().with_tags(*[f"t{i}" for i in range(11)]), "tags"),
    (lambda: _t2i().with_tags("x" * 201), "tags"),
    (lambda: _t2i().with_external_id("has space"), "external_id"),
    (lambda: _t2i().with_external_id("x" * 129), "external_id"),
    (lambda: _t2i().with_tips(civitai=2.5), "civitai"),
    (lambda: _t2i().with_callback("ftp://example.com"), "callback url"),
    (lambda: _t2i().with_timeout("10 minutes"), "timeout"),
    (lambda: _t2i().with_retries(-1), "retries"),
    (lambda: _t2i().with_priority("urgent"), "priority"),
    (lambda: ImageGenBuilder(variant=variant("sdcpp", "sdxl")).with_clip_skip(2), "clip_skip"),
    (lambda: ImageGenBuilder(variant=variant("sdcpp", "sdxl")).with_quantity(13), "quantity"),
    (lambda: ImageGenBuilder(variant=variant("sdcpp", "flux1")).with_size(512, 1024), "width"),
    (lambda: ImageGenBuilder(variant=variant("sdcpp", "flux1")).with_steps(60), "steps"),
    (lambda: ImageGenBuilder(variant=variant("comfy", "sd1")).with_size(1024, 1088), "height"),
    (lambda: ImageGenBuilder(variant=variant("comfy", "flux1")).with_negative_prompt("x"), "negative_prompt"),
    (lambda: ImageGenBuilder(variant=variant("comfy", "sdxl")).with_sampler("euler_a"), "sampler"),
    (lambda: ImageGenBuilder(variant=variant("sdcpp", "sdxl")).with_edit_images("https://x/y.png"), "images"),
    (lambda: variant("openai", "sdxl"), "openai"),
    (lambda: TextToImageJobBuilder().with_size(2056, 512), "width"),
    (lambda: TextToImageJobBuilder().with_seed(-2), "seed"),
    (lambda: TextToImageJobBuilder().with_control_net("canny"), "image_url"),
    (lambda: TextToImageJobBuilder().with_priority((5, 1)), "priority"),
]


@pytest.mark.parametrize(("make", "argument"), OUT_OF_RANGE)
def test_bad_builder_arguments_raise_naming_the_argument(make: Any, argument: str) -> None:
    with pytest.raises(ValueError, match=argument):
        make()


def test_wrong_types_raise_type_error() -> None:
    with pytest.raises(TypeError, match="steps"):
        _t2i().with_steps(2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="steps"):
        _t2i().with_steps(True)
    with pytest.raises(TypeError, match="prompt"):
        _t2i().with_prompt(None)  # type: ignore[arg-type]


def test_missing_model_or_prompt_raises_at_build() -> None:
    with pytest.raises(ValueError, match="model"):
        _t2i().with_prompt("cat").build()
    with pytest.raises(ValueError, match="prompt"):
        _t2i().with_model(SDXL).build()
    with pytest.raises(ValueError, match="with_flux_models"):
        ImageGenBuilder(variant=variant("sdcpp", "flux1")).with_prompt("x").build()
    with pytest.raises(ValueError, match="model"):
        TextToImageJobBuilder().with_prompt("x").to_json()


def test_builders_are_immutable() -> None:
    base = _t2i().with_model(SDXL)
    a, b = base.with_prompt("a"), base.with_prompt("b").with_tags("x")
    assert "prompt" not in base.input and base.options.tags == ()
    assert a.input["prompt"] == "a" and b.input["prompt"] == "b" and a.options.tags == ()
