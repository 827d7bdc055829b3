"""``import httpx`` through the library leaves httpx's own command line (click, rich, pygments) unloaded.

httpx imports ``httpx._main`` on every import, and that module imports click, rich and pygments whenever they
are installed (they are beside ``civitai-kit[cli]``): about half of ``import httpx``. ``_http`` registers a
stand-in first; ``httpx.main()`` must still run the real command line. Each case is a fresh interpreter.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.slow,  # subprocesses
    pytest.mark.skipif(
        not all(importlib.util.find_spec(name) for name in ("click", "rich", "pygments")),
        reason="httpx's command line needs click, rich and pygments installed to be worth deferring",
    ),
]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_the_library_imports_httpx_without_its_command_line() -> None:
    code = (
        "import sys, civitai_kit._http, httpx; httpx.Client; "
        "print(sorted(m for m in ('click', 'rich', 'pygments') if m in sys.modules))"
    )
    assert _python(code).stdout.strip() == "[]"


def test_httpx_main_still_runs_httpx_command_line() -> None:
    code = "import sys, civitai_kit._http, httpx; sys.argv = ['httpx', '--help']; httpx.main()"
    completed = _python(code)
    assert completed.returncode == 0, completed.stderr
    assert "Usage: httpx" in completed.stdout and "--method" in completed.stdout


def test_any_other_name_of_the_command_line_module_loads_the_real_one() -> None:
    code = (
        "import sys, inspect, civitai_kit._http, httpx; inspect.getmodule(httpx.Client); "
        "print('rich' in sys.modules); "  # probing every module for __file__ does not load it
        "from httpx._main import print_help, format_request_headers; "
        "print(callable(print_help), sys.modules['httpx._main'].__file__.endswith('_main.py'), 'rich' in sys.modules)"
    )
    completed = _python(code)
    assert completed.stdout.split() == ["False", "True", "True", "True"], completed.stderr


def test_an_httpx_imported_before_the_library_is_left_as_it_is() -> None:
    code = (
        "import sys, httpx, civitai_kit._http; "
        "print(getattr(sys.modules['httpx._main'], '__file__', None) is not None, 'rich' in sys.modules)"
    )
    assert _python(code).stdout.split() == ["True", "True"]
