# Written by scripts/export_stubs.py from _EXPORTS in __init__.py: edit the table there, then rerun it.
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
