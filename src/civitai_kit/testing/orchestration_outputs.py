"""What a finished step produces in the fake orchestrator: a spec-valid output, its media, and its cost.

    outcome = output_for("imageGen", step["input"], mint=store_blob, now=clock())
    step["output"] = outcome.output          # valid against ImageGenOutput
    workflow_cost = sum(o.cost for o in outcomes)

[`output_for`][] covers every ``$type`` of the v2 spec's ``WorkflowStep`` mapping (and [`recipe_output`][]
the recipe endpoints, which answer the same outputs synchronously). Media are real files from
[`civitai_kit.testing.media`][]: PNGs of the requested size, an MJPEG-in-MP4 clip for video (a VP8 WebM from
[`civitai_kit.testing.webm`][] for transcode, composeMedia and any input asking for webm), a WAV tone for audio.
Everything is deterministic: the same input gives the same colours, text and cost.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from civitai_kit.testing import media, webm
from civitai_kit.testing.orchestration_data import timestamp

MAX_IMAGES = 8
MAX_SIDE = 4096
DEFAULT_SIDE = 512
MAX_SECONDS = 10.0


@dataclass(frozen=True)
class Media:
    """One file a step produced, to be stored as a blob.

    ``kind`` is the spec's ``Blob.type`` (``image``, ``video``, ``audio`` or ``model3d``); ``fields`` are
    the type's own Blob properties (``width``/``height``, ``duration``, ``format``).
    """

    kind: str
    content: bytes
    content_type: str
    extension: str
    fields: Mapping[str, Any] = field(default_factory=dict)


MintBlob = Callable[[Media], Mapping[str, Any]]
"""Stores a [`Media`][] as a blob and answers the common ``Blob`` JSON: ``id`` and ``available`` at least,
with ``url``/``urlExpiresAt``/``jobId``/``nsfwLevel`` when known (``url`` must be absolute)."""


@dataclass(frozen=True)
class StepOutcome:
    """A finished step: its ``output`` JSON, the media stored for it (in order), and its Buzz cost."""

    output: dict[str, Any]
    media: tuple[Media, ...]
    cost: int


class _Step:
    """Builds one output: mints blobs through the caller and remembers what was stored."""

    def __init__(self, data: Mapping[str, Any], mint: MintBlob, now: datetime, *, dry: bool = False) -> None:
        self.data = data
        self.dry = dry  # an estimate: files are described (kind, size, duration) but no bytes are made
        self.now = now
        self.seed = zlib.crc32(json.dumps(data, sort_keys=True, default=str).encode())
        self.mint = mint
        self.stored: list[Media] = []

    def blob(self, item: Media) -> dict[str, Any]:
        self.stored.append(item)
        return {**self.mint(item), "type": item.kind, **item.fields}

    def rgb(self, index: int = 0) -> media.Rgb:
        return media.colour(self.seed + index)

    def image(self, index: int = 0, size: tuple[int, int] | None = None) -> dict[str, Any]:
        width, height = size or image_size(self.data)
        png = b"" if self.dry else media.solid_png(width, height, self.rgb(index))
        return self.blob(Media("image", png, "image/png", "png", {"width": width, "height": height}))

    def video(self, *, webm_by_default: bool = False) -> dict[str, Any]:
        """A clip of the requested size and duration: a VP8 WebM when the input asks for ``webm`` (or the
        step makes WebM unless asked for ``mp4``), an MJPEG-in-MP4 otherwise."""
        width, height = image_size(self.data)
        seconds = duration(self.data)
        asked = requested_container(self.data)
        if asked == "webm" or (webm_by_default and asked != "mp4"):
            clip = b"" if self.dry else webm.vp8_webm(width, height, seconds=seconds, seed=self.seed)
            return self.blob(Media("video", clip, "video/webm", "webm", {"width": width, "height": height}))
        clip = b"" if self.dry else media.mjpeg_mp4(width, height, self.rgb(), seconds=seconds)
        return self.blob(Media("video", clip, "video/mp4", "mp4", {"width": width, "height": height}))

    def audio(self) -> dict[str, Any]:
        seconds = duration(self.data)
        wav = b"" if self.dry else media.wav_tone(seconds, self.seed)
        return self.blob(Media("audio", wav, "audio/wav", "wav", {"duration": seconds}))

    def file(self, content: bytes, content_type: str, extension: str) -> dict[str, Any]:
        """A non-media file. The spec's ``Blob.type`` knows only image/video/audio/model3d; such files are
        typed ``model3d`` with their real format in ``format`` (the closest the closed mapping allows)."""
        return self.blob(Media("model3d", content, content_type, extension, {"format": extension}))

    def text(self, *words: str) -> str:
        return " ".join(words) + f" (sandbox #{self.seed % 10_000:04d})"


# ------------------------------------------------------------------------------------------------ sizes


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def image_size(data: Mapping[str, Any]) -> tuple[int, int]:
    """The requested size: ``width``/``height``, else a ``size`` like ``"1024x768"``, else an ``aspectRatio``
    like ``"16:9"`` on a 1024 long side; 512×512 (1024 for sdxl/flux ecosystems) otherwise."""
    default = 1024 if str(data.get("ecosystem", "")).startswith(("sdxl", "flux", "qwen")) else DEFAULT_SIDE
    width, height = _int(data.get("width"), 0), _int(data.get("height"), 0)
    if not (width and height) and isinstance(data.get("size"), str) and "x" in data["size"]:
        first, _, second = data["size"].partition("x")
        width, height = (int(first), int(second)) if first.isdigit() and second.isdigit() else (0, 0)
    if not (width and height) and isinstance(data.get("aspectRatio"), str) and ":" in data["aspectRatio"]:
        first, _, second = data["aspectRatio"].partition(":")
        if first.isdigit() and second.isdigit() and int(first) and int(second):
            ratio = int(first) / int(second)
            width, height = (1024, round(1024 / ratio)) if ratio >= 1 else (round(1024 * ratio), 1024)
    width, height = width or default, height or default
    scale = data.get("scaleFactor")
    if isinstance(scale, (int, float)) and not isinstance(scale, bool) and 1 <= scale <= 8:
        width, height = round(width * scale), round(height * scale)
    return min(width, MAX_SIDE), min(height, MAX_SIDE)


_CONTAINER_KEYS = ("containerFormat", "container", "format", "outputFormat")


def requested_container(data: Mapping[str, Any]) -> str | None:
    """The container the input asks for (``webm``, ``mp4``…, lower case), from a ``containerFormat``/
    ``container``/``format``/``outputFormat`` field of the input or of its ``output`` object."""
    output = data.get("output")
    for source in (data, output if isinstance(output, Mapping) else {}):
        for key in _CONTAINER_KEYS:
            if isinstance(source.get(key), str):
                return str(source[key]).lower()
    return None


def quantity(data: Mapping[str, Any]) -> int:
    """Images asked for: ``quantity`` × ``batchSize`` (or ``numImages``), at most [`MAX_IMAGES`][]."""
    count = _int(data.get("quantity"), 1) * _int(data.get("batchSize"), 1) * _int(data.get("numImages"), 1)
    return min(count, MAX_IMAGES)


def duration(data: Mapping[str, Any]) -> float:
    """Seconds of video/audio asked for (``duration``), 1 second by default, at most [`MAX_SECONDS`][]."""
    value = data.get("duration")
    seconds = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else 1.0
    return min(seconds, MAX_SECONDS)


# ------------------------------------------------------------------------------------------------ outputs


def _images(step: _Step) -> dict[str, Any]:
    return {"images": [step.image(index) for index in range(quantity(step.data))]}


def _video(step: _Step) -> dict[str, Any]:
    return {"video": step.video()}


def _chat(step: _Step) -> dict[str, Any]:
    messages = step.data.get("messages") or []
    prompt = json.dumps(messages, default=str)
    reply = step.text("Sandbox reply to", str(len(messages)), "message(s).")
    prompt_tokens, completion_tokens = max(1, len(prompt) // 4), max(1, len(reply) // 4)
    return {
        "id": f"chatcmpl-{step.seed:08x}",
        "object": "chat.completion",
        "created": int(step.now.timestamp()),
        "model": str(step.data.get("model", "sandbox")),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finishReason": "stop"}],
        "usage": {
            "promptTokens": prompt_tokens,
            "completionTokens": completion_tokens,
            "totalTokens": prompt_tokens + completion_tokens,
        },
    }


def _transcription(step: _Step) -> dict[str, Any]:
    text = step.text("Sandbox transcription.")
    return {
        "text": text,
        "language": "en",
        "timeStamps": [{"text": text, "startTime": 0.0, "endTime": 1.0}],
        "elapsedSeconds": 0.1,
    }


def _prompt_enhancement(step: _Step) -> dict[str, Any]:
    prompt = str(step.data.get("prompt", ""))
    return {
        "issues": [{"description": "The prompt names no lighting.", "severity": "info"}],
        "recommendations": ["Describe the lighting."],
        "enhancedPrompt": f"{prompt}, soft natural lighting, highly detailed",
        "enhancedNegativePrompt": "blurry, low quality",
    }


def _tags(step: _Step) -> dict[str, Any]:
    names = ("1girl", "solo", "outdoors", "sky", "smile", "landscape")
    picked = sorted({names[(step.seed >> shift) % len(names)] for shift in (0, 4, 8)})
    return {
        "tags": {name: round(0.5 + (step.seed >> index) % 50 / 100, 3) for index, name in enumerate(picked)},
        "rating": {"general": 0.95, "sensitive": 0.04, "questionable": 0.01, "explicit": 0.0},
    }


def _media_hash(step: _Step) -> dict[str, Any]:
    source = str(step.data.get("mediaUrl", "")).encode()
    kinds = step.data.get("hashTypes") or []
    return {"hashes": {str(kind): hashlib.sha256(str(kind).encode() + source).hexdigest()[:16] for kind in kinds}}


def _model_hash(step: _Step) -> dict[str, Any]:
    source = str(step.data.get("model", "")).encode()
    sha256 = hashlib.sha256(source).hexdigest().upper()
    return {
        "sha256": sha256,
        "autoV1": f"{zlib.crc32(source):08X}",
        "autoV2": sha256[:10],
        "autoV3": hashlib.sha256(b"v3" + source).hexdigest().upper(),
        "crc32": f"{zlib.crc32(source):08X}",
    }


def _audio_captioning(step: _Step) -> dict[str, Any]:
    seconds = duration(step.data)
    key = str(step.data.get("mediaUrl", "0"))
    return {"results": {key: {"text": step.text("A calm instrumental piece."), "duration": f"{seconds:.1f}"}}}


def _compose(step: _Step) -> dict[str, Any]:
    elements = step.data.get("elements") or []
    resolved, start = [], 0.0
    for element in elements:
        length = duration(element) if isinstance(element, Mapping) else 1.0
        resolved.append({"startSeconds": start, "duration": length})
        start += length
    as_video = step.data.get("output") == "video" or "video" in json.dumps(elements, default=str)
    if as_video:
        return {"type": "video", "elements": resolved, "videoBlob": step.video(webm_by_default=True)}
    return {"type": "audio", "elements": resolved, "audioBlob": step.audio()}


def _training(step: _Step) -> dict[str, Any]:
    model = step.file(media.safetensors({"ss_epoch": "1"}), "application/octet-stream", "safetensors")
    return {"moderationStatus": "approved", "epochs": [{"epochNumber": 1, "model": model, "samples": [step.image()]}]}


def _resource_training(step: _Step) -> dict[str, Any]:
    model = step.file(media.safetensors({"ss_epoch": "1"}), "application/octet-stream", "safetensors")
    sample = step.image()
    return {
        "moderationStatus": "approved",
        "epochs": [
            {
                "epochNumber": 1,
                "blobName": f"{model['id']}",
                "blobSize": len(step.stored[0].content),
                "sampleImages": [sample["url"]] if sample.get("url") else [],
                "blobUrl": model.get("url") or f"https://orchestration.invalid/v2/consumer/blobs/{model['id']}",
            }
        ],
        "sampleImagesPrompts": [str(p) for p in step.data.get("samplePrompts") or []],
    }


def _archive(step: _Step) -> dict[str, Any]:
    entries = step.data.get("entries") or []
    archive_format = "tar" if step.data.get("format") == "tar" else "zip"
    names = {f"{index:04d}.json": json.dumps(entry, default=str).encode() for index, entry in enumerate(entries)}
    blob = step.file(media.archive(names, archive_format), f"application/{archive_format}", archive_format)
    return {
        "url": blob.get("url") or f"https://orchestration.invalid/v2/consumer/blobs/{blob['id']}",
        "entryCount": len(entries),
        "format": archive_format,
        "expiresAt": timestamp(step.now + timedelta(hours=1)),
    }


def _transcode(step: _Step) -> dict[str, Any]:
    blob = step.video(webm_by_default=True)
    out = {"id": blob["id"], "available": blob["available"], "jobId": str(blob.get("jobId") or f"job-{step.seed:x}")}
    out.update({key: blob[key] for key in ("url", "urlExpiresAt") if blob.get(key)})
    return out


def _polygen(step: _Step) -> dict[str, Any]:
    model = step.blob(Media("model3d", media.glb("sandbox"), "model/gltf-binary", "glb", {"format": "glb"}))
    return {"model": model, "thumbnail": step.image(size=(DEFAULT_SIDE, DEFAULT_SIDE))}


def _nodepacks(step: _Step) -> dict[str, Any]:
    results = []
    for name in step.data.get("nodepacks") or []:
        layer = step.file(media.archive({"README": str(name).encode()}, "tar"), "application/x-tar", "tar")
        info = step.file(json.dumps({"nodepack": name}).encode(), "application/json", "json")
        web = step.file(media.archive({}, "zip"), "application/zip", "zip")
        air = f"urn:air:other:layer:civitai:{zlib.crc32(str(name).encode())}@1"
        results.append({"nodepack": str(name), "layerAir": air, "layer": layer, "objectInfo": info, "web": web})
    return {"results": results}


def _custom_comfy(step: _Step) -> dict[str, Any]:
    return {
        "blobs": [step.image()],
        "tempBlobs": [],
        "usage": {
            "buzzPerSecond": 1.0,
            "runtimeSeconds": 1.0,
            "estimatedCost": 1.0,
            "startedAt": timestamp(step.now),
            "computedAt": timestamp(step.now),
        },
    }


def _qwen_bench(step: _Step) -> dict[str, Any]:
    dimensions = [str(d) for d in step.data.get("dimensions") or []]
    results = {}
    for index, _ in enumerate(step.data.get("items") or []):
        scores = {d: round(0.5 + (step.seed >> index) % 40 / 100, 2) for d in dimensions}
        total = round(sum(scores.values()) / len(scores), 3) if scores else None
        results[str(index)] = {
            "fieldScores": scores,
            "totalScore": total,
            "scores": [{"name": d, "score": s, "children": []} for d, s in scores.items()],
            "errors": {},
        }
    return {"results": results}


def _svg(step: _Step) -> dict[str, Any]:
    width, height = image_size(step.data)
    drawing = media.svg(width, height, step.rgb())
    return {"svg": step.blob(Media("image", drawing, "image/svg+xml", "svg", {"width": width, "height": height}))}


def _video_metadata(step: _Step) -> dict[str, Any]:
    width, height = image_size(step.data)
    seconds = round(duration(step.data))
    return {"width": width, "height": height, "fps": 8.0, "duration": f"00:00:{seconds:02d}"}


_BUILDERS: dict[str, Callable[[_Step], dict[str, Any]]] = {
    "aceStepAudio": lambda s: {"blob": s.audio()},
    "ageClassification": lambda s: {
        "labels": {},
        "hasMinor": False,
        "numPredictions": 0,
        "numFlagged": 0,
        "faceRecognitionAvailable": False,
    },
    "audioCaptioning": _audio_captioning,
    "blobArchive": _archive,
    "chatCompletion": _chat,
    "comfy": lambda s: {"blobs": [s.image(index) for index in range(quantity(s.data))]},
    "comfyNodepackSnapshot": _nodepacks,
    "composeMedia": _compose,
    "convertImage": lambda s: {"blob": s.image()},
    "customComfy": _custom_comfy,
    "echo": lambda s: {"message": str(s.data.get("message", ""))},
    "imageBackgroundRemoval": lambda s: {"image": s.image()},
    "imageGen": _images,
    "imageResourceTraining": _resource_training,
    "imageToSvg": _svg,
    "imageUpload": lambda s: {"blob": s.image()},
    "imageUpscaler": lambda s: {"blob": s.image()},
    "mediaCaptioning": lambda s: {"caption": s.text("A solid-colour sandbox image.")},
    "mediaHash": _media_hash,
    "mediaRating": lambda s: {"nsfwLevel": "pg", "isBlocked": False, "labels": []},
    "miniMaxMusic3": lambda s: {"blob": s.audio()},
    "model3DPreview": lambda s: {"images": [s.image(i) for i in range(max(1, len(s.data.get("cameraPoses") or [])))]},
    "modelClamScan": lambda s: {
        "exitCode": 0,
        "output": "OK",
        "status": "clean",
        "infected": False,
        "infectedFileCount": 0,
        "scannedFileCount": 1,
    },
    "modelHash": _model_hash,
    "modelParseMetadata": lambda s: {"metadata": json.dumps({"model": str(s.data.get("model", ""))})},
    "modelPickleScan": lambda s: {
        "exitCode": 0,
        "status": "clean",
        "globalImports": [],
        "dangerousImports": [],
        "dangerousImportsFound": False,
        "scannedFileCount": 1,
        "infectedFileCount": 0,
        "dangerousGlobalCount": 0,
    },
    "polyGen": _polygen,
    "preprocessImage": lambda s: {"blob": s.image()},
    "promptEnhancement": _prompt_enhancement,
    "qwenImageBench": _qwen_bench,
    "shieldstralModeration": lambda s: {"results": [], "blocked": False, "triggeredPolicies": []},
    "textToImage": _images,
    "textToSpeech": lambda s: {
        "audioBlob": s.audio(),
        "modelType": str(s.data.get("engine") or "custom"),
        "speaker": s.data.get("speaker") if isinstance(s.data.get("speaker"), str) else None,
    },
    "training": _training,
    "transcode": _transcode,
    "transcription": _transcription,
    "videoBackgroundRemoval": _video,
    "videoEnhancement": _video,
    "videoFrameExtraction": lambda s: {
        "frames": (frames := [s.image(i) for i in range(min(_int(s.data.get("maxFrames"), 2), MAX_IMAGES))]),
        "totalFramesExtracted": len(frames),
    },
    "videoGen": _video,
    "videoInterpolation": _video,
    "videoMetadata": _video_metadata,
    "videoUpscaler": _video,
    "wdTagging": _tags,
    "xGuardModeration": lambda s: {"results": [], "blocked": False, "triggeredLabels": []},
}
STEP_TYPES = frozenset(_BUILDERS)


def _ocr(step: _Step) -> dict[str, Any]:
    urls = [str(url) for url in step.data.get("mediaUrls") or []]
    return {"results": [{"mediaUrl": url, "classification": "safe", "text": None} for url in urls]}


def _prepare(step: _Step) -> dict[str, Any]:
    return {"resource": step.data.get("resource"), "preparedAt": timestamp(step.now), "provider": "sandbox"}


def _repeat(step: _Step) -> dict[str, Any]:
    """The template run once: a standalone recipe has no earlier step for ``for`` to iterate over."""
    template = dict(step.data.get("template") or {})
    inner = output_for(str(template.get("$type")), template.get("input"), mint=step.mint, now=step.now)
    step.stored.extend(inner.media)
    ran = {key: template[key] for key in ("$type", "input", "timeout", "retries") if template.get(key) is not None}
    ran.update(
        name=template.get("name") or "$0",
        priority=template.get("priority") or "normal",
        status="succeeded",
        metadata=template.get("metadata") or {},
        output=inner.output,
    )
    return {"steps": [ran]}


# Recipe endpoints that are not step types (``POST /v2/consumer/recipes/{name}``); the others answer the step's output.
_RECIPES: dict[str, Callable[[_Step], dict[str, Any]]] = {
    **_BUILDERS,
    "batchOCRSafetyClassification": _ocr,
    "humanoidImageMask": lambda s: {"blob": s.image()},
    "prepareResource": _prepare,
    "repeat": _repeat,
    "tryOnU": lambda s: {"blob": s.image()},
}
RECIPES = frozenset(_RECIPES)

# Buzz per unit by step type; a unit is one image megapixel (rounded up), one second of video/audio, or one call.
_RATES: dict[str, int] = {"videoGen": 20, "training": 500, "imageResourceTraining": 500, "chatCompletion": 2}


def step_cost(step_type: str, data: Mapping[str, Any], produced: tuple[Media, ...]) -> int:
    """The step's Buzz cost: its rate × units, where each produced image costs its megapixels (rounded up),
    each video or audio file its seconds, and a step producing no media one unit."""
    units = 0
    for item in produced:
        if item.kind == "image":
            pixels = int(item.fields.get("width", 1)) * int(item.fields.get("height", 1))
            units += -(-pixels // 1_048_576)
        elif item.kind in ("video", "audio"):
            units += max(1, round(duration(data)))
    return _RATES.get(step_type, 1) * max(1, units)


def output_for(step_type: str, step_input: Any, *, mint: MintBlob, now: datetime) -> StepOutcome:
    """The output of a succeeded step of ``step_type`` given its (already validated) ``input``.

    ``mint`` is called once per produced file, in order; the output embeds the Blob JSON it returns,
    completed with the type's own fields. Raises ``ValueError`` for a ``$type`` the spec does not have.
    """
    builder = _BUILDERS.get(step_type)
    if builder is None:
        raise ValueError(f"step_type {step_type!r} is not a workflow step type of the v2 spec")
    return _run(step_type, builder, step_input, mint, now)


def estimate_cost(step_type: str, step_input: Any) -> int:
    """The Buzz cost ``step_type`` will have for ``step_input``, known before it runs (for ``whatif`` and for
    the cost a workflow shows while queued): the same builder as [`output_for`][] describes the files it would
    produce without making them, so the estimate always equals the finished step's ``cost``.

    Raises ``ValueError`` for a ``$type`` the spec does not have.
    """
    builder = _BUILDERS.get(step_type)
    if builder is None:
        raise ValueError(f"step_type {step_type!r} is not a workflow step type of the v2 spec")
    unstored: MintBlob = lambda _item: {"id": "estimate", "available": False}  # noqa: E731
    return _run(step_type, builder, step_input, unstored, _ESTIMATE_TIME, dry=True).cost


_ESTIMATE_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def recipe_output(recipe: str, body: Any, *, mint: MintBlob, now: datetime) -> StepOutcome:
    """The synchronous answer of ``POST /v2/consumer/recipes/{recipe}`` for an (already validated) ``body``.

    Raises ``ValueError`` for a recipe the spec does not have.
    """
    builder = _RECIPES.get(recipe)
    if builder is None:
        raise ValueError(f"recipe {recipe!r} is not a recipe of the v2 spec")
    return _run(recipe, builder, body, mint, now)


def _run(
    step_type: str,
    builder: Callable[[_Step], dict[str, Any]],
    step_input: Any,
    mint: MintBlob,
    now: datetime,
    *,
    dry: bool = False,
) -> StepOutcome:
    data = step_input if isinstance(step_input, Mapping) else {"mediaUrl": step_input}  # imageUpload: a URL string
    step = _Step(data, mint, now, dry=dry)
    output = builder(step)
    produced = tuple(step.stored)
    return StepOutcome(output, produced, step_cost(step_type, data, produced))


def workflow_cost(outcomes: list[StepOutcome]) -> int:
    """A workflow's base cost: the sum of its steps' costs."""
    return sum(outcome.cost for outcome in outcomes)
