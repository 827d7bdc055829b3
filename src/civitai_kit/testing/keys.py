"""Which API keys the fake Civitai accepts: any non-blank one (the default), or only those it was given.

One rule for every gated route (``/me``, favourites, login-only downloads, every orchestration route), so a
test that restricts the keys sees a wrong key refused everywhere a real one would be. The orchestrator reads
the key from the ``Authorization`` header only; civitai.com also takes ``?token=`` (download links).
"""

from __future__ import annotations

from collections.abc import Iterable

from civitai_kit.testing.messages import FakeRequest

__all__ = ["accepted_key_set", "bearer_accepted", "bearer_token", "key_accepted", "presented_key"]


def bearer_token(request: FakeRequest) -> str:
    """The ``Authorization: Bearer`` token of ``request`` (``""`` without one)."""
    header = request.headers.get("authorization", "")
    return header.split(" ", 1)[1].strip() if header.lower().startswith("bearer ") else ""


def presented_key(request: FakeRequest) -> str:
    """The key a request carries: its ``Authorization: Bearer`` token, else a ``?token=`` (download links)."""
    return bearer_token(request) or request.query.get("token", "").strip()


def _accepted(token: str, accepted: frozenset[str] | None) -> bool:
    return bool(token) and (accepted is None or token in accepted)


def key_accepted(request: FakeRequest, accepted: frozenset[str] | None) -> bool:
    """Whether ``request`` carries a key (header or ``?token=``); with ``accepted``, one of those."""
    return _accepted(presented_key(request), accepted)


def bearer_accepted(request: FakeRequest, accepted: frozenset[str] | None) -> bool:
    """Whether ``request`` carries a Bearer key (a ``?token=`` does not count); with ``accepted``, one of those.

    The orchestrator's rule: its v1 ``?token=`` is a job-batch token, not a key."""
    return _accepted(bearer_token(request), accepted)


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
