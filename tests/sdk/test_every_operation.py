"""Every operation of the v2 spec, called once through the SDK (sync and async) against a plain recording
server: method, path, query, auth and content type as the spec says, and JSON bodies valid against it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from civitai_kit._http import AsyncHttpClient, HttpClient
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.sdk import AsyncSdkClient, SdkClient, schema
from civitai_kit.sdk._recipes_generated import RECIPES, Recipes
from civitai_kit.sdk.enums import CallbackEvent
from civitai_kit.sdk.operations import NOT_YET, OPERATIONS
from civitai_kit.sdk.patches import JSON_PATCH, Patch, document
from civitai_kit.sdk.schema import ConvertImageInput, ConvertImageOutput, EchoOutput
from civitai_kit.sdk.templates import Callback
from tests.support.recording_server import RecordingServer
from tests.support.sdk_minimal import minimal
from tests.support.sdk_openapi import v2
from tests.support.sdk_support import TOKEN, collect, resolve, settings_for

SPEC = v2().document
SPEC_OPERATIONS = {
    operation["operationId"]: (method.upper(), path, operation)
    for path, methods in SPEC["paths"].items()
    for method, operation in methods.items()
    if not path.startswith("/v2/consumer/recipes/")
}

WORKFLOW = {"id": "wf-1", "status": "succeeded", "steps": []}
BLOB = {"id": "b1.png", "available": True}
UPLOAD = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3
RAW_BODIES = {"UploadConsumerBlob": (UPLOAD, "image/png")}
"""Operations whose body the spec leaves undeclared because it is the raw file (``POST /v2/consumer/blobs``):
the exact bytes and the media type are checked instead of a schema."""
# A resource as the spec requires it (the model is the generated ``ResourceInfo``, which needs these fields).
RESOURCE = {"air": "urn:air:sdxl:checkpoint:civitai:1@2", "size": 1, "hashes": {}, "downloadUrls": []}
RESOURCE |= {"fileFormat": "safeTensor", "canGenerate": True, "checkPermission": False}
RESOURCE |= {"hasMatureContentRestriction": False, "hasNSFWContentRestriction": False}
SERVICE = {"id": "image/flux2", "category": "image", "parameters": {}, "status": "healthy", "tags": []}
PATCHES = (
    Patch.cancel(),
    Patch.priority("high"),
    Patch.add_tag("night"),
    Patch.metadata("a/b", {"x": 1}),
    Patch.callbacks(Callback("https://example.test/hook", (CallbackEvent.WORKFLOW_SUCCEEDED,))),
)

# operationId -> (how to call it, canned answer (status, JSON body or raw bytes, headers), expected path, query)
Call = Callable[[Any, Path], Any]
CASES: dict[str, tuple[Call, tuple[int, Any, dict[str, str]], str, list[tuple[str, str]]]] = {
    "GetBlob": (
        lambda sdk, _: sdk.blobs.get_url("b1.png"),
        (308, b"", {"Location": "http://cdn/x"}),
        "/v2/consumer/blobs/b1.png",
        [],
    ),
    "HeadBlob": (lambda sdk, _: sdk.blobs.exists("b1.png"), (200, b"", {}), "/v2/consumer/blobs/b1.png", []),
    "GetConsumerBlobUploadUrl": (
        lambda sdk, _: sdk.blobs.upload_url(),
        (200, {"uploadUrl": "http://up/x", "expiresAt": "2026-01-01T00:00:00Z"}, {}),
        "/v2/consumer/blobs/upload",
        [],
    ),
    "GetBlobContent": (
        lambda sdk, d: sdk.blobs.download_link("tok", d / "c"),
        (200, b"data", {}),
        "/v2/consumer/blobs/content/tok",
        [],
    ),
    "GetBlockedContent": (
        lambda sdk, d: sdk.blobs.download_link("tok", d / "b", kind="blocked"),
        (200, b"data", {}),
        "/v2/consumer/blobs/blocked/tok",
        [],
    ),
    "GetBlobArchive": (
        lambda sdk, d: sdk.blobs.download_link("tok", d / "a", kind="archive"),
        (200, b"zip", {}),
        "/v2/consumer/blobs/archive/tok",
        [],
    ),
    "UploadConsumerBlob": (
        lambda sdk, _: sdk.blobs.upload(UPLOAD),
        (201, {"type": "image", **BLOB}, {}),
        "/v2/consumer/blobs",
        [],
    ),
    "RefreshBlob": (
        lambda sdk, _: sdk.blobs.refresh("b1.png"),
        (200, BLOB, {}),
        "/v2/consumer/blobs/b1.png/refresh",
        [],
    ),
    "GetStreamingBlob": (
        lambda sdk, d: sdk.blobs.download_streaming("k1", d / "s"),
        (200, b"s", {}),
        "/v2/consumer/streaming-blobs/k1",
        [],
    ),
    "InvalidateUserCache": (
        lambda sdk, _: sdk.users.invalidate_cache(42),
        (204, b"", {}),
        "/v2/consumer/civitai/42",
        [],
    ),
    "InvalidateUserTokens": (
        lambda sdk, _: sdk.users.invalidate_tokens(42),
        (204, b"", {}),
        "/v2/consumer/civitai/42/tokens",
        [],
    ),
    "QueryResources": (
        lambda sdk, _: sdk.resources.query(take=5),
        (200, {"next": None, "items": []}, {}),
        "/v2/resources",
        [("take", "5"), ("view", "queue")],
    ),
    "GetResource": (
        lambda sdk, _: sdk.resources.get("urn:air:sdxl:checkpoint:civitai:1@2"),
        (200, RESOURCE, {}),
        "/v2/resources/urn:air:sdxl:checkpoint:civitai:1@2",
        [],
    ),
    "ListServices": (
        lambda sdk, _: sdk.services.list(category="image", tags=["a", "b"]),
        (200, {"items": [SERVICE], "totalCount": 1, "limit": 50, "offset": 0}, {}),
        "/v2/services",
        [("category", "image"), ("tags", "a"), ("tags", "b"), ("window", "24h")],
    ),
    "GetService": (
        lambda sdk, _: sdk.services.get("image/flux2"),
        (200, SERVICE, {}),
        "/v2/services/image%2Fflux2",
        [("interval", "1h"), ("window", "24h")],
    ),
    "SubmitWorkflow": (
        lambda sdk, _: sdk.workflows.submit(
            {"currencies": ["yellow"], "steps": [{"$type": "echo", "input": {"message": "hi"}}]}
        ),
        (200, WORKFLOW, {}),
        "/v2/consumer/workflows",
        [],
    ),
    "QueryWorkflows": (
        lambda sdk, _: collect(sdk.workflows.query(page_size=3)),
        (200, {"next": None, "items": [WORKFLOW]}, {}),
        "/v2/consumer/workflows",
        [("take", "3")],
    ),
    "GetWorkflow": (lambda sdk, _: sdk.workflows.get("wf-1"), (200, WORKFLOW, {}), "/v2/consumer/workflows/wf-1", []),
    "UpdateWorkflow": (
        lambda sdk, _: sdk.workflows.update("wf-1", tags=["a"]),
        (204, b"", {}),
        "/v2/consumer/workflows/wf-1",
        [],
    ),
    "PatchWorkflow": (
        lambda sdk, _: sdk.workflows.patch("wf-1", *PATCHES),
        (204, b"", {}),
        "/v2/consumer/workflows/wf-1",
        [],
    ),
    "DeleteWorkflow": (lambda sdk, _: sdk.workflows.delete("wf-1"), (204, b"", {}), "/v2/consumer/workflows/wf-1", []),
    "AddWorkflowTag": (
        lambda sdk, _: sdk.workflows.add_tag("wf-1", "t"),
        (204, b"", {}),
        "/v2/consumer/workflows/wf-1/tags",
        [],
    ),
    "RemoveAllWorkflowTags": (
        lambda sdk, _: sdk.workflows.remove_tag("wf-1"),
        (204, b"", {}),
        "/v2/consumer/workflows/wf-1/tags",
        [],
    ),
    "RemoveWorkflowTag": (
        lambda sdk, _: sdk.workflows.remove_tag("wf-1", "t"),
        (204, b"", {}),
        "/v2/consumer/workflows/wf-1/tags/t",
        [],
    ),
    "GetWorkflowStep": (
        lambda sdk, _: sdk.workflows.get_step("wf-1", "s0"),
        (200, {"name": "s0", "$type": "echo"}, {}),
        "/v2/consumer/workflows/wf-1/steps/s0",
        [],
    ),
    "UpdateWorkflowStep": (
        lambda sdk, _: sdk.workflows.update_step("wf-1", "s0", {"k": "v"}),
        (204, b"", {}),
        "/v2/consumer/workflows/wf-1/steps/s0",
        [],
    ),
    "PatchWorkflowStep": (
        lambda sdk, _: sdk.workflows.patch_step("wf-1", "s0", Patch.cancel()),
        (204, b"", {}),
        "/v2/consumer/workflows/wf-1/steps/s0",
        [],
    ),
}


def test_every_spec_operation_is_mapped_to_an_sdk_call_or_listed_as_not_yet() -> None:
    unmapped = set(SPEC_OPERATIONS) - set(OPERATIONS) - set(NOT_YET)
    assert not unmapped, f"operations of the spec with no SDK call: {sorted(unmapped)}"
    assert set(OPERATIONS) <= set(SPEC_OPERATIONS), "mapped operations the spec does not have"
    assert set(CASES) == set(OPERATIONS), "every mapped operation is called by a case below"


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server


def _request_schema(operation: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    for content_type, body in operation.get("requestBody", {}).get("content", {}).items():
        return content_type, body["schema"]
    return None


def _assert_valid(schema: dict[str, Any], instance: Any) -> None:
    """Against a named component schema, or an inline one without references (a tag is a JSON string)."""
    if schema.get("$ref", "").endswith("/JsonPatchDocument"):
        _assert_patch_document(instance)
    elif "$ref" in schema:
        v2().assert_valid(schema["$ref"].rsplit("/", 1)[-1], instance)
    else:
        problems = [error.message for error in Draft202012Validator(schema).iter_errors(instance)]
        assert not problems, problems


def _assert_patch_document(instance: Any) -> None:
    """The spec's ``JsonPatchOperation.value`` says ``"type": "null"`` beside an ``anyOf`` of every JSON type,
    which no non-null value satisfies (a generator's rendering of "nullable any"): read it as nullable."""
    operation = dict(v2().document["components"]["schemas"]["JsonPatchOperation"])
    value = {key: part for key, part in operation["properties"]["value"].items() if key != "type"}
    value["anyOf"] = [*value["anyOf"], {"type": "null"}]
    schema = {"type": "array", "items": {**operation, "properties": {**operation["properties"], "value": value}}}
    problems = [error.message for error in Draft202012Validator(schema).iter_errors(instance)]
    assert not problems, problems


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("operation_id", sorted(CASES))
async def test_each_operation_goes_out_as_the_spec_says(
    operation_id: str, mode: str, recorder: RecordingServer, tmp_path: Path
) -> None:
    invoke, (status, body, headers), path, query = CASES[operation_id]
    method, _, operation = SPEC_OPERATIONS[operation_id]
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    extra = headers if isinstance(body, bytes) else {"Content-Type": "application/json", **headers}
    recorder.answer(status, raw, **extra)
    settings = settings_for(recorder)  # type: ignore[arg-type]
    if mode == "sync":
        with HttpClient(settings) as http:
            result = await resolve(invoke(SdkClient(http_client=http), tmp_path))
    else:
        async with AsyncHttpClient(settings) as ahttp:
            result = await resolve(invoke(AsyncSdkClient(http_client=ahttp), tmp_path))
    assert isinstance(result, (list, Success)), result
    [sent] = recorder.requests
    assert (sent.method, sent.path, sorted(sent.query)) == (method, path, sorted(query))
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    if operation_id in RAW_BODIES:
        body_bytes, media_type = RAW_BODIES[operation_id]
        assert "requestBody" not in operation
        assert (sent.body, sent.headers["content-type"], sent.headers["content-length"]) == (
            body_bytes,
            media_type,
            str(len(body_bytes)),
        )
        return
    expected = _request_schema(operation)
    if expected is None:
        assert sent.body == b""
        return
    content_type, schema = expected
    assert sent.headers["content-type"].split(";")[0] == content_type
    _assert_valid(schema, json.loads(sent.body))


def test_a_patch_document_is_exactly_the_typed_patches() -> None:
    assert document(PATCHES) == [
        {"op": "replace", "path": "/status", "value": "canceled"},
        {"op": "replace", "path": "/priority", "value": "high"},
        {"op": "add", "path": "/tags/-", "value": "night"},
        {"op": "add", "path": "/metadata/a~1b", "value": {"x": 1}},
        {
            "op": "replace",
            "path": "/callbacks",
            "value": [{"url": "https://example.test/hook", "type": ["workflow:succeeded"]}],
        },
    ]


def test_a_patch_is_checked_when_made() -> None:
    with pytest.raises(ValueError, match="from_"):
        Patch("move", "/a")
    with pytest.raises(ValueError, match="JSON Pointer"):
        Patch("remove", "tags")
    with pytest.raises(ValueError, match="at least one"):
        document([])
    assert JSON_PATCH == "application/json-patch+json"


RECIPE_OPERATIONS = {
    operation["operationId"]: (path, operation)
    for path, methods in SPEC["paths"].items()
    for operation in methods.values()
    if path.startswith("/v2/consumer/recipes/")
}
ECHO = {"message": "hello"}
RECIPE_OUTPUTS = {
    operation_id: operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    for operation_id, (_, operation) in RECIPE_OPERATIONS.items()
}


def test_every_recipe_of_the_spec_has_a_generated_method() -> None:
    assert set(RECIPES) == set(RECIPE_OPERATIONS)
    for method in RECIPES.values():
        assert callable(getattr(Recipes, method))


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("operation_id", sorted(RECIPE_OPERATIONS))
async def test_each_recipe_goes_out_as_the_spec_says(operation_id: str, mode: str, recorder: RecordingServer) -> None:
    path, _ = RECIPE_OPERATIONS[operation_id]
    body: Any = "https://example.test/a.png" if operation_id == "InvokeImageUploadStepTemplate" else ECHO
    answer = {**minimal(RECIPE_OUTPUTS[operation_id]), "ok": True}
    recorder.answer(200, json.dumps(answer).encode(), Content_Type="application/json")
    settings = settings_for(recorder)  # type: ignore[arg-type]
    method = RECIPES[operation_id]
    if mode == "sync":
        with HttpClient(settings) as http:
            result = getattr(SdkClient(http_client=http).recipes, method)(body, whatif=True, ephemeral=False)
    else:
        async with AsyncHttpClient(settings) as ahttp:
            result = await getattr(AsyncSdkClient(http_client=ahttp).recipes, method)(
                body, whatif=True, ephemeral=False
            )
    output = result.unwrap()
    assert isinstance(output, getattr(schema, RECIPE_OUTPUTS[operation_id]))
    assert output.model_extra == {"ok": True}  # an answer's unknown keys are kept
    assert output.model_dump(mode="json", by_alias=True, exclude_unset=True) == answer
    [sent] = recorder.requests
    assert (sent.method, sent.path, sorted(sent.query)) == ("POST", path, [("ephemeral", "false"), ("whatif", "true")])
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.body) == body


