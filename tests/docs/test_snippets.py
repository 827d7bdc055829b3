"""Every code block of the README and ``docs/`` runs against the sandbox (the rules are in ``snippets.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from civitai_kit.testing.sandbox import SANDBOX_TOKEN, Sandbox, sandbox_environment, start_sandbox
from tests.docs.snippets import PYTHON, SHELL, Block, blocks, commands, pages

pytestmark = pytest.mark.slow

RUNNER = Path(__file__).with_name("run_blocks.py")
ALL = [block for page in pages() for block in blocks(page)]
PYTHON_PAGES = sorted({b.page for b in ALL if b.lang in PYTHON and b.runs})
SHELL_BLOCKS = [b for b in ALL if b.lang in SHELL and b.runs and commands(b, SANDBOX_TOKEN)]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox() as running:
        yield running


@pytest.fixture
def world(sandbox: Sandbox, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh scratch folder (also ``$HOME``) and the environment the blocks of one test run with."""
    home = tmp_path
    files = [f for f in sandbox.rest.fake_files() if f.file.get("hashes") and f.file.get("type") == "Model"]
    documented = next(f for f in files if f.version_id == 128713)
    (home / "model.safetensors").write_bytes(documented.content)
    (home / "models.txt").write_text("# what to download\n128713\n368189\n", encoding="utf-8")
    for folder in (home / "models", home / "ComfyUI" / "models" / "loras"):
        folder.mkdir(parents=True)
        for name, generated in zip(("my-lora.safetensors", str(files[1].file["name"])), files, strict=False):
            (folder / name).write_bytes(generated.content)
        (folder / "unknown.safetensors").write_bytes(b"not on civitai" * 100)
    environment = {k: v for k, v in os.environ.items() if not k.upper().startswith(("CIVITAI", "DOTNET_"))}
    environment.update(sandbox_environment(sandbox.url))
    environment.update(
        HOME=str(home),
        CIVITAI_CONFIG_DIR=str(home),
        CIVITAIAPI__SDK__APITOKEN=SANDBOX_TOKEN,
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}",
        COLUMNS="200",
        NO_COLOR="1",
    )
    return home, environment


def test_every_skipped_block_says_why() -> None:
    unexplained = [b.where for b in ALL if b.directive is not None and not (b.reason or "").strip()]
    assert unexplained == []


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=[str(p.relative_to(p.parents[1])) for p in PYTHON_PAGES])
def test_python_blocks_run(page: Path, world: tuple[Path, dict[str, str]]) -> None:
    home, environment = world
    chosen = [[b.where, b.code] for b in blocks(page) if b.lang in PYTHON and b.runs]
    done = subprocess.run(
        [sys.executable, str(RUNNER)],
        input=json.dumps(chosen),
        capture_output=True,
        text=True,
        cwd=home,
        env=environment,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=[b.where for b in SHELL_BLOCKS])
def test_shell_blocks_run(block: Block, world: tuple[Path, dict[str, str]]) -> None:
    home, environment = world
    for line in commands(block, SANDBOX_TOKEN):
        done = subprocess.run(
            ["bash", "-c", line],
            capture_output=True,
            text=True,
            cwd=home,
            env=environment,
            timeout=120,
            input=f"{SANDBOX_TOKEN}\n",
            check=False,
        )
        assert done.returncode == block.exit_code, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
