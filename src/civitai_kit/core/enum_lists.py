"""``GET /api/v1/enums``: Civitai's current value lists, and an offline snapshot of base model names.

Civitai adds base models every few weeks, so base model filters are open strings: an unknown name is still
sent. Because a misspelt one (``"SDXL 1.O"``) silently matches nothing, the filters check names against
[`BUNDLED_BASE_MODELS`][] and warn ([`UnknownBaseModelWarning`][]) with the closest known spellings.
"""

from __future__ import annotations

import difflib
import threading
import time
import warnings
from concurrent.futures import Future
from dataclasses import dataclass, field

from pydantic import Field

from civitai_kit._http import HttpCore
from civitai_kit._runtime import Operation, WaitFor
from civitai_kit.core import endpoints as ep
from civitai_kit.core.base import CivitaiModel
from civitai_kit.core.calls import fetch
from civitai_kit.core.enums import BaseModelType, ModelFileType, ModelType
from civitai_kit.errors import CivitaiWarning
from civitai_kit.result import Result, Success

__all__ = [
    "BUNDLED_BASE_MODELS",
    "CivitaiEnums",
    "EnumsCache",
    "UnknownBaseModelWarning",
    "base_model_hint",
    "check_base_models",
    "closest_base_models",
]

BUNDLED_BASE_MODELS: tuple[str, ...] = (
    "ODOR", "SD 1.4", "SD 1.5", "SD 1.5 LCM", "SD 1.5 Hyper", "SD 2.0", "SD 2.0 768", "SD 2.1", "SD 2.1 768",
    "SD 2.1 Unclip", "SDXL 0.9", "SDXL 1.0", "SDXL 1.0 LCM", "SDXL Distilled", "SDXL Turbo", "SDXL Lightning",
    "SDXL Hyper", "SD 3", "SD 3.5", "SD 3.5 Medium", "SD 3.5 Large", "SD 3.5 Large Turbo", "Stable Cascade", "SVD",
    "SVD XT", "Playground v2", "PixArt a", "PixArt E", "Hunyuan 1", "Hunyuan Video", "Lumina", "Kolors",
    "Flux.1 S", "Flux.1 D", "Flux.1 Krea", "Flux.1 Kontext", "AuraFlow", "Pony", "Pony V7", "Illustrious",
    "NoobAI", "HiDream", "Mochi", "LTXV", "CogVideoX", "Wan Video", "Wan Video 1.3B t2v", "Wan Video 14B t2v",
    "Wan Video 14B i2v 480p", "Wan Video 14B i2v 720p", "Wan Video 2.2 TI2V-5B", "Wan Video 2.2 I2V-A14B",
    "Wan Video 2.2 T2V-A14B", "Qwen", "Chroma", "Imagen4", "Veo 3", "Seedream", "Other",
)  # fmt: skip
"""Base model names as Civitai spelled them when this release was made (``BaseModel`` of ``/api/v1/enums``;
the sandbox serves the same list). Used only for spelling hints: the live list is ``client.enums()``."""

_KNOWN = frozenset(BUNDLED_BASE_MODELS)
_BY_LOWER = {name.lower(): name for name in BUNDLED_BASE_MODELS}


class UnknownBaseModelWarning(CivitaiWarning):
    """A base model filter names a value the bundled snapshot does not know (it is sent anyway)."""


def closest_base_models(name: str, known: tuple[str, ...] = BUNDLED_BASE_MODELS, limit: int = 3) -> list[str]:
    """The known names closest to ``name`` (case-insensitive, best first; empty when nothing is close)."""
    lowered = {value.lower(): value for value in known}
    matches = difflib.get_close_matches(name.strip().lower(), list(lowered), n=limit, cutoff=0.6)
    return [lowered[match] for match in matches]


def base_model_hint(name: str) -> str | None:
    """A one-line hint when ``name`` is not a known base model, else ``None``."""
    if name in _KNOWN:
        return None
    exact = _BY_LOWER.get(name.strip().lower())
    if exact is not None:
        return f"base model {name!r} is not spelled as Civitai does; did you mean {exact!r}?"
    close = closest_base_models(name)
    if close:
        return f"unknown base model {name!r} (sent anyway); closest known: {', '.join(map(repr, close))}"
    return f"unknown base model {name!r} (sent anyway); `civitai enums` lists the current names"


def check_base_models(names: list[str], stacklevel: int = 2) -> list[str]:
    """``names`` unchanged, after a warning ([`UnknownBaseModelWarning`][]) for each one the bundled snapshot
    does not know. ``stacklevel`` counts from the caller of this function."""
    for name in names:
        hint = base_model_hint(name)
        if hint is not None:
            warnings.warn(hint, UnknownBaseModelWarning, stacklevel=stacklevel + 1)
    return names


class CivitaiEnums(CivitaiModel):
    """``GET /api/v1/enums``. Open: a list Civitai adds later is kept in ``model_extra``."""

    model_type: tuple[ModelType, ...] = Field(default=(), alias="ModelType")
    model_file_type: tuple[ModelFileType, ...] = Field(default=(), alias="ModelFileType")
    active_base_model: tuple[str, ...] = Field(default=(), alias="ActiveBaseModel")
    """Base models one can still publish for (a subset of ``base_model``)."""
    base_model: tuple[str, ...] = Field(default=(), alias="BaseModel")
    base_model_type: tuple[BaseModelType, ...] = Field(default=(), alias="BaseModelType")


@dataclass(slots=True)
class EnumsCache:
    """One client's copy of ``/enums``, reused for ``ttl_seconds`` (failures are not kept).

    Concurrent first calls (threads on a sync client, tasks on an async one) send one request: the first
    caller fetches, the others wait for its result through the runtime (``WaitFor``), never holding a lock
    across a request. If that caller is cancelled, a waiter takes over.
    """

    ttl_seconds: float
    _value: CivitaiEnums | None = field(default=None, init=False)
    _at: float = field(default=0.0, init=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, init=False)
    _pending: Future[Result[CivitaiEnums] | None] | None = field(default=None, init=False)
    """The fetch in flight; it resolves to its result, or ``None`` when its caller gave up."""

    def fetch(self, http: HttpCore, *, strict: bool) -> Operation[Result[CivitaiEnums]]:
        leading: Future[Result[CivitaiEnums] | None]
        while True:
            with self._guard:
                if self._value is not None and time.monotonic() - self._at < self.ttl_seconds:
                    return Success(self._value)
                waiting = self._pending
                if waiting is None:
                    leading = self._pending = Future()
                    break
            shared: Result[CivitaiEnums] | None = yield WaitFor(waiting)
            if shared is not None:
                return shared
        try:
            result = yield from fetch(http, ep.enums(), CivitaiEnums, strict=strict)
        except BaseException:
            self._settle(leading, None)
            raise
        self._settle(leading, result)
        return result

    def _settle(self, leading: Future[Result[CivitaiEnums] | None], result: Result[CivitaiEnums] | None) -> None:
        with self._guard:
            if isinstance(result, Success):
                self._value, self._at = result.value, time.monotonic()
            self._pending = None
        leading.set_result(result)
