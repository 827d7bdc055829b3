"""The secret registry and scrubbers: an Error, a log record or a cause never shows a configured key."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import pytest

import civitai_kit
from civitai_kit import CivitaiApiOptions, Error, ErrorCode
from civitai_kit._json import JsonDecodeError, loads
from civitai_kit._redact import MASK, RedactingFilter, redact, redact_value, register_secret

KEY = "redact-test-key-5c1e9d0b"


def test_a_configured_key_is_scrubbed_from_every_error_field() -> None:
    CivitaiApiOptions.isolated(api_key=KEY)
    error = Error(
        ErrorCode.BAD_REQUEST,
        f"bad key {KEY}",
        details={"echo": [f"Authorization: {KEY}"], KEY: 1},
        trace_id=KEY,
        cause=RuntimeError(f"sent {KEY}"),
    )
    for text in (str(error), repr(error), repr(error.details), repr(error.cause), str(error.to_exception())):
        assert KEY not in text
    assert error.message == f"bad key {MASK}"
    assert type(error.cause).__name__ == "RedactedException"


def test_a_harmless_cause_is_kept_as_it_is() -> None:
    cause = OSError("disk full")
    assert Error(ErrorCode.IO_ERROR, "x", cause=cause).cause is cause


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://h/f?token=abc123&x=1", f"https://h/f?token={MASK}&x=1"),
        ("https://h/f?x=1&API_KEY=zzz", f"https://h/f?x=1&API_KEY={MASK}"),
        ("Authorization: Bearer abc.def-gh1", f"Authorization: Bearer {MASK}"),
        ("nothing secret here", "nothing secret here"),
        ("this route requires a Bearer token", "this route requires a Bearer token"),
    ],
)
def test_credential_shaped_values_are_scrubbed_even_when_unregistered(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_short_values_are_not_registered() -> None:
    register_secret("abc")
    assert redact("abc") == "abc"


def test_deep_values_are_cut_not_recursed_forever() -> None:
    deep: object = "leaf"
    for _ in range(5000):
        deep = [deep]
    assert "…" in repr(redact_value(deep))


def test_log_records_of_ours_and_of_httpx_are_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    register_secret(KEY)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("civitai_kit").debug("GET %s", f"https://h/x?k={KEY}")
    logging.getLogger("civitai_kit.options").warning("Ignoring %s", KEY)  # a logger filter does not see children
    logging.getLogger("httpx").info("HTTP Request: GET https://h/x?token=plain-secret-value")
    assert KEY not in caplog.text and "Ignoring ***" in caplog.text
    assert "plain-secret-value" not in caplog.text


def test_every_logger_the_library_names_is_scrubbed() -> None:
    """A logger's filter does not apply to its children's records, so each named logger needs its own."""
    source = Path(civitai_kit.__file__).parent
    named = {
        name
        for path in source.rglob("*.py")
        for name in re.findall(r"""getLogger\(["'](civitai_kit[\w.]*)["']\)""", path.read_text(encoding="utf-8"))
    }
    assert "civitai_kit.options" in named
    for name in sorted(named):
        assert any(isinstance(f, RedactingFilter) for f in logging.getLogger(name).filters), name


@pytest.mark.parametrize("document", [b"\xff\xfe", b"{", b"", '{"a": 1'])
def test_unreadable_json_is_one_error_type(document: bytes | str) -> None:
    with pytest.raises(JsonDecodeError):
        loads(document)


def test_json_nested_deeper_than_python_allows_is_a_json_error() -> None:
    depth = 2 * sys.getrecursionlimit() + 1000  # whatever the limit is now (a test runner may have raised it)
    with pytest.raises(JsonDecodeError, match="nested too deeply"):
        loads(b"[" * depth + b"]" * depth)


def test_json_size_limit_and_bom() -> None:
    assert loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    with pytest.raises(JsonDecodeError, match="over the limit"):
        loads(b"[1, 2, 3]", max_bytes=4)


def test_a_number_past_pythons_digit_limit_is_a_json_error() -> None:
    with pytest.raises(JsonDecodeError, match="unreadable number"):
        loads(b"9" * 5000)


def test_a_key_in_a_chained_exception_replaces_the_whole_cause() -> None:
    register_secret(KEY)
    try:
        try:
            raise RuntimeError(f"request headers: {{'Authorization': 'Bearer {KEY}'}}")
        except RuntimeError as inner:
            raise ConnectionError("protocol error") from inner
    except ConnectionError as outer:
        error = Error(ErrorCode.HTTP_ERROR, "failed", cause=outer)
    assert type(error.cause).__name__ == "RedactedException"
    assert error.cause is not None and error.cause.__cause__ is None


def test_deep_json_is_refused_even_with_a_raised_recursion_limit() -> None:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(50_000)  # what a program, or a test runner such as hypothesis, may do
    try:
        with pytest.raises(JsonDecodeError, match="nested too deeply"):
            loads(b'[{"a":' * 3000 + b"1" + b"}]" * 3000)
        assert loads(b'{"text": "' + b"[" * 5000 + b'", "list": [[1]]}') == {"text": "[" * 5000, "list": [[1]]}
    finally:
        sys.setrecursionlimit(previous)
