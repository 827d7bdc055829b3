"""Downloads against a file that changes between requests (the resume scenario) and bodies cut short.

The promise: a download ends as Success with a file that is exactly one version of the content, or as a
Failure with nothing at the final path — never a file spliced from two versions. The first transfer is
cut after 50 000 bytes, so the downloader resumes with ``Range``; by then the server serves version B
(same size, new ETag and Last-Modified). With ``honour_if_range`` the server answers a stale ``If-Range``
with the whole new file (200), as a real server does; without it, it splices blindly — a client that only
trusts ``Range`` gets A's head and B's tail unless it checks the validators of the 206 itself.
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pytest

from civitai_kit.testing.hostile import ChangingFile, ClientMode, Harness, Misbehaviour, OutcomeKind

A = b"A" * 200_000
B = b"B" * 200_000
CUT = 50_000
RESUME_BUDGET = 3 * 6  # (1 + MaxRetries) attempts for each of 1 + max_resumes (5) transfers


def _download(hostile: Harness, mode: ClientMode, destination: Path, expected_hash: str | None = None) -> object:
    url = hostile.server.url + "/files/model.bin"
    return hostile.run(
        mode,
        lambda service: service.download_url(url, str(destination), expected_hash=expected_hash),
        api="downloads",
    )


@pytest.mark.parametrize("honour_if_range", [False, True], ids=["if-range-ignored", "if-range-honoured"])
def test_a_file_that_changes_mid_download_is_never_spliced(
    hostile: Harness, mode: ClientMode, tmp_path: Path, honour_if_range: bool
) -> None:
    changing = ChangingFile(A, B, cut_first_at=CUT, honour_if_range=honour_if_range)
    hostile.server.always("/files/model.bin", changing.misbehaviour)
    destination = tmp_path / "model.bin"
    outcome = _download(hostile, mode, destination)
    hostile.check(outcome, allowed_attempts=RESUME_BUDGET)  # type: ignore[arg-type]
    assert changing.served, "the server was never asked for the file"
    if outcome.kind is OutcomeKind.SUCCESS:  # type: ignore[attr-defined]
        content = destination.read_bytes()
        spliced = content not in (A, B)
        head = content[:CUT] == A[:CUT]
        assert not spliced, (
            f"a spliced file was saved: A's first {CUT if head else '?'} bytes then B; served={changing.served}"
        )
    else:
        assert not destination.exists(), "a failed download left a file at the final path"


def test_a_changed_file_fails_its_expected_hash_cleanly(hostile: Harness, mode: ClientMode, tmp_path: Path) -> None:
    hostile.server.always("/files/model.bin", Misbehaviour.changing_file(A, B, cut_first_at=CUT))
    destination = tmp_path / "model.bin"
    expected = hashlib.sha256(A).hexdigest().upper()
    outcome = _download(hostile, mode, destination, expected_hash=expected)
    hostile.check(outcome, allowed_attempts=RESUME_BUDGET)  # type: ignore[arg-type]
    if outcome.kind is OutcomeKind.SUCCESS:  # type: ignore[attr-defined]
        assert destination.read_bytes() == A
    else:
        assert not destination.exists()


@pytest.mark.slow  # every resume of the budget is cut short, each after the download backoff: ~8 s
@pytest.mark.parametrize("then", ["close", "reset"])
def test_a_body_that_is_always_cut_short_fails_without_a_file(
    hostile: Harness, mode: ClientMode, tmp_path: Path, then: str
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
    hostile.server.always("/files/model.bin", Misbehaviour.raw(head + b"x" * 100, then=then))
    destination = tmp_path / "model.bin"
    outcome = _download(hostile, mode, destination)
    hostile.check(outcome, allowed_attempts=RESUME_BUDGET)  # type: ignore[arg-type]
    assert outcome.kind is OutcomeKind.FAILURE and not destination.exists(), outcome.summary()  # type: ignore[attr-defined]


@pytest.mark.slow  # the resume budget runs out after the download backoff: ~8 s
def test_a_whole_file_cut_at_varying_places_is_not_progress(hostile: Harness, mode: ClientMode, tmp_path: Path) -> None:
    """The server ignores ``Range`` (200 every time) and cuts the body after 100 bytes, then after none, then
    after 100 again... Each 100 looks like progress over the attempt before (0 → 100) although the download
    never gets further: only a new furthest offset may reset the resume budget, or this never ends."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
    plays = [Misbehaviour.raw(head + b"x" * 100, then="close"), Misbehaviour.raw(head, then="close")]
    answers = itertools.count()
    hostile.server.choose("/files/model.bin", lambda _request: plays[next(answers) % 2])
    destination = tmp_path / "model.bin"
    outcome = _download(hostile, mode, destination)
    hostile.check(outcome, allowed_attempts=RESUME_BUDGET)  # type: ignore[arg-type]
    assert outcome.kind is OutcomeKind.FAILURE and not destination.exists(), outcome.summary()  # type: ignore[attr-defined]


@pytest.mark.parametrize("form", ["json", "text"])
def test_a_download_refusal_echoing_the_key(hostile: Harness, mode: ClientMode, tmp_path: Path, form: str) -> None:
    hostile.server.always("/files/model.bin", Misbehaviour.echo_credentials(401, form=form))
    destination = tmp_path / "model.bin"
    outcome = _download(hostile, mode, destination)
    hostile.check(outcome)  # type: ignore[arg-type]
    assert not destination.exists()
