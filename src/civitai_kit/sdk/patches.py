"""JSON Patch (RFC 6902) for ``PATCH /v2/consumer/workflows/{id}`` and ``…/steps/{name}``: a typed
[`Patch`][] operation with constructors for the common changes, sent as ``application/json-patch+json``.

    sdk.workflows.patch(workflow_id, Patch.cancel(), Patch.priority("high"), Patch.add_tag("night"))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from civitai_kit._http import ApiRequest, HttpCore
from civitai_kit._runtime import Operation
from civitai_kit.result import Result
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk.calls import call_empty
from civitai_kit.sdk.templates import Callback
from civitai_kit.sdk.workflow_calls import workflow_path

JSON_PATCH = "application/json-patch+json"
PatchOp = Literal["add", "remove", "replace", "move", "copy", "test"]
_OPS = ("add", "remove", "replace", "move", "copy", "test")
_UNSET: Any = object()


def pointer(*segments: str) -> str:
    """A JSON Pointer (RFC 6901) to ``segments``, each escaped (``~`` → ``~0``, ``/`` → ``~1``)."""
    return "".join("/" + segment.replace("~", "~0").replace("/", "~1") for segment in segments)


@dataclass(frozen=True)
class Patch:
    """One ``JsonPatchOperation``; build it with the constructors below or directly for anything else."""

    op: PatchOp
    path: str
    value: Any = field(default=_UNSET)
    from_: str | None = None

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"op must be one of {', '.join(_OPS)}, not {self.op!r}")
        if not isinstance(self.path, str) or (self.path and not self.path.startswith("/")):
            raise ValueError(f"path must be a JSON Pointer starting with '/', not {self.path!r}")
        if self.op in ("move", "copy") and not self.from_:
            raise ValueError(f"a {self.op!r} patch needs from_")
        if self.op in ("add", "replace", "test") and self.value is _UNSET:
            raise ValueError(f"a {self.op!r} patch needs a value")

    def to_json(self) -> dict[str, Any]:
        """The operation as the spec's ``JsonPatchOperation``."""
        body: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.from_ is not None:
            body["from"] = self.from_
        if self.value is not _UNSET:
            body["value"] = self.value
        return body

    @classmethod
    def cancel(cls) -> Patch:
        """Cancel the workflow (or step): unfinished jobs are stopped and refunded."""
        return cls("replace", "/status", "canceled")

    @classmethod
    def priority(cls, priority: str) -> Patch:
        """Change the priority (``low``, ``normal``, ``high``)."""
        return cls("replace", "/priority", check.text("priority", priority))

    @classmethod
    def add_tag(cls, tag: str) -> Patch:
        """Append one tag."""
        return cls("add", "/tags/-", check.text("tag", tag, max_length=200))

    @classmethod
    def tags(cls, tags: Iterable[str]) -> Patch:
        """Replace every tag."""
        return cls("replace", "/tags", list(check.strings("tags", tags)))

    @classmethod
    def metadata(cls, key: str, value: Any) -> Patch:
        """Set one metadata entry (``/metadata/<key>``)."""
        return cls("add", pointer("metadata", check.text("key", key)), value)

    @classmethod
    def callbacks(cls, *callbacks: Callback) -> Patch:
        """Replace the workflow's callbacks (typed ``Callback``s; none removes them all)."""
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise ValueError(f"callbacks: expected Callback objects, got {type(callback).__name__}")
        return cls("replace", "/callbacks", [callback.to_json() for callback in callbacks])

    @classmethod
    def replace_metadata(cls, metadata: Mapping[str, Any]) -> Patch:
        """Replace the whole metadata object."""
        return cls("replace", "/metadata", dict(metadata))


def document(patches: Iterable[Patch]) -> list[dict[str, Any]]:
    """The ``JsonPatchDocument`` of ``patches`` (at least one, every one a [`Patch`][])."""
    listed = list(patches)
    if not listed:
        raise ValueError("patches: give at least one Patch")
    for item in listed:
        if not isinstance(item, Patch):
            raise ValueError(f"patches: expected Patch objects, got {type(item).__name__}")
    return [item.to_json() for item in listed]


def _patch(http: HttpCore, path: str, patches: Iterable[Patch]) -> Operation[Result[None]]:
    request = ApiRequest("PATCH", path, json=document(patches), headers=(("Content-Type", JSON_PATCH),))
    return call_empty(http, request)


def patch_workflow(http: HttpCore, workflow_id: str, *patches: Patch) -> Operation[Result[None]]:
    """``PATCH /v2/consumer/workflows/{id}`` with ``patches`` as one JSON Patch document."""
    return _patch(http, workflow_path(workflow_id), patches)


def patch_step(http: HttpCore, workflow_id: str, step_name: str, *patches: Patch) -> Operation[Result[None]]:
    """``PATCH /v2/consumer/workflows/{id}/steps/{name}`` with ``patches`` as one JSON Patch document."""
    path = workflow_path(workflow_id, "steps", check.text("step_name", step_name))
    return _patch(http, path, patches)


__all__ = ["JSON_PATCH", "Patch", "document", "patch_step", "patch_workflow", "pointer"]
