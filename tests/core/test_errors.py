"""Every error body shape Civitai sends (spec/rest-api.md §0) surfaces its own message and the right code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from civitai_kit.core import AsyncCivitaiClient, CivitaiClient
from civitai_kit.errors import (
    AuthenticationError,
    BadRequestError,
    ErrorCode,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from civitai_kit.result import Failure
from civitai_kit.testing import FakeCivitai, FakeResponse, Fault
from tests.support.core_support import error_of, load_fixture, options_for


def _fixture(name: str) -> Any:
    return load_fixture(f"errors/{name}")


# status, body, expected code, text the message must contain
SHAPES: list[tuple[str, int, Any, ErrorCode, str]] = [
    ("404 no model (fixture)", 404, _fixture("models-id-404-no-model-with-id.json"), ErrorCode.NOT_FOUND,
     "No model with id 1755196"),
    ("404 model not found (fixture)", 404, _fixture("model-versions-id-404-model-not-found.json"), ErrorCode.NOT_FOUND,
     "Model not found"),
    ("429 too many pages (fixture)", 429, _fixture("images-429-too-many-pages.json"), ErrorCode.RATE_LIMITED,
     "please use cursors"),
    ("401 login required (fixture)", 401, _fixture("download-401-login-required.json"), ErrorCode.UNAUTHORIZED,
     "requires you to be logged in"),
    ("500 unexpected (fixture)", 500, _fixture("models-500-unexpected-error-file.json"), ErrorCode.SERVER_ERROR,
     "unexpected error"),
    ("500 uri malformed (fixture)", 500, _fixture("models-500-uri-malformed.json"), ErrorCode.SERVER_ERROR,
     "URI malformed"),
    ("400 zod object", 400, {"error": {"name": "ZodError", "issues": [
        {"code": "too_big", "path": ["limit"], "message": "Number must be less than or equal to 100"}]}},
     ErrorCode.BAD_REQUEST, "less than or equal to 100"),
    ("400 prettified string", 400, {"error": "✖ Invalid input: expected number\n  → at id"}, ErrorCode.BAD_REQUEST,
     "expected number"),
    ("400 message only", 400, {"message": "Invalid cursor: 76:341"}, ErrorCode.BAD_REQUEST, "Invalid cursor"),
    ("400 error+code", 400, {"error": "Invalid cursor: x", "code": "BAD_REQUEST"}, ErrorCode.BAD_REQUEST,
     "Invalid cursor: x"),
    ("401 bare", 401, {"error": "Unauthorized"}, ErrorCode.UNAUTHORIZED, "Unauthorized"),
    ("403 early access", 403, {"error": "Early Access", "deadline": "2025-09-01T00:00:00.000Z",
     "message": "This asset is in Early Access. You can use Buzz access it now!"}, ErrorCode.FORBIDDEN, "Early Access"),
    ("404 missing file", 404, {"error": "Missing model file"}, ErrorCode.NOT_FOUND, "Missing model file"),
    ("405 method", 405, {"error": "Method not allowed"}, ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed"),
    ("500 zod issue array", 500, [{"code": "too_small", "path": ["limit"], "message": "Number must be greater than 0"}],
     ErrorCode.SERVER_ERROR, "greater than 0"),
    ("500 failed version", 500, {"error": "Failed to fetch model version details"}, ErrorCode.SERVER_ERROR,
     "Failed to fetch model version details"),
    ("503 overloaded", 503, {"error": "Model search is temporarily overloaded — please retry."},
     ErrorCode.SERVICE_UNAVAILABLE, "temporarily overloaded — please retry"),
    ("503 with code", 503, {"error": "Image search is down", "code": "SERVICE_UNAVAILABLE"},
     ErrorCode.SERVICE_UNAVAILABLE, "Image search is down"),
    ("200 with error body", 200, {"error": "No model with id 5"}, ErrorCode.NOT_FOUND, "No model with id 5"),
]  # fmt: skip


@pytest.fixture
def client(fake_civitai: FakeCivitai) -> Iterator[CivitaiClient]:
    with CivitaiClient(options_for(fake_civitai.url)) as client:
        yield client


@pytest.mark.parametrize(("name", "status", "body", "code", "text"), SHAPES, ids=[s[0] for s in SHAPES])
def test_error_body_shapes(
    client: CivitaiClient, fake_civitai: FakeCivitai, name: str, status: int, body: Any, code: ErrorCode, text: str
) -> None:
    fake_civitai.add_route("GET", "/api/v1/models/{id}", lambda request: FakeResponse.json(body, status))
    result = client.models.get_by_id(5)
    assert result.is_failure, result
    assert error_of(result).code is code
    assert text in error_of(result).message
    assert "Unknown error" not in error_of(result).message


@pytest.mark.parametrize(("name", "status", "body", "code", "text"), SHAPES[:6], ids=[s[0] for s in SHAPES[:6]])
async def test_error_body_shapes_async(
    fake_civitai: FakeCivitai, name: str, status: int, body: Any, code: ErrorCode, text: str
) -> None:
    fake_civitai.add_route("GET", "/api/v1/images", lambda request: FakeResponse.json(body, status))
    async with AsyncCivitaiClient(options_for(fake_civitai.url)) as client:
        result = await client.images.execute()
    assert error_of(result).code is code and text in error_of(result).message


def test_html_404_for_an_unknown_path(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    result = client.models.get_by_id(5)  # no route installed: the server's Next.js-style HTML 404
    assert error_of(result).code is ErrorCode.NOT_FOUND and error_of(result).http_status == 404


def test_cloudflare_page(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/api/v1/tags", lambda request: {"items": []})
    fake_civitai.faults.add(Fault.cloudflare(522), path="/api/v1/tags", times=None)
    result = client.tags.execute()
    assert error_of(result).code is ErrorCode.CLOUDFLARE_ERROR


def test_retry_after_on_503_is_honoured_then_succeeds(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/api/v1/models", lambda request: {"items": [{"id": 1}], "metadata": {}})
    fake_civitai.faults.add(
        Fault.status(503, retry_after="0", body={"error": "Server busy, please retry shortly."}), path="/api/v1/models"
    )
    assert [m.id for m in client.models.execute().unwrap().items] == [1]
    assert len(fake_civitai.requests) == 2


def test_not_json_success_is_a_parse_failure(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/api/v1/creators", lambda request: FakeResponse.text("hello", 200))
    result = client.creators.execute()
    assert error_of(result).code in (
        ErrorCode.DESERIALIZATION_FAILED,
        ErrorCode.UNEXPECTED_CONTENT_TYPE,
    )


def test_wrong_shape_is_a_parse_failure(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/api/v1/models/{id}", lambda request: {"name": "no id"})
    result = client.models.get_by_id(1)
    assert error_of(result).code is ErrorCode.DESERIALIZATION_FAILED
    assert "id" in error_of(result).message


# -- the same shapes as the fake REST API produces them from real rules ------------------------------------


@pytest.fixture
def sample(server: FakeCivitai) -> Iterator[CivitaiClient]:
    with CivitaiClient(options_for(server.url)) as client:
        yield client


def test_fake_rest_page_with_query_is_refused_by_the_server(sample: CivitaiClient, server: FakeCivitai) -> None:
    response = sample.http.send(_get("/api/v1/models?query=a&page=2"))
    assert error_of(response).code is ErrorCode.BAD_REQUEST
    assert error_of(response).message == "Cannot use page param with query search. Use cursor-based pagination."


def test_fake_rest_too_many_pages_is_not_retried(sample: CivitaiClient, server: FakeCivitai) -> None:
    result = sample.http.send(_get("/api/v1/images?limit=200&page=6"))
    assert isinstance(result, Failure)
    with pytest.raises(RateLimitError):
        result.unwrap()
    assert len(server.requests) == 1


def test_fake_rest_zod_error_object(sample: CivitaiClient) -> None:
    result = sample.http.send(_get("/api/v1/models?limit=101"))
    assert result.is_failure and "less than or equal to 100" in error_of(result).message
    with pytest.raises(BadRequestError):
        result.unwrap()


def test_fake_rest_tags_zod_issue_array(sample: CivitaiClient) -> None:
    result = sample.http.send(_get("/api/v1/tags?limit=900"))
    assert error_of(result).http_status == 500 and "200" in error_of(result).message
    with pytest.raises(ServerError):
        result.unwrap()


def test_fake_rest_favorites_need_a_key(sample: CivitaiClient, server: FakeCivitai) -> None:
    result = sample.http.send(_get("/api/v1/models?favorites=false"))
    assert isinstance(result, Failure)
    with pytest.raises(AuthenticationError) as caught:
        result.unwrap()
    assert "Unauthorized" in str(caught.value)


def test_fake_rest_invalid_cursor_shapes(sample: CivitaiClient) -> None:
    models = sample.models.execute(cursor="not-a-cursor")
    images = sample.images.execute(cursor="not-a-cursor")
    for result in (models, images):
        assert error_of(result).code is ErrorCode.BAD_REQUEST
        assert error_of(result).message == "Invalid cursor: not-a-cursor"


def test_fake_rest_not_found_messages(sample: CivitaiClient) -> None:
    with pytest.raises(NotFoundError, match="No model with id 7"):
        sample.models.get_by_id(7).unwrap()
    with pytest.raises(NotFoundError, match="Model not found"):
        sample.models.get_by_version_hash("ABCDEF").unwrap()


def _get(target: str) -> Any:
    from civitai_kit._http import ApiRequest

    path, _, query = target.partition("?")
    pairs = tuple(tuple(p.split("=", 1)) for p in query.split("&") if p)
    return ApiRequest("GET", path, params=pairs)  # type: ignore[arg-type]
