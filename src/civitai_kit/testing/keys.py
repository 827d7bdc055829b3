"""Which API keys the fake Civitai accepts: any non-blank one (the default), or only those it was given.

One rule for every gated route (``/me``, favourites, login-only downloads), so a test that restricts the keys
sees a wrong key refused everywhere a real one would be.
"""

from __future__ import annotations

from collections.abc import Iterable

from civitai_kit.testing.messages import FakeRequest

__all__ = ["accepted_key_set", "key_accepted", "presented_key"]


def presented_key(request: FakeRequest) -> str:
    """The key a request carries: its ``Authorization: Bearer`` token, else a ``?token=`` (download links)."""
    header = request.headers.get("authorization", "")
    token = header.split(" ", 1)[1].strip() if header.lower().startswith("bearer ") else ""
    return token or request.query.get("token", "").strip()


def key_accepted(request: FakeRequest, accepted: frozenset[str] | None) -> bool:
    """Whether ``request`` carries a key; with ``accepted``, one of those."""
    token = presented_key(request)
    return bool(token) and (accepted is None or token in accepted)


def accepted_key_set(keys: Iterable[str] | None, name: str = "accepted_keys") -> frozenset[str] | None:
    """``keys`` checked (non-blank strings) as the set the fake accepts; ``None`` stays "any key"."""
    if keys is None:
        return None
    if isinstance(keys, str):
        raise TypeError(f"{name} must be an iterable of keys, not a single str")
    found = frozenset(keys)
    if not found or any(not isinstance(key, str) or not key.strip() for key in found):
        raise ValueError(f"{name} must hold at least one key, each a non-blank str")
    return found
