"""A real WebM clip written with the standard library: VP8 key frames from our own (very small) encoder in a
Matroska/WebM container.

The encoder knows one picture: a flat mid-grey frame (Y = U = V = 128). Every macroblock is intra-coded with
DC prediction and has no residual (``mb_skip_coeff``), which is what a VP8 decoder reconstructs as mid-grey,
so the only entropy-coded data is the frame header and one mode per macroblock. That keeps the encoder to a
boolean (arithmetic) coder and the header fields of RFC 6386, and the clip to a few hundred bytes, yet any
VP8 decoder (browsers, ffmpeg) plays it at the requested size, frame rate and duration.
"""

from __future__ import annotations

import struct

# RFC 6386 §13.4: the probability that each coefficient probability is updated in a frame header. The encoder
# updates none, but every "no update" flag must be coded with its own probability. Rows are listed with their
# leading values only (each row has 11 entries; the rest are 255), by (block type, band, context).
_UPDATE_ROWS: dict[tuple[int, int, int], tuple[int, ...]] = {
    (0, 1, 0): (176, 246),
    (0, 1, 1): (223, 241, 252),
    (0, 1, 2): (249, 253, 253),
    (0, 2, 0): (255, 244, 252),
    (0, 2, 1): (234, 254, 254),
    (0, 2, 2): (253,),
    (0, 3, 0): (255, 246, 254),
    (0, 3, 1): (239, 253, 254),
    (0, 3, 2): (254, 255, 254),
    (0, 4, 0): (255, 248, 254),
    (0, 4, 1): (251, 255, 254),
    (0, 5, 0): (255, 253, 254),
    (0, 5, 1): (251, 254, 254),
    (0, 5, 2): (254, 255, 254),
    (0, 6, 0): (255, 254, 253, 255, 254),
    (0, 6, 1): (250, 255, 254, 255, 254),
    (0, 6, 2): (254,),
    (1, 0, 0): (217,),
    (1, 0, 1): (225, 252, 241, 253, 255, 255, 254),
    (1, 0, 2): (234, 250, 241, 250, 253, 255, 253, 254),
    (1, 1, 0): (255, 254),
    (1, 1, 1): (223, 254, 254),
    (1, 1, 2): (238, 253, 254, 254),
    (1, 2, 0): (255, 248, 254),
    (1, 2, 1): (249, 254),
    (1, 3, 0): (255, 253),
    (1, 3, 1): (247, 254),
    (1, 4, 0): (255, 253, 254),
    (1, 4, 1): (252,),
    (1, 5, 0): (255, 254, 254),
    (1, 5, 1): (253,),
    (1, 6, 0): (255, 254, 253),
    (1, 6, 1): (250,),
    (1, 6, 2): (254,),
    (2, 0, 0): (186, 251, 250),
    (2, 0, 1): (234, 251, 244, 254),
    (2, 0, 2): (251, 251, 243, 253, 254, 255, 254),
    (2, 1, 0): (255, 253, 254),
    (2, 1, 1): (236, 253, 254),
    (2, 1, 2): (251, 253, 253, 254, 254),
    (2, 2, 0): (255, 254, 254),
    (2, 2, 1): (254, 254, 254),
    (2, 3, 0): (255, 254),
    (2, 3, 1): (254, 254),
    (2, 3, 2): (254,),
    (2, 4, 1): (254,),
    (3, 0, 0): (248,),
    (3, 0, 1): (250, 254, 252, 254),
    (3, 0, 2): (248, 254, 249, 253),
    (3, 1, 0): (255, 253, 253),
    (3, 1, 1): (246, 253, 253),
    (3, 1, 2): (252, 254, 251, 254, 254),
    (3, 2, 0): (255, 254, 252),
    (3, 2, 1): (248, 254, 253),
    (3, 2, 2): (253, 255, 254, 254),
    (3, 3, 0): (255, 251, 254),
    (3, 3, 1): (245, 251, 254),
    (3, 3, 2): (253, 253, 254),
    (3, 4, 0): (255, 251, 253),
    (3, 4, 1): (252, 253, 254),
    (3, 4, 2): (255, 254),
    (3, 5, 0): (255, 252),
    (3, 5, 1): (249, 255, 254),
    (3, 5, 2): (255, 255, 254),
    (3, 6, 0): (255, 255, 253),
    (3, 6, 1): (250,),
    (3, 7, 1): (254,),
}
_KF_YMODE_DC = ((1, 145), (0, 156), (0, 163))  # RFC 6386 §11.2: DC_PRED in kf_ymode_tree, with kf_ymode_prob
_KF_UV_MODE_DC = ((0, 142),)  # DC_PRED in uv_mode_tree, with kf_uv_mode_prob
_SKIP_PROBABILITY = 1  # prob_skip_false: every macroblock is skipped, so "skipped" should cost nothing
_QUANTIZER = 10


def _update_probabilities() -> list[int]:
    table: list[int] = []
    for block in range(4):
        for band in range(8):
            for context in range(3):
                row = _UPDATE_ROWS.get((block, band, context), ())
                table.extend((*row, *(255,) * (11 - len(row))))
    return table


