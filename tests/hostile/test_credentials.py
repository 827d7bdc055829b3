"""A server that echoes the caller's credentials back: the API key must not reach the user through the
library — not in ``str(error)``, ``repr(result)``, ``error.details``, ``unwrap()``'s exception or its cause
chain, nor in a log record (``civitai_kit`` at DEBUG, ``httpx`` at INFO).

The echo comes in every shape Civitai's error bodies take: ``{"error", "url"}``, ``{"message", "error"}``,
RFC 7807 problem+json, zod issue lists, plain text, HTML; on 4xx, 5xx and — as Civitai does — 200.
"""

from __future__ import annotations

import pytest

from civitai_kit.testing.hostile import (
    ClientMode,
    Harness,
    Misbehaviour,
    OutcomeKind,
    Phase,
    core_operations,
    sdk_operations,
)

CORE = core_operations()
SDK = sdk_operations()
FORMS = ["json", "message", "problem", "issues", "text", "html"]


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 422, 500])
@pytest.mark.parametrize("form", FORMS)
def test_echoed_key_never_reaches_the_user(hostile: Harness, mode: ClientMode, form: str, status: int) -> None:
    hostile.server.always("*", Misbehaviour.echo_credentials(status, form=form))
    outcome = hostile.run(mode, CORE["get_by_id"])
    hostile.check(outcome)
    assert hostile.server.requests[0].authorization == f"Bearer {hostile.api_key}"  # the echo really had the key


@pytest.mark.parametrize("operation", ["execute", "iterate", "first_or_none", "pages"])
@pytest.mark.parametrize("form", ["json", "message", "text"])
def test_echoed_key_in_list_calls_and_walks(hostile: Harness, mode: ClientMode, form: str, operation: str) -> None:
    hostile.server.always("*", Misbehaviour.echo_credentials(401, form=form))
    outcome = hostile.run(mode, CORE[operation])
    hostile.check(outcome)
    assert outcome.kind in (OutcomeKind.FAILURE, OutcomeKind.RAISED), outcome.summary()


@pytest.mark.parametrize("status", [401, 429, 503])
@pytest.mark.parametrize("form", ["json", "problem", "issues"])
@pytest.mark.parametrize("operation", list(SDK))
def test_echoed_token_from_the_orchestrator(
    hostile: Harness, mode: ClientMode, operation: str, form: str, status: int
) -> None:
    hostile.server.always("*", Misbehaviour.echo_credentials(status, form=form))
    hostile.check(hostile.run(mode, SDK[operation], api="sdk"))


@pytest.mark.parametrize(
    "behaviour",
    [
        Misbehaviour.garbage_status_line(),
        Misbehaviour.reset(Phase.MID_HEADERS),
        Misbehaviour.short_body(),
        Misbehaviour.huge_header(70_000),
        Misbehaviour.nested_json(5000),
        Misbehaviour.retry_after("1e15"),
        Misbehaviour.stall(1.5),
    ],
    ids=lambda behaviour: behaviour.name[:30],
)
def test_transport_errors_do_not_carry_the_key(hostile: Harness, mode: ClientMode, behaviour: Misbehaviour) -> None:
    """Exceptions raised inside the HTTP stack can hold the request (and its Authorization header): none of
    that may surface in what the user sees."""
    hostile.server.always("*", behaviour)
    hostile.check(hostile.run(mode, CORE["get_by_id"]))


def test_key_in_a_query_string_echo_is_redacted_in_messages(hostile: Harness, mode: ClientMode) -> None:
    """A 404 HTML page quoting the URL with ``?token=<key>`` (a proxy's error page)."""

    def play(exchange: object) -> None:
        from civitai_kit.testing.hostile import Exchange

        assert isinstance(exchange, Exchange)
        key = (exchange.request.authorization or "").removeprefix("Bearer ")
        body = f"Cannot GET {exchange.request.path}?token={key}&api_key={key}".encode()
        exchange.respond(404, body, [("Content-Type", "text/plain")])

    hostile.server.always("*", Misbehaviour.custom("proxy-echo", play))
    hostile.check(hostile.run(mode, CORE["get_by_id"]))


@pytest.mark.parametrize(
    ("behaviour", "fails"),
    [
        *(
            (Misbehaviour.echo_credentials(status, form=form), status != 200)
            for status in (200, 401, 403)
            for form in FORMS
        ),
        (Misbehaviour.json(["not", "a", "user"]), True),
        (Misbehaviour.json({"id": "x" * 10, "username": {"nested": True}, "tier": 7}), True),
    ],
    ids=lambda value: value.name[:40] if isinstance(value, Misbehaviour) else "",
)
def test_who_am_i_against_a_lying_server(
    hostile: Harness, mode: ClientMode, behaviour: Misbehaviour, fails: bool
) -> None:
    """``me()`` is the call that exists to show the key's owner: an echo of the key, a list or nonsense
    where the user should be is a clean ``Failure`` (an echo on 200 may parse: extras are kept), never a
    traceback and never the key."""
    hostile.server.always("*", behaviour)
    outcome = hostile.run(mode, lambda client: client.me())
    hostile.check(outcome)
    assert hostile.server.requests[0].authorization == f"Bearer {hostile.api_key}"
    if fails:
        assert outcome.kind is OutcomeKind.FAILURE, outcome.summary()
