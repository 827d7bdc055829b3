"""Behaviour the generated models mix in (``BEHAVIOUR`` in ``scripts/generate_sdk_schema.py``).

The spec says what fields an object has; a few of them also answer questions users ask of every such object
("can I generate with this resource now?"). Those answers live here, as mixins without fields, so the public
class *is* the generated one and never drifts from the spec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

__all__ = ["ResourceInfoBehaviour"]


class _Status(Protocol):
    """What a behaviour reads of a nested schema object (this module never imports the generated package)."""

    @property
    def status(self) -> str: ...


class ResourceInfoBehaviour:
    """``ResourceInfo``: whether generation can use the resource now."""

    if TYPE_CHECKING:  # the generated class's fields this behaviour reads
        can_generate: bool
        availability: _Status | None

    @property
    def is_available(self) -> bool:
        """``canGenerate`` and workers have it loaded (``availability.status == "available"``)."""
        return self.can_generate and self.availability is not None and self.availability.status == "available"
