"""What an HTTP client needs from the options, frozen at construction (options may change later)."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr

from civitai_kit._http.retry import RetryPolicy
from civitai_kit._redact import register_secret
from civitai_kit._version import __version__

if TYPE_CHECKING:
    from civitai_kit.options import CivitaiApiOptions

USER_AGENT = f"civitai-kit/{__version__} (python {platform.python_version()})"


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Connection settings for one API (the public REST API or the orchestrator)."""

    base_url: str
    token: SecretStr | None = field(default=None, repr=False)
    token_source: str = "not configured"
    timeout: float = 30.0
    total_timeout: float = 300.0
    """The most one call may take, every attempt and wait included."""
    max_response_bytes: int = 64 * 1024 * 1024
    """The largest response body read into memory, after decompression."""
    max_empty_pages: int = 20
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker_threshold: int | None = None
    breaker_reset_seconds: float = 30.0
    requests_per_second: float | None = None
    max_concurrency: int = 8
    backend: Literal["httpx", "aiohttp"] = "httpx"
    cache_directory: str | None = None
    cache_ttl_seconds: float = 300.0
    service: str = "Civitai API"
    token_hint: str = ""
    """Where a token can be configured, for messages about a missing or rejected one."""
    user_agent: str = USER_AGENT
    api_version: str = "v1"
    """The REST API's version segment: REST paths are ``/api/{api_version}/...`` (``CivitaiApi:ApiVersion``)."""

    def __post_init__(self) -> None:
        if self.token is not None:
            register_secret(self.token.get_secret_value())

    def url(self, path: str) -> str:
        """Absolute URL for ``path``; a base URL path prefix (``https://proxy/civitai``) is kept."""
        if "://" in path:
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    @classmethod
    def for_core(cls, options: CivitaiApiOptions) -> ClientSettings:
        return cls._common(
            options,
            base_url=options.base_url,
            token=options.rest_key(),
            token_source=options.rest_key_source(),
            timeout=float(options.timeout_seconds),
            service="Civitai API",
            api_version=options.api_version,
            token_hint=(
                "the environment variables CIVITAI_API_KEY, CIVITAI_API_TOKEN or CIVITAI_TOKEN (or .env), "
                "CivitaiApi:ApiKey in appsettings.json, or user secrets (`civitai login`, or "
                "civitai secrets set CivitaiApi:ApiKey <key>)"
            ),
        )

    @classmethod
    def for_sdk(cls, options: CivitaiApiOptions) -> ClientSettings:
        token = options.sdk_token()
        return cls._common(
            options,
            base_url=options.sdk.base_url,
            token=token,
            token_source=options.sdk_token_source() if token else "not configured",
            timeout=float(options.sdk.timeout_seconds),
            service="Civitai orchestration API",
            token_hint=(
                "CivitaiApi:Sdk:ApiToken or CivitaiApi:ApiKey (appsettings.json, or user secrets: `civitai login`), "
                "or the environment variables CIVITAI_API_TOKEN, CIVITAI_TOKEN or CIVITAI_API_KEY (or .env)"
            ),
        )

    @classmethod
    def _common(
        cls,
        options: CivitaiApiOptions,
        *,
        base_url: str,
        token: SecretStr | None,
        token_source: str,
        timeout: float,
        service: str,
        token_hint: str,
        api_version: str = "v1",
    ) -> ClientSettings:
        resilience = options.resilience
        breaker = resilience.circuit_breaker
        return cls(
            base_url=str(base_url),
            token=token,
            token_source=token_source,
            timeout=timeout,
            total_timeout=resilience.total_timeout_seconds,
            max_response_bytes=options.max_response_bytes,
            max_empty_pages=resilience.max_empty_pages,
            retry=RetryPolicy(
                max_retries=resilience.max_retries,
                base_delay=resilience.base_delay_seconds,
                max_delay=resilience.max_delay_seconds,
                max_retry_after=resilience.max_retry_after_seconds,
            ),
            breaker_threshold=breaker.failure_threshold if breaker.enabled else None,
            breaker_reset_seconds=breaker.reset_seconds,
            requests_per_second=resilience.rate_limit.requests_per_second,
            max_concurrency=resilience.rate_limit.max_concurrency,
            backend=options.http_backend,
            cache_directory=str(options.cache.directory) if options.cache.enabled else None,
            cache_ttl_seconds=float(options.cache.ttl_seconds),
            service=service,
            token_hint=token_hint,
            api_version=api_version,
        )
