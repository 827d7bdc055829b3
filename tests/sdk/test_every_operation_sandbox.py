"""Every operation of ``sdk/operations.py`` and every recipe of ``sdk.recipes``, called through the SDK (sync
and async) against the sandbox over loopback, and the typed answer checked: the right class holding what the
sandbox stored, or the typed ``Failure`` the sandbox answers by design (blocked content, expired archive)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.sdk import Workflow
from civitai_kit.sdk._recipes_generated import RECIPES
from civitai_kit.sdk.operations import OPERATIONS
from civitai_kit.sdk.patches import Patch
from civitai_kit.sdk.schema_model import SchemaModel
from civitai_kit.testing.orchestration import FakeOrchestrator
from tests.support.sdk_minimal import URL, minimal
from tests.support.sdk_openapi import v2
from tests.support.sdk_support import SDXL, collect, resolve

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@dataclass(frozen=True)
class World:
    """What the calls work on: a finished workflow with an image, the image's signed-URL token, an upload."""

    workflow: Workflow
    image_id: str
    token: str
    upload_id: str
    folder: Path


Check = Callable[[Any, World], None]
Call = Callable[[Any, World], Any]


def _exists(value: Any, world: World) -> None:
    assert value is True


def _none(value: Any, world: World) -> None:
    assert value is None


def _saved(name: str) -> Check:
    def check(value: Any, world: World) -> None:
        assert value == world.folder / name and value.read_bytes()

    return check


def _workflow(value: Any, world: World) -> None:
    assert isinstance(value, Workflow) and value.id == world.workflow.id and value.succeeded and value.images


def _echoed(value: Any, world: World) -> None:
    assert isinstance(value, Workflow) and value.succeeded and value.id != world.workflow.id
    assert value.steps[0].raw_output == {"message": "hi"}


def _workflows(value: Any, world: World) -> None:
    assert [workflow.id for workflow in value] == [world.workflow.id]
    assert all(isinstance(workflow, Workflow) for workflow in value)


def _signed_url(value: Any, world: World) -> None:
    assert isinstance(value, str) and "/v2/consumer/blobs/content/" in value


def _blob(value: Any, world: World) -> None:
    assert value.id == world.image_id and value.available and value.url


def _uploaded(value: Any, world: World) -> None:
    assert value.id.endswith(".png") and value.as_input().startswith("http")


def _upload_url(value: Any, world: World) -> None:
    assert value.upload_url.startswith("http") and value.expires_at is not None


def _resources(value: Any, world: World) -> None:
    assert isinstance(value.items, list)


def _resource(value: Any, world: World) -> None:
    assert value.air == SDXL and value.size


def _services(value: Any, world: World) -> None:
    assert isinstance(value.items, list) and value.total_count == len(value.items)


def _step(value: Any, world: World) -> None:
    assert (value.name, value.type, value.status) == ("$0", "textToImage", "succeeded") and value.jobs


Refused = tuple[ErrorCode, int]
"""The typed failure (code, HTTP status) the sandbox answers by design."""

