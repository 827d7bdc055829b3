"""Any typed model as a workflow body: a whole ``WorkflowTemplate``, one step template, or one step input.

Generated spec models (``civitai_kit.sdk.schema``) and any other pydantic model shaped like the spec are
serialised by alias without ``None``s. A single step becomes a one-step workflow; a bare input (say a
``Flux2ImageGenInput``) is wrapped in the step whose input schema it is or derives from (``imageGen``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from civitai_kit.sdk import spec_inputs


def workflow_body(model: BaseModel) -> dict[str, Any]:
    """The ``POST /v2/consumer/workflows`` body for ``model`` (``TypeError`` when it is none of the three)."""
    body: dict[str, Any] = spec_inputs.plain(model)
    if "steps" in body:
        return {"currencies": [], **body}  # required by the spec; empty lets the server use its default order
    if "$type" in body:
        return {"steps": [body], "currencies": []}
    step_type = spec_inputs.step_type_of(type(model).__name__)
    if step_type is None:
        raise TypeError(
            f"cannot submit a {type(model).__name__}: give a workflow template, a step template or a step input"
        )
    return {"steps": [{"$type": step_type, "input": body}], "currencies": []}
