"""Helpers shared by the download tests."""

from __future__ import annotations

import asyncio
from typing import Any

from civitai_kit import CivitaiApiOptions
from civitai_kit.tools import AsyncDownloadService, DownloadService


class Twin:
    """The sync service (on a thread) or the async one, behind one awaitable call."""

    def __init__(self, kind: str, options: CivitaiApiOptions, **kwargs: Any) -> None:
        self.kind = kind
        self.sync = DownloadService(options, **kwargs) if kind == "sync" else None
        self.aio = AsyncDownloadService(options, **kwargs) if kind == "async" else None

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.sync is not None:
            return await asyncio.to_thread(getattr(self.sync, method), *args, **kwargs)
        assert self.aio is not None
        return await getattr(self.aio, method)(*args, **kwargs)

    async def close(self) -> None:
        if self.sync is not None:
            self.sync.close()
        if self.aio is not None:
            await self.aio.aclose()
