"""``sdk.workflows``: the v2 workflows API (submit, get, query, cancel, delete, update, tags, steps, wait)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Generic, Unpack, overload

from pydantic import BaseModel

from civitai_kit._http import HttpCore
from civitai_kit._runtime import Async, M, Operation, Sync
from civitai_kit.result import Result
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk import workflow_calls
from civitai_kit.sdk.builders import (
    SpecStepBuilder,
    StepBuilder,
    TextToImageBuilder,
    WorkflowBuilder,
    _WorkflowBuilderBase,
)
from civitai_kit.sdk.image_gen import ImageGenBuilder, variant
from civitai_kit.sdk.models import Workflow, WorkflowPage
from civitai_kit.sdk.pagination import cursor_walk
from civitai_kit.sdk.patches import patch_step, patch_workflow
from civitai_kit.sdk.service import Service, http_of, over_http
from civitai_kit.sdk.templates import WorkflowTemplate
from civitai_kit.sdk.typed_submit import workflow_body
from civitai_kit.sdk.workflow_calls import WorkflowFilters


def _submit(
    http: HttpCore,
    template: WorkflowTemplate | _WorkflowBuilderBase[Any] | BaseModel | Mapping[str, Any],
    *,
    wait: int = 0,
    whatif: bool = False,
    hide_mature_content: bool = False,
) -> Operation[Result[Workflow]]:
    """Submit a workflow: a builder, a ``WorkflowTemplate``, a raw ``WorkflowTemplate`` dict, or a typed model
    (a generated ``WorkflowTemplate``, one step template, or one step input such as ``Flux2ImageGenInput``,
    sent as a one-step workflow).

    ``wait``: seconds the server may hold the request until the workflow finishes (0–100); ``whatif``:
    return the cost estimate without running. Retried on 429/5xx only when it carries an ``externalId``.
    """
    if isinstance(template, _WorkflowBuilderBase):
        template = template.build()
    elif isinstance(template, BaseModel):
        template = workflow_body(template)
    return workflow_calls.submit(http, template, wait=wait, whatif=whatif, hide_mature_content=hide_mature_content)


def _submit_and_wait(
    http: HttpCore,
    template: WorkflowTemplate | _WorkflowBuilderBase[Any] | BaseModel | Mapping[str, Any],
    *,
    timeout: float = 600.0,
) -> Operation[Result[Workflow]]:
    """Submit, then poll until the workflow is terminal (see ``wait_for``)."""
    timeout = check.number("timeout", timeout, 0)  # now: after the (paid) submission would be too late
    return _wait_after(http, _submit(http, template), timeout)


def _wait_after(http: HttpCore, submission: Operation[Result[Workflow]], timeout: float) -> Operation[Result[Workflow]]:
    submitted = yield from submission
    if not submitted.is_success or submitted.value.is_terminal or submitted.value.id is None:
        return submitted
    return (yield from workflow_calls.wait_for(http, submitted.value.id, timeout=timeout))


class Workflows(Service[M], Generic[M]):
    """The v2 workflows API; create one through ``SdkClient`` / ``AsyncSdkClient``."""

    # -- builders ------------------------------------------------------------------------------------

    def text_to_image(self) -> TextToImageBuilder[M]:
        """A ``textToImage`` workflow builder bound to this client (``.submit()`` sends it)."""
        return TextToImageBuilder(_driver=self._driver)

    def image_gen(self, engine: str = "sdcpp", ecosystem: str = "sdxl") -> ImageGenBuilder[M]:
        """An ``imageGen`` workflow builder for one engine/ecosystem (sdcpp or comfy; sd1, sdxl, flux1)."""
        return ImageGenBuilder(variant=variant(engine, ecosystem), _driver=self._driver)

    def image_gen_for(self, engine: str, /, **fields: Any) -> SpecStepBuilder[M]:
        """An ``imageGen`` step for any engine in the spec (``flux2``, ``openai``, ``gemini``, ``seedream``…),
        its fields in snake_case and checked against the spec now: ``image_gen_for("flux2", model="dev",
        operation="createImage", prompt="…", width=1024)``."""
        return self.run("imageGen", engine=engine, **fields)

    def video_gen(self, engine: str, /, **fields: Any) -> SpecStepBuilder[M]:
        """A ``videoGen`` step for any engine in the spec (``kling``, ``veo3``, ``wan``, ``sora``…); image-to-video
        where the engine's schema has image fields (``images=[url]``, ``source_image=…``)."""
        return self.run("videoGen", engine=engine, **fields)

    def run(self, step_type: str, /, **fields: Any) -> SpecStepBuilder[M]:
        """Any step type in the spec with its input checked against the spec (``run("wdTagging",
        media_url=…)``, ``run("imageUpscaler", image=…, scale_factor=2)``)."""
        return SpecStepBuilder(type=step_type, _driver=self._driver).with_input(**fields)

    def step(self, type: str, input: Mapping[str, Any] | None = None) -> StepBuilder[M]:
        """A single-step workflow of any recipe ``type`` with a hand-written ``input``."""
        return StepBuilder(type=type, input=dict(input or {}), _driver=self._driver)

    def new(self) -> WorkflowBuilder[M]:
        """A multi-step workflow builder (``.add_step(...)``)."""
        return WorkflowBuilder(_driver=self._driver)

    # -- calls ---------------------------------------------------------------------------------------

    submit = over_http(_submit)
    submit_and_wait = over_http(_submit_and_wait)
    get = over_http(workflow_calls.get)
    wait_for = over_http(workflow_calls.wait_for)
    update = over_http(workflow_calls.update)
    cancel = over_http(workflow_calls.cancel)
    delete = over_http(workflow_calls.delete)
    add_tag = over_http(workflow_calls.add_tag)
    remove_tag = over_http(workflow_calls.remove_tag)
    get_step = over_http(workflow_calls.get_step)
    update_step = over_http(workflow_calls.update_step)
    patch = over_http(patch_workflow)
    patch_step = over_http(patch_step)
    query_page = over_http(workflow_calls.query_page)

    @overload
    def query(
        self: Workflows[Sync], *, page_size: int = 100, max_items: int | None = None, **filters: Unpack[WorkflowFilters]
    ) -> Iterator[Workflow]: ...
    @overload
    def query(
        self: Workflows[Async],
        *,
        page_size: int = 100,
        max_items: int | None = None,
        **filters: Unpack[WorkflowFilters],
    ) -> AsyncIterator[Workflow]: ...

    def query(
        self, *, page_size: int = 100, max_items: int | None = None, **filters: Unpack[WorkflowFilters]
    ) -> Iterator[Workflow] | AsyncIterator[Workflow]:
        """Every matching workflow, following the ``next`` cursor: ``for wf in …`` / ``async for wf in …``.

        Filters: ``tags``, ``query`` (metadata text), ``ascending``, ``hide_mature_content``, ``from_date``,
        ``to_date``, ``exclude_failed``. A failed page raises its [`CivitaiError`][].
        """
        if "tags" in filters:
            filters["tags"] = check.strings("tags", filters["tags"])  # read on every page; "demo" is no list
        workflow_calls.query_request(take=page_size, **filters)  # check the filters now, not at the first page
        http = http_of(self)

        def page(cursor: str | None) -> Operation[Result[WorkflowPage]]:
            return workflow_calls.query_page(http, cursor=cursor, take=page_size, **filters)

        return self._driver.iterate(cursor_walk(page, lambda listed: (listed.items, listed.next), max_items))
