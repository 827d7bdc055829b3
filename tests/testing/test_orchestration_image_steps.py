"""textToImage and imageGen steps go through ``output_for`` like every other step: the images served are PNGs
of the requested size and count, filling the blobs the step announced while it was processing."""

from __future__ import annotations

import struct
from typing import Any

import httpx
import pytest

from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import install_orchestration_routes
from tests.support.sdk_minimal import minimal
from tests.support.sdk_openapi import v2
from tests.testing.test_orchestration_costs import IMAGES

TEXT_TO_IMAGE = {**IMAGES, "width": 640, "height": 384, "quantity": 3}
IMAGE_GEN = {**minimal("Flux2DevImageGenInput"), "width": 768, "height": 512, "quantity": 2}


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), data[:16]
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize(
    ("step_type", "data", "size"), [("textToImage", TEXT_TO_IMAGE, (640, 384)), ("imageGen", IMAGE_GEN, (768, 512))]
)
def test_image_steps_serve_pngs_of_the_requested_size_in_the_announced_blobs(
    fake_civitai: FakeCivitai, step_type: str, data: dict[str, Any], size: tuple[int, int]
) -> None:
    install_orchestration_routes(fake_civitai)
    template = {"steps": [{"$type": step_type, "input": data}], "currencies": []}
    with httpx.Client(base_url=fake_civitai.url, headers={"Authorization": "Bearer t"}) as http:
        submitted = http.post("/v2/consumer/workflows", json=template)
        assert submitted.status_code in (200, 202), submitted.text
        workflow_id = submitted.json()["id"]
        processing: dict[str, Any] = {}
        while processing.get("status") != "processing":
            processing = http.get(f"/v2/consumer/workflows/{workflow_id}").json()
        announced = [image["id"] for image in processing["steps"][0]["output"]["images"]]
        finished = http.get(f"/v2/consumer/workflows/{workflow_id}", params={"wait": 1}).json()
        v2().assert_valid("Workflow", finished)
        images = finished["steps"][0]["output"]["images"]
        assert [image["id"] for image in images] == announced and len(images) == data["quantity"]
        for image in images:
            assert (image["width"], image["height"]) == size
            served = httpx.get(image["url"])
            assert served.status_code == 200 and served.headers["content-type"] == "image/png"
            assert _png_size(served.content) == size
        again = http.get(f"/v2/consumer/workflows/{workflow_id}").json()
        assert [image["id"] for image in again["steps"][0]["output"]["images"]] == announced  # made once
