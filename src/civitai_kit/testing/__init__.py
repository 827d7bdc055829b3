"""A fake Civitai for tests and offline use: a real HTTP server on loopback, routes, fault injection.

    from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse, Fault

Only the standard library is imported here, so the pytest plugin that loads this package stays cheap.
"""

from civitai_kit.testing.faults import Fault, FaultKind, FaultPlan
from civitai_kit.testing.logs import ErrorLog, HandlerError, RequestLog
from civitai_kit.testing.messages import FakeRequest, FakeResponse, Headers
from civitai_kit.testing.pages import cloudflare_page, not_found_page
from civitai_kit.testing.routing import Handler, RoutePattern
from civitai_kit.testing.server import FakeCivitai

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
