"""``civitai_kit.testing.webm``: a real WebM (EBML structure, one ``V_VP8`` track, one VP8 key frame per
block of the requested size), decoded to the moving bar it draws when a decoder (ffmpeg, or PyAV) is on the
machine."""

from __future__ import annotations

import importlib
import importlib.util
import io
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.testing.webm import BoolEncoder, moving_bar, vp8_key_frame, vp8_webm

MASTERS = {0x1A45DFA3, 0x18538067, 0x1549A966, 0x1654AE6B, 0xAE, 0xE0, 0x1F43B675}


def _vint(data: bytes, offset: int, *, keep_marker: bool) -> tuple[int, int]:
    first = data[offset]
    length = 8 - first.bit_length() + 1
    assert 1 <= length <= 8, first
    value = int.from_bytes(data[offset : offset + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, offset + length


def parse(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[int, object]]:
    """Elements as (id, payload bytes or child list); the sizes must tile the range exactly."""
    end = len(data) if end is None else end
    found: list[tuple[int, object]] = []
    offset = start
    while offset < end:
        element_id, offset = _vint(data, offset, keep_marker=True)
        size, offset = _vint(data, offset, keep_marker=False)
        assert offset + size <= end, (hex(element_id), size)
        payload = parse(data, offset, offset + size) if element_id in MASTERS else data[offset : offset + size]
        found.append((element_id, payload))
        offset += size
    assert offset == end
    return found


def child(elements: object, element_id: int) -> object:
    assert isinstance(elements, list)
    matches = [payload for found, payload in elements if found == element_id]
    assert len(matches) == 1, hex(element_id)
    return matches[0]


def check_webm(data: bytes, width: int, height: int, frames: int | None = None, seed: int | None = 0) -> None:
    top = parse(data)
    assert [element_id for element_id, _ in top] == [0x1A45DFA3, 0x18538067]
    assert child(top[0][1], 0x4282) == b"webm"
    segment = top[1][1]
    track = child(child(segment, 0x1654AE6B), 0xAE)
    assert child(track, 0x86) == b"V_VP8" and child(track, 0x83) == b"\x01"
    video = child(track, 0xE0)
    pixels = (int.from_bytes(child(video, 0xB0), "big"), int.from_bytes(child(video, 0xBA), "big"))  # type: ignore[arg-type]
    assert pixels == (width, height)
    cluster = child(segment, 0x1F43B675)
    assert isinstance(cluster, list)
    blocks = [payload for element_id, payload in cluster if element_id == 0xA3]
    assert frames is None or len(blocks) == frames
    previous = -1
    for block in blocks:
        assert isinstance(block, bytes)
        track_number, timecode, flags = block[0], struct.unpack(">h", block[1:3])[0], block[3]
        assert (track_number, flags) == (0x81, 0x80) and timecode > previous
        previous = timecode
        frame = block[4:]
        assert frame[0] & 1 == 0 and frame[3:6] == b"\x9d\x01\x2a"  # a key frame with its start code
        assert struct.unpack("<HH", frame[6:10]) == (width, height)
        first_partition = int.from_bytes(frame[:3], "little") >> 5
        assert 10 + first_partition < len(frame)
    decoded = decoded_luma(data, width, height)
    if decoded is not None:  # a real decoder: every frame is the bar picture (of ``seed``, when it is known)
        assert len(decoded) == len(blocks)
        columns, rows = (width + 15) // 16, (height + 15) // 16
        for index, luma in enumerate(decoded):
            if seed is None:  # a dark background and a bright bar, whatever the seed
                levels = {level for line in luma for level in line}
                assert (min(levels) < 100 and max(levels) > 150) or columns < 2, (index, sorted(levels))
                continue
            wanted = moving_bar(columns, rows, index, seed)
            for y, line in enumerate(luma):
                for column, level in enumerate(wanted[y // 16]):
                    cell = line[column * 16 : column * 16 + 16]
                    assert level - 2 <= min(cell) <= max(cell) <= level + 2, (index, column, y, level, cell)


def decoded_luma(data: bytes, width: int, height: int) -> list[list[bytes]] | None:
    """Each frame's luma rows, by ffmpeg or PyAV when one is installed (``None``: no decoder here)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        run = subprocess.run(
            [ffmpeg, "-v", "error", "-i", "-", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
            input=data,
            capture_output=True,
            check=True,
        )
        assert run.stderr == b""
        rows = [run.stdout[i : i + width] for i in range(0, len(run.stdout), width)]
        return [rows[i : i + height] for i in range(0, len(rows), height)]
    if importlib.util.find_spec("av") is None:
        return None
    av: Any = importlib.import_module("av")  # optional: a decoder some development machines have
    frames: list[list[bytes]] = []
    with av.open(io.BytesIO(data), format="webm") as container:
        for frame in container.decode(video=0):
            plane = frame.planes[0]
            raw, stride = bytes(plane), plane.line_size
            frames.append([raw[row * stride : row * stride + width] for row in range(height)])
    return frames


@pytest.mark.parametrize(
    ("width", "height", "seconds", "fps"), [(320, 240, 3.0, 8), (7, 5, 1.0, 1), (1920, 1080, 0.5, 24)]
)
def test_a_webm_has_the_requested_size_and_frames(width: int, height: int, seconds: float, fps: int) -> None:
    check_webm(vp8_webm(width, height, seconds=seconds, fps=fps), width, height, round(seconds * fps))


def test_the_clip_is_small_and_deterministic() -> None:
    clip = vp8_webm(512, 512, seconds=2)
    assert clip == vp8_webm(512, 512, seconds=2) and len(clip) < 20_000


@pytest.mark.parametrize(("width", "height"), [(0, 10), (10, 0), (16384, 10)])
def test_sizes_vp8_cannot_hold_are_refused(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="width and height"):
        vp8_key_frame(width, height)


def test_bad_durations_and_rates_are_refused() -> None:
    with pytest.raises(ValueError, match="fps"):
        vp8_webm(16, 16, fps=0)
    with pytest.raises(ValueError, match="seconds"):
        vp8_webm(16, 16, seconds=0)


def test_the_bool_encoder_carries_into_earlier_bytes() -> None:
    encoder = BoolEncoder()
    for _ in range(200):
        encoder.bool(1, 1)  # improbable ones push the low end up and carry
    out = encoder.finish()
    assert out and out != bytes(len(out))


def test_a_written_clip_opens_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "clip.webm"
    path.write_bytes(vp8_webm(64, 48))
    check_webm(path.read_bytes(), 64, 48, 8)


def test_frames_differ_from_each_other_and_from_another_seed() -> None:
    clip = vp8_webm(96, 64, seconds=1, fps=6, seed=11)
    cluster = child(parse(clip)[1][1], 0x1F43B675)
    assert isinstance(cluster, list)
    frames = [payload[4:] for element_id, payload in cluster if element_id == 0xA3]
    assert len(set(frames)) == 6
    assert clip != vp8_webm(96, 64, seconds=1, fps=6, seed=12)
    check_webm(clip, 96, 64, 6, seed=11)
    pictures = [moving_bar(6, 4, index, 11) for index in range(6)]
    assert len({str(picture) for picture in pictures}) == 6 and all(len(set(p[0])) == 2 for p in pictures)


def test_a_one_macroblock_clip_still_changes_per_frame() -> None:
    assert len({vp8_key_frame(16, 16, moving_bar(1, 1, index)) for index in range(4)}) == 4
