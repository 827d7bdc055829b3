"""``scripts/generate_sdk_schema.py``: the checked-in package is exactly its output, ``--check`` catches a hand
edit, and the package stays cheap to import (``civitai_kit.sdk`` never imports it; it imports families lazily)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "civitai_kit" / "sdk" / "schema"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_sdk_schema", ROOT / "scripts" / "generate_sdk_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_package_is_the_generator_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert _generator().main(["--check"]) == 0, capsys.readouterr().err


def test_generation_is_deterministic() -> None:
    generator = _generator()
    assert generator.generate() == generator.generate()


@pytest.mark.slow  # generates the schema package twice
@pytest.mark.parametrize("edit", ["change", "add", "remove"])
def test_check_fails_on_a_hand_edit(tmp_path: Path, edit: str, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "schema"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    generator = _generator()
    assert generator.main(["--check", "--output", str(copy)]) == 0
    if edit == "change":
        module = copy / "_image_gen_flux2.py"
        module.write_text(module.read_text().replace("le=2048", "le=4096", 1))
    elif edit == "add":
        (copy / "_handwritten.py").write_text('"""Not generated."""\n')
    else:
        (copy / "_wd_tagging.py").unlink()
    assert generator.main(["--check", "--output", str(copy)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert generator.main(["--output", str(copy)]) == 0
    assert generator.main(["--check", "--output", str(copy)]) == 0


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(m for m in sys.modules if m.startswith('civitai_kit')))"
    environment = {"PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=environment)
    return set(result.stdout.split())


@pytest.mark.slow
def test_importing_the_sdk_does_not_import_the_schema() -> None:
    assert not any(m.startswith("civitai_kit.sdk.schema") for m in _modules_after("import civitai_kit.sdk"))


@pytest.mark.slow
def test_the_schema_imports_only_the_families_a_value_needs() -> None:
    loaded = _modules_after("import civitai_kit.sdk.schema")
    assert not any(m.startswith("civitai_kit.sdk.schema._") for m in loaded)
    code = (
        "from civitai_kit.sdk.schema import WorkflowStep\n"
        "WorkflowStep.model_validate({'$type': 'imageGen', 'name': 's', 'priority': 'normal', 'status': 'succeeded',"
        " 'metadata': {}, 'input': {'engine': 'flux2', 'model': 'dev', 'operation': 'createImage', 'prompt': 'x'}})"
    )
    families = {m for m in _modules_after(code) if m.startswith("civitai_kit.sdk.schema._")}
    assert families == {
        "civitai_kit.sdk.schema._shared",
        "civitai_kit.sdk.schema._image_gen",
        "civitai_kit.sdk.schema._image_gen_flux2",
    }
