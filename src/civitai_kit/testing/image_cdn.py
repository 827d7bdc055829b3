"""The sandbox's stand-in for ``image.civitai.com``: every image URL in a REST body points here instead.

Real bodies carry CDN URLs (``https://image.civitai.com/<key>/<uuid>/width=450/<id>.jpeg``); the sandbox rewrites
their origin to ``{server}/_cdn/image/`` so previews and image downloads stay on loopback, and answers each path
with a small PNG whose colour is derived from the path (the same URL always gives the same bytes). The
extension in the URL is Civitai's and need not match the bytes: the real CDN also picks the format itself.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

from civitai_kit.testing.messages import FakeRequest, FakeResponse

CDN_ORIGIN = "https://image.civitai.com/"
CDN_PATH = "/_cdn/image/"
_SIDE = 16


def local_cdn(origin: str) -> str:
    """Where ``CDN_ORIGIN`` points on a server at ``origin``."""
    return f"{origin}{CDN_PATH}"


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid ``width`` × ``height`` PNG of one colour (8-bit RGB, no filtering)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(row * height, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def serve_image(request: FakeRequest) -> FakeResponse:
    """``GET /_cdn/image/{path}``: the PNG for that path."""
    digest = hashlib.sha256(request.path.encode()).digest()
    body = solid_png(_SIDE, _SIDE, (digest[0], digest[1], digest[2]))
    return FakeResponse.bytes(body, "image/png", headers={"Cache-Control": "public, max-age=31536000"})
