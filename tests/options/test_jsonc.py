"""JSON with comments and trailing commas (the appsettings dialect), and .NET-style key binding."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from civitai_kit._config.binder import resolve
from civitai_kit._config.jsonc import strip_jsonc
from civitai_kit.options import CivitaiApiOptions

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _decorate(text: str, data: st.DataObject) -> str:
    """Insert comments and trailing commas at structural points of compact JSON text."""
    out: list[str] = []
    in_string = escaped = False
    previous = ""  # the previous JSON character (decorations excluded)
    for char in text:
        if in_string:
            out.append(char)
            in_string = not (char == '"' and not escaped)
            escaped = char == "\\" and not escaped
            previous = char
            continue
        if char in "}]" and previous not in "{[" and data.draw(st.booleans()):
            out.append(",")  # a trailing comma after the last member
        out.append(char)
        previous = char
        if char == '"':
            in_string, escaped = True, False
        elif char in "{[,:":
            out.append(data.draw(st.sampled_from(["", " ", '// c "x" {\n', "/* }, ] */", "\n"])))
    return "".join(out)


@settings(max_examples=150, deadline=None)
@given(value=json_values, data=st.data())
def test_comments_and_trailing_commas_do_not_change_the_value(value: Any, data: st.DataObject) -> None:
    text = json.dumps(value, separators=(",", ":"))
    decorated = _decorate(text, data)
    assert json.loads(strip_jsonc(decorated)) == value


@settings(max_examples=100, deadline=None)
@given(value=json_values)
def test_plain_json_passes_through_unchanged(value: Any) -> None:
    text = json.dumps(value, indent=1)
    assert strip_jsonc(text) == text


def test_line_and_column_positions_are_kept() -> None:
    text = '{\n  /* a\n  b */ "a": 1, // x\n  "b": oops\n}'
    try:
        json.loads(strip_jsonc(text))
    except json.JSONDecodeError as exc:
        assert (exc.lineno, exc.colno) == (4, 8)
    else:
        raise AssertionError("expected a decode error")


def _spellings(name: str) -> st.SearchStrategy[str]:
    """``api_key`` -> ``ApiKey``, ``APIKEY``, ``api_Key`` ...: what .NET's binder accepts (and underscores)."""
    letters = name.replace("_", "")
    return st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in letters), st.booleans()).map(
        lambda parts: "".join(parts[:-1]) if not parts[-1] else "_".join(["".join(parts[:-1])])
    )


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_casing_of_a_key_path_binds_to_the_same_field(data: st.DataObject) -> None:
    path = data.draw(
        st.sampled_from(
            [
                ("api_key",),
                ("sdk", "api_token"),
                ("resilience", "circuit_breaker", "failure_threshold"),
                ("downloads", "models", "hash_algorithm"),
            ]
        )
    )
    segments = tuple(data.draw(_spellings(name)) for name in path)
    assert resolve(CivitaiApiOptions, segments) == path
