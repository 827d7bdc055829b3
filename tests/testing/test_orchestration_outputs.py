"""Every v2 step type completes with an output the spec accepts, with real media files and consistent costs."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import wave
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from civitai_kit.testing.orchestration_outputs import (
    RECIPES,
    STEP_TYPES,
    Media,
    StepOutcome,
    estimate_cost,
    output_for,
    recipe_output,
    workflow_cost,
)
from tests.support.sdk_minimal import URL, minimal
from tests.support.sdk_openapi import v2
from tests.testing.test_webm import check_webm

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SCHEMAS: dict[str, Any] = v2().document["components"]["schemas"]
STEPS: dict[str, str] = {
    step_type: ref.rsplit("/", 1)[1] for step_type, ref in SCHEMAS["WorkflowStep"]["discriminator"]["mapping"].items()
}


def _property(schema_name: str, key: str) -> dict[str, Any]:
    schema = SCHEMAS[schema_name]
    for part in schema.get("allOf", [schema]):
        if key in part.get("properties", {}):
            found: dict[str, Any] = part["properties"][key]
            return found
    raise KeyError(key)


def _ref(schema: Mapping[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[1] if isinstance(ref, str) else None


class Store:
    """A blob store like the sandbox's: keeps the bytes, answers the common Blob JSON with a loopback URL."""

    def __init__(self) -> None:
        self.blobs: dict[str, Media] = {}

    def __call__(self, item: Media) -> Mapping[str, Any]:
        blob_id = f"B{len(self.blobs):04d}.{item.extension}"
        self.blobs[blob_id] = item
        return {
            "id": blob_id,
            "available": True,
            "url": f"http://127.0.0.1:8080/v2/consumer/blobs/content/{blob_id}",
            "urlExpiresAt": "2026-01-02T04:04:05.000000Z",
            "jobId": "job-1",
            "nsfwLevel": "pg",
        }


def run(step_type: str, step_input: Any) -> tuple[StepOutcome, Store]:
    store = Store()
    return output_for(step_type, step_input, mint=store, now=NOW), store


def valid_input(step_type: str, **overrides: Any) -> Any:
    schema = _ref(_property(STEPS[step_type], "input"))
    if schema is None:  # imageUpload: the input is the URL itself
        return URL
    data = {**minimal(schema), **overrides}
    v2().assert_valid(schema, data)
    return data


# -------------------------------------------------------------------------------------------- file checks


