"""``civitai download --dir`` / ``--root`` that cannot be used: a file, a read-only folder, a symlink out of the
root, an over-long name. Each is one ``error:`` line and exit 1 (2 for a usage error), with nothing left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civitai_kit.testing import hostile_fs


def _one_error_line(outcome: Any, exit_code: int) -> str:
    """The only ``error:`` line (progress notes such as ``Downloading …`` may come before it)."""
    assert outcome.exit_code == exit_code, (outcome.stdout, outcome.stderr)
    lines = [line for line in outcome.stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 1 and lines[-1] == outcome.stderr.strip().splitlines()[-1], outcome.stderr
    assert "Traceback" not in outcome.stderr and not outcome.stdout.strip()
    return str(lines[0])


def test_a_dir_that_is_a_file(cli: Any, tmp_path: Path, served_file: Any) -> None:
    plain = tmp_path / "models.txt"
    plain.write_text("not a folder")
    line = _one_error_line(cli("download", str(served_file.version_id), "--dir", str(plain)), 2)
    assert "directory" in line and "is a file, not a folder" in line
    assert plain.read_text() == "not a folder" and sorted(tmp_path.iterdir()) == [plain]


def test_a_read_only_dir(cli: Any, tmp_path: Path, served_file: Any) -> None:
    target = tmp_path / "locked"
    target.mkdir()
    with hostile_fs.read_only_directory(target) as locked:
        if not locked.enforced:
            pytest.skip("this process can write into a 0o555 folder and cannot set it immutable")
        outcome = cli("download", str(served_file.version_id), "--dir", str(target))
    line = _one_error_line(outcome, 2)  # found before anything is fetched: a usage error
    assert str(target) in line and "permission denied" in line
    assert list(target.iterdir()) == []


def test_a_layout_folder_that_is_a_symlink_out_of_the_root(cli: Any, tmp_path: Path, served_file: Any) -> None:
    root, outside = tmp_path / "ComfyUI", tmp_path / "elsewhere"
    outside.mkdir()
    (root / "models").mkdir(parents=True)
    for folder in ("checkpoints", "loras", "embeddings", "vae", "upscale_models", "controlnet", "hypernetworks"):
        hostile_fs.symlinked_directory(root / "models", folder, outside)
    before = hostile_fs.snapshot(tmp_path)
    outcome = cli("download", str(served_file.version_id), "--layout", "comfyui", "--root", str(root))
    line = _one_error_line(outcome, 1)
    assert "symbolic link" in line and "outside" in line
    assert list(outside.iterdir()) == [] and hostile_fs.snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["leaf", "parent"])
def test_an_over_long_dir_name(cli: Any, tmp_path: Path, served_file: Any, where: str) -> None:
    long = tmp_path / ("x" * 300)
    target = long if where == "leaf" else long / "models"
    line = _one_error_line(cli("download", str(served_file.version_id), "--dir", str(target)), 2)
    assert "directory" in line and "File name too long" in line
    assert list(tmp_path.iterdir()) == []
