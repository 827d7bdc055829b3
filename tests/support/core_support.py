"""Helpers shared by the REST client tests (a uniquely named module: test folders are not packages)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from civitai_kit.core import Creator, Image, Model, ModelVersion, Page, Tag
from civitai_kit.errors import Error
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Result

FIXTURES = Path(__file__).parent.parent / "fixtures" / "civitai-rest"


TARGETS: dict[str, Any] = {
    "models": Page[Model],
    "models-item": Model,
    "models-id": Model,
    "model-versions-id": ModelVersion,
    "model-versions-by-hash": ModelVersion,
    "images": Page[Image],
    "tags": Page[Tag],
    "creators": Page[Creator],
}
"""What each fixture directory's bodies parse as."""


def load_fixture(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text("utf-8"))


def fixture_files(kind: str | None = None) -> list[Path]:
    files = sorted(FIXTURES.glob("*/*.json"))
    return [f for f in files if kind is None or f.parent.name == kind]


def options_for(url: str, **values: Any) -> CivitaiApiOptions:
    """Options for a loopback server with fast retries (tests never wait for real backoff)."""
    values.setdefault("resilience", {"max_retries": 2, "base_delay_seconds": 0.01, "max_delay_seconds": 0.02})
    return CivitaiApiOptions(base_url=url, **values)


def error_of(result: Result[Any]) -> Error:
    """The error of a result that must be a failure."""
    assert isinstance(result, Failure), result
    return result.error


def read_everything(value: Any) -> None:
    """Every field of every model in ``value`` read as an attribute (so every deferred list is built)."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            read_everything(getattr(value, name))
    elif isinstance(value, tuple):
        for item in value:
            read_everything(item)
