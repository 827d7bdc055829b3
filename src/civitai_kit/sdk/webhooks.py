"""Callbacks the orchestrator POSTs to a workflow's ``callbacks`` URLs, read into typed events.

    event = parse_webhook_event(request.body)      # bytes, str or an already-decoded mapping
    if isinstance(event, WorkflowEvent) and event.status == "succeeded": ...

The payload's ``$type`` picks the class (``workflow``, ``step``, ``job``: the spec's ``WorkflowEvent``,
``WorkflowStepEvent`` and ``WorkflowStepJobEvent``, from ``sdk.schema``, unknown keys and status values kept);
any other type is an [`UnknownWebhookEvent`][] keeping the whole body, so a new event kind never breaks a
receiver.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from pydantic import ValidationError

from civitai_kit._json import JsonDecodeError, loads
from civitai_kit.sdk.models import ApiModel
from civitai_kit.sdk.schema import WorkflowEvent as WorkflowEvent
from civitai_kit.sdk.schema import WorkflowStepEvent as WorkflowStepEvent
from civitai_kit.sdk.schema import WorkflowStepJobEvent as WorkflowStepJobEvent

MAX_EVENT_BYTES = 16 * 1024 * 1024
"""A callback body larger than this is refused before decoding (a detailed event carries the workflow)."""


class UnknownWebhookEvent(ApiModel):
    """An event of a ``$type`` this version does not know; ``body`` is the payload as received."""

    type: str | None = None
    body: dict[str, Any]


WebhookEvent: TypeAlias = WorkflowEvent | WorkflowStepEvent | WorkflowStepJobEvent | UnknownWebhookEvent
_KINDS: dict[str, type[WorkflowEvent] | type[WorkflowStepEvent] | type[WorkflowStepJobEvent]] = {
    "workflow": WorkflowEvent,
    "step": WorkflowStepEvent,
    "job": WorkflowStepJobEvent,
}


def parse_webhook_event(body: bytes | str | Mapping[str, Any]) -> WebhookEvent:
    """The typed event of a received callback body. Raises ``ValueError`` naming what is wrong: not JSON,
    not an object, or a known event missing a field or holding a wrong one."""
    payload = _payload(body)
    kind = payload.get("$type")
    model = _KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        return UnknownWebhookEvent(type=kind if isinstance(kind, str) else None, body=payload)
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or '<root>'}: {error['msg']}" for error in exc.errors()
        )
        raise ValueError(f"not a valid {kind!r} webhook event: {problems}") from None


def _payload(body: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(body, Mapping):
        decoded: Any = dict(body)
    elif isinstance(body, bytes | bytearray | str):
        try:
            decoded = loads(body, max_bytes=MAX_EVENT_BYTES)
        except JsonDecodeError as exc:
            raise ValueError(f"the webhook body is not JSON: {exc}") from None
    else:
        raise TypeError(f"body must be bytes, str or a mapping, not {type(body).__name__}")
    if not isinstance(decoded, dict):
        raise ValueError(f"the webhook body must be a JSON object, not {type(decoded).__name__}")
    return decoded
