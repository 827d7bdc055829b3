"""Standard calls to run against a hostile server, each written once for sync and async clients.

An operation takes a client and returns what the client returns: a ``Result`` (sync), an awaitable of
one (async), or an iterator / async iterator (``iterate``, ``pages``), which [`probe`][] drains.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from civitai_kit.result import Failure, Success

Operation = Callable[[Any], Any]

UNIVERSAL_BODY: Mapping[str, Any] = {
    "id": 1,
    "name": "hostile",
    "status": "succeeded",
    "items": [{"id": 1, "name": "hostile"}],
    "metadata": {},
}
"""A JSON body every REST operation accepts: a model (``get_by_id``) and a page (``execute``,
``iterate``...) at once."""

WORKFLOW_BODY: Mapping[str, Any] = {"id": "wf-hostile", "status": "succeeded", "steps": []}
"""A JSON body the SDK's workflow operations (``workflows.get``/``submit``) accept."""


def core_operations() -> dict[str, Operation]:
    """The REST client's calls: ``get_by_id``, ``execute``, ``first_or_none``, ``iterate`` (max_items=1),
    ``pages`` (every page)."""
    return {
        "get_by_id": lambda client: client.models.get_by_id(1),
        "execute": lambda client: client.models.where_name("hostile").execute(limit=1),
        "first_or_none": lambda client: client.models.where_name("hostile").first_or_none(),
        "iterate": lambda client: client.models.where_name("hostile").iterate(max_items=1),
        "pages": lambda client: client.models.where_name("hostile").pages(),
    }


def sdk_operations() -> dict[str, Operation]:
    """The SDK client's calls: ``workflows.get``, ``submit`` without an idempotency key, ``submit`` with
    one (``externalId``)."""
    return {
        "workflows.get": lambda client: client.workflows.get("wf-hostile"),
        "workflows.submit": lambda client: client.workflows.submit({"metadata": {"hostile": True}, "steps": []}),
        "workflows.submit(externalId)": lambda client: client.workflows.submit(
            {"externalId": "hostile-ext-1", "steps": []}
        ),
    }


class NotAResultError(AssertionError):
    """An intermediate call of a sequence returned something that is neither Success nor Failure."""


def in_sequence(*operations: Operation) -> Operation:
    """Run ``operations`` one after another on the same client (same connection pool) and return the last
    one's result; every earlier one must return a Result (else [`NotAResultError`][], an untyped outcome).
    For misbehaviours that bite on the *next* request of a kept-alive connection."""
    if not operations:
        raise ValueError("in_sequence needs at least one operation")

    def run(client: Any) -> Any:
        first = operations[0](client)
        if inspect.isawaitable(first):

            async def run_async() -> Any:
                value = await first
                for operation in operations[1:]:
                    _require_result(value)
                    value = operation(client)  # the last may be an async iterator: returned as is, to drain
                    if inspect.isawaitable(value):
                        value = await value
                return value

            return run_async()
        value = first
        for operation in operations[1:]:
            _require_result(value)
            value = operation(client)
        return value

    return run


def _require_result(value: object) -> None:
    if not isinstance(value, Success | Failure):
        raise NotAResultError(f"expected a Result, got {type(value).__name__}: {value!r:.200}")
