"""A fake Civitai for tests and offline use: a real HTTP server on loopback, routes, fault injection.

    from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse, Fault

Names are imported on first use, so the pytest plugin that loads this package stays cheap.
"""

from __future__ import annotations

from civitai_kit._lazy import exports

_EXPORTS = {
    "civitai_kit.testing.server": ("FakeCivitai",),
    "civitai_kit.testing.messages": ("FakeRequest", "FakeResponse", "Headers"),
    "civitai_kit.testing.faults": ("Fault", "FaultKind", "FaultPlan"),
    "civitai_kit.testing.routing": ("Handler", "RoutePattern"),
    "civitai_kit.testing.logs": ("ErrorLog", "HandlerError", "RequestLog"),
    "civitai_kit.testing.pages": ("cloudflare_page", "not_found_page"),
}
"""Each public name once, with its module (``__init__.pyi`` is written from it by ``scripts/export_stubs.py``)."""

__getattr__, __dir__, __all__ = exports(__name__, _EXPORTS)
