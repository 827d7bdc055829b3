"""``DownloadTarget``: every form people copy from Civitai read into one value; anything else, hostile input
included, a ``ValueError`` naming the argument (never another exception); choosing the file a target names."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitai_kit.core.models import ModelVersion
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.tools import DownloadTarget
from civitai_kit.tools.download_targets import MAX_TARGET_LENGTH

MAX_ID = 2_147_483_647

T = DownloadTarget


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("368189", T(version_id=368189)),
        ("  368189\n", T(version_id=368189)),
        (str(MAX_ID), T(version_id=MAX_ID)),
        ("urn:air:sdxl:lora:civitai:328553@368189", T(version_id=368189, model_id=328553)),
        ("URN:AIR:SDXL:LORA:CIVITAI:328553@368189", T(version_id=368189, model_id=328553)),
        ("urn:air:sdxl:lora:civitai:328553", T(model_id=328553)),
        ("urn:air:sdxl:checkpoint:civitai:101055@128078.safetensors", T(version_id=128078, model_id=101055)),
        ("https://civitai.com/models/328553", T(model_id=328553)),
        ("https://civitai.com/models/328553/", T(model_id=328553)),
        ("https://civitai.com/models/328553/some-name?modelVersionId=368189", T(version_id=368189, model_id=328553)),
        ("https://www.civitai.com/models/328553/x?utm_source=share#gallery", T(model_id=328553)),
        ("HTTPS://CIVITAI.COM/models/7?modelVersionId=8", T(version_id=8, model_id=7)),
        ("http://civitai.red:80/models/7", T(model_id=7)),
        ("https://civitai.com:443/api/download/models/456", T(version_id=456)),
        ("https://civitai.com/api/download/models/456/", T(version_id=456)),
        (
            "https://civitai.com/api/download/models/456?type=Model&format=SafeTensor",
            T(version_id=456, file_type="Model", file_format="SafeTensor"),
        ),
        (
            "https://civitai.com/api/download/models/456?type=Training%20Data&size=pruned&fp=fp16",
            T(version_id=456, file_type="Training Data", file_size="pruned", file_fp="fp16"),
        ),
        ("https://civitai.com/api/download/models/456?fileId=9&type=", T(version_id=456, file_id=9)),
        ("https://civitai.com/api/download/models/456?token=0123456789abcdef", T(version_id=456)),
    ],
)
def test_every_form_is_read(text: str, expected: DownloadTarget) -> None:
    assert DownloadTarget.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", None),
        ("garbage", None),
        ("0", "between 1 and 2147483647"),
        (str(MAX_ID + 1), "between 1 and 2147483647"),
        ("9" * 5000, f"longer than {MAX_TARGET_LENGTH}"),
        ("1" * 30, "between 1 and 2147483647"),
        ("-5", None),
        ("²", None),  # a digit to str.isdigit, not to int()
        ("12\x0034", "control or invisible"),
        ("https://civitai.com/models/1\u202e", "control or invisible"),
        ("https://civitai.com/models/1\u200b", "control or invisible"),
        ("urn:air:sdxl:lora:huggingface:a/b", "Civitai model"),
        ("urn:air:sdxl:lora:civitai:abc@1", "Civitai model"),
        ("urn:air:sdxl:lora:civitai:1@sha256:0123456789abcdef0123", "version id"),
        ("urn:air:sdxl:lora:civitai:1@99999999999", "version id"),
        ("https://example.com/models/1", "only URLs on"),
        ("https://civitai.com.evil.example/models/1", "only URLs on"),
        ("https://civitai.com@evil.example/models/1", "only URLs on"),
        ("https://user@civitai.com/models/1", "no user name"),
        ("https://civitai.com:8443/models/1", "default port"),
        ("https://civitai.com:99999/models/1", None),
        ("http://[::1/models/1", None),
        ("ftp://civitai.com/models/1", None),
        ("//civitai.com/models/1", None),
        ("https://civitai.com/", "/models/ID"),
        ("https://civitai.com/images/1", "/models/ID"),
        ("https://civitai.com/models/1/slug/extra", "/models/ID"),
        ("https://civitai.com/models/%31", "/models/ID"),
        ("https://civitai.com/models/1?modelVersionId=abc", "modelVersionId"),
        ("https://civitai.com/models/1?modelVersionId=0", "modelVersionId"),
        ("https://civitai.com/models/1?modelVersionId=1&modelVersionId=2", "given twice"),
        ("https://civitai.com/api/download/models/1?fileId=99999999999", "fileId"),
        ("https://civitai.com/api/download/models/1?type=a%00b", "control or invisible"),
        ("https://civitai.com/api/download/models/1?format=x&format=y", "given twice"),
    ],
)
def test_nonsense_is_a_value_error_naming_the_argument(text: str, reason: str | None) -> None:
    with pytest.raises(ValueError, match=r"^TARGET: .* is not a model version id") as refused:
        DownloadTarget.parse(text, name="TARGET")
    message = str(refused.value)
    if reason is not None:
        assert reason in message
    assert len(message) < 600  # a huge input is not echoed whole
    assert "\x00" not in message and "\u202e" not in message


def test_the_default_name_is_target() -> None:
    with pytest.raises(ValueError, match=r"^target: 'nope'"):
        DownloadTarget.parse("nope")


def test_a_token_in_a_refused_url_is_never_repeated() -> None:
    secret = "sk-0123456789abcdef"
    with pytest.raises(ValueError) as refused:
        DownloadTarget.parse(f"https://civitai.com/api/download/models/x?token={secret}")
    assert secret not in str(refused.value) and "token=***" in str(refused.value)


def test_a_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="target must be a str"):
        DownloadTarget.parse(368189)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({}, "needs a version_id or a model_id"),
        ({"version_id": 0}, "version_id must be an int"),
        ({"model_id": MAX_ID + 1}, "model_id must be an int"),
        ({"version_id": 1, "file_id": True}, "file_id must be an int"),
        ({"version_id": 1, "file_type": ""}, "type selector"),
        ({"version_id": 1, "file_fp": "a\nb"}, "fp selector"),
    ],
)
def test_direct_construction_is_checked_the_same_way(values: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        DownloadTarget(**values)


# ------------------------------------------------------------------------------------------------ properties


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_is_a_target_or_a_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        DownloadTarget.parse(text)


_URLISH = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["", "https://", "http://", "HTTPS://", "urn:air:", "urn:air:sdxl:lora:civitai:", "//"]),
    st.sampled_from(["", "civitai.com", "www.civitai.com", "civitai.red", "civitai.com:", "[", "user@civitai.com"]),
    st.sampled_from(["", "/models/", "/api/download/models/", "@", "/models/1/", "/api/download/models/1?"]),
    st.text(alphabet=st.sampled_from("0123456789?&=%/#@:.[]x \t\x00\u202eAa-"), max_size=40),
)


@settings(max_examples=800, deadline=None)
@given(_URLISH)
def test_near_misses_are_targets_or_value_errors(text: str) -> None:
    try:
        target = DownloadTarget.parse(text)
    except ValueError as refused:
        assert str(refused).startswith("target: ")
    else:
        assert target.version_id is not None or target.model_id is not None


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_version_ids_round_trip_inside_the_int32_range(number: int) -> None:
    if 1 <= number <= MAX_ID:
        assert DownloadTarget.parse(str(number)) == T(version_id=number)
        assert DownloadTarget.parse(f"https://civitai.com/api/download/models/{number}").version_id == number
    else:
        with pytest.raises(ValueError):
            DownloadTarget.parse(str(number))


# ------------------------------------------------------------------------------------------------ choose_file


def _version() -> ModelVersion:
    def file(file_id: int, kind: str, primary: bool = False, **metadata: str) -> dict[str, Any]:
        return {"id": file_id, "name": f"f{file_id}", "type": kind, "primary": primary, "metadata": metadata}

    return ModelVersion.model_validate(
        {
            "id": 456,
            "files": [
                file(1, "Model", format="PickleTensor", size="full", fp="fp32"),
                file(2, "Model", primary=True, format="SafeTensor", size="pruned", fp="fp16"),
                file(3, "Model", format="SafeTensor", size="full", fp="fp32"),
                file(4, "Training Data"),
            ],
        }
    )


@pytest.mark.parametrize(
    ("target", "file_id"),
    [
        (T(version_id=456), 2),  # the primary file
        (T(version_id=456, file_id=3), 3),
        (T(version_id=456, file_id=3, file_type="Training Data"), 3),  # the id wins
        (T(version_id=456, file_type="training data"), 4),  # case-insensitive
        (T(version_id=456, file_format="SafeTensor"), 2),  # the primary first among matches
        (T(version_id=456, file_format="SafeTensor", file_fp="fp32"), 3),
        (T(version_id=456, file_size="full", file_fp="fp32", file_format="picKleTensor"), 1),
    ],
)
def test_choose_file(target: DownloadTarget, file_id: int) -> None:
    chosen = target.choose_file(_version())
    assert isinstance(chosen, Success) and chosen.value.id == file_id


def test_choose_file_names_the_files_when_none_matches() -> None:
    match T(version_id=456, file_type="Config", file_fp="fp8").choose_file(_version()):
        case Failure(error):
            assert error.code == ErrorCode.NOT_FOUND
            assert "type=Config&fp=fp8" in error.message and "4 Training Data f4" in error.message
        case _:
            pytest.fail("a file was chosen")
    missing = T(version_id=456, file_id=99).choose_file(_version())
    assert isinstance(missing, Failure) and "has no file 99" in missing.error.message
