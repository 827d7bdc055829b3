"""The README's dependency-injection snippet runs as printed (it raised ``NameError`` on ``CivitaiApiOptions``
and ``app``): every name it uses is defined or imported in the snippet itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _di_snippet() -> str:
    blocks: list[str] = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return next(block for block in blocks if "container = CivitaiContainer()" in block and "add_civitai_api(" in block)


def test_the_di_snippet_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # its "appsettings.json" is read lazily from here; nothing is written
    namespace: dict[str, object] = {}
    exec(compile(_di_snippet(), str(README), "exec"), namespace)
    assert "client" in namespace
