"""Connections cut at every phase, bodies shorter or longer than their Content-Length, stalls, slow drips,
and Fault-style sequences (the first requests misbehave, then the server answers normally).

Besides the common promises: a GET that meets at most MaxRetries transient faults must succeed (that is what
retries are for); a response smuggled after a short Content-Length is never returned as data; a drip that
never trips the per-read timeout is ended by ``Resilience.TotalTimeoutSeconds``.
"""

from __future__ import annotations

import pytest

from civitai_kit.core import Model
from civitai_kit.testing.hostile import (
    UNIVERSAL_BODY,
    ClientMode,
    Harness,
    Misbehaviour,
    OutcomeKind,
    Phase,
    core_operations,
    in_sequence,
    sdk_operations,
)

CORE = core_operations()
SDK = sdk_operations()
NEXT_REQUEST_PHASES = (Phase.AFTER_BODY, Phase.ON_REUSE)
DEADLINE = 1.0  # Resilience.TotalTimeoutSeconds where a test needs one (short: these tests wait it out)
DRIP = 0.1  # seconds between dripped bytes: well inside the 1 s read timeout


def _operation(name: str, phase: Phase | None = None) -> object:
    """The named call; for faults that bite the next request on a kept-alive connection, a first call
    opens that connection."""
    if phase in NEXT_REQUEST_PHASES:
        return in_sequence(CORE["get_by_id"], CORE[name])
    return CORE[name]


# ---------------------------------------------------------------------------------------------- cuts


@pytest.mark.parametrize("operation", ["get_by_id", "execute", "iterate"])
@pytest.mark.parametrize("graceful", [False, True], ids=["rst", "fin"])
@pytest.mark.parametrize("phase", list(Phase), ids=lambda phase: phase.value)
def test_cut_at_every_phase_every_time(
    hostile: Harness, mode: ClientMode, phase: Phase, graceful: bool, operation: str
) -> None:
    if graceful and phase is Phase.ON_REUSE:
        pytest.skip("ON_REUSE always drops the next request with a reset")
    hostile.server.always("*", Misbehaviour.reset(phase, graceful=graceful, body=UNIVERSAL_BODY))
    hostile.check(hostile.run(mode, _operation(operation, phase)))  # type: ignore[arg-type]


TRANSIENT = {
    **{f"rst-{phase.value}": Misbehaviour.reset(phase) for phase in Phase if phase not in NEXT_REQUEST_PHASES},
    **{
        f"fin-{phase.value}": Misbehaviour.reset(phase, graceful=True)
        for phase in Phase
        if phase not in NEXT_REQUEST_PHASES
    },
    "short-body": Misbehaviour.short_body(1000, 10),
    "short-body-rst": Misbehaviour.short_body(1000, 10, then="reset"),
    "408": Misbehaviour.status(408),
    "429-retry-after-0.01": Misbehaviour.status(429, retry_after=0.01),
    "500": Misbehaviour.status(500),
    "502": Misbehaviour.status(502),
    "503-retry-after-0": Misbehaviour.status(503, retry_after="0"),
    "504": Misbehaviour.status(504),
    "stall-past-the-timeout": Misbehaviour.stall(1.5, Misbehaviour.json(UNIVERSAL_BODY)),
}


@pytest.mark.parametrize("fault", list(TRANSIENT))
@pytest.mark.parametrize("operation", ["get_by_id", "execute", "iterate"])
def test_get_recovers_from_max_retries_transient_faults(
    hostile: Harness, mode: ClientMode, operation: str, fault: str
) -> None:
    hostile.server.sequence("*", [TRANSIENT[fault]] * 2, then=Misbehaviour.json(UNIVERSAL_BODY))  # MaxRetries = 2
    outcome = hostile.run(mode, CORE[operation])
    hostile.check(outcome)
    assert outcome.label == "Success", f"2 transient faults with MaxRetries=2 did not recover: {outcome.summary()}"
    assert hostile.server.attempts() == 3


@pytest.mark.parametrize("phase", NEXT_REQUEST_PHASES, ids=lambda phase: phase.value)
@pytest.mark.parametrize("operation", ["get_by_id", "execute", "iterate"])
def test_a_dead_pooled_connection_is_retried(hostile: Harness, mode: ClientMode, phase: Phase, operation: str) -> None:
    hostile.server.always("*", Misbehaviour.reset(phase, body=UNIVERSAL_BODY))
    outcome = hostile.run(mode, _operation(operation, phase))  # type: ignore[arg-type]
    hostile.check(outcome)
    assert outcome.label == "Success", f"a GET on a connection the server had dropped failed: {outcome.summary()}"


def test_persistent_faults_end_in_a_failure_after_exactly_1_plus_max_retries(
    hostile: Harness, mode: ClientMode
) -> None:
    hostile.server.always("*", Misbehaviour.reset(Phase.MID_HEADERS))
    outcome = hostile.run(mode, CORE["get_by_id"])
    hostile.check(outcome)
    assert outcome.kind is OutcomeKind.FAILURE and hostile.server.attempts() == 3, outcome.summary()


