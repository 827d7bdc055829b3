"""Shared by the ``core_*`` examples: your configured Civitai, or a local fake one.

With a base URL (``CIVITAIAPI__BASEURL``) or an API key configured (``CIVITAI_API_KEY``, appsettings.json,
user secrets …) the examples use that configuration. Without either they start the fake REST API from
``civitai_kit.testing`` on loopback (real Civitai payload shapes, sample data) and say so, so they run
anywhere, offline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.rest import install_rest_routes


@contextmanager
def civitai_options() -> Iterator[CivitaiApiOptions]:
    """Options for the configured Civitai, or for a sandbox started for the duration of the block."""
    options = CivitaiApiOptions()
    if os.environ.get("CIVITAIAPI__BASEURL") or options.api_key is not None:
        yield options
        return
    with FakeCivitai() as server:
        install_rest_routes(server)
        print(f"No Civitai base URL or API key configured: using a local sandbox at {server.url}\n")
        yield CivitaiApiOptions(base_url=server.url)
