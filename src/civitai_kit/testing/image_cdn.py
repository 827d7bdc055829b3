"""The sandbox's stand-in for Civitai's image CDN: every image URL in a REST body points here instead.

Real bodies carry CDN URLs (``https://image.civitai.com/<key>/<uuid>/width=450/<id>.jpeg``, and
``https://imagecache.civitai.com/…`` in 2023 bodies); the sandbox rewrites their origins to
``{server}/_cdn/image/`` so previews and image downloads stay on loopback, and answers each path with a small
PNG whose colour is derived from the path (the same URL always gives the same bytes). The extension in the URL
is Civitai's and need not match the bytes: the real CDN also picks the format itself.
"""

from __future__ import annotations

import hashlib

from civitai_kit.testing.media import solid_png
from civitai_kit.testing.messages import FakeRequest, FakeResponse

CDN_ORIGINS = ("https://image.civitai.com/", "https://imagecache.civitai.com/")
CDN_PATH = "/_cdn/image/"
_SIDE = 16


def to_local_cdn(text: str, origin: str) -> str:
    """``text`` (a JSON body) with every CDN origin pointing at the server at ``origin``."""
    for cdn in CDN_ORIGINS:
        text = text.replace(cdn, f"{origin}{CDN_PATH}")
    return text


def serve_image(request: FakeRequest) -> FakeResponse:
    """``GET /_cdn/image/{path}``: the PNG for that path."""
    digest = hashlib.sha256(request.path.encode()).digest()
    body = solid_png(_SIDE, _SIDE, (digest[0], digest[1], digest[2]))
    return FakeResponse.bytes(body, "image/png", headers={"Cache-Control": "public, max-age=31536000"})
