"""ImageMeta: an open mapping whose typed accessors survive Civitai's mixed value types."""

from __future__ import annotations

import pytest

from civitai_kit.core import Image, ImageMeta, ModelImage


def test_raw_keys_and_mapping_behaviour() -> None:
    meta = ImageMeta({"prompt": "a cat", "Denoising strength": "0.4", '{"Method"': '"Mixture of Diffusers"'})
    assert meta["Denoising strength"] == "0.4" and len(meta) == 3 and "prompt" in meta
    assert meta == {"prompt": "a cat", "Denoising strength": "0.4", '{"Method"': '"Mixture of Diffusers"'}
    assert meta.to_dict() is not meta.to_dict()
    with pytest.raises(TypeError):
        meta["prompt"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("raw", "seed", "steps", "cfg", "clip"),
    [
        ({"seed": 185666893452671, "steps": 30, "cfgScale": 7, "clipSkip": 2}, 185666893452671, 30, 7.0, 2),
        ({"seed": "42", "steps": "25", "cfgScale": "6.5", "Clip skip": "2"}, 42, 25, 6.5, 2),
        ({"seed": 3.0, "steps": 20.0, "cfgScale": 4.5}, 3, 20, 4.5, None),
        ({"seed": "random", "steps": [1], "cfgScale": "nan", "clipSkip": True}, None, None, None, None),
        ({"seed": None, "steps": 2.5, "cfgScale": "inf"}, None, None, None, None),
        ({"seed": -1}, -1, None, None, None),
    ],
)
def test_numbers_are_coerced_or_none(raw: dict[str, object], seed: int | None, steps: int | None,
                                     cfg: float | None, clip: int | None) -> None:  # fmt: skip
    meta = ImageMeta(raw)
    assert (meta.seed, meta.steps, meta.cfg_scale, meta.clip_skip) == (seed, steps, cfg, clip)


def test_text_accessors_and_size() -> None:
    meta = ImageMeta(
        {"prompt": "p", "negativePrompt": "n", "sampler": "DPM++ 2M Karras", "Model": "anything-v3",
         "Model hash": "6569e224", "Size": "512x768", "Schedule type": "Karras", "Denoising strength": "0.4"}
    )  # fmt: skip
    assert meta.prompt == "p" and meta.negative_prompt == "n" and meta.sampler == "DPM++ 2M Karras"
    assert meta.model_name == "anything-v3" and meta.model_hash == "6569e224" and meta.scheduler == "Karras"
    assert meta.size == (512, 768) and meta.denoising_strength == 0.4
    assert ImageMeta({"width": 1024, "height": 1536, "Size": "1x1"}).size == (1024, 1536)
    assert ImageMeta({"Size": "big"}).size is None


def test_resources_and_hashes() -> None:
    meta = ImageMeta(
        {
            "resources": [{"name": "lora_x", "type": "lora", "weight": 0.8, "hash": None}, "garbage",
                          {"name": "m", "weight": "heavy"}],
            "civitaiResources": [{"type": "checkpoint", "modelVersionId": 128078, "modelVersionName": "v1"}],
            "hashes": {"model": "6569e224", "lora:x": "abc", "bad": {"nested": 1}},
        }
    )  # fmt: skip
    assert [r.name for r in meta.resources] == ["lora_x"]
    assert meta.resources[0].weight == 0.8 and meta.resources[0].hash is None
    assert meta.civitai_resources[0].model_version_id == 128078
    assert meta.hashes == {"model": "6569e224", "lora:x": "abc"}
    assert ImageMeta({"hashes": '{"model": "1234"}'}).hashes == {"model": "1234"}
    assert ImageMeta({"hashes": "not json"}).hashes == {} and ImageMeta({"resources": "x"}).resources == ()


def test_nested_meta_from_legacy_images_path_is_unwrapped() -> None:
    image = Image.model_validate({"id": 5, "meta": {"id": 5, "meta": {"prompt": "x", "seed": 1}}})
    assert image.meta is not None and image.meta.prompt == "x"
    empty = Image.model_validate({"id": 5, "meta": {"id": 5, "meta": None}})
    assert empty.meta is None
    # A real flat meta that happens to have only these two keys with a non-dict meta is kept as is.
    odd = Image.model_validate({"id": 5, "meta": {"id": 5, "meta": "text"}})
    assert odd.meta is not None and odd.meta["meta"] == "text"


def test_meta_serialises_as_plain_dict() -> None:
    image = ModelImage.model_validate({"url": "u", "nsfwLevel": 2, "meta": {"prompt": "x"}})
    assert image.model_dump(mode="json", by_alias=True)["meta"] == {"prompt": "x"}
    assert image.model_dump(by_alias=True)["nsfwLevel"] == 2


@pytest.mark.parametrize(
    ("raw", "level"),
    [({"nsfwLevel": 16}, 16), ({"nsfw": "Mature"}, 4), ({"nsfw": "Soft"}, 2), ({"nsfw": True}, 4),
     ({"nsfw": False}, 1), ({"nsfw": "None", "nsfwLevel": 2}, 2), ({}, None), ({"nsfwLevel": "X"}, 8)],
)  # fmt: skip
def test_model_image_level_in_every_era(raw: dict[str, object], level: int | None) -> None:
    assert ModelImage.model_validate(raw).nsfw_level == level


@pytest.mark.parametrize(
    ("raw", "level", "label"),
    [({"browsingLevel": 16, "nsfwLevel": "X"}, 16, "X"), ({"nsfwLevel": "Mature"}, 4, "Mature"),
     ({"nsfw": True}, 4, None), ({"nsfwLevel": 8}, 8, "X"), ({}, None, None)],
)  # fmt: skip
def test_images_endpoint_level_prefers_browsing_level(raw: dict[str, object], level: int | None,
                                                       label: str | None) -> None:  # fmt: skip
    image = Image.model_validate({"id": 1, **raw})
    assert image.nsfw_level == level and image.nsfw_label == label


def test_a_hashes_string_nested_too_deeply_reads_as_no_hashes() -> None:
    from civitai_kit.core.meta import ImageMeta

    assert ImageMeta({"hashes": "[" * 5000}).hashes == {}
