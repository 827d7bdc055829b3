"""What a finished step produced, read through the spec's output schema of its ``$type``.

The spec says where each step type puts its files (``imageGen`` → ``images[]``, ``videoGen`` → ``video`` and
``additionalVideos[]``, ``textToSpeech`` → ``audioBlob``, ``imageUpscaler`` → ``blob``…) and which blob schema
each is (``ImageBlob``, ``VideoBlob``, ``AudioBlob``). Walking the schema finds every one, for every step
type, without a hand-written table of 45 outputs; texts and tags come from the few fields that carry them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from civitai_kit.sdk import spec_inputs

BLOB_SCHEMAS = {
    "ImageBlob": "image",
    "VideoBlob": "video",
    "AudioBlob": "audio",
    "Model3DBlob": "model3d",
    "TranscodeOutput": "video",  # the transcoded file itself; its containers (``ContainerFormat``) are video
    "Blob": "",
}
"""Blob schemas and the media kind each holds (a plain ``Blob`` says its kind in its ``type`` field). Any other
schema shaped like a blob (``id``, ``available``, ``url``) is one too, of the kind its ``type`` says."""
BLOB_FIELDS = frozenset({"id", "available", "url"})

TEXT_PATHS: Mapping[str, tuple[tuple[str, ...], ...]] = {
    "chatCompletion": (("choices", "*", "message", "content"),),
    "mediaCaptioning": (("caption",),),
    "transcription": (("text",),),
    "promptEnhancement": (("enhancedPrompt",), ("enhancedNegativePrompt",)),
    "echo": (("message",),),
}
"""Where each text-producing step type puts its text (``*``: every item of a list)."""

TAG_FIELDS = {"wdTagging": "tags"}
"""Step types whose output maps tag → confidence."""


@cache
def output_schema(step_type: str) -> str | None:
    """The spec's output schema of a step ``$type`` (``None`` for a type the spec does not know)."""
    found = spec_inputs.shape("WorkflowStep").discriminator
    step_schema = (found[1] if found else {}).get(step_type)
    if step_schema is None:
        return None
    field = spec_inputs.shape(step_schema).properties.get("output", {})
    return field["$ref"].rsplit("/", 1)[-1] if "$ref" in field else None


def blobs(step_type: str, output: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every blob in a step's raw output with its kind (``image``, ``video``, ``audio``, ``model3d``, …)."""
    schema = output_schema(step_type)
    if schema is not None:
        yield from _walk(schema, output)


def _walk(schema: str, value: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if not isinstance(value, Mapping):
        return
    schema = _concrete(schema, value)
    found = spec_inputs.shape(schema)
    if schema in BLOB_SCHEMAS or found.properties.keys() >= BLOB_FIELDS:
        yield BLOB_SCHEMAS.get(schema) or str(value.get("type") or "blob").lower(), value
        return
    for key, field in found.properties.items():
        target = _ref_of(field)
        if target is None or key not in value:
            continue
        items = value[key] if isinstance(value[key], list) else [value[key]]
        for item in items:
            yield from _walk(target, item)


def _concrete(schema: str, value: Mapping[str, Any]) -> str:
    """The schema ``value`` is, following discriminators (``ComposeMediaOutput`` → ``VideoComposeMediaOutput``
    by its ``type``); an unknown discriminator value stays at the base."""
    while (found := spec_inputs.shape(schema).discriminator) is not None:
        field, mapping = found
        kind = value.get(field)
        target = mapping.get(kind) if isinstance(kind, str) else None
        if target is None or target == schema:
            return schema
        schema = target
    return schema


def _ref_of(field: Mapping[str, Any]) -> str | None:
    for candidate in (field, field.get("items", {}), *field.get("oneOf", ()), *field.get("anyOf", ())):
        if isinstance(candidate, Mapping) and "$ref" in candidate:
            return str(candidate["$ref"]).rsplit("/", 1)[-1]
    return None


def texts(step_type: str, output: Mapping[str, Any]) -> list[str]:
    """The text a step produced (chat answers, captions, transcripts, enhanced prompts), in order."""
    return [text for path in TEXT_PATHS.get(step_type, ()) for text in _follow(output, path) if isinstance(text, str)]


def _follow(value: Any, path: tuple[str, ...]) -> Iterator[Any]:
    if not path:
        yield value
    elif path[0] == "*" and isinstance(value, list):
        for item in value:
            yield from _follow(item, path[1:])
    elif isinstance(value, Mapping) and path[0] in value:
        yield from _follow(value[path[0]], path[1:])


def tags(step_type: str, output: Mapping[str, Any]) -> dict[str, float]:
    """Tag → confidence from a tagging step (empty for other step types)."""
    found = output.get(TAG_FIELDS[step_type]) if step_type in TAG_FIELDS else None
    if not isinstance(found, Mapping):
        return {}
    return {str(tag): float(score) for tag, score in found.items() if isinstance(score, int | float)}
