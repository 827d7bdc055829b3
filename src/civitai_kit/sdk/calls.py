"""An orchestrator call as an operation of the runtime: sent through ``_http``, its answer parsed here.

Like core's calls, the parse happens in the operation after ``_http`` hands the response up; nothing is
handed down to be called back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from civitai_kit._http import ApiRequest, HttpCore, parse_json
from civitai_kit._runtime import Operation
from civitai_kit.result import Failure, Result, Success

T = TypeVar("T")
HOLD_SLACK_SECONDS = 30.0
"""How much longer than a server-side hold a read may take (the work around the wait itself)."""


def call(http: HttpCore, request: ApiRequest, parse: Callable[[Any], T], *, hold: float = 0.0) -> Operation[Result[T]]:
    """``request`` sent, its JSON body parsed by ``parse`` (shape errors become ``DESERIALIZATION_FAILED``).
    ``hold``: seconds the server may keep the request open on purpose (``wait``)."""
    sent = yield from http.call(held(request, hold, http.settings.timeout))
    return sent if isinstance(sent, Failure) else parse_json(sent.value, parse)


def call_empty(http: HttpCore, request: ApiRequest) -> Operation[Result[None]]:
    """``request`` sent; its answer has no useful body (204)."""
    sent = yield from http.call(request)
    return sent if isinstance(sent, Failure) else Success(None)


def held(request: ApiRequest, hold: float, timeout: float) -> ApiRequest:
    """``request`` for a client whose read timeout is ``timeout``: stretched to the hold plus
    ``HOLD_SLACK_SECONDS`` when shorter, so a ``wait`` is not cut off (and a submit not lost)."""
    needed = hold + HOLD_SLACK_SECONDS
    if hold <= 0 or request.timeout is not None or timeout >= needed:
        return request
    return replace(request, timeout=needed)
