"""``sdk.blobs.upload`` against hostile servers, on every client mode (sync httpx, async httpx, async aiohttp):
a 413 ``ProblemDetails``, a dripped answer, a server that never answers, a connection reset while the body is
being sent. Every outcome is a typed result within the deadline, attempts stay within ``1 + MaxRetries`` (one
for a stream once read), and the key shows nowhere: results, errors, logs."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.errors import ErrorCode
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.testing.hostile import TEST_KEY, ClientMode, Harness, LogCapture, Misbehaviour, OutcomeKind, log_leaks
from civitai_kit.testing.hostile.probe import probe
from tests.support.raw_server import Peer, RawServer
from tests.support.upload_support import BIG_PNG, BLOBS, blob_answer

PROBLEM = {"type": "about:blank", "title": "Content Too Large", "status": 413, "detail": "The upload exceeds 64 MB."}


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    file = tmp_path / "photo.png"
    file.write_bytes(BIG_PNG)
    return file


def test_a_413_problem_details_is_a_failure_with_civitais_words(
    hostile: Harness, mode: ClientMode, photo: Path
) -> None:
    body = json.dumps(PROBLEM).encode()
    hostile.server.always(BLOBS, Misbehaviour.respond(413, body, [("Content-Type", "application/problem+json")]))
    outcome = hostile.run(mode, lambda sdk: sdk.blobs.upload(photo), api="sdk")
    hostile.check(outcome)
    assert outcome.kind is OutcomeKind.FAILURE and outcome.error is not None
    assert outcome.error.http_status == 413 and "exceeds 64 MB" in outcome.error.message
    assert hostile.server.attempts(BLOBS) == 1  # a refusal is not retried
    assert [r.body for r in hostile.server.requests] == [BIG_PNG]


def test_a_dripped_answer_is_read_to_the_end(hostile: Harness, mode: ClientMode, photo: Path) -> None:
    answer = json.dumps(blob_answer()).encode()
    hostile.server.always(BLOBS, Misbehaviour.drip(answer, interval=0.01, chunk=40, status=201))
    outcome = hostile.run(mode, lambda sdk: sdk.blobs.upload(photo), api="sdk")
    hostile.check(outcome)
    assert outcome.kind is OutcomeKind.SUCCESS, outcome.label
    assert outcome.value.id == "UP1.png"


def test_a_drip_past_the_deadline_ends_in_time(hostile: Harness, mode: ClientMode, photo: Path) -> None:
    hostile.server.always(BLOBS, Misbehaviour.drip(b" " * 10_000, interval=0.2, chunk=1, status=201))
    options = {"resilience": {"total_timeout_seconds": 2, "max_retries": 0}}
    outcome = hostile.run(mode, lambda sdk: sdk.blobs.upload(photo), api="sdk", options=options)
    hostile.check(outcome)
    assert outcome.kind is OutcomeKind.FAILURE and outcome.error is not None
    assert outcome.error.code == ErrorCode.TIMEOUT and outcome.seconds < 10


@pytest.mark.slow  # waits out the harness's 3 s read timeout by design
def test_a_server_that_never_answers_times_out(hostile: Harness, mode: ClientMode, photo: Path) -> None:
    hostile.server.always(BLOBS, Misbehaviour.stall(30, Misbehaviour.json(blob_answer(), 201)))
    outcome = hostile.run(mode, lambda sdk: sdk.blobs.upload(photo), api="sdk")
    hostile.check(outcome)
    assert outcome.kind is OutcomeKind.FAILURE and outcome.error is not None
    assert outcome.error.code == ErrorCode.TIMEOUT
    assert hostile.server.attempts(BLOBS) <= hostile.allowed_attempts()


class _ResetMidBody:
    """Reads the request head and part of the body, then resets the connection; counts connections."""

    def __init__(self) -> None:
        self.connections = 0
        self._lock = threading.Lock()

    def __call__(self, peer: Peer) -> None:
        with self._lock:
            self.connections += 1
        received = b""
        while b"\r\n\r\n" not in received or len(received) < 200_000:
            chunk = peer.sock.recv(65536)
            if not chunk:
                return
            received += chunk
        peer.reset()


@pytest.fixture
def resetting() -> Iterator[tuple[RawServer, _ResetMidBody]]:
    behaviour = _ResetMidBody()
    server = RawServer(behaviour)
    try:
        yield server, behaviour
    finally:
        server.close()


def _options(url: str) -> CivitaiApiOptions:
    return CivitaiApiOptions.isolated(
        base_url=url,
        api_key=TEST_KEY,
        timeout_seconds=2,
        resilience={"max_retries": 2, "base_delay_seconds": 0, "max_delay_seconds": 0},
        sdk={"base_url": url, "timeout_seconds": 2},
    )


@pytest.mark.parametrize(
    ("source", "attempts"),
    [(lambda file: file, 3), (lambda file: BIG_PNG, 3), (lambda file: io.BytesIO(BIG_PNG), 1)],
    ids=["path", "bytes", "stream"],
)
def test_a_reset_mid_upload_is_a_typed_failure_retried_only_when_the_body_can_be_sent_again(
    resetting: tuple[RawServer, _ResetMidBody],
    mode: ClientMode,
    photo: Path,
    source: Callable[[Path], Any],
    attempts: int,
) -> None:
    server, behaviour = resetting
    with LogCapture() as logs:
        outcome = probe(
            mode,
            _options(server.url),
            lambda sdk: sdk.blobs.upload(source(photo), content_type="image/png"),
            api="sdk",
            hard_timeout=20,
        )
    assert outcome.kind is OutcomeKind.FAILURE, outcome.label
    assert outcome.error is not None and outcome.error.code in (ErrorCode.HTTP_ERROR, ErrorCode.TIMEOUT)
    assert behaviour.connections == attempts
    assert not outcome.leaks(TEST_KEY) and not log_leaks(logs.records, TEST_KEY)


class CallbackBug(Exception):
    pass


def test_a_raising_progress_callback_reaches_the_caller_on_every_backend(
    hostile: Harness, mode: ClientMode, photo: Path
) -> None:
    hostile.server.always(BLOBS, Misbehaviour.json(blob_answer(), 201))

    def progress(sent: int, total: int | None) -> None:
        raise CallbackBug("the caller's own bug")

    outcome = hostile.run(mode, lambda sdk: sdk.blobs.upload(photo, progress=progress), api="sdk")
    assert isinstance(outcome.exception, CallbackBug), outcome.label  # the caller's exception, as raised
    assert all(r.body != BIG_PNG for r in hostile.server.requests) and hostile.server.attempts(BLOBS) <= 1


def test_a_file_changed_mid_upload_fails_on_every_backend(hostile: Harness, mode: ClientMode, photo: Path) -> None:
    hostile.server.always(BLOBS, Misbehaviour.json(blob_answer(), 201))

    def progress(sent: int, total: int | None) -> None:
        with photo.open("ab") as file:
            file.write(b"!")

    outcome = hostile.run(mode, lambda sdk: sdk.blobs.upload(photo, progress=progress), api="sdk")
    hostile.check(outcome)
    assert outcome.kind is OutcomeKind.FAILURE and outcome.error is not None
    assert outcome.error.code == ErrorCode.IO_ERROR and "photo.png" in outcome.error.message
    assert all(len(r.body) < len(BIG_PNG) for r in hostile.server.requests) and hostile.server.attempts(BLOBS) <= 1
