"""The library's warnings reach a ``civitai`` user as one ``warning:`` line each, once (``cli._warnings``)."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.cli._output import Output
from civitai_kit.cli._warnings import library_warnings
from civitai_kit.errors import CivitaiWarning
from civitai_kit.options import UnknownConfigKeyWarning
from civitai_kit.testing.sandbox import Sandbox
from tests.support.batch_support import danger

TYPO = {"CivitaiApi": {"TimeoutSecond": 5}}
MESSAGE = "unknown configuration key CivitaiApi:TimeoutSecond from appsettings.json"


def _stderr_lines(outcome: Any, needle: str) -> list[str]:
    return [line for line in outcome.stderr.splitlines() if needle in line]


def test_a_warning_both_warned_and_logged_is_one_line(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "appsettings.json").write_text(json.dumps(TYPO))
    for _ in range(2):  # the second run in the same process is shown too (Python shows a warning once per place)
        outcome = cli("--config-dir", str(tmp_path), "tags", "list", "--limit", "1")
        assert outcome.exit_code == 0, outcome.everything
        (line,) = _stderr_lines(outcome, "TimeoutSecond")
        assert line.startswith(f"warning: {MESSAGE}") and line.endswith("did you mean CivitaiApi:TimeoutSeconds?")
        assert "UnknownConfigKeyWarning" not in outcome.stderr and "sources.py" not in outcome.stderr


def test_a_download_warning_logged_and_carried_by_its_result_is_one_line(
    cli: Any, sandbox: Sandbox, tmp_path: Path
) -> None:
    bad = danger(sandbox)
    target = f"https://civitai.com/api/download/models/{bad.version_id}?fileId={bad.fake.file_id}"
    outcome = cli("download", target, "--dir", str(tmp_path), "--allow-unsafe")
    assert outcome.exit_code == 0, outcome.everything
    warned = [line for line in outcome.stderr.splitlines() if line.startswith("warning:")]
    assert len(warned) == len(set(warned)) >= 2, outcome.stderr  # the scan's verdict and the pickle format


@pytest.mark.slow
def test_the_real_process_shows_it_once_too(run: Any, tmp_path: Path) -> None:
    """Outside the test runner: no ``file:line: Category:`` form, no copy from logging's last-resort handler."""
    (tmp_path / "appsettings.json").write_text(json.dumps(TYPO))
    outcome = run("--config-dir", str(tmp_path), "--json", "tags", "list", "--limit", "1")
    assert outcome.exit_code == 0, outcome.everything
    assert len(_stderr_lines(outcome, "TimeoutSecond")) == 1, outcome.stderr
    json.loads(outcome.stdout)  # stdout stays one JSON document


def test_log_records_and_warnings_are_relayed_and_everything_is_restored(capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger("civitai_kit")
    handlers, filters = list(logger.handlers), list(warnings.filters)
    with library_warnings(Output(json_mode=False, quiet=True, progress=False)):
        logger.warning("the cache at %s cannot be used", "/x")
        logger.warning("the cache at %s cannot be used", "/x")
        logger.info("not shown: below WARNING")
        warnings.warn("a library warning", UnknownConfigKeyWarning, stacklevel=1)
        with pytest.warns(DeprecationWarning):  # not the library's: left to Python (and pytest) as before
            warnings.warn("someone else's", DeprecationWarning, stacklevel=1)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["warning: the cache at /x cannot be used", "warning: a library warning"]
    assert logger.handlers == handlers and warnings.filters == filters
    with pytest.warns(CivitaiWarning):  # outside, a library warning is a Python warning again
        warnings.warn("after", UnknownConfigKeyWarning, stacklevel=1)


def test_markup_in_a_message_is_printed_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    with library_warnings(Output(json_mode=False, quiet=False, progress=False)):
        logging.getLogger("civitai_kit").warning("key [bold]x[/bold] in C:\\[folder]")
    assert capsys.readouterr().err.strip() == "warning: key [bold]x[/bold] in C:\\[folder]"
