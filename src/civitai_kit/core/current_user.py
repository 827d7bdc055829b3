"""``GET /api/v1/me``: the account an API key belongs to (how ``civitai login`` checks a key)."""

from __future__ import annotations

from civitai_kit.core.base import CivitaiModel

__all__ = ["CurrentUser"]


class CurrentUser(CivitaiModel):
    """The account behind the API key in use.

    The shape is inferred from Civitai's answers, not specified: the REST reference does not document
    ``/api/v1/me``. ``id`` and ``username`` are what it is known to send; ``tier`` (the membership) and
    ``status`` may be absent or null; any other key is kept in ``model_extra``, like every model here.
    """

    id: int
    username: str | None = None
    tier: str | None = None
    """The membership tier as Civitai names it; ``None`` when not sent."""
    status: str | None = None
