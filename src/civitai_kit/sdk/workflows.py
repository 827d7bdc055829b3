"""``sdk.workflows``: the v2 workflows API (submit, get, query, cancel, delete, update, tags, steps, wait)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Unpack

from civitai_kit.result import Result
from civitai_kit.sdk import _checks as check
from civitai_kit.sdk import workflow_calls as calls
from civitai_kit.sdk._runtime import Bound, M, Operation, Program, Runner, detached
from civitai_kit.sdk.builders import StepBuilder, TextToImageBuilder, WorkflowBuilder, _WorkflowBuilderBase
from civitai_kit.sdk.image_gen import ImageGenBuilder, variant
from civitai_kit.sdk.models import Workflow
from civitai_kit.sdk.pagination import Pager, pages
from civitai_kit.sdk.templates import WorkflowTemplate


def _submit(
    _owner: Any,
    template: WorkflowTemplate | _WorkflowBuilderBase[Any] | Mapping[str, Any],
    *,
    wait: int = 0,
    whatif: bool = False,
    hide_mature_content: bool = False,
) -> Program[Result[Workflow]]:
    """Submit a workflow (a builder, a [`WorkflowTemplate`][] or a raw ``WorkflowTemplate`` dict).

    ``wait``: seconds the server may hold the request until the workflow finishes (0–100); ``whatif``:
    return the cost estimate without running. Retried on 429/5xx only when it carries an ``externalId``.
    """
    if isinstance(template, _WorkflowBuilderBase):
        template = template.build()
    return calls.submit(template, wait=wait, whatif=whatif, hide_mature_content=hide_mature_content)


def _submit_and_wait(
    owner: Any,
    template: WorkflowTemplate | _WorkflowBuilderBase[Any] | Mapping[str, Any],
    *,
    timeout: float = 600.0,
) -> Program[Result[Workflow]]:
    """Submit, then poll until the workflow is terminal (see [`Workflows.wait_for`][])."""
    timeout = check.number("timeout", timeout, 0)  # now: after the (paid) submission would be too late
    submitted = _submit(owner, template)

    def program() -> Program[Result[Workflow]]:
        result = yield from submitted
        if not result.is_success or result.value.is_terminal or result.value.id is None:
            return result
        return (yield from calls.wait_for(result.value.id, timeout=timeout))

    return program()


class Workflows(Bound[M], Generic[M]):
    """The v2 workflows API; create one through [`SdkClient`][] / [`AsyncSdkClient`][]."""

    _runner: Runner[M]

    def __init__(self, runner: Runner[M]) -> None:
        self._runner = runner

    # -- builders ------------------------------------------------------------------------------------

    def text_to_image(self) -> TextToImageBuilder[M]:
        """A ``textToImage`` workflow builder bound to this client (``.submit()`` sends it)."""
        return TextToImageBuilder(_runner=self._runner)

    def image_gen(self, engine: str = "sdcpp", ecosystem: str = "sdxl") -> ImageGenBuilder[M]:
        """An ``imageGen`` workflow builder for one engine/ecosystem (sdcpp or comfy; sd1, sdxl, flux1)."""
        return ImageGenBuilder(variant=variant(engine, ecosystem), _runner=self._runner)

    def step(self, type: str, input: Mapping[str, Any] | None = None) -> StepBuilder[M]:
        """A single-step workflow of any recipe ``type`` with a hand-written ``input``."""
        return StepBuilder(type=type, input=dict(input or {}), _runner=self._runner)

    def new(self) -> WorkflowBuilder[M]:
        """A multi-step workflow builder (``.add_step(...)``)."""
        return WorkflowBuilder(_runner=self._runner)

    # -- calls ---------------------------------------------------------------------------------------

    submit = Operation(_submit)
    submit_and_wait = Operation(_submit_and_wait)
    get = Operation(detached(calls.get))
    wait_for = Operation(detached(calls.wait_for))
    update = Operation(detached(calls.update))
    cancel = Operation(detached(calls.cancel))
    delete = Operation(detached(calls.delete))
    add_tag = Operation(detached(calls.add_tag))
    remove_tag = Operation(detached(calls.remove_tag))
    get_step = Operation(detached(calls.get_step))
    update_step = Operation(detached(calls.update_step))
    query_page = Operation(detached(calls.query_page))

    def query(
        self, *, page_size: int = 100, max_items: int | None = None, **filters: Unpack[calls.WorkflowFilters]
    ) -> Pager[M, Workflow]:
        """Every matching workflow, following the ``next`` cursor: ``for wf in …`` / ``async for wf in …``.

        Filters: ``tags``, ``query`` (metadata text), ``ascending``, ``hide_mature_content``, ``from_date``,
        ``to_date``, ``exclude_failed``. A failed page raises its [`CivitaiError`][].
        """
        if "tags" in filters:
            filters["tags"] = check.strings("tags", filters["tags"])  # read on every page; "demo" is no list
        calls.query_page(take=page_size, **filters).close()  # check the filters now, not at the first page

        def fetch(*, cursor: str | None) -> Program[Result[Any]]:
            return calls.query_page(cursor=cursor, take=page_size, **filters)

        return Pager(self._runner, pages(fetch, lambda page: (page.items, page.next)), max_items)
