"""One recipe call: ``POST /v2/consumer/recipes/{name}`` runs a single step and answers its output. The
generated ``sdk.recipes`` (``_recipes_generated``) has one method per recipe of the spec, all through here.

Each method takes the recipe's generated input model (``sdk.schema.…Input``) or the same object as a camelCase
mapping, and answers its generated output model (``sdk.schema.…Output``, parsed openly: unknown keys kept). The
output class is named, not imported, by the generated module and looked up in ``sdk.schema`` when the answer
arrives, so ``import civitai_kit.sdk`` does not import the schema family of every recipe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from pydantic import BaseModel

from civitai_kit._http import ApiRequest, HttpCore, encode_query
from civitai_kit._runtime import Operation
from civitai_kit.result import Result
from civitai_kit.sdk import schema
from civitai_kit.sdk.calls import call
from civitai_kit.sdk.schema_model import SchemaModel

RECIPES = "/v2/consumer/recipes"
RecipeInput: TypeAlias = BaseModel | Mapping[str, Any] | str
"""A recipe's input: its generated model (``…Input``), the same object as a camelCase mapping, or a string
for the recipes whose input is one (``imageUpload``: the image URL or data URL)."""


def _body(input: RecipeInput) -> Any:
    if isinstance(input, str):
        return input
    if isinstance(input, SchemaModel):
        return input.to_request()
    if isinstance(input, BaseModel):
        dumped: dict[str, Any] = input.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped
    if isinstance(input, Mapping):
        return dict(input)
    raise TypeError(f"input must be a recipe input model, a mapping or a string, not {type(input).__name__}")


def output_parser(output: str) -> Any:
    """The parse of a recipe's answer into ``sdk.schema.<output>`` (a JSON object, unknown keys kept)."""
    model: type[SchemaModel] = getattr(schema, output)

    def parse(body: Any) -> SchemaModel:
        if not isinstance(body, dict):
            raise ValueError(f"a recipe answers a JSON object, not {type(body).__name__}")
        return model.model_validate(body)

    return parse


def invoke(
    http: HttpCore,
    recipe: str,
    input: RecipeInput,
    output: str,
    *,
    whatif: bool = False,
    experimental: bool | None = None,
    allow_mature_content: bool | None = None,
    ephemeral: bool | None = None,
) -> Operation[Result[Any]]:
    """Run ``recipe`` on ``input``, its answer parsed as ``sdk.schema.<output>``; ``whatif``: only price it.
    Not retried (it is paid and not idempotent)."""
    params = encode_query(
        {
            "whatif": whatif or None,
            "experimental": experimental,
            "allowMatureContent": allow_mature_content,
            "ephemeral": ephemeral,
        }
    )
    request = ApiRequest("POST", f"{RECIPES}/{recipe}", params=params, json=_body(input))
    return call(http, request, output_parser(output))
