"""A real WebM clip written with the standard library: VP8 key frames from our own (very small) encoder in a
Matroska/WebM container.

Each frame is flat macroblocks of grey levels: a bright bar that moves one step per frame (where it starts and
how bright it is follow a seed) over a darker background. Every macroblock is intra-coded with DC prediction,
which predicts a macroblock from the ones above and to its left; only where the picture changes (the bar's
edges) does a macroblock carry a residual, and then a single coefficient: the DC of its Y2 (luma DC) block.
So the encoder needs only a boolean (arithmetic) coder, the header fields of RFC 6386 and a handful of token
probabilities (which the frame header sets itself, instead of holding the default tables), and the clip stays
a few kilobytes, yet any VP8 decoder (browsers, ffmpeg) plays it at the requested size, rate and duration.
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
_QUANTIZER = 127  # y_ac_qi: the Y2 DC step is then dc_qlookup[127] × 2 = 314 (RFC 6386 §14.1)
_Y2_DC_STEP = 314
_CLOSE_ENOUGH = 2  # grey levels a macroblock may be off its target and still be left to its prediction
_MAX_LEVEL = 34  # the largest DC token written (DCT_CAT4): ±34 moves a macroblock by up to 166 grey levels
# The token probabilities this encoder uses, set in every frame header (block type, band, context): the Y2 DC
# and the end of block after it (types 1), and an immediate end of block for the 16 Y (type 0, from band 1)
# and 8 chroma (type 2) blocks of a macroblock with a residual. 255 makes "end of block" almost free.
_TOKEN_PROBABILITIES: dict[tuple[int, int, int], tuple[int, ...]] = {
    **{(1, 0, context): (128,) * 11 for context in range(3)},
    **{(1, 1, context): (128,) * 11 for context in range(3)},
    (0, 1, 0): (255, *(128,) * 10),
    (2, 0, 0): (255, *(128,) * 10),
}
# DCT_CAT1..4: the first value of each, and the probabilities of its extra bits (RFC 6386 §13.2)
_CATEGORY_BITS = {5: (159,), 7: (165, 145), 11: (173, 148, 140), 19: (176, 155, 140, 135)}


def _update_probabilities() -> list[tuple[tuple[int, int, int, int], int]]:
    """Every coefficient probability with the probability that it is updated, in header order."""
    table: list[tuple[tuple[int, int, int, int], int]] = []
    for block in range(4):
        for band in range(8):
            for context in range(3):
                row = _UPDATE_ROWS.get((block, band, context), ())
                for index, probability in enumerate((*row, *(255,) * (11 - len(row)))):
                    table.append(((block, band, context, index), probability))
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


def _shift(level: int) -> int:
    """How far a Y2 DC ``level`` moves every luma sample: the inverse WHT, then the DC-only IDCT (§14.3-4)."""
    return (((level * _Y2_DC_STEP + 3) >> 3) + 4) >> 3


def _dc_token(tokens: BoolEncoder, probabilities: tuple[int, ...], level: int) -> None:
    """One non-zero coefficient in the token tree of RFC 6386 §13.2 (up to DCT_CAT4), then its sign."""
    size = abs(level)
    tokens.bool(1, probabilities[0])  # not the end of the block
    tokens.bool(1, probabilities[1])  # not zero
    tokens.bool(size > 1, probabilities[2])
    if size > 1:
        tokens.bool(size > 4, probabilities[3])
        if size <= 4:
            tokens.bool(size > 2, probabilities[4])
            if size > 2:
                tokens.bool(size > 3, probabilities[5])
        else:
            tokens.bool(size > 10, probabilities[6])
            if size <= 10:
                tokens.bool(size > 6, probabilities[7])
            else:
                tokens.bool(0, probabilities[8])  # not DCT_CAT5 or 6
                tokens.bool(size > 18, probabilities[9])
            first = max(start for start in _CATEGORY_BITS if start <= size)
            extra = _CATEGORY_BITS[first]
            for index, probability in enumerate(extra):
                tokens.bool(((size - first) >> (len(extra) - 1 - index)) & 1, probability)
    tokens.bool(level < 0, 128)


def _levels(luma: list[list[int]]) -> list[list[int]]:
    """The Y2 DC level of each macroblock that brings DC prediction closest to the wanted ``luma``."""
    built: list[list[int]] = []
    levels: list[list[int]] = []
    for row, wanted in enumerate(luma):
        built.append([])
        levels.append([])
        for column, target in enumerate(wanted):
            above = built[row - 1][column] if row else None
            left = built[row][column - 1] if column else None
            if above is not None and left is not None:
                predicted = (above + left + 1) >> 1
            else:
                predicted = above if above is not None else left if left is not None else 128
            level = 0
            if abs(target - predicted) > _CLOSE_ENOUGH:  # the nearest level, from its estimate and the two beside
                guess = round((target - predicted) * 64 / _Y2_DC_STEP)
                nearby = range(max(-_MAX_LEVEL, guess - 1), min(_MAX_LEVEL, guess + 1) + 1)
                level = min(nearby, key=lambda n: abs(predicted + _shift(n) - target))
            built[row].append(max(0, min(255, predicted + _shift(level))))
            levels[row].append(level)
    return levels


def vp8_key_frame(width: int, height: int, luma: list[list[int]] | None = None) -> bytes:
    """One VP8 key frame (RFC 6386) of ``width``×``height``: each 16×16 macroblock as near as DC prediction
    allows to its grey level in ``luma`` (rows of macroblocks; ``None``: all mid-grey), chroma neutral."""
    if not (1 <= width <= 0x3FFF and 1 <= height <= 0x3FFF):
        raise ValueError(f"width and height must be in 1..16383 for VP8, got {width}×{height}")
    columns, rows = (width + 15) // 16, (height + 15) // 16
    levels = _levels(luma or [[128] * columns for _ in range(rows)])
    coded = sum(1 for row in levels for level in row if level)
    skip_false = max(1, min(255, round(255 * coded / (columns * rows))))  # the chance a macroblock has tokens
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
    for (block, band, context, index), probability in _update_probabilities():
        wanted = _TOKEN_PROBABILITIES.get((block, band, context))
        header.bool(wanted is not None, probability)
        if wanted is not None:
            header.literal(wanted[index], 8)
    header.literal(1, 1)  # mb_no_coeff_skip
    header.literal(skip_false, 8)
    tokens = BoolEncoder()
    above = [0] * columns  # whether the Y2 block above had a coefficient (its token context)
    for row in levels:
        left = 0
        for column, level in enumerate(row):
            header.bool(not level, skip_false)  # mb_skip_coeff
            for bit, probability in (*_KF_YMODE_DC, *_KF_UV_MODE_DC):
                header.bool(bit, probability)
            if level:
                _dc_token(tokens, _TOKEN_PROBABILITIES[(1, 0, above[column] + left)], level)
                tokens.bool(0, _TOKEN_PROBABILITIES[(1, 1, 1 if abs(level) == 1 else 2)][0])  # end of block
                for _ in range(16):
                    tokens.bool(0, _TOKEN_PROBABILITIES[(0, 1, 0)][0])  # Y blocks: DC is in Y2, nothing else
                for _ in range(8):
                    tokens.bool(0, _TOKEN_PROBABILITIES[(2, 0, 0)][0])  # U and V blocks: none
            above[column] = left = 1 if level else 0
    first = header.finish()
    tag = 0 | (0 << 1) | (1 << 4) | (len(first) << 5)  # key frame, version 0, shown, first partition size
    return (
        tag.to_bytes(3, "little")
        + b"\x9d\x01\x2a"
        + struct.pack("<HH", width, height)  # no upscaling
        + first
        + tokens.finish()
    )


def moving_bar(columns: int, rows: int, frame: int, seed: int = 0) -> list[list[int]]:
    """Macroblock grey levels: a bright vertical bar a sixth of the width that moves one macroblock per frame
    over a darker background (start, brightness and background follow ``seed``; the bar wraps around, and its
    brightness changes too, so even a one-macroblock frame varies)."""
    background = 48 + seed * 29 % 48
    bar = 160 + (seed * 41 + frame * 11) % 48  # at most 159 above the background: one macroblock's largest step
    start, span = (seed * 7 + frame) % columns, max(1, columns // 6)
    return [[bar if (column - start) % columns < span else background for column in range(columns)]] * rows


# ------------------------------------------------------------------------------------------------ Matroska


def _element(element_id: int, payload: bytes) -> bytes:
    identifier = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return identifier + b"\x01" + len(payload).to_bytes(7, "big") + payload  # 8-byte size: always valid


def _uint(element_id: int, value: int) -> bytes:
    return _element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _text(element_id: int, value: str) -> bytes:
    return _element(element_id, value.encode("utf-8"))


def vp8_webm(width: int, height: int, *, seconds: float = 1.0, fps: int = 8, seed: int = 0) -> bytes:
    """A WebM file of ``seconds`` at ``fps``: one video track (``V_VP8``), every frame a key frame of
    [`moving_bar`][civitai_kit.testing.webm.moving_bar] (so frames differ, and clips of different seeds)."""
    if fps < 1 or fps > 120:
        raise ValueError(f"fps must be in 1..120, got {fps}")
    if not 0 < seconds <= 30:
        raise ValueError(f"seconds must be in (0, 30], got {seconds}")
    count = max(1, round(seconds * fps))
    columns, rows = (width + 15) // 16, (height + 15) // 16
    frames = [vp8_key_frame(width, height, moving_bar(columns, rows, index, seed)) for index in range(count)]
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
        for index, frame in enumerate(frames)
    )
    cluster = _element(0x1F43B675, _uint(0xE7, 0) + blocks)  # Cluster at timestamp 0
    return header + _element(0x18538067, info + _element(0x1654AE6B, track) + cluster)
