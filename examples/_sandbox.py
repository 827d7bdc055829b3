"""Shared by the examples: your configured Civitai, or the sandbox (a fake Civitai on loopback).

With a Civitai base URL or an API key configured anywhere (``CIVITAIAPI__BASEURL``, ``CIVITAI_API_KEY``,
``appsettings.json``, user secrets, ...) the examples use that configuration. Without either they start the
sandbox from ``civitai_kit.testing`` — REST API, downloads and Generator with realistic data — point the
options at it and say so, so every example runs anywhere, offline, for free.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from civitai_kit.options import CivitaiApiOptions
from civitai_kit.sdk import SdkClient


def is_configured(options: CivitaiApiOptions) -> bool:
    """True when the user pointed civitai-kit somewhere or gave it a key: then the examples use that."""
    moved = any(options.source_of(key) != "default" for key in ("base_url", "sdk.base_url"))
    return moved or options.api_key is not None or options.sdk_token() is not None


@contextmanager
def civitai_options() -> Iterator[CivitaiApiOptions]:
    """Options for the configured Civitai, or for a sandbox that runs for the duration of the block."""
    options = CivitaiApiOptions()
    if is_configured(options):
        yield options
        return
    from civitai_kit.testing.sandbox import start_sandbox

    with start_sandbox() as sandbox:
        print(f"No Civitai key or base URL configured: using the local sandbox (a fake Civitai) at {sandbox.url}\n")
        yield CivitaiApiOptions(**sandbox.option_values())


@contextmanager
def open_sdk() -> Iterator[SdkClient]:
    """A Generator client for the configured Civitai (real generations cost Buzz), or for the sandbox."""
    with civitai_options() as options, SdkClient(options) as sdk:
        yield sdk