# ---------------------------------------------------------------------------------------------- framing


@pytest.mark.parametrize("then", ["close", "reset"])
@pytest.mark.parametrize("operation", ["get_by_id", "execute", "iterate", "pages"])
def test_short_body_every_time(hostile: Harness, mode: ClientMode, operation: str, then: str) -> None:
    hostile.server.always("*", Misbehaviour.short_body(5000, 30, then=then))
    outcome = hostile.run(mode, CORE[operation])
    hostile.check(outcome)
    assert outcome.kind in (OutcomeKind.FAILURE, OutcomeKind.RAISED), outcome.summary()


@pytest.mark.parametrize(
    "extra", [b'{"id": 666, "smuggled": true}', b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"id": 666}']
)
def test_bytes_past_the_content_length_are_never_read_as_the_next_response(
    hostile: Harness, mode: ClientMode, extra: bytes
) -> None:
    hostile.server.always("*", Misbehaviour.long_body(extra))
    second = in_sequence(CORE["get_by_id"], lambda client: client.models.get_by_id(2))
    outcome = hostile.run(mode, second)
    hostile.check(outcome)
    if outcome.kind is OutcomeKind.SUCCESS:
        assert isinstance(outcome.value, Model)
        if outcome.value.id == 666:
            # Known limit: httpcore/h11 and aiohttp keep the bytes past Content-Length on the kept-alive
            # connection and read them as the next answer. The server is the only party that can do this, and it
            # could send the same data as a proper answer, so no key or file is at stake; see the issue notes.
            pytest.xfail("bytes past Content-Length were read as the next response on the kept-alive connection")


# ---------------------------------------------------------------------------------------------- slowness


@pytest.mark.parametrize("operation", ["get_by_id", "execute"])
def test_stall_past_the_timeout_every_time_is_a_timeout(hostile: Harness, mode: ClientMode, operation: str) -> None:
    hostile.server.always("*", Misbehaviour.stall(1.6, Misbehaviour.json(UNIVERSAL_BODY)))
    outcome = hostile.run(mode, CORE[operation])
    hostile.check(outcome)
    assert outcome.label == "Failure:TIMEOUT", outcome.summary()


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "head-and-body"])
@pytest.mark.parametrize("operation", ["get_by_id", "execute", "iterate", "first_or_none", "pages"])
def test_drip_is_ended_by_the_total_deadline(
    hostile: Harness, mode: ClientMode, operation: str, headers_too: bool
) -> None:
    """One byte every 0.1 s never trips the 1 s read timeout; only the total deadline ends the call."""
    hostile.server.always("*", Misbehaviour.drip(interval=DRIP, headers_too=headers_too, length=10_000))
    known_limit = mode is ClientMode.SYNC_HTTPX and headers_too
    outcome = hostile.run(
        mode,
        CORE[operation],
        options={"resilience": {"total_timeout_seconds": DEADLINE}},
        hard_timeout=DEADLINE + (2 if known_limit else 10),
    )
    if known_limit and outcome.kind is OutcomeKind.HUNG:
        # Known limit: the sync driver bounds the wait for headers per read only (httpcore gives no handle on
        # the socket before the headers arrive); a dripped body is bounded. Async is exact.
        pytest.xfail("sync: headers dripped byte by byte are bounded per read, not by the total deadline")
    hostile.check(outcome)
    assert outcome.kind in (OutcomeKind.FAILURE, OutcomeKind.RAISED), outcome.summary()
    assert outcome.error is not None and outcome.error.code.name == "TIMEOUT", outcome.summary()


@pytest.mark.parametrize("operation", list(SDK))
def test_drip_from_the_orchestrator_is_ended_by_the_total_deadline(
    hostile: Harness, mode: ClientMode, operation: str
) -> None:
    hostile.server.always("*", Misbehaviour.drip(interval=DRIP, length=10_000))
    outcome = hostile.run(
        mode,
        SDK[operation],
        api="sdk",
        options={"resilience": {"total_timeout_seconds": DEADLINE}},
        hard_timeout=DEADLINE + 10,
    )
    hostile.check(outcome)
    assert outcome.label == "Failure:TIMEOUT", outcome.summary()


def test_the_total_deadline_covers_every_retry(hostile: Harness, mode: ClientMode) -> None:
    """Ten retries of 0.9 s stalls would take ~10 s; the 1 s deadline must cut them short (the hard bound
    here is the deadline plus 4 s of slack, not a timing assertion on the library)."""
    hostile.server.always("*", Misbehaviour.stall(0.9, Misbehaviour.status(503, retry_after="0")))
    options = {"resilience": {"max_retries": 10, "total_timeout_seconds": DEADLINE}}
    outcome = hostile.run(mode, CORE["get_by_id"], options=options, hard_timeout=DEADLINE + 4)
    hostile.check(outcome)
    assert outcome.kind is OutcomeKind.FAILURE, outcome.summary()