def png_size(data: bytes) -> tuple[int, int]:
    """Decode a PNG enough to prove it whole: signature, every chunk's CRC, IHDR, and the inflated rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, idat = 8, [], b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, kind
        chunks.append(kind)
        idat += body if kind == b"IDAT" else b""
        offset += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour_type) == (8, 2)
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
    return width, height


def mp4_boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[bytes, bytes]:
    """Top-level ISO-BMFF boxes by type; the sizes must tile the range exactly."""
    end = len(data) if end is None else end
    boxes, offset = {}, start
    while offset < end:
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        assert size >= 8 and offset + size <= end, (kind, size)
        boxes[kind] = data[offset + 8 : offset + size]
        offset += size
    assert offset == end
    return boxes


def check_mp4(data: bytes, width: int, height: int) -> None:
    top = mp4_boxes(data)
    assert list(top) == [b"ftyp", b"mdat", b"moov"]
    trak = mp4_boxes(top[b"moov"])[b"trak"]
    tkhd = mp4_boxes(trak)[b"tkhd"]
    assert len(tkhd) == 84  # version 0: every field at its offset, so players read the identity matrix
    assert tkhd[40:76] == struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    assert struct.unpack(">II", tkhd[-8:]) == (width << 16, height << 16)
    mvhd = mp4_boxes(top[b"moov"])[b"mvhd"]
    assert len(mvhd) == 100
    stbl = mp4_boxes(mp4_boxes(mp4_boxes(trak)[b"mdia"])[b"minf"])[b"stbl"]
    sizes = mp4_boxes(stbl)[b"stsz"]
    _, _, count = struct.unpack(">III", sizes[:12])
    frames = struct.unpack(f">{count}I", sizes[12:])
    assert sum(frames) == len(top[b"mdat"])
    first = top[b"mdat"][: frames[0]]
    assert first[:2] == b"\xff\xd8" and first[-2:] == b"\xff\xd9"  # a whole JPEG per sample
    if shutil.which("ffprobe"):
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", "-"],
            input=data,
            capture_output=True,
            check=True,
        )
        assert probe.stdout.decode().strip() == f"mjpeg,{width},{height}"


def check_media(item: Media) -> None:
    if item.kind == "image" and item.extension == "png":
        assert png_size(item.content) == (item.fields["width"], item.fields["height"])
    elif item.kind == "image":
        assert item.content.startswith(b"<svg")
    elif item.kind == "video" and item.extension == "webm":
        check_webm(item.content, item.fields["width"], item.fields["height"], seed=None)
    elif item.kind == "video":
        check_mp4(item.content, item.fields["width"], item.fields["height"])
    elif item.kind == "audio":
        with wave.open(io.BytesIO(item.content)) as audio:
            seconds = audio.getnframes() / audio.getframerate()
            assert audio.getnchannels() == 1 and audio.getsampwidth() == 2
        assert seconds == pytest.approx(item.fields["duration"], abs=0.01)
    elif item.fields["format"] == "glb":
        assert struct.unpack("<4sII", item.content[:12]) == (b"glTF", 2, len(item.content))
    else:
        assert item.content


# -------------------------------------------------------------------------------------------- tests


def test_every_step_type_of_the_spec_has_an_output() -> None:
    assert len(STEPS) == 45
    assert set(STEPS) == STEP_TYPES


@pytest.mark.parametrize("step_type", sorted(STEPS))
def test_output_is_valid_against_the_spec_with_real_media(step_type: str) -> None:
    outcome, store = run(step_type, valid_input(step_type))
    output_schema = _ref(_property(STEPS[step_type], "output"))
    assert output_schema is not None
    v2().assert_valid(output_schema, outcome.output)
    assert list(store.blobs.values()) == list(outcome.media)
    for item in outcome.media:
        check_media(item)
    assert outcome.cost >= 1
    again, _ = run(step_type, valid_input(step_type))
    assert again.output == outcome.output and again.cost == outcome.cost  # deterministic
    assert estimate_cost(step_type, valid_input(step_type)) == outcome.cost  # known before it runs


def test_images_have_the_requested_size_and_quantity() -> None:
    data = valid_input("textToImage", width=832, height=1216, quantity=3)
    outcome, _ = run("textToImage", data)
    assert [png_size(item.content) for item in outcome.media] == [(832, 1216)] * 3
    assert [(image["width"], image["height"]) for image in outcome.output["images"]] == [(832, 1216)] * 3
    assert len({item.content for item in outcome.media}) == 3  # each image its own colour


def test_aspect_ratio_and_size_strings_set_the_size() -> None:
    outcome, _ = run("imageGen", {"engine": "x", "aspectRatio": "16:9"})
    assert png_size(outcome.media[0].content) == (1024, 576)
    outcome, _ = run("imageGen", {"engine": "x", "size": "1536x1024"})
    assert png_size(outcome.media[0].content) == (1536, 1024)


def test_video_follows_the_requested_size_and_duration() -> None:
    outcome, _ = run("videoGen", {"engine": "wan", "prompt": "p", "width": 320, "height": 240, "duration": 3})
    (clip,) = outcome.media
    check_mp4(clip.content, 320, 240)
    assert outcome.output["video"]["width"] == 320


@pytest.mark.parametrize(
    ("step_type", "data", "extension"),
    [
        ("transcode", {"sourceUrl": URL, "width": 320}, "webm"),
        ("transcode", {"sourceUrl": URL, "width": 320, "containerFormat": "mp4"}, "mp4"),
        ("composeMedia", {"elements": [{"video": URL}], "output": {"container": "webm"}}, "webm"),
        ("videoGen", {"engine": "wan", "prompt": "p", "width": 64, "height": 48, "format": "webm"}, "webm"),
        ("videoGen", {"engine": "wan", "prompt": "p", "width": 64, "height": 48}, "mp4"),
    ],
)
def test_webm_where_the_step_makes_it_or_the_input_asks(step_type: str, data: Any, extension: str) -> None:
    outcome, _ = run(step_type, data)
    (clip,) = [item for item in outcome.media if item.kind == "video"]
    assert (clip.extension, clip.content_type) == (extension, f"video/{extension}")
    check_media(clip)


def test_costs_follow_size_and_count_and_a_workflow_costs_the_sum_of_its_steps() -> None:
    small, _ = run("textToImage", valid_input("textToImage", width=512, height=512))
    large, _ = run("textToImage", valid_input("textToImage", width=2048, height=2048))
    many, _ = run("textToImage", valid_input("textToImage", width=512, height=512, quantity=4))
    assert small.cost < large.cost and small.cost * 4 == many.cost
    assert workflow_cost([small, large, many]) == small.cost + large.cost + many.cost


def test_an_unknown_step_type_is_refused_by_name_by_the_estimate_too() -> None:
    with pytest.raises(ValueError, match="step_type 'nope'"):
        estimate_cost("nope", {})


def test_an_unknown_step_type_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="step_type 'notAStep'"):
        run("notAStep", {})


RECIPE_PATHS: dict[str, dict[str, Any]] = {
    path.rsplit("/", 1)[1]: operation["post"]
    for path, operation in v2().document["paths"].items()
    if path.startswith("/v2/consumer/recipes/")
}


def _json_schema(part: Mapping[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = part["content"]
    schema: dict[str, Any] = next(iter(content.values()))["schema"]
    return schema


def test_every_recipe_of_the_spec_has_an_answer() -> None:
    assert set(RECIPE_PATHS) == RECIPES
    assert STEP_TYPES < RECIPES


@pytest.mark.parametrize("recipe", sorted(RECIPE_PATHS))
def test_recipe_answer_is_valid_against_its_200_response(recipe: str) -> None:
    operation = RECIPE_PATHS[recipe]
    request = _ref(_json_schema(operation["requestBody"]))
    body = URL if request is None else minimal(request)
    if request is not None:
        v2().assert_valid(request, body)
    store = Store()
    outcome = recipe_output(recipe, body, mint=store, now=NOW)
    response = _ref(_json_schema(operation["responses"]["200"]))
    assert response is not None
    v2().assert_valid(response, outcome.output)
    for item in outcome.media:
        check_media(item)
    assert list(store.blobs.values()) == list(outcome.media)


def test_an_unknown_recipe_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="recipe 'nope'"):
        recipe_output("nope", {}, mint=Store(), now=NOW)
