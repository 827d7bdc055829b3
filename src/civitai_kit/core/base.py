"""The base of every REST response model: camelCase wire names, unknown keys kept, immutable."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from civitai_kit.core.deferred import install_readers, materialised

__all__ = ["CivitaiModel"]


class CivitaiModel(BaseModel):
    """Base of every response model: camelCase wire names, unknown keys kept, immutable."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        coerce_numbers_to_str=True,
        # a model's validator is built when it first validates, not at import: a program that downloads by
        # URL, or reads only models, never pays for the image and version schemas (half of importing them)
        defer_build=True,
    )

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        install_readers(cls)

    def __iter__(self) -> Any:
        """``dict(model)`` sees deferred lists validated, as attribute reads do."""
        for name, value in super().__iter__():
            yield name, materialised(value)

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-ready data with wire names (unknown keys included)."""
        return self.model_dump(mode="json", exclude_none=True)
