"""The per-call shortcuts change nothing a caller sees: error bodies in 2xx answers are still found however
their key is spelt, and remembered URLs are exactly the URLs parsed afresh (refusals never remembered)."""

from __future__ import annotations

import json

import httpx
import pytest

from civitai_kit._http.core import _remembered_url, _sendable_url
from civitai_kit._http.errors import error_from_response
from civitai_kit.errors import ErrorCode

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"error": "Model not found"}',
        b'{"\\u0065rror": "Model not found"}',
        b'{"err\\u006fr": "Model not found"}',
        b' \n{"error":"Model not found"}',
    ],
)
def test_an_error_body_in_a_2xx_answer_is_still_an_error(body: bytes) -> None:
    error = error_from_response(200, JSON, body)
    assert error is not None
    assert "Model not found" in error.message
    assert error.code is not ErrorCode.DESERIALIZATION_FAILED


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"id": 1, "name": "errors are fine in values", "description": "error"}).encode(),
        json.dumps({"items": [], "metadata": {"note": "\u00e9rror"}}).encode(),
        json.dumps({"id": 1, "errors": ["a model may have a field named errors"]}).encode(),
        b"[1, 2, 3]",
    ],
)
def test_a_data_body_in_a_2xx_answer_is_a_success(body: bytes) -> None:
    assert error_from_response(200, JSON, body) is None


def test_remembered_urls_equal_fresh_ones_and_refusals_are_not_remembered() -> None:
    text = "http://127.0.0.1:8080/api/v1/models/42"
    first, second = _sendable_url(text), _sendable_url(text)
    assert first is second  # remembered
    assert first == httpx.URL(text)
    for bad in ("http://127.0.0.1:70000/api/v1/models", "ftp://example.com/x", "http:///nohost"):
        for _ in range(2):
            with pytest.raises(httpx.InvalidURL):
                _sendable_url(bad)
    signed = "https://storage.example/file?token=abc"
    before = _remembered_url.cache_info().currsize
    assert _sendable_url(signed) == httpx.URL(signed)
    assert _sendable_url(signed) is not _sendable_url(signed)  # a query is never remembered
    assert _remembered_url.cache_info().currsize == before
