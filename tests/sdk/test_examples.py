"""The ``examples/sdk_*.py`` scripts run end to end against the sandbox (no token is configured in tests)."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # every test here runs a process or an example

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"example_{name}")


def test_generate_downloads_real_pngs(monkeypatch: pytest.MonkeyPatch, capsys: Any, tmp_path: Path) -> None:
    assert load("sdk_generate", monkeypatch)["main"](tmp_path / "out") == 0
    printed = capsys.readouterr().out
    assert "local sandbox" in printed and "succeeded" in printed
    files = sorted((tmp_path / "out").iterdir())
    assert len(files) == 2 and all(f.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for f in files)


def test_availability(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    main = load("sdk_availability", monkeypatch)["main"]
    assert main(["urn:air:sdxl:checkpoint:civitai:101055@128078", "urn:air:sd1:lora:civitai:1@2"]) == 0
    printed = capsys.readouterr().out
    assert "SD XL 1.0 — ready" in printed and "urn:air:sd1:lora:civitai:1@2: NOT_FOUND" in printed
    assert "Unknown (0 workers)" in printed


def test_cancel(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    assert load("sdk_cancel", monkeypatch)["main"]() == 0
    assert "After cancelling it is canceled" in capsys.readouterr().out
