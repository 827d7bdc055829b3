"""Construction shared by [`CivitaiClient`][] and [`AsyncCivitaiClient`][]: options → HTTP client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from civitai_kit._http import ClientSettings, HttpCore
from civitai_kit.core.enum_lists import EnumsCache
from civitai_kit.core.paging import WalkLimits
from civitai_kit.core.queries import Session
from civitai_kit.options import CivitaiApiOptions

H = TypeVar("H")


class ClientBase(Generic[H]):
    """Holds the options, the HTTP client (owned unless one was passed in) and the builders' session."""

    def __init__(
        self,
        options: CivitaiApiOptions | None,
        http_client: H | None,
        make_http: Callable[[ClientSettings], H],
        core_of: Callable[[H], HttpCore],
    ) -> None:
        if options is None:
            options = CivitaiApiOptions()
        self.options = options
        self._owns_http = http_client is None
        self.http: H = make_http(ClientSettings.for_core(options)) if http_client is None else http_client
        self._settings = core_of(self.http).settings
        self._session = Session(
            self.http,
            core_of(self.http),
            authenticated=self._settings.token is not None,
            strict=options.strict_json_parsing,
            base_url=self._settings.base_url,
            limits=WalkLimits.of(self._settings),
        )
        self._enums = EnumsCache(options.cache.ttl_seconds)

    @property
    def base_url(self) -> str:
        """Where requests go (the HTTP client's base URL)."""
        return self._settings.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, authenticated={self._session.authenticated})"
