"""``scripts/generate_coverage_docs.py``: ``docs/generator/coverage.md`` is exactly its output, ``--check``
catches a hand edit, and the page lists every step type, engine, operation and recipe of the spec."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from civitai_kit.sdk._recipes_generated import RECIPES
from civitai_kit.sdk.operations import OPERATIONS
from tests.support.sdk_openapi import v2

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "generator" / "coverage.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_coverage_docs", ROOT / "scripts" / "generate_coverage_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_page_is_the_generator_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert _generator().main(["--check"]) == 0, capsys.readouterr().err


def test_check_fails_on_a_hand_edit_and_generation_repairs_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "coverage.md"
    copy.write_text(PAGE.read_text(encoding="utf-8").replace("| yes |", "| no |", 1), encoding="utf-8")
    generator = _generator()
    assert generator.main(["--check", "--output", str(copy)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert generator.main(["--output", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == PAGE.read_text(encoding="utf-8")


def test_the_page_names_everything_the_spec_has() -> None:
    page = PAGE.read_text(encoding="utf-8")
    schemas = v2().document["components"]["schemas"]
    for step_type in schemas["WorkflowStep"]["discriminator"]["mapping"]:
        assert f"| `{step_type}` |" in page
    for base in ("ImageGenInput", "VideoGenInput"):
        for engine in schemas[base]["discriminator"]["mapping"]:
            assert f"| `{engine}` |" in page
    for operation_id, method in OPERATIONS.items():
        assert f"| `{operation_id}` |" in page and f"`sdk.{method}`" in page
    for method in RECIPES.values():
        assert f"`sdk.recipes.{method}`" in page
    assert "| `civitai blobs upload` |" in page


def test_a_cli_command_the_app_lacks_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator()
    monkeypatch.setitem(generator.CLI, "workflows.get", ("civitai workflow nope",))
    with pytest.raises(SystemExit, match="civitai workflow nope"):
        generator.render()
