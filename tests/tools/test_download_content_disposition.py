"""Content-Disposition file names: plain, quoted, RFC 5987, percent-escapes and latin-1 mojibake."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitai_kit.tools.content_disposition import filename_from_content_disposition, repair_mojibake

NAME = "布川 ミク pony版.safetensors"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('attachment; filename="fukawa_miku_pony_ver1.safetensors"', "fukawa_miku_pony_ver1.safetensors"),
        ("attachment; filename=plain.bin", "plain.bin"),
        ("attachment;filename=plain.bin ; size=3", "plain.bin"),
        ('ATTACHMENT; FILENAME="Upper.bin"', "Upper.bin"),
        (f"attachment; filename*=UTF-8''{quote(NAME)}", NAME),
        (f"attachment; filename=\"fallback.bin\"; filename*=utf-8''{quote(NAME)}", NAME),
        (f"attachment; filename*=UTF-8'ja'{quote(NAME)}; filename=\"fallback.bin\"", NAME),
        ("attachment; filename*=iso-8859-1''caf%E9.bin", "café.bin"),
        (f'attachment; filename="{NAME.encode().decode("latin-1")}"', NAME),  # UTF-8 read as latin-1
        ('attachment; filename="a%20b%E3%83%9F.bin"', "a bミ.bin"),
        ('attachment; filename="100%.bin"', "100%.bin"),
        ('attachment; filename="semi;colon.bin"', "semi;colon.bin"),
        ('attachment; filename="q\\"uote.bin"', 'q"uote.bin'),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="C:\\\\Windows\\\\evil.dll"', "evil.dll"),
        ("attachment", None),
        ("", None),
        (None, None),
        ('attachment; filename=""', None),
        ("attachment; filename*=garbage", None),
    ],
)
def test_filename_from_content_disposition(header: str | None, expected: str | None) -> None:
    assert filename_from_content_disposition(header) == expected


def test_repair_mojibake_leaves_real_latin1_alone() -> None:
    assert repair_mojibake("café") == "café"  # not valid UTF-8 when re-encoded: unchanged
    assert repair_mojibake("ãƒŸ") == "ãƒŸ"  # not representable in latin-1: unchanged
    assert repair_mojibake("ascii") == "ascii"


_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='/\\"'), min_size=1, max_size=40
).filter(lambda s: s.strip() == s and s.strip())


@settings(max_examples=100, deadline=None)
@given(name=_names)
def test_rfc5987_round_trip(name: str) -> None:
    assert filename_from_content_disposition(f"attachment; filename*=UTF-8''{quote(name)}") == name


@settings(max_examples=100, deadline=None)
@given(name=_names.filter(lambda s: "%" not in s))
def test_raw_utf8_header_round_trip(name: str) -> None:
    # What an HTTP stack hands over for a raw UTF-8 filename: its bytes decoded as latin-1.
    header = f'attachment; filename="{name}"'.encode().decode("latin-1")
    assert filename_from_content_disposition(header) == repair_mojibake(name.encode().decode("latin-1"))
    if not name.isascii():
        assert filename_from_content_disposition(header) == name
