"""Every error body shape Civitai sends (spec/rest-api.md §0) maps to Civitai's own message and the right code."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from civitai_kit._http.errors import error_from_response, parse_retry_after
from civitai_kit.errors import Error, ErrorCode

FIXTURES = Path(__file__).parent.parent / "fixtures" / "civitai-rest" / "errors"
JSON = {"content-type": "application/json; charset=utf-8"}


def _map(status: int, body: object, headers: dict[str, str] | None = None) -> Error | None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return error_from_response(status, {**JSON, **(headers or {})}, raw)


@pytest.mark.parametrize(
    ("status", "body", "code", "message"),
    [
        (404, {"error": "No model with id 1"}, ErrorCode.NOT_FOUND, "No model with id 1"),
        (404, {"error": "Model not found"}, ErrorCode.NOT_FOUND, "Model not found"),
        (400, {"error": "Invalid id"}, ErrorCode.BAD_REQUEST, "Invalid id"),
        (
            400,
            {"error": "Cannot use page param with query search. Use cursor-based pagination."},
            ErrorCode.BAD_REQUEST,
            "Cannot use page param with query search. Use cursor-based pagination.",
        ),
        (400, {"message": "Invalid cursor: abc"}, ErrorCode.BAD_REQUEST, "Invalid cursor: abc"),
        (
            400,
            {"error": "Invalid cursor: abc", "code": "BAD_REQUEST"},
            ErrorCode.BAD_REQUEST,
            "Invalid cursor: abc",
        ),
        (401, {"error": "Unauthorized"}, ErrorCode.UNAUTHORIZED, "Unauthorized"),
        (
            401,
            {
                "error": "Unauthorized",
                "message": "The creator of this asset requires you to be logged in to download it",
            },
            ErrorCode.UNAUTHORIZED,
            "The creator of this asset requires you to be logged in to download it",
        ),
        (
            403,
            {
                "error": "Early Access",
                "deadline": "2025-01-01T00:00:00.000Z",
                "message": "This asset is in Early Access.",
            },
            ErrorCode.FORBIDDEN,
            "This asset is in Early Access.",
        ),
        (410, {"error": "Model archived, not available for download"}, ErrorCode.HTTP_ERROR, "Model archived"),
        (
            429,
            {"error": "You've requested too many pages, please use cursors instead"},
            ErrorCode.RATE_LIMITED,
            "too many pages",
        ),
        (
            500,
            {"message": "An unexpected error occurred", "error": "URI malformed"},
            ErrorCode.SERVER_ERROR,
            "An unexpected error occurred: URI malformed",
        ),
        (500, [{"message": "Expected number", "path": ["limit"]}], ErrorCode.SERVER_ERROR, "limit: Expected number"),
        (
            503,
            {"error": "Model search is temporarily overloaded — please retry."},
            ErrorCode.SERVICE_UNAVAILABLE,
            "temporarily overloaded — please retry",
        ),
        (
            503,
            {"error": "Image search is busy", "code": "SERVICE_UNAVAILABLE"},
            ErrorCode.SERVICE_UNAVAILABLE,
            "Image search is busy",
        ),
    ],
)
def test_civitai_error_bodies_keep_their_message(status: int, body: object, code: ErrorCode, message: str) -> None:
    error = _map(status, body)
    assert error is not None
    assert error.code == code
    assert message in error.message
    assert error.http_status == status


def test_zod_error_object_is_summarised_with_issues_in_details() -> None:
    body = {
        "error": {
            "name": "ZodError",
            "issues": [
                {"code": "too_big", "maximum": 100, "path": ["limit"], "message": "Number must be <= 100"},
                {"code": "invalid_enum_value", "path": ["types", 0], "message": "Invalid enum value"},
            ],
        }
    }
    error = _map(400, body)
    assert error is not None and error.code == ErrorCode.BAD_REQUEST
    assert error.message == "limit: Number must be <= 100; types.0: Invalid enum value"
    assert error.details is not None and error.details["error"]["name"] == "ZodError"


def test_rfc7807_problem_json() -> None:
    body = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"steps": ["The field steps must be between 1 and 150."]},
        "traceId": "00-abc-def-00",
    }
    error = error_from_response(400, {"content-type": "application/problem+json"}, json.dumps(body).encode())
    assert error is not None
    assert error.code == ErrorCode.VALIDATION_FAILED
    assert "validation errors occurred" in error.message and "steps" in error.message
    assert error.trace_id == "00-abc-def-00"


def test_rfc7807_detail_wins_over_title() -> None:
    body = {"title": "Unauthorized", "status": 401, "detail": "Token is expired"}
    error = error_from_response(401, {"content-type": "application/problem+json"}, json.dumps(body).encode())
    assert error is not None and error.code == ErrorCode.UNAUTHORIZED and error.message == "Token is expired"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"error": "No model with id 123"}, ErrorCode.NOT_FOUND),
        ({"error": "Model not found"}, ErrorCode.NOT_FOUND),
        ({"error": "Unauthorized"}, ErrorCode.UNAUTHORIZED),
        ({"error": "boom", "code": "INTERNAL_SERVER_ERROR"}, ErrorCode.SERVER_ERROR),
        ({"error": "something odd"}, ErrorCode.HTTP_ERROR),
    ],
)
def test_error_body_with_http_200_is_a_failure(body: dict[str, str], code: ErrorCode) -> None:
    error = _map(200, body)
    assert error is not None and error.code == code and error.http_status == 200
    assert error.message == body["error"]


@pytest.mark.parametrize(
    "body",
    [
        {"items": [], "metadata": {}},
        {"id": 1, "error": None, "name": "x"},
        {"id": 1, "error": "a field of a real entity", "name": "x"},
        [],
    ],
)
def test_success_bodies_are_not_mistaken_for_errors(body: object) -> None:
    assert _map(200, body) is None


def test_cloudflare_page_is_a_cloudflare_error() -> None:
    html = (
        b"<!DOCTYPE html><html><head><title>civitai.com | 522: Connection timed out</title></head>"
        b"<body>Error 522 Ray ID: 8a1b cloudflare</body></html>"
    )
    error = error_from_response(522, {"content-type": "text/html"}, html)
    assert error is not None and error.code == ErrorCode.CLOUDFLARE_ERROR
    assert "522" in error.message


@pytest.mark.parametrize(("status", "code"), [(429, ErrorCode.RATE_LIMITED), (404, ErrorCode.NOT_FOUND)])
def test_html_429_and_404_keep_their_meaning(status: int, code: ErrorCode) -> None:
    html = b"<html><head><title>404: This page could not be found</title></head><body>cloudflare</body></html>"
    error = error_from_response(status, {"content-type": "text/html", "retry-after": "7"}, html)
    assert error is not None and error.code == code
    assert error.retry_after == timedelta(seconds=7)


def test_html_where_json_expected_on_200() -> None:
    error = error_from_response(200, {"content-type": "text/html"}, b"<html><title>Log in</title></html>")
    assert error is not None and error.code == ErrorCode.UNEXPECTED_CONTENT_TYPE and "Log in" in error.message


def test_plain_text_error_keeps_text() -> None:
    error = error_from_response(401, {"content-type": "text/plain"}, b"The creator has disabled downloads")
    assert error is not None and error.code == ErrorCode.UNAUTHORIZED
    assert error.message == "The creator has disabled downloads"


@pytest.mark.parametrize(("status", "code"), [(499, ErrorCode.HTTP_ERROR), (502, ErrorCode.BAD_GATEWAY)])
def test_empty_error_body_gets_a_default_message(status: int, code: ErrorCode) -> None:
    error = error_from_response(status, {}, b"")
    assert error is not None and error.code == code and error.message


def test_every_recorded_error_fixture_maps_to_its_own_message() -> None:
    files = sorted(FIXTURES.glob("*.json"))
    assert files, "error fixtures missing"
    for path in files:
        body = json.loads(path.read_text())
        status = int(re.search(r"-(\d{3})-", path.name).group(1))  # type: ignore[union-attr]
        error = _map(status, body)
        assert error is not None, path.name
        text = body.get("message") or body.get("error")
        assert isinstance(text, str) and text.split(":")[0] in error.message, path.name


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after({"retry-after": "2"}) == timedelta(seconds=2)
    assert parse_retry_after({"retry-after": "Thu, 01 Jan 2026 00:00:30 GMT"}, now) == timedelta(seconds=30)
    assert parse_retry_after({"retry-after": "Wed, 31 Dec 2025 00:00:00 GMT"}, now) == timedelta(0)
    assert parse_retry_after({"retry-after-ms": "1500"}) == timedelta(milliseconds=1500)
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None
