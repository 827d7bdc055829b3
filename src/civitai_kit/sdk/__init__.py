"""The Generator / Orchestration SDK: v2 workflows (primary), v1 jobs (legacy), AIR identifiers.

Names are imported lazily so ``from civitai_kit.sdk.air import AirIdentifier`` (used by core models) never
pulls in the HTTP clients.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from civitai_kit.sdk.air import AirBuilder, AirIdentifier

if TYPE_CHECKING:
    pass

_LAZY: dict[str, str] = {}

__all__ = ["AirBuilder", "AirIdentifier", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'civitai_kit.sdk' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
