"""Data for the fake orchestrator: real PNG bytes, the resource catalog, and JSON shaped like the real API.

Every body built here follows the orchestration OpenAPI documents (the tests validate them against the
schemas), so a client that works against the fake reads the real service the same way.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from civitai_kit.testing.media import png_file

PROBLEM_JSON = "application/problem+json"


def png(width: int, height: int, seed: int = 0) -> bytes:
    """A valid RGB PNG of ``width``×``height`` (kept small by the caller): a gradient coloured by ``seed``."""
    red, green, blue = (seed >> 16) & 0xFF, (seed >> 8) & 0xFF, seed & 0xFF
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes(((red + x * 4) & 0xFF, (green + y * 4) & 0xFF, (blue + (x + y) * 2) & 0xFF))

    return png_file(width, height, zlib.compress(bytes(rows)))


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as the orchestrator writes dates."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    """An RFC 7807 ``ProblemDetails`` body."""
    return {
        "type": f"https://tools.ietf.org/html/rfc9110#section-15.{5 if status < 500 else 6}.{status % 100 + 1}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }


# A small catalog for ``GET /v2/resources/{air}`` and v1 coverage: AIR → (name, can generate, status, workers).
RESOURCES: dict[str, tuple[str, bool, str, int]] = {
    "urn:air:sd1:checkpoint:civitai:4384@128713": ("DreamShaper 8", True, "available", 12),
    "urn:air:sdxl:checkpoint:civitai:101055@128078": ("SD XL 1.0", True, "available", 30),
    "urn:air:sdxl:model:civitai:101055@128078": ("SD XL 1.0", True, "available", 30),
    "urn:air:sd1:checkpoint:civitai:107842@275408": ("Retired checkpoint", False, "unavailable", 0),
    "urn:air:sd1:lora:civitai:162141@182559": ("Detail Tweaker", True, "available", 1),
    "urn:air:sdxl:lora:civitai:328553@368189": ("Pixel Art XL", True, "loading", 0),
    "urn:air:sd1:embedding:civitai:7808@9208": ("EasyNegative", True, "available", 9),
    "urn:air:flux1:checkpoint:civitai:618692@691639": ("FLUX.1 [dev]", True, "available", 8),
}
V1_AVAILABILITY = {"available": "Available", "unavailable": "Unavailable", "loading": "Unavailable"}


def resource_info(air: str, now: datetime) -> dict[str, Any] | None:
    """``ResourceInfo`` for a catalogued AIR; ``None`` when unknown."""
    entry = RESOURCES.get(air)
    if entry is None:
        return None
    name, can_generate, status, workers = entry
    availability: dict[str, Any] = {"status": status}
    if status in ("available", "loading"):
        availability["workers"] = workers
    if status == "loading":
        availability.update(progress=0.4, etaSeconds=90, startedAt=timestamp(now))
    model_id = air.rsplit(":", 1)[1].split("@")[0]
    return {
        "air": air,
        "size": 2_132_625_894,
        "hashes": {"SHA256": "6CE0161689B3853ACAA03779EC93EAFE75A02F4CED659BEE03F50797806FA2FA"},
        "downloadUrls": [f"https://civitai.com/api/download/models/{model_id}"],
        "resourceName": name,
        "versionName": "v1.0",
        "checkPermission": False,
        "canGenerate": can_generate,
        "fileFormat": "safeTensor",
        "hasMatureContentRestriction": False,
        "hasNSFWContentRestriction": False,
        "availability": availability,
    }


def v1_coverage(air: str) -> dict[str, Any]:
    entry = RESOURCES.get(air)
    if entry is None:
        return {"availability": "Unknown", "workers": 0}
    _, can_generate, status, workers = entry
    return {"availability": V1_AVAILABILITY[status] if can_generate else "Unsupported", "workers": workers}
