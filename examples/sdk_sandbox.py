"""Shared by the ``sdk_*`` examples: an SDK client for your configuration, or for a local sandbox.

With a token configured (``CIVITAI_API_TOKEN``, ``CivitaiApi:Sdk:ApiToken``, user secrets …) the examples
talk to the configured orchestrator — real generations cost Buzz. Without one they start the fake
orchestrator from ``civitai_kit.testing`` on loopback and say so, so they run anywhere, offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from civitai_kit.options import CivitaiApiOptions
from civitai_kit.sdk import SdkClient
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import install_orchestration_routes


@contextmanager
def open_sdk() -> Iterator[SdkClient]:
    options = CivitaiApiOptions()
    if options.sdk_token() is not None:
        with SdkClient(options) as sdk:
            yield sdk
        return
    with FakeCivitai() as server:
        install_orchestration_routes(server)
        print(f"No Civitai API token configured: using a local sandbox orchestrator at {server.url}\n")
        sandbox = CivitaiApiOptions(sdk={"base_url": server.url, "api_token": "sandbox-token"})
        with SdkClient(sandbox) as sdk:
            yield sdk
