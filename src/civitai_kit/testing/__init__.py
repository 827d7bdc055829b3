"""A fake Civitai for tests and offline use: a real HTTP server on loopback, routes, fault injection.

    from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse, Fault

Names are imported on first use, so loading the pytest plugin (which imports this package) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from civitai_kit.testing.faults import Fault, FaultKind, FaultPlan
    from civitai_kit.testing.logs import ErrorLog, HandlerError, RequestLog
    from civitai_kit.testing.messages import FakeRequest, FakeResponse, Headers
    from civitai_kit.testing.pages import cloudflare_page, not_found_page
    from civitai_kit.testing.routing import Handler, RoutePattern
    from civitai_kit.testing.server import FakeCivitai

_EXPORTS = {
    "FakeCivitai": "server",
    "FakeRequest": "messages",
    "FakeResponse": "messages",
    "Headers": "messages",
    "Fault": "faults",
    "FaultKind": "faults",
    "FaultPlan": "faults",
    "RequestLog": "logs",
    "ErrorLog": "logs",
    "HandlerError": "logs",
    "Handler": "routing",
    "RoutePattern": "routing",
    "cloudflare_page": "pages",
    "not_found_page": "pages",
}

__all__ = [
    "ErrorLog",
    "FakeCivitai",
    "FakeRequest",
    "FakeResponse",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "Handler",
    "HandlerError",
    "Headers",
    "RequestLog",
    "RoutePattern",
    "cloudflare_page",
    "not_found_page",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
