"""A transport-neutral description of one API call, built by the clients and sent by ``_http``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from civitai_kit._http.body import RequestBody

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

QueryValue = str | int | float | bool | None
QueryParams = tuple[tuple[str, str], ...]


def encode_query(params: Mapping[str, QueryValue | Sequence[QueryValue]]) -> QueryParams:
    """Deterministic query pairs: keys sorted, sequences as repeated keys, ``None`` dropped, bools lower-case."""
    pairs: list[tuple[str, str]] = []
    for key in sorted(params):
        value = params[key]
        values: Iterable[QueryValue] = value if isinstance(value, Sequence) and not isinstance(value, str) else (value,)
        for item in values:
            if item is None:
                continue
            pairs.append((key, _format(item)))
    return tuple(pairs)


def _format(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One HTTP call. ``path`` is relative to the client's base URL (``/api/v1/models``) or absolute
    (a server-provided ``nextPage`` URL, which must be on the same host as the base URL)."""

    method: str
    path: str
    params: QueryParams = ()
    json: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    idempotency_key: str | None = None
    """Marks a non-idempotent call (POST) as safe to retry, e.g. a workflow carrying ``externalId``."""
    timeout: float | None = None
    """Per-call read timeout in seconds; ``None`` uses the client's."""
    follow_redirects: bool = True
    """``False`` returns a 3xx as a ``Response`` (e.g. to read a blob's ``Location``)."""
    auth: bool = True
    """``False`` never sends the key, even to the API host."""
    extensions: Mapping[str, Any] = field(default_factory=dict)
    body: RequestBody | None = None
    """A body sent in chunks (an upload) instead of ``json``."""
    resendable: bool = False
    """A non-idempotent call that may still be sent again (an upload: a second copy is harmless)."""

    @property
    def retryable(self) -> bool:
        """Safe to send again: idempotent, keyed or resendable, and a one-shot body not yet started."""
        if self.body is not None and not self.body.can_resend:
            return False
        return self.method.upper() in IDEMPOTENT_METHODS or self.idempotency_key is not None or self.resendable
