"""AIR parsing, formatting and building: table tests from the specs plus hypothesis round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from civitai_kit.core.air import AirBuilder, AirIdentifier

# (text, ecosystem, type, source, id, version, layer, format) — every AIR in orchestration-api.md,
# civitaisharp.md §3.10 and the v2 OpenAPI document, plus the layer/format forms of the AIR spec.
VALID = [
    ("urn:air:sd1:checkpoint:civitai:4384@128713", "sd1", "checkpoint", "civitai", "4384", "128713", None, None),
    ("urn:air:sdxl:checkpoint:civitai:101055@128078", "sdxl", "checkpoint", "civitai", "101055", "128078", None, None),
    ("urn:air:sdxl:model:civitai:101055@128078", "sdxl", "model", "civitai", "101055", "128078", None, None),
    ("urn:air:sd1:embedding:civitai:7808@9208", "sd1", "embedding", "civitai", "7808", "9208", None, None),
    ("urn:air:sd1:checkpoint:civitai:127227@139180", "sd1", "checkpoint", "civitai", "127227", "139180", None, None),
    ("urn:air:sd1:checkpoint:civitai:107842@275408", "sd1", "checkpoint", "civitai", "107842", "275408", None, None),
    ("urn:air:sd1:lora:civitai:162141@182559", "sd1", "lora", "civitai", "162141", "182559", None, None),
    ("urn:air:sd1:lora:civitai:82098@87153", "sd1", "lora", "civitai", "82098", "87153", None, None),
    ("urn:air:sdxl:model:civitai:4201@130072", "sdxl", "model", "civitai", "4201", "130072", None, None),
    ("urn:air:sd1:model:civitai:2421@43533", "sd1", "model", "civitai", "2421", "43533", None, None),
    (
        "urn:air:hidream-o1:checkpoint:civitai:2618495@2939964",
        "hidream-o1",
        "checkpoint",
        "civitai",
        "2618495",
        "2939964",
        None,
        None,
    ),
    (
        "urn:air:anima:repository:huggingface:circlestone-labs/Anima-Base-v1.0-Diffusers@main.tar",
        "anima",
        "repository",
        "huggingface",
        "circlestone-labs/Anima-Base-v1.0-Diffusers",
        "main",
        None,
        "tar",
    ),
    (
        "urn:air:qwen3:repository:huggingface:Civitai/Qwen-Image-Bench-AutoRound-AWQ-INT4@main.tar",
        "qwen3",
        "repository",
        "huggingface",
        "Civitai/Qwen-Image-Bench-AutoRound-AWQ-INT4",
        "main",
        None,
        "tar",
    ),
    (
        "urn:air:oci:image:ghcr:civitai/civitai-spine-comfy@v2.5.5",
        "oci",
        "image",
        "ghcr",
        "civitai/civitai-spine-comfy",
        "v2.5.5",
        None,
        None,
    ),
    (
        "urn:air:oci:image:ghcr:civitai/civitai-spine-comfy-cloud@v2.7.0",
        "oci",
        "image",
        "ghcr",
        "civitai/civitai-spine-comfy-cloud",
        "v2.7.0",
        None,
        None,
    ),
    (
        "urn:air:oci:image:ghcr:civitai/comfy@sha256:" + "ab" * 32,
        "oci",
        "image",
        "ghcr",
        "civitai/comfy",
        "sha256:" + "ab" * 32,
        None,
        None,
    ),
    (
        "urn:air:comfy:nodepack:comfyregistry:kijai/comfyui-kjnodes@1.4.0",
        "comfy",
        "nodepack",
        "comfyregistry",
        "kijai/comfyui-kjnodes",
        "1.4.0",
        None,
        None,
    ),
    (
        "urn:air:comfy:nodepacklayer:comfyregistry:kijai/comfyui-kjnodes@1.4.0+0a1b2c",
        "comfy",
        "nodepacklayer",
        "comfyregistry",
        "kijai/comfyui-kjnodes",
        "1.4.0+0a1b2c",
        None,
        None,
    ),
    # civitaisharp.md §3.10 valid table
    ("urn:air:sd1:lora:civitai:100@200", "sd1", "lora", "civitai", "100", "200", None, None),
    ("urn:air:sd2:vae:civitai:300@400", "sd2", "vae", "civitai", "300", "400", None, None),
    ("urn:air:flux1:checkpoint:civitai:500@600", "flux1", "checkpoint", "civitai", "500", "600", None, None),
    ("urn:air:pony:embedding:civitai:700@800", "pony", "embedding", "civitai", "700", "800", None, None),
    ("urn:air:sdxl:lycoris:civitai:900@1000", "sdxl", "lycoris", "civitai", "900", "1000", None, None),
    ("urn:air:sdxl:hypernet:civitai:1100@1200", "sdxl", "hypernet", "civitai", "1100", "1200", None, None),
    ("urn:air:sdxl:checkpoint:huggingface:100@200", "sdxl", "checkpoint", "huggingface", "100", "200", None, None),
    ("urn:air:flux1:lora:openai:300@400", "flux1", "lora", "openai", "300", "400", None, None),
    ("urn:air:sd1:checkpoint:leonardo:500@600", "sd1", "checkpoint", "leonardo", "500", "600", None, None),
    ("URN:AIR:SDXL:CHECKPOINT:CIVITAI:4201@130072", "sdxl", "checkpoint", "civitai", "4201", "130072", None, None),
    ("urn:air:sdxl:lora:civitai:328553@368189", "sdxl", "lora", "civitai", "328553", "368189", None, None),
    # forms CivitaiSharp cannot represent
    ("urn:air:dalle:model:openai:dalle@2", "dalle", "model", "openai", "dalle", "2", None, None),
    ("urn:air:sdxl:checkpoint:civitai:4201", "sdxl", "checkpoint", "civitai", "4201", None, None, None),
    (
        "urn:air:sdxl:checkpoint:civitai:827184@2514310.safetensors",
        "sdxl",
        "checkpoint",
        "civitai",
        "827184",
        "2514310",
        None,
        "safetensors",
    ),
    (
        "urn:air:sd1:model:civitai:2421@43533:unet.safetensors",
        "sd1",
        "model",
        "civitai",
        "2421",
        "43533",
        "unet",
        "safetensors",
    ),
    ("urn:air:sd1:model:civitai:2421:unet", "sd1", "model", "civitai", "2421", None, "unet", None),
    (
        "urn:air:sdxl:vae:huggingface:stabilityai/sdxl-vae",
        "sdxl",
        "vae",
        "huggingface",
        "stabilityai/sdxl-vae",
        None,
        None,
        None,
    ),
    ("urn:air:zImage:checkpoint:civitai:1@2", "zimage", "checkpoint", "civitai", "1", "2", None, None),
    ("  urn:air:sd1:lora:civitai:1@2  ", "sd1", "lora", "civitai", "1", "2", None, None),
]

INVALID = [
    ("", "empty"),
    ("   ", "empty"),
    ("not-an-air-string", "urn:air:"),
    ("air:sdxl:checkpoint:civitai:4201@130072", "urn:air:"),
    ("urn:air:sdxl:checkpoint:civitai", "no id"),
    ("urn:air:sdxl:checkpoint", "no source"),
    ("urn:air:sdxl", "no type"),
    ("urn:air:", "no ecosystem"),
    ("urn:air::checkpoint:civitai:1@2", "ecosystem"),
    ("urn:air:sdxl::civitai:1@2", "type"),
    ("urn:air:sdxl:checkpoint::1@2", "source"),
    ("urn:air:sdxl:checkpoint:civitai:abc@130072", "id"),
    ("urn:air:sdxl:checkpoint:civitai:4201@abc", "version"),
    ("urn:air:sdxl:checkpoint:civitai:0@130072", "id"),
    ("urn:air:sdxl:checkpoint:civitai:4201@0", "version"),
    ("urn:air:sdxl:checkpoint:civitai:-1@130072", "id"),
    ("urn:air:sdxl:checkpoint:civitai:4201@-1", "version"),
    ("urn:air:sd xl:checkpoint:civitai:1@2", "ecosystem"),
    ("urn:air:sdxl:check.point:civitai:1@2", "type"),
    ("urn:air:sdxl:checkpoint:hugging face:x@2", "source"),
    ("urn:air:sdxl:checkpoint:huggingface:a b@2", "id"),
    ("urn:air:sdxl:checkpoint:huggingface:x@", "version"),
    ("urn:air:sdxl:checkpoint:huggingface:x@v1:", "layer"),
    ("urn:air:sdxl:checkpoint:huggingface:x@v1:a:b", "layer"),
    ("urn:air:sdxl:checkpoint:huggingface:x@v 1", "version"),
]


@pytest.mark.parametrize(("text", "eco", "type_", "source", "id_", "version", "layer", "fmt"), VALID)
def test_valid_air_parses_into_its_parts(
    text: str, eco: str, type_: str, source: str, id_: str, version: str | None, layer: str | None, fmt: str | None
) -> None:
    air = AirIdentifier.parse(text)
    assert (air.ecosystem, air.type, air.source, air.id, air.version, air.layer, air.format) == (
        eco,
        type_,
        source,
        id_,
        version,
        layer,
        fmt,
    )
    assert AirIdentifier.parse(str(air)) == air
    assert AirIdentifier.try_parse(text) == air


@pytest.mark.parametrize(("text", "names"), INVALID)
def test_invalid_air_names_the_bad_part(text: str, names: str) -> None:
    with pytest.raises(ValueError, match=names):
        AirIdentifier.parse(text)
    assert AirIdentifier.try_parse(text) is None


def test_try_parse_of_non_strings_is_none() -> None:
    assert AirIdentifier.try_parse(None) is None
    assert AirIdentifier.try_parse(42) is None
    air = AirIdentifier.parse("urn:air:sd1:lora:civitai:1@2")
    assert AirIdentifier.try_parse(air) is air
    with pytest.raises(TypeError):
        AirIdentifier.parse(None)  # type: ignore[arg-type]


def test_canonical_text_is_lowercase_but_ids_keep_their_case() -> None:
    air = AirIdentifier.parse("URN:AIR:SDXL:Repository:HuggingFace:Org/Model@Main.SafeTensors")
    assert str(air) == "urn:air:sdxl:repository:huggingface:Org/Model@Main.safetensors"
    assert str(AirIdentifier.parse("urn:air:sdxl:checkpoint:civitai:0042@007")) == (
        "urn:air:sdxl:checkpoint:civitai:42@7"
    )


def test_equality_and_hash() -> None:
    a = AirIdentifier.parse("urn:air:sdxl:lora:civitai:1@2")
    b = AirIdentifier.parse("URN:AIR:SDXL:LORA:CIVITAI:1@2")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    for other in (
        "urn:air:sd1:lora:civitai:1@2",
        "urn:air:sdxl:vae:civitai:1@2",
        "urn:air:sdxl:lora:x:1@2",
        "urn:air:sdxl:lora:civitai:3@2",
        "urn:air:sdxl:lora:civitai:1@3",
        "urn:air:sdxl:lora:civitai:1",
    ):
        assert a != AirIdentifier.parse(other)
    assert a != str(a)  # type: ignore[comparison-overlap]
    assert a.model_id == 1 and a.version_id == 2 and a.is_civitai
    assert repr(a) == "AirIdentifier('urn:air:sdxl:lora:civitai:1@2')"


def test_constructor_rejects_ambiguous_parts() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        AirIdentifier("sdxl", "vae", "huggingface", "org/model.gguf")
    assert str(AirIdentifier("sdxl", "vae", "huggingface", "org/model", format="gguf")).endswith("model.gguf")
    with pytest.raises(ValueError, match="layer"):
        AirIdentifier("sdxl", "vae", "huggingface", "x", "v1", layer="a.b")
    with pytest.raises(ValueError, match="version"):
        AirIdentifier("sdxl", "vae", "huggingface", "x", "v:1")


def test_civitai_factory_and_builder() -> None:
    air = AirIdentifier.civitai("sdxl", "lora", 328553, 368189)
    assert str(air) == "urn:air:sdxl:lora:civitai:328553@368189"
    built = AirBuilder().with_ecosystem("SDXL").with_type("lora").with_model_id(328553).with_version_id(368189).build()
    assert built == air
    base = AirBuilder().with_ecosystem("sd1")
    with pytest.raises(ValueError, match=r"type.*with_type"):
        base.build()
    assert base.try_build() is None
    assert base.with_ecosystem("flux1").with_type("lora").with_id(5).build().ecosystem == "flux1"
    assert base.ecosystem == "sd1"  # immutable
    with pytest.raises(ValueError, match=r"ecosystem.*with_ecosystem"):
        AirBuilder().build()
    with pytest.raises(ValueError, match=r"id.*with_id"):
        AirBuilder().with_ecosystem("sd1").with_type("lora").build()
    for bad in (0, -1, -100):
        with pytest.raises(ValueError, match="model_id"):
            AirBuilder().with_model_id(bad)
        with pytest.raises(ValueError, match="version_id"):
            AirIdentifier.civitai("sd1", "lora", 1, bad)
    big = AirBuilder().with_ecosystem("sd1").with_type("lora").with_model_id(2**63 - 1).with_version_id(2**63 - 1)
    assert AirIdentifier.parse(str(big.build())) == big.build()
    hf = (
        AirBuilder()
        .with_source("huggingface")
        .with_ecosystem("sdxl")
        .with_type("vae")
        .with_id("stabilityai/sdxl-vae")
        .with_version("main")
        .with_layer("unet")
        .with_format("safetensors")
        .build()
    )
    assert str(hf) == "urn:air:sdxl:vae:huggingface:stabilityai/sdxl-vae@main:unet.safetensors"


def test_pydantic_fields_accept_text_and_dump_text() -> None:
    class Holder(BaseModel):
        air: AirIdentifier

    holder = Holder.model_validate({"air": "urn:air:sd1:lora:civitai:1@2"})
    assert holder.air == AirIdentifier.civitai("sd1", "lora", 1, 2)
    assert holder.model_dump(mode="json") == {"air": "urn:air:sd1:lora:civitai:1@2"}
    with pytest.raises(ValueError):
        Holder.model_validate({"air": "nope"})


_token = st.from_regex(r"[A-Za-z0-9_\-/]{1,12}", fullmatch=True)
_id = st.from_regex(r"[A-Za-z0-9_\-/.]{1,20}", fullmatch=True)
_version = st.from_regex(r"[A-Za-z0-9_\-/.=,%+]{1,16}", fullmatch=True) | st.from_regex(
    r"sha256:[0-9a-f]{64}", fullmatch=True
)
_format = st.from_regex(r"[A-Za-z][A-Za-z0-9_\-]{0,10}", fullmatch=True)


@st.composite
def airs(draw: st.DrawFn) -> AirIdentifier:
    if draw(st.booleans()):
        return AirIdentifier.civitai(
            draw(_token), draw(_token), draw(st.integers(1, 2**40)), draw(st.none() | st.integers(1, 2**40))
        )
    try:
        return AirIdentifier(
            draw(_token),
            draw(_token),
            draw(_token),
            draw(_id),
            draw(st.none() | _version),
            draw(st.none() | _token),
            draw(st.none() | _format),
        )
    except ValueError:
        # Ambiguous combinations are refused by the constructor; hypothesis shrinks past them.
        reject()


@settings(max_examples=100, deadline=None)  # deterministic (tests/conftest.py); each example costs ~25 ms
@given(airs())
def test_round_trip(air: AirIdentifier) -> None:
    assert AirIdentifier.parse(str(air)) == air
    *classifiers, tail = str(air).split(":", 5)
    shouted = ":".join([part.upper() for part in classifiers] + [tail])
    assert AirIdentifier.parse(shouted) == air


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_parse_never_fails_except_with_value_error(text: str) -> None:
    air = AirIdentifier.try_parse(text)
    if air is not None:
        assert AirIdentifier.parse(str(air)) == air
