"""The hook after a model file lands: ``on_landed(LandedFile)``, with the metadata Civitai gave for it.

Previews and sidecar files (``<name>.preview.png``, ``<name>.civitai.info``, ``<name>.json``) are written next to
a model file from its version's metadata; a downloader calls ``on_landed`` once a file is at its final path
(downloaded and verified, or found already there and verified), where the progress callback is called: the event
loop's thread for the async service, the thread running that download for the sync one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from civitai_kit._runtime import Action

if TYPE_CHECKING:
    from civitai_kit._runtime import AsyncDriver, Driver
    from civitai_kit.core.models import ModelFile, ModelVersion
    from civitai_kit.tools.download_types import DownloadedFile

__all__ = ["LandedCallback", "LandedFile", "NotifyLanded"]


@dataclass(frozen=True, slots=True)
class LandedFile:
    """A model file at its final path, and what Civitai says it is."""

    downloaded: DownloadedFile
    """The file on disk (``already_present`` on a rerun; ``verified`` unless verification was turned off)."""
    file: ModelFile
    version: ModelVersion | None
    """The version (with its model's name and type, images, trained words ...), when it was known."""


LandedCallback = Callable[[LandedFile], object]


@dataclass(frozen=True, slots=True)
class NotifyLanded(Action):
    """Call ``callback`` where the driver runs (the event loop's thread when awaited), never an offload worker's."""

    callback: LandedCallback
    landed: LandedFile

    def perform(self, driver: Driver) -> None:
        self.callback(self.landed)

    async def perform_async(self, driver: AsyncDriver) -> None:
        self.callback(self.landed)
