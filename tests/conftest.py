"""Suite-wide isolation: no test reads the developer's Civitai configuration or writes into their home.

Every CIVITAI* variable is removed, the configuration places (config dir, secrets dir, user secrets) point into
a fresh folder per test, and the XDG directories that ``platformdirs`` uses for caches and data do too.

Hypothesis runs on the profile ``HYPOTHESIS_PROFILE`` names (``tests/support/hypothesis_profiles.py``): ``ci``
by default, deterministic; ``fast`` (``make test-fast``) scales each property test to a fifth of its examples
here, at collection; ``explore`` draws fresh examples.

``slow`` marks every test that starts a process (the ``civitai`` console script, an example, a pytest run, a
fresh interpreter) or waits seconds by nature: ``make test`` (CI) runs them, ``make test-fast`` leaves them
out. Tests that use a process-starting fixture or whose id names a stall or a drip are marked here, the
others where they are written; a test that starts a Python process without the mark fails and says so, so the
fast run never silently grows slow.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.support import hypothesis_profiles

settings.load_profile(hypothesis_profiles.PROFILE)

_CONTROL_PREFIXES = ("CIVITAI", "DOTNET_ENVIRONMENT", "PYDANTIC_SETTINGS_DEBUG")


@pytest.fixture(scope="session")
def _homes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Iterator[str]]:
    """Fresh folders for the tests' isolated homes, in one folder per worker (``tmp_path_factory.mktemp`` per
    test would list that folder each time: thousands of entries by the end of a run)."""
    root = tmp_path_factory.mktemp("isolated-homes", numbered=False)
    yield (os.path.join(root, str(number)) for number in itertools.count())


@pytest.fixture(autouse=True)
def _isolated_civitai_environment(_homes: Iterator[str]) -> Iterator[None]:
    home = next(_homes)  # not the test's tmp_path, which stays the test's own
    project = os.path.join(home, "project")
    os.makedirs(project)  # a config dir that does not exist is warned about
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.upper().startswith(_CONTROL_PREFIXES):
                patch.delenv(name)
        for variable, folder in _HOME_FOLDERS:
            patch.setenv(variable, os.path.join(home, folder))
        patch.setenv("CIVITAI_CONFIG_DIR", project)
        yield
    try:  # removed here, on the workers, rather than all at once when pytest ends
        os.rmdir(project)
        os.rmdir(home)
    except OSError:
        shutil.rmtree(home, ignore_errors=True)


_HOME_FOLDERS = (
    ("XDG_CONFIG_HOME", "config"),
    ("XDG_CACHE_HOME", "cache"),
    ("XDG_DATA_HOME", "data"),
    ("XDG_STATE_HOME", "state"),
    ("CIVITAI_SECRETS_DIR", "run-secrets"),
    ("CIVITAI_USER_SECRETS", "user-secrets.json"),
)


WAITS_BY_DESIGN = re.compile(r"stall|drip")
"""A test whose id names a stalled or dripped answer waits out a timeout or a deadline on purpose (1-3 s)."""

PROCESS_FIXTURES = frozenset({"run", "civitai_script", "pytester"})
"""Fixtures whose tests start a process: ``run`` and ``civitai_script`` (the console script, tests/cli) and
``pytester`` (a pytest session in a test)."""

_ENVIRONMENT_BIN = Path(sys.executable).parent


def pytest_collection_finish() -> None:
    """The collected suite (modules, ~300 000 objects) is never garbage: frozen out of the collector's sight, and
    the youngest generation collected every 10 000 allocations instead of 700. Measured on the non-slow suite
    (3 workers): 14.5 CPU-s in the garbage collector before, 7.4 after; 123 CPU-s in all before, 108 after."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    scaled: set[int] = set()
    for item in items:
        if PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ())) or WAITS_BY_DESIGN.search(item.nodeid):
            item.add_marker(pytest.mark.slow)
        if hypothesis_profiles.PROFILE == "fast":
            _run_fewer_examples(item, scaled)


def _run_fewer_examples(item: pytest.Item, scaled: set[int]) -> None:
    """Scale a property test's examples down for the ``fast`` profile, once per test function (parametrized
    items share it). Hypothesis keeps a test's settings on the function, as its own pytest plugin edits them."""
    function = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
    chosen = getattr(function, "_hypothesis_internal_use_settings", None)
    if not isinstance(chosen, settings) or id(function) in scaled:
        return
    scaled.add(id(function))
    fewer = hypothesis_profiles.examples(chosen.max_examples)
    function._hypothesis_internal_use_settings = settings(chosen, max_examples=fewer)  # type: ignore[union-attr]


def _starts_python(args: Any) -> bool:
    """Whether a ``Popen`` argument list starts this environment's interpreter or one of its scripts."""
    program = args if isinstance(args, str | bytes | os.PathLike) else next(iter(args), "")
    path = Path(os.fsdecode(program).split(" ", 1)[0])
    return path.parent == _ENVIRONMENT_BIN or path.name.startswith("python")


class _ProcessGuard:
    """Fails a test that is not marked ``slow`` when it starts a Python process. ``Popen.__init__`` is wrapped
    once for the session; ``refusing`` is set around each test (its fixtures included)."""

    def __init__(self) -> None:
        self.refusing = False
        self._start = subprocess.Popen.__init__

    def install(self) -> None:
        guard, start = self, self._start

        def refuse_python(self: subprocess.Popen[Any], args: Sequence[Any] | str, *rest: Any, **options: Any) -> None:
            if guard.refusing and _starts_python(args):
                pytest.fail(f"starts a Python process ({args!r}): mark the test @pytest.mark.slow", pytrace=False)
            start(self, args, *rest, **options)

        subprocess.Popen.__init__ = refuse_python  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        subprocess.Popen.__init__ = self._start  # type: ignore[method-assign]


_PROCESS_GUARD = _ProcessGuard()


def pytest_sessionstart() -> None:
    _PROCESS_GUARD.install()


def pytest_sessionfinish() -> None:
    _PROCESS_GUARD.uninstall()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    _PROCESS_GUARD.refusing = item.get_closest_marker("slow") is None
    try:
        return (yield)
    finally:
        _PROCESS_GUARD.refusing = False
