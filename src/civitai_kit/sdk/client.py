"""``SdkClient`` / ``AsyncSdkClient``: the Generator (orchestration) API, v2 workflows first.

    with SdkClient() as sdk:                      # token from CivitaiApi:Sdk:ApiToken, CIVITAI_API_TOKEN, …
        workflow = sdk.workflows.text_to_image().with_model(air).with_prompt("a fox").submit(wait=30).unwrap()

Both clients share everything but their driver (``civitai_kit._runtime``); building one without a token
is a ``ConfigurationError`` that names every place a token can come from.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from civitai_kit._http import AsyncHttpClient, ClientSettings, HttpClient
from civitai_kit._runtime import Async, AsyncDriver, Driver, M, Sync
from civitai_kit.errors import ConfigurationError, Error, ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.sdk._recipes_generated import Recipes
from civitai_kit.sdk.blobs import Blobs, Resources
from civitai_kit.sdk.coverage import Coverage, Usage
from civitai_kit.sdk.jobs import Jobs
from civitai_kit.sdk.services import Services, Users
from civitai_kit.sdk.workflows import Workflows

MISSING_TOKEN = (
    "The Civitai Generator (orchestration) API needs an API token, and none is configured. Set one of: "
    "CivitaiApi:Sdk:ApiToken or CivitaiApi:ApiKey (appsettings.json or the environment as "
    "CivitaiApi__Sdk__ApiToken / CivitaiApi__ApiKey), the environment variables CIVITAI_API_TOKEN or "
    "CIVITAI_API_KEY, or user secrets: civitai secrets set CivitaiApi:Sdk:ApiToken <token>. "
    "Create a token at https://civitai.com/user/account."
)


def sdk_settings(options: CivitaiApiOptions | None) -> ClientSettings:
    """Connection settings for the orchestrator from the options (loaded from every source if ``None``)."""
    if options is None:
        options = CivitaiApiOptions()
    settings = ClientSettings.for_sdk(options)
    require_token(settings)
    return settings


def require_token(settings: ClientSettings) -> None:
    if settings.token is None or not settings.token.get_secret_value().strip():
        raise ConfigurationError(Error(ErrorCode.CONFIGURATION_INVALID, MISSING_TOKEN))


H = TypeVar("H", HttpClient, AsyncHttpClient)
D = TypeVar("D", Driver, AsyncDriver)


def connect(options: CivitaiApiOptions | None, given: H | None, make: Callable[[ClientSettings], H]) -> tuple[H, bool]:
    """The HTTP client to use and whether the SDK client owns it (and must close it)."""
    if given is None:
        return make(sdk_settings(options)), True
    require_token(given.settings)
    return given, False


def driver_for(session: D, sleep: Any, clock: Any) -> D:
    """What runs the SDK's operations: the HTTP session's driver, or one over the same session that waits and
    reads the time with the given ``sleep`` and ``clock``."""
    if sleep is None and clock is None:
        return session
    return type(session)(session.network, sleep=sleep or session.sleep, clock=clock or session.clock)


class _SdkBase(Generic[M]):
    """The services, bound to one driver."""

    def __init__(self, driver: Driver | AsyncDriver, settings: ClientSettings) -> None:
        self.workflows: Workflows[M] = Workflows(driver)
        self.blobs: Blobs[M] = Blobs(driver)
        self.resources: Resources[M] = Resources(driver)
        self.jobs: Jobs[M] = Jobs(driver)
        self.coverage: Coverage[M] = Coverage(driver)
        self.usage: Usage[M] = Usage(driver)
        self.services: Services[M] = Services(driver)
        self.users: Users[M] = Users(driver)
        self.recipes: Recipes[M] = Recipes(driver)
        self._settings = settings

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"


class SdkClient(_SdkBase[Sync]):
    """The synchronous Generator API client.

    ``options``: a ``CivitaiApiOptions`` (all configuration sources are read when omitted).
    ``http_client``: an existing ``HttpClient`` (e.g. from the container or a test) used instead.
    ``sleep``/``clock``: what the SDK's operations wait and poll with (``wait_for``, retries; inject them to test
    without waiting); by default the HTTP client's.
    """

    def __init__(
        self,
        options: CivitaiApiOptions | None = None,
        *,
        http_client: HttpClient | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.http, self._owns_http = connect(options, http_client, HttpClient)
        super().__init__(driver_for(self.http.driver, sleep, clock), self.http.settings)

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> SdkClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncSdkClient(_SdkBase[Async]):
    """The asynchronous twin of [`SdkClient`][]: the same services, awaited."""

    def __init__(
        self,
        options: CivitaiApiOptions | None = None,
        *,
        http_client: AsyncHttpClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.http, self._owns_http = connect(options, http_client, AsyncHttpClient)
        super().__init__(driver_for(self.http.driver, sleep, clock), self.http.settings)

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncSdkClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