def test_a_recipe_body_from_the_echo_input_is_valid_against_the_spec(recorder: RecordingServer) -> None:
    recorder.answer(200, json.dumps({"message": "hello"}).encode(), Content_Type="application/json")
    with HttpClient(settings_for(recorder)) as http:  # type: ignore[arg-type]
        assert SdkClient(http_client=http).recipes.echo(ECHO) == Success(EchoOutput(message="hello"))
    v2().assert_valid("EchoInput", json.loads(recorder.requests[0].body))


def test_a_recipe_takes_its_input_model_and_answers_its_output_model(recorder: RecordingServer) -> None:
    answer = {"blob": {"id": "b1", "available": True, "url": "https://x.test/b1.png"}, "extraKey": 1}
    recorder.answer(200, json.dumps(answer).encode(), Content_Type="application/json")
    with HttpClient(settings_for(recorder)) as http:  # type: ignore[arg-type]
        result = SdkClient(http_client=http).recipes.convert_image(
            ConvertImageInput.model_validate({**minimal("ConvertImageInput"), "image": "https://x.test/a.png"})
        )
    output = result.unwrap()
    assert isinstance(output, ConvertImageOutput)
    assert output.model_extra == {"extraKey": 1}
    assert output.blob is not None and output.blob.id == "b1"
    sent = json.loads(recorder.requests[0].body)
    assert sent["image"] == "https://x.test/a.png"
    v2().assert_valid("ConvertImageInput", sent)