CASES: dict[str, tuple[Call, Check | Refused]] = {
    "GetBlob": (lambda sdk, w: sdk.blobs.get_url(w.image_id), _signed_url),
    "HeadBlob": (lambda sdk, w: sdk.blobs.exists(w.image_id), _exists),
    "GetConsumerBlobUploadUrl": (lambda sdk, w: sdk.blobs.upload_url(), _upload_url),
    "UploadConsumerBlob": (lambda sdk, w: sdk.blobs.upload(PNG), _uploaded),
    "GetBlobContent": (lambda sdk, w: sdk.blobs.download_link(w.token, w.folder / "c.png"), _saved("c.png")),
    "GetBlockedContent": (
        lambda sdk, w: sdk.blobs.download_link(w.token, w.folder / "b", kind="blocked"),
        (ErrorCode.FORBIDDEN, 403),
    ),
    "GetBlobArchive": (
        lambda sdk, w: sdk.blobs.download_link(w.token, w.folder / "a", kind="archive"),
        (ErrorCode.HTTP_ERROR, 410),
    ),
    "RefreshBlob": (lambda sdk, w: sdk.blobs.refresh(w.image_id), _blob),
    "GetStreamingBlob": (lambda sdk, w: sdk.blobs.download_streaming(w.upload_id, w.folder / "s"), _saved("s")),
    "InvalidateUserCache": (lambda sdk, w: sdk.users.invalidate_cache(42), _none),
    "InvalidateUserTokens": (lambda sdk, w: sdk.users.invalidate_tokens(42), _none),
    "QueryResources": (lambda sdk, w: sdk.resources.query(take=5), _resources),
    "GetResource": (lambda sdk, w: sdk.resources.get(SDXL), _resource),
    "ListServices": (lambda sdk, w: sdk.services.list(category="image"), _services),
    "GetService": (lambda sdk, w: sdk.services.get("image/none"), (ErrorCode.NOT_FOUND, 404)),
    "SubmitWorkflow": (
        lambda sdk, w: sdk.workflows.submit(
            {"currencies": ["yellow"], "steps": [{"$type": "echo", "input": {"message": "hi"}}]}, wait=1
        ),
        _echoed,
    ),
    "QueryWorkflows": (lambda sdk, w: collect(sdk.workflows.query(page_size=3)), _workflows),
    "GetWorkflow": (lambda sdk, w: sdk.workflows.get(w.workflow.id), _workflow),
    "UpdateWorkflow": (lambda sdk, w: sdk.workflows.update(w.workflow.id, tags=["a"]), _none),
    "PatchWorkflow": (lambda sdk, w: sdk.workflows.patch(w.workflow.id, Patch.add_tag("night")), _none),
    "DeleteWorkflow": (lambda sdk, w: sdk.workflows.delete(w.workflow.id), _none),
    "AddWorkflowTag": (lambda sdk, w: sdk.workflows.add_tag(w.workflow.id, "t2"), _none),
    "RemoveAllWorkflowTags": (lambda sdk, w: sdk.workflows.remove_tag(w.workflow.id), _none),
    "RemoveWorkflowTag": (lambda sdk, w: sdk.workflows.remove_tag(w.workflow.id, "first"), _none),
    "GetWorkflowStep": (lambda sdk, w: sdk.workflows.get_step(w.workflow.id, "$0"), _step),
    "UpdateWorkflowStep": (lambda sdk, w: sdk.workflows.update_step(w.workflow.id, "$0", {"k": "v"}), _none),
    "PatchWorkflowStep": (
        lambda sdk, w: sdk.workflows.patch_step(w.workflow.id, "$0", Patch("replace", "/metadata", {"k": 1})),
        _none,
    ),
}


def test_every_mapped_operation_has_a_sandbox_case() -> None:
    assert set(CASES) == set(OPERATIONS)


@pytest.fixture
async def world(client: Any, tmp_path: Path) -> World:
    builder = client.workflows.text_to_image().with_model(SDXL).with_prompt("a lighthouse").with_tags("first")
    submitted = await resolve(builder.submit(wait=1))
    assert isinstance(submitted, Success), submitted
    workflow: Workflow = submitted.value
    image = workflow.images[0]
    assert image.url
    uploaded = await resolve(client.blobs.upload(PNG))
    assert isinstance(uploaded, Success), uploaded
    token = image.url.split("/content/", 1)[1].split("?", 1)[0]
    return World(workflow, image.id, token, uploaded.value.id, tmp_path)


@pytest.mark.parametrize("operation_id", sorted(CASES))
async def test_each_operation_answers_its_typed_value_from_the_sandbox(
    operation_id: str, client: Any, world: World, orchestrator: FakeOrchestrator
) -> None:
    call, check = CASES[operation_id]
    result = await resolve(call(client, world))
    if isinstance(check, tuple):
        assert isinstance(result, Failure), result
        assert (result.error.code, result.error.http_status) == check
        return
    if isinstance(result, list):  # a paged query collected
        check(result, world)
        return
    assert isinstance(result, Success), result
    check(result.value, world)
    if operation_id == "DeleteWorkflow":
        assert world.workflow.id not in orchestrator.workflows


RECIPE_PATHS = {
    operation["operationId"]: operation
    for path, methods in v2().document["paths"].items()
    for operation in methods.values()
    if path.startswith("/v2/consumer/recipes/")
}


def _schema_name(content: dict[str, Any]) -> str:
    ref: str = content["content"]["application/json"]["schema"].get("$ref", "")
    return ref.rsplit("/", 1)[-1]


@pytest.mark.parametrize("operation_id", sorted(RECIPES))
async def test_each_recipe_answers_its_output_from_the_sandbox(operation_id: str, client: Any) -> None:
    operation = RECIPE_PATHS[operation_id]
    request = _schema_name(operation["requestBody"])
    body = minimal(request) if request else URL
    result = await resolve(getattr(client.recipes, RECIPES[operation_id])(body))
    assert isinstance(result, Success), result
    answer = result.value
    assert isinstance(answer, SchemaModel)  # the recipe's typed output class
    v2().assert_valid(_schema_name(operation["responses"]["200"]), answer.to_request())
