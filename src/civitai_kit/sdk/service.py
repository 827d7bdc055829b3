"""How the SDK's objects run their operations: through the driver of their client's HTTP session, with the
requests built by that session's own HTTP core (so a request always carries the settings — base URL, token,
retries — of the session that sends it)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar

from civitai_kit._http import HttpCore
from civitai_kit._runtime import AsyncDriver, Bound, Driver, M, Operation, OperationMethod

if TYPE_CHECKING:
    from civitai_kit._http import AsyncHttpClient, HttpClient

P = ParamSpec("P")
T = TypeVar("T")


class Service(Bound[M], Generic[M]):
    """One group of calls of an SDK client (``sdk.workflows``, ``sdk.blobs`` …)."""

    _driver: Driver | AsyncDriver

    def __init__(self, driver: Driver | AsyncDriver) -> None:
        self._driver = driver


def http_of(owner: Bound[Any]) -> HttpCore:
    """The HTTP core that builds ``owner``'s requests: that of the session its driver sends through."""
    if owner._driver is None:
        raise TypeError(f"{type(owner).__name__} needs a client: create it from an SdkClient or AsyncSdkClient")
    session: HttpClient | AsyncHttpClient = owner._driver.network
    return session.core


def over_http(
    function: Callable[Concatenate[HttpCore, P], Operation[T]], *, offload: bool = False
) -> OperationMethod[Bound[Any], P, T]:
    """A method made of an operation ``function(http, ...)``: run by the object's driver, over its session's
    HTTP core (see ``http_of``); ``offload`` for one that writes files in its steps. Its signature is
    ``function``'s, with ``self`` in place of ``http``."""

    @functools.wraps(function)
    def on_owner(owner: Bound[Any], /, *args: P.args, **kwargs: P.kwargs) -> Operation[T]:
        return function(http_of(owner), *args, **kwargs)

    signature = inspect.signature(function)
    owner = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    on_owner.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[owner, *list(signature.parameters.values())[1:]]
    )
    return OperationMethod(on_owner, offload=offload)
