"""Pagination against a server that never stops, or points on with broken links.

Promises besides the common ones: a walk over endless *empty* pages ends by itself after
``Resilience.MaxEmptyPages`` (default 20) consecutive empty pages; a walk over endless *full* pages ends at
the total deadline (``Resilience.TotalTimeoutSeconds``) with a CivitaiError; a broken ``nextPage`` /
``nextCursor`` (unparseable, bad port, NUL, 100 KB, another host, wrong JSON types) ends the walk or
raises a CivitaiError — and the key never goes to another host.

Endless walks get a short hard bound (a fixed library ends them in well under a second), so that a hang
costs the run seconds, not minutes of CPU.
"""

from __future__ import annotations

import uuid

import pytest

from civitai_kit.testing.hostile import (
    UNIVERSAL_BODY,
    BrokenLink,
    ClientMode,
    Exchange,
    Harness,
    Misbehaviour,
    OutcomeKind,
    core_operations,
)

CORE = core_operations()
WALKS = ["iterate", "first_or_none", "pages"]
ENDLESS_BOUND = 6.0
DEADLINE = 2.0
UNBOUNDED = 10**9


@pytest.mark.parametrize("operation", WALKS)
def test_endless_empty_pages_end_under_the_default_limit(hostile: Harness, mode: ClientMode, operation: str) -> None:
    hostile.server.always("*", Misbehaviour.endless_pages(0))
    outcome = hostile.run(mode, CORE[operation], max_items=UNBOUNDED, hard_timeout=ENDLESS_BOUND)
    hostile.check(outcome)
    requests = hostile.server.attempts()
    assert requests <= 21 + 2, f"{requests} requests for a walk of empty pages (MaxEmptyPages defaults to 20)"


@pytest.mark.parametrize("operation", WALKS)
def test_endless_empty_pages_end_under_a_configured_limit(hostile: Harness, mode: ClientMode, operation: str) -> None:
    hostile.server.always("*", Misbehaviour.endless_pages(0))
    options = {"resilience": {"max_empty_pages": 3}}
    outcome = hostile.run(mode, CORE[operation], options=options, max_items=UNBOUNDED, hard_timeout=ENDLESS_BOUND)
    hostile.check(outcome)
    assert hostile.server.attempts() <= 4, f"{hostile.server.attempts()} requests with MaxEmptyPages=3"


def test_bounded_walks_over_endless_full_pages_stop_where_asked(hostile: Harness, mode: ClientMode) -> None:
    hostile.server.always("*", Misbehaviour.endless_pages(1))
    outcome = hostile.run(mode, lambda client: client.models.iterate(max_items=5), hard_timeout=ENDLESS_BOUND)
    hostile.check(outcome)
    assert outcome.label == "Success" and len(outcome.value) == 5, outcome.summary()
    first = hostile.run(mode, CORE["first_or_none"], hard_timeout=ENDLESS_BOUND)
    hostile.check(first)
    assert first.label == "Success", first.summary()


def _endless_workflow_pages(exchange: Exchange) -> None:
    Misbehaviour.json({"items": [], "next": uuid.uuid4().hex}).play(exchange)


def test_endless_empty_workflow_pages_end(hostile: Harness, mode: ClientMode) -> None:
    hostile.server.always("*", Misbehaviour.custom("endless-workflow-pages", _endless_workflow_pages))
    outcome = hostile.run(
        mode, lambda sdk: sdk.workflows.query(page_size=1), api="sdk", max_items=UNBOUNDED, hard_timeout=ENDLESS_BOUND
    )
    hostile.check(outcome)
    assert hostile.server.attempts() <= 23, f"{hostile.server.attempts()} requests for empty workflow pages"


@pytest.mark.parametrize("items", [0, 1])
@pytest.mark.parametrize("operation", ["iterate", "pages", "first_or_none", "execute"])
@pytest.mark.parametrize("link", list(BrokenLink), ids=lambda link: link.value)
def test_broken_links(hostile: Harness, mode: ClientMode, link: BrokenLink, operation: str, items: int) -> None:
    hostile.server.always("*", Misbehaviour.broken_next_page(link, items=items))
    outcome = hostile.run(mode, CORE[operation], max_items=UNBOUNDED, hard_timeout=ENDLESS_BOUND)
    hostile.check(outcome)


def test_a_redirect_to_another_host_does_not_carry_the_key(hostile: Harness, mode: ClientMode) -> None:
    other = hostile.server.url_for_host("localhost") + "/storage/1"
    hostile.server.always("/storage/1", Misbehaviour.json(UNIVERSAL_BODY))
    hostile.server.always("/api/v1/models/1", Misbehaviour.respond(307, b"", [("Location", other)]))
    hostile.server.always("/api/v1/models", Misbehaviour.respond(302, b"", [("Location", other)]))
    for operation in ("get_by_id", "execute"):
        hostile.check(hostile.run(mode, CORE[operation]))


def test_a_redirect_loop_ends(hostile: Harness, mode: ClientMode) -> None:
    hostile.server.choose(
        "*",
        lambda request: Misbehaviour.respond(302, b"", [("Location", f"{request.path}?hop={len(request.target)}")]),
    )
    outcome = hostile.run(mode, CORE["get_by_id"], hard_timeout=ENDLESS_BOUND)
    hostile.check(outcome, allowed_attempts=100)
    assert outcome.kind is OutcomeKind.FAILURE, outcome.summary()