def test_a_recipe_answer_that_is_not_an_object_is_a_deserialization_failure(recorder: RecordingServer) -> None:
    recorder.answer(200, b"[1, 2]", Content_Type="application/json")
    with HttpClient(settings_for(recorder)) as http:  # type: ignore[arg-type]
        result = SdkClient(http_client=http).recipes.echo(ECHO)
    assert isinstance(result, Failure) and result.error.code is ErrorCode.DESERIALIZATION_FAILED


@pytest.mark.parametrize(
    ("status", "code"), [(400, ErrorCode.BAD_REQUEST), (404, ErrorCode.NOT_FOUND), (401, ErrorCode.UNAUTHORIZED)]
)
def test_a_problem_details_answer_is_a_failure_with_civitais_message(
    recorder: RecordingServer, status: int, code: ErrorCode
) -> None:
    problem = {"title": "Invalid patch", "status": status, "detail": "Path '/nope' does not exist."}
    recorder.answer(status, json.dumps(problem).encode(), Content_Type="application/problem+json")
    with HttpClient(settings_for(recorder)) as http:  # type: ignore[arg-type]
        result = SdkClient(http_client=http).workflows.patch("wf-1", Patch("remove", "/nope"))
    assert isinstance(result, Failure)
    assert (result.error.code, result.error.http_status) == (code, status)
    assert "does not exist" in result.error.message
