"""Every recipe path of the v2 spec, POSTed to the sandbox over loopback: a minimal valid body answers 200
with a body valid against the operation's 200 schema whose blob URLs serve the stored file; an invalid one
is a 400 ProblemDetails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import install_orchestration_routes
from tests.support.sdk_minimal import URL, minimal
from tests.support.sdk_openapi import v2

RECIPES = {
    path.rsplit("/", 1)[1]: operation["post"]
    for path, operation in v2().document["paths"].items()
    if path.startswith("/v2/consumer/recipes/")
}


def _schema(content: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = content["content"]["application/json"]["schema"]
    return schema


@pytest.fixture
def http(fake_civitai: FakeCivitai) -> Iterator[httpx.Client]:
    install_orchestration_routes(fake_civitai)
    with httpx.Client(base_url=fake_civitai.url, headers={"Authorization": "Bearer t"}) as client:
        yield client


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_every_recipe_answers_its_output_schema(http: httpx.Client, recipe: str) -> None:
    operation = RECIPES[recipe]
    request = _schema(operation["requestBody"]).get("$ref", "").rsplit("/", 1)[-1]
    body = minimal(request) if request else URL
    response = http.post(f"/v2/consumer/recipes/{recipe}", json=body)
    assert response.status_code == 200, response.text
    output_schema = _schema(operation["responses"]["200"])["$ref"].rsplit("/", 1)[-1]
    v2().assert_valid(output_schema, response.json())


def test_a_recipe_body_the_spec_rejects_is_a_400_problem(http: httpx.Client) -> None:
    response = http.post("/v2/consumer/recipes/echo", json={"message": 5})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "message" in response.json()["errors"]
    response = http.post("/v2/consumer/recipes/imageUpload", json={"url": URL})
    assert response.status_code == 400


def _first_url(node: Any) -> str:
    if isinstance(node, dict):
        if isinstance(node.get("url"), str):
            return str(node["url"])
        node = list(node.values())
    for item in node if isinstance(node, list) else []:
        if found := _first_url(item):
            return found
    return ""


def test_a_recipe_blob_serves_the_stored_file(http: httpx.Client) -> None:
    output = http.post("/v2/consumer/recipes/textToSpeech", json=minimal("TextToSpeechInput")).json()
    content = httpx.get(_first_url(output))
    assert content.status_code == 200
    assert content.content.startswith(b"RIFF")