class BoolEncoder:
    """VP8's boolean entropy coder (RFC 6386 §7.3)."""

    def __init__(self) -> None:
        self._out = bytearray()
        self._range = 255
        self._bottom = 0
        self._bit_count = 24

    def bool(self, bit: int, probability: int) -> None:
        split = 1 + (((self._range - 1) * probability) >> 8)
        if bit:
            self._bottom += split
            self._range -= split
        else:
            self._range = split
        while self._range < 128:
            self._range <<= 1
            if self._bottom & (1 << 31):
                self._carry()
            self._bottom = (self._bottom << 1) & 0xFFFFFFFF
            self._bit_count -= 1
            if not self._bit_count:
                self._out.append((self._bottom >> 24) & 0xFF)
                self._bottom &= (1 << 24) - 1
                self._bit_count = 8

    def literal(self, value: int, bits: int) -> None:
        for shift in range(bits - 1, -1, -1):
            self.bool((value >> shift) & 1, 128)

    def _carry(self) -> None:
        index = len(self._out) - 1
        while index >= 0 and self._out[index] == 255:
            self._out[index] = 0
            index -= 1
        self._out[index] += 1

    def finish(self) -> bytes:
        for _ in range(32):  # pad so the decoder can always read ahead
            self.bool(0, 128)
        return bytes(self._out)


def vp8_grey_key_frame(width: int, height: int) -> bytes:
    """One VP8 key frame (RFC 6386) of ``width``×``height``, every pixel mid-grey."""
    if not (1 <= width <= 0x3FFF and 1 <= height <= 0x3FFF):
        raise ValueError(f"width and height must be in 1..16383 for VP8, got {width}×{height}")
    header = BoolEncoder()
    header.literal(0, 1)  # colour space: YUV
    header.literal(0, 1)  # clamping required
    header.literal(0, 1)  # no segmentation
    header.literal(0, 1)  # normal loop filter
    header.literal(0, 6)  # loop filter level 0: off
    header.literal(0, 3)  # sharpness
    header.literal(0, 1)  # no loop-filter deltas
    header.literal(0, 2)  # one token partition
    header.literal(_QUANTIZER, 7)  # y_ac_qi
    for _ in range(5):  # no quantizer deltas (y_dc, y2_dc, y2_ac, uv_dc, uv_ac)
        header.literal(0, 1)
    header.literal(0, 1)  # refresh_entropy_probs: this frame's probabilities are not kept
    for probability in _update_probabilities():
        header.bool(0, probability)  # keep every default coefficient probability
    header.literal(1, 1)  # mb_no_coeff_skip
    header.literal(_SKIP_PROBABILITY, 8)
    for _ in range(((width + 15) // 16) * ((height + 15) // 16)):
        header.bool(1, _SKIP_PROBABILITY)  # no residual
        for bit, probability in (*_KF_YMODE_DC, *_KF_UV_MODE_DC):
            header.bool(bit, probability)
    first = header.finish()
    tokens = BoolEncoder().finish()  # the token partition: nothing to code
    tag = 0 | (0 << 1) | (1 << 4) | (len(first) << 5)  # key frame, version 0, shown, first partition size
    return (
        tag.to_bytes(3, "little")
        + b"\x9d\x01\x2a"
        + struct.pack("<HH", width, height)  # no upscaling
        + first
        + tokens
    )


# ------------------------------------------------------------------------------------------------ Matroska


def _element(element_id: int, payload: bytes) -> bytes:
    identifier = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return identifier + b"\x01" + len(payload).to_bytes(7, "big") + payload  # 8-byte size: always valid


def _uint(element_id: int, value: int) -> bytes:
    return _element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _text(element_id: int, value: str) -> bytes:
    return _element(element_id, value.encode("utf-8"))


def vp8_webm(width: int, height: int, *, seconds: float = 1.0, fps: int = 8) -> bytes:
    """A WebM file of ``seconds`` at ``fps``: one video track (``V_VP8``), every frame a grey key frame."""
    if fps < 1 or fps > 120:
        raise ValueError(f"fps must be in 1..120, got {fps}")
    if not 0 < seconds <= 30:
        raise ValueError(f"seconds must be in (0, 30], got {seconds}")
    frame = vp8_grey_key_frame(width, height)
    count = max(1, round(seconds * fps))
    header = _element(
        0x1A45DFA3,
        _uint(0x4286, 1)  # EBMLVersion
        + _uint(0x42F7, 1)  # EBMLReadVersion
        + _uint(0x42F2, 4)  # EBMLMaxIDLength
        + _uint(0x42F3, 8)  # EBMLMaxSizeLength
        + _text(0x4282, "webm")  # DocType
        + _uint(0x4287, 2)  # DocTypeVersion
        + _uint(0x4285, 2),  # DocTypeReadVersion
    )
    info = _element(
        0x1549A966,
        _uint(0x2AD7B1, 1_000_000)  # TimestampScale: milliseconds
        + _element(0x4489, struct.pack(">d", count * 1000 / fps))  # Duration
        + _text(0x4D80, "civitai-kit sandbox")  # MuxingApp
        + _text(0x5741, "civitai-kit sandbox"),  # WritingApp
    )
    video = _element(0xE0, _uint(0xB0, width) + _uint(0xBA, height))
    track = _element(
        0xAE,
        _uint(0xD7, 1)  # TrackNumber
        + _uint(0x73C5, 1)  # TrackUID
        + _uint(0x83, 1)  # TrackType: video
        + _uint(0x9C, 0)  # FlagLacing
        + _text(0x86, "V_VP8")  # CodecID
        + _uint(0x23E383, 1_000_000_000 // fps)  # DefaultDuration (ns)
        + video,
    )
    blocks = b"".join(
        _element(0xA3, b"\x81" + struct.pack(">hB", round(index * 1000 / fps), 0x80) + frame)  # SimpleBlock
        for index in range(count)
    )
    cluster = _element(0x1F43B675, _uint(0xE7, 0) + blocks)  # Cluster at timestamp 0
    return header + _element(0x18538067, info + _element(0x1654AE6B, track) + cluster)
