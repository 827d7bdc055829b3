"""Path patterns: every CivitaiSharp token, its bugs fixed, one sanitiser, no escape from the base."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitai_kit.tools.path_patterns import (
    IMAGE_TOKENS,
    MODEL_FILE_TOKENS,
    MODEL_TOKENS,
    MODEL_VERSION_TOKENS,
    render_pattern,
    resolve_within,
    sanitize_filename,
    tokens_for,
    validate_pattern,
)


def test_token_sets_match_civitaisharp() -> None:
    assert {
        "Id", "PostId", "Username", "Width", "Height", "BaseModel", "NsfwLevel", "Date", "Extension",
    } == IMAGE_TOKENS  # fmt: skip
    assert {"FileId", "FileName", "FileType", "Format", "Size", "Precision"} == MODEL_FILE_TOKENS
    assert {
        "VersionId",
        "VersionName",
        "BaseModel",
        "ModelId",
        "ModelName",
        "ModelType",
    } == MODEL_VERSION_TOKENS
    assert tokens_for("model") == MODEL_TOKENS == MODEL_FILE_TOKENS | MODEL_VERSION_TOKENS
    assert tokens_for("image") == IMAGE_TOKENS
    with pytest.raises(ValueError, match="kind"):
        tokens_for("video")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "pattern",
    [
        "{FileName}",
        "{ModelType}/{ModelName}/{FileName}",
        "{BaseModel}/{VersionId}_{FileId}.bin",
        "a}b/{Size}",
    ],
)
def test_valid_model_patterns(pattern: str) -> None:
    validate_pattern(pattern, "model")


@pytest.mark.parametrize(
    ("pattern", "kind", "message"),
    [
        ("{Creator}/{FileName}", "model", r"invalid token \{Creator\}"),
        ("{Id}.{Extension}", "model", r"invalid tokens \{Id\}, \{Extension\}"),
        ("{FileName}", "image", r"invalid token \{FileName\}"),
        ("{modelname}", "model", r"did you mean \{ModelName\}"),
        ("{Id.{Extension}", "image", r"invalid token \{Id\.\{Extension\}"),
        ("{Id", "image", "unclosed token at position 0"),
        ("x/{ }", "image", "empty token"),
        ("", "image", "non-empty"),
        ("   ", "model", "non-empty"),
        ("../{FileName}", "model", r"'\.\.'"),
        ("a/ .. /{FileName}", "model", r"'\.\.'"),
        ("/models/{FileName}", "model", "relative"),
        ("\\\\server\\share\\{FileName}", "model", "relative"),
        ("C:{FileName}", "model", "relative"),
    ],
)
def test_invalid_patterns_name_the_problem(pattern: str, kind: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_pattern(pattern, kind)  # type: ignore[arg-type]


def test_civitaisharp_render_expectations() -> None:
    assert render_pattern("{Id}.{Extension}", {"Id": 12345, "Extension": "png"}, "image") == PurePosixPath("12345.png")
    assert render_pattern(
        "prefix_{Id}_middle_{Extension}_suffix", {"Id": 12345, "Extension": "png"}, "image"
    ) == PurePosixPath("prefix_12345_middle_png_suffix")
    rendered = render_pattern("{Username}//{Id}.{Extension}", {"Username": "Test<>User|Name", "Id": 1}, "image")
    assert str(rendered) == "Test__User_Name/1.unknown"


def test_missing_values_render_unknown_never_a_literal_token() -> None:
    # CivitaiSharp left "{ModelType}" as a directory name when no version was given.
    rendered = render_pattern("{ModelType}/{ModelName}/{FileName}", {"FileName": "a.safetensors"}, "model")
    assert rendered == PurePosixPath("unknown/unknown/a.safetensors")
    assert "{" not in str(render_pattern("{VersionName}", {"VersionName": "  "}, "model"))


def test_slash_in_a_token_value_never_creates_directories() -> None:
    name = "布川 ミク pony版 (アイドル麻雀 ファイナルロマンス2) / Fukawa Miku"
    rendered = render_pattern("{ModelType}/{ModelName}/{FileName}", {
        "ModelType": "LORA", "ModelName": name, "FileName": "..\\..\\evil.safetensors",
    }, "model")  # fmt: skip
    assert rendered.parts == ("LORA", name.replace("/", "_"), ".._.._evil.safetensors")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("model.safetensors", "model.safetensors"),
        ('a<b>c:d"e|f?g*h', "a_b_c_d_e_f_g_h"),
        ("tab\there\x00nul\x7f", "tab_here_nul_"),
        ("trailing dots...", "trailing dots"),
        ("  spaced  ", "spaced"),
        ("name. . .", "name"),
        ("CON", "CON_"),
        ("con.txt", "con_.txt"),
        ("Lpt1.safetensors", "Lpt1_.safetensors"),
        ("COM¹", "COM¹_"),
        ("CONSOLE.txt", "CONSOLE.txt"),
        (".", "_"),
        ("..", "_"),
        ("", "_"),
        (".hidden", ".hidden"),
        ("pic\u202egnp.exe", "pic_gnp.exe"),
        ("cafe\u0301", "café"),
    ],
)
def test_sanitize_filename_is_the_same_everywhere(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_long_names_keep_their_extension_and_fit() -> None:
    name = "ü" * 300 + ".safetensors"
    cut = sanitize_filename(name)
    assert cut.endswith(".safetensors")
    assert len(cut.encode("utf-8")) <= 200
    assert len(sanitize_filename("x" * 1000).encode()) <= 200


def test_resolve_within_rejects_escapes(tmp_path: Path) -> None:
    assert resolve_within(tmp_path, "a/b.bin") == tmp_path.resolve() / "a" / "b.bin"
    for hostile in ["../x", "a/../../x", "/etc/passwd", "C:\\x", "c:x", "\\\\server\\share", "", "."]:
        with pytest.raises(ValueError):
            resolve_within(tmp_path, hostile)


def test_resolve_within_follows_symlinked_directories(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    base = tmp_path / "base"
    base.mkdir()
    (base / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ValueError, match="escapes"):
        resolve_within(base, "link/file.bin")


_hostile_text = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(["..", ".", "/", "\\", "C:", "\\\\?\\", "CON", "nul.txt", " ", "\x00", "~", "a", "é"]),
        max_size=12,
    ).map("".join),
)


@settings(max_examples=150, deadline=None)
@given(model_name=_hostile_text, file_name=_hostile_text, version=_hostile_text)
def test_hostile_names_never_escape(tmp_path_factory: pytest.TempPathFactory, model_name: str,
                                    file_name: str, version: str) -> None:  # fmt: skip
    base = tmp_path_factory.getbasetemp() / "hostile-base"
    rendered = render_pattern(
        "{ModelType}/{ModelName}/{VersionName}/{FileName}",
        {"ModelType": "LORA", "ModelName": model_name, "VersionName": version, "FileName": file_name},
        "model",
    )
    assert len(rendered.parts) == 4  # each token is exactly one component
    for part in rendered.parts:
        assert part not in {"", ".", ".."}
        assert sanitize_filename(part) == part  # idempotent: already clean
        assert not any(ch in part for ch in '<>:"/\\|?*\x00')
    target = resolve_within(base, rendered)
    assert target.is_relative_to(base.resolve())
    assert target.parent.parent.parent.parent == base.resolve()
