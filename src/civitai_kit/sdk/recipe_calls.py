"""One recipe call: ``POST /v2/consumer/recipes/{name}`` runs a single step and answers its output. The
generated ``sdk.recipes`` (``_recipes_generated``) has one method per recipe of the spec, all through here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from pydantic import BaseModel

from civitai_kit._http import ApiRequest, HttpCore, encode_query
from civitai_kit._runtime import Operation
from civitai_kit.result import Result
from civitai_kit.sdk.calls import call

RECIPES = "/v2/consumer/recipes"
RecipeInput: TypeAlias = BaseModel | Mapping[str, Any] | str
"""A recipe's input: its generated model (``…Input``), the same object as a camelCase mapping, or a string
for the recipes whose input is one (``imageUpload``: the image URL or data URL)."""
RecipeOutput: TypeAlias = dict[str, Any]
"""A recipe's output object (``…Output`` in the spec) as JSON."""


def _body(input: RecipeInput) -> Any:
    if isinstance(input, str):
        return input
    if isinstance(input, BaseModel):
        dumped: dict[str, Any] = input.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped
    if isinstance(input, Mapping):
        return dict(input)
    raise TypeError(f"input must be a recipe input model, a mapping or a string, not {type(input).__name__}")


def _output(body: Any) -> RecipeOutput:
    if not isinstance(body, dict):
        raise ValueError(f"a recipe answers a JSON object, not {type(body).__name__}")
    return body


def invoke(
    http: HttpCore,
    recipe: str,
    input: RecipeInput,
    *,
    whatif: bool = False,
    experimental: bool | None = None,
    allow_mature_content: bool | None = None,
    ephemeral: bool | None = None,
) -> Operation[Result[RecipeOutput]]:
    """Run ``recipe`` on ``input``; ``whatif``: only price it. Not retried (it is paid and not idempotent)."""
    params = encode_query(
        {
            "whatif": whatif or None,
            "experimental": experimental,
            "allowMatureContent": allow_mature_content,
            "ephemeral": ephemeral,
        }
    )
    return call(http, ApiRequest("POST", f"{RECIPES}/{recipe}", params=params, json=_body(input)), _output)
