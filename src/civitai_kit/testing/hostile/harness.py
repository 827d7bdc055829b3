"""`Harness`: a hostile server, options pointed at it, and the promises every call must keep.

    with HostileServer() as server:
        harness = Harness(server)
        server.always("*", Misbehaviour.nested_json(5000))
        outcome = harness.run(ClientMode.SYNC_HTTPX, lambda client: client.models.get_by_id(1))
        harness.check(outcome)          # AssertionError listing every broken promise

The promises (``docs/guarantees.md``): the outcome is ``Success``, ``Failure`` or a ``CivitaiError`` raised by
an iterator — never another exception, never a hang; no request is attempted more than ``1 + MaxRetries`` times;
the API key shows nowhere a user can see it (results, errors, their details, ``unwrap()``'s exception and its
cause chain, log records) and is never sent to another host.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing.hostile.probe import (
    Api,
    ClientMode,
    LogCapture,
    Operation,
    Outcome,
    OutcomeKind,
    log_leaks,
    probe,
)
from civitai_kit.testing.hostile.server import HostileServer
from civitai_kit.testing.hostile.storm import _merge

if TYPE_CHECKING:
    import logging

TEST_KEY = "civitai-kit-test-key-7f3a9c"


class Harness:
    """Runs operations on every kind of client against ``server`` and checks the library's promises.

    ``options``: option values merged over the harness's defaults (1 s timeouts, 2 retries without
    backoff, Retry-After honoured up to 1 s, the SDK pointed at the same server).
    """

    def __init__(
        self,
        server: HostileServer,
        *,
        api_key: str = TEST_KEY,
        options: Mapping[str, Any] | None = None,
        hard_timeout: float = 20.0,
    ) -> None:
        self.server = server
        self.api_key = api_key
        self.hard_timeout = hard_timeout
        self._overrides = dict(options or {})
        self.records: list[logging.LogRecord] = []
        """Log records captured during the last [`run`][]."""
        self.last_options: CivitaiApiOptions | None = None

    def option_values(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        values: dict[str, Any] = {
            "base_url": self.server.url,
            "api_key": self.api_key,
            "timeout_seconds": 1,
            "resilience": {
                "max_retries": 2,
                "base_delay_seconds": 0,
                "max_delay_seconds": 0,
                "max_retry_after_seconds": 1,
            },
            "sdk": {"base_url": self.server.url, "timeout_seconds": 1},
        }
        return _merge(_merge(values, self._overrides), overrides or {})

    def options(self, overrides: Mapping[str, Any] | None = None) -> CivitaiApiOptions:
        """Isolated options (no environment, no files) pointed at the server, with ``overrides``."""
        return CivitaiApiOptions.isolated(**self.option_values(overrides))

    def run(
        self,
        mode: ClientMode,
        operation: Operation,
        *,
        api: Api = "core",
        options: Mapping[str, Any] | None = None,
        hard_timeout: float | None = None,
        max_items: int = 10_000,
    ) -> Outcome:
        """Run ``operation`` on a fresh ``mode`` client for ``api``, capturing logs; never hangs the caller."""
        configured = self.options(options)
        self.last_options = configured
        with LogCapture() as capture:
            outcome = probe(
                mode,
                configured,
                operation,
                api=api,
                hard_timeout=self.hard_timeout if hard_timeout is None else hard_timeout,
                max_items=max_items,
            )
        self.records = list(capture.records)
        return outcome

    # -- promises ----------------------------------------------------------------------------------------

    def allowed_attempts(self) -> int:
        options = self.last_options or self.options()
        return 1 + options.resilience.max_retries

    def problems(
        self,
        outcome: Outcome,
        *,
        records: Iterable[logging.LogRecord] = (),
        allowed_attempts: int | None = None,
    ) -> list[str]:
        """Every promise ``outcome`` (and the server's log of it) breaks, as sentences; empty if none."""
        found: list[str] = []
        if self.server.errors:
            found.append(f"KIT BUG (not the library): a misbehaviour crashed: {self.server.errors[0]}")
        if not outcome.typed:
            found.append(f"outcome is {outcome.summary()}")
        allowed = self.allowed_attempts() if allowed_attempts is None else allowed_attempts
        most = self.server.max_attempts_per_request()
        if most > allowed:
            found.append(f"one request was attempted {most} times (allowed 1 + MaxRetries = {allowed})")
        leaks = outcome.leaks(self.api_key)
        if leaks:
            found.append(f"the API key is visible in: {', '.join(sorted(set(leaks)))}")
        logged = log_leaks([*self.records, *records], self.api_key)
        if logged:
            found.append(f"the API key is in {len(logged)} log record(s), e.g. {logged[0]}")
        own = urlsplit(self.server.url).netloc
        foreign = [r for r in self.server.requests if r.host != own and r.authorization is not None]
        if foreign:
            found.append(f"the Authorization header went to another host: {foreign[0].host}")
        return found

    def check(
        self,
        outcome: Outcome,
        *,
        records: Iterable[logging.LogRecord] = (),
        allowed_attempts: int | None = None,
    ) -> None:
        """Raise ``AssertionError`` listing every broken promise (see [`problems`][])."""
        found = self.problems(outcome, records=records, allowed_attempts=allowed_attempts)
        if found:
            played = sorted({name for _, name in self.server.played})
            detail = outcome.describe() if outcome.kind is OutcomeKind.UNTYPED else ""
            raise AssertionError(
                " | ".join(found)
                + f"\n[{outcome.label}; server played {played}; {len(self.server.requests)} request(s)]\n"
                + detail
            )
