"""``GET /api/v1/model-versions/mini/{id}``: the trimmed version record Civitai's generator reads."""

from __future__ import annotations

from typing import Any

from civitai_kit.core.air import AirIdentifier
from civitai_kit.core.base import CivitaiModel
from civitai_kit.core.enums import Availability
from civitai_kit.core.models import LenientDatetime

__all__ = ["MiniModelVersion"]


class MiniModelVersion(CivitaiModel):
    """A version in brief: names, base model, the primary file's size, hashes and download URLs.

    Open like every model here (unknown keys kept in ``model_extra``); every field may be absent.
    """

    air: str | None = None
    """The version's AIR (``urn:air:sdxl:lora:civitai:{model}@{version}``)."""
    version_name: str | None = None
    model_name: str | None = None
    base_model: str | None = None
    availability: Availability | None = None
    size: float | None = None
    """The primary file's size in KB."""
    hashes: dict[str, Any] | None = None
    """The primary file's hashes by type (``SHA256``, ``AutoV2``…), as sent."""
    download_urls: tuple[str, ...] = ()
    format: str | None = None
    can_generate: bool | None = None
    require_auth: bool | None = None
    check_permission: bool | None = None
    early_access_ends_at: LenientDatetime = None
    minor: bool | None = None

    @property
    def air_identifier(self) -> AirIdentifier | None:
        """[`air`][] parsed, or ``None`` when absent or not a valid AIR."""
        return AirIdentifier.try_parse(self.air) if self.air else None
