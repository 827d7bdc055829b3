"""A walk over every (path, method) of the v2 spec against the sandbox over loopback: no operation is a
route-level 404/405 or an HTML page, and every JSON answer is valid against the operation's response schema
for its status (ProblemDetails for errors)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import install_orchestration_routes
from tests.support.sdk_minimal import URL, minimal
from tests.support.sdk_openapi import v2

AIR = "urn:air:sd1:checkpoint:civitai:4384@128713"
TEMPLATE = {
    "steps": [
        {
            "$type": "textToImage",
            "input": {"model": AIR, "prompt": "a cat", "width": 512, "height": 512, "cfgScale": 7, "seed": 1},
        }
    ],
    "currencies": [],
}


def _request_body(operation: dict[str, Any]) -> tuple[bytes | None, str]:
    content = operation.get("requestBody", {}).get("content", {})
    for media_type, entry in content.items():
        ref = entry["schema"].get("$ref", "").rsplit("/", 1)[-1]
        if ref == "WorkflowTemplate":
            value: Any = TEMPLATE
        elif ref == "JsonPatchDocument":
            value = [{"op": "replace", "path": "/metadata", "value": {"k": 1}}]
        elif ref:
            value = minimal(ref)
        else:
            value = "night" if "tags" in str(operation.get("operationId", "")).lower() else URL
        return json.dumps(value).encode(), media_type
    return None, ""


def test_every_operation_of_the_spec_is_served(fake_civitai: FakeCivitai) -> None:
    install_orchestration_routes(fake_civitai)
    with httpx.Client(base_url=fake_civitai.url, headers={"Authorization": "Bearer t"}) as http:
        workflow = http.post("/v2/consumer/workflows", json=TEMPLATE, params={"wait": 1}).json()
        image = workflow["steps"][0]["output"]["images"][0]
        uploaded = http.post("/v2/consumer/blobs", content=b"\x89PNG....", headers={"Content-Type": "image/png"})
        assert uploaded.status_code == 201, uploaded.text
        values = {
            "workflowId": workflow["id"],
            "stepName": "$0",
            "blobId": image["id"],
            "encryptedToken": image["url"].split("/content/")[1].split("?")[0],
            "blobKey": uploaded.json()["id"],
            "air": AIR,
            "serviceId": "image/flux2",
            "userId": "1",
            "tag": "night",
        }
        seen = 0
        for path, operations in v2().document["paths"].items():
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                url = path.format(**values)
                params = {"view": "queue"} if path == "/v2/resources" else {}
                body, media_type = _request_body(operation)
                headers = {"Content-Type": media_type} if media_type else {}
                response = http.request(
                    method.upper(), url, content=body, headers=headers, params=params, follow_redirects=False
                )
                where = f"{method.upper()} {path} -> {response.status_code}: {response.text[:300]}"
                declared = operation["responses"]
                assert str(response.status_code) in declared or "default" in declared, where
                assert "html" not in response.headers.get("content-type", ""), where
                schema = declared.get(str(response.status_code), declared.get("default", {}))
                json_schema = schema.get("content", {}).get("application/json", {}).get("schema", {})
                if "json" in response.headers.get("content-type", "") and "$ref" in json_schema:
                    v2().assert_valid(json_schema["$ref"].rsplit("/", 1)[-1], response.json())
                seen += 1
        assert seen == sum(len([m for m in ops if m != "parameters"]) for ops in v2().document["paths"].values())


def test_a_video_step_completes_with_a_spec_valid_output(fake_civitai: FakeCivitai) -> None:
    install_orchestration_routes(fake_civitai)
    step = {"$type": "videoGen", "input": minimal("VideoGenInput")}
    with httpx.Client(base_url=fake_civitai.url, headers={"Authorization": "Bearer t"}) as http:
        response = http.post("/v2/consumer/workflows", json={"steps": [step], "currencies": []}, params={"wait": 1})
        assert response.status_code == 200, response.text
        workflow = response.json()
        v2().assert_valid("Workflow", workflow)
        assert workflow["steps"][0]["output"]["video"]["url"]
        again = http.get(f"/v2/consumer/workflows/{workflow['id']}").json()
        assert again["steps"][0]["output"] == workflow["steps"][0]["output"]
