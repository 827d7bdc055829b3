"""The ``civitai`` process keeps out what it never uses; the library, imported by an application, does not.

dependency-injector's wiring imports FastAPI, Starlette and Werkzeug whenever they are installed (to recognise
their ``Depends``/request markers): ~150 ms of every command that builds the container. The console script
blocks them in its own process; an application that imports the container keeps the integration. Fresh
interpreters, since this test process has imported everything already.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.slow,  # subprocesses
    pytest.mark.skipif(importlib.util.find_spec("fastapi") is None, reason="only matters where FastAPI is installed"),
]

REPORT = (
    "import sys; print(sorted(name for name in ('civitai_kit.container', 'dependency_injector.wiring', "
    "'fastapi.params', 'starlette.requests', 'werkzeug.local') if sys.modules.get(name) is not None))"
)


def _python(code: str) -> str:
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip().splitlines()[-1]


def test_the_command_builds_its_container_without_fastapi() -> None:
    command = (
        "import sys\nfrom civitai_kit.cli import main\n"
        "sys.argv = ['civitai', '--base-url', 'http://127.0.0.1:9', 'config', 'show']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n" + REPORT
    )
    assert _python(command) == "['civitai_kit.container', 'dependency_injector.wiring']"


def test_an_application_importing_the_container_keeps_dependency_injectors_fastapi_support() -> None:
    loaded = _python("import civitai_kit.container; " + REPORT)
    assert "fastapi.params" in loaded and "dependency_injector.wiring" in loaded
