"""The README's CLI install line (``pip install "civitai-kit[cli]"``) gives a working ``civitai hash`` and
``civitai identify``: installed into a fresh virtual environment, without the ``tools`` extra named.

Before, the ``cli`` extra lacked ``blake3`` (BLAKE3 is one of the hashes Civitai stores, and ``hash``/``identify``
compute it): ``hash`` failed with "No module named 'blake3'" and ``identify`` found 0 of N files. The ``cli``
extra now pulls in ``tools``. pip resolves through whatever index the machine is configured with (CI's, or a
local mirror); no ``--no-deps``: the point is what the extra brings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_cli_extra_alone_hashes_and_identifies(
    tmp_path: Path, sandbox_env: dict[str, str], served_file: Any
) -> None:
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    bin_dir = environment / ("Scripts" if sys.platform == "win32" else "bin")
    clean = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[cli]"],
        env=clean,
        check=True,
        timeout=900,
    )
    library = tmp_path / "library"
    library.mkdir()
    (library / "model.safetensors").write_bytes(served_file.data)
    civitai = [str(bin_dir / "civitai"), "--json"]
    run_env = {**clean, **sandbox_env, "HOME": str(tmp_path / "home")}

    hashed = subprocess.run(
        [*civitai, "hash", str(library / "model.safetensors")],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert hashed.returncode == 0, hashed.stderr
    assert "blake3" not in hashed.stderr.lower()
    row = json.loads(hashed.stdout)[0]
    assert len(row["hashes"]["BLAKE3"]) == 64 and row["size"] == len(served_file.data)

    identified = subprocess.run(
        [*civitai, "identify", str(library)], env=run_env, capture_output=True, text=True, timeout=120, check=False
    )
    assert identified.returncode == 0, identified.stderr
    records = json.loads(identified.stdout)
    assert [(r["identified"], r["version_id"], r["size"]) for r in records] == [
        (True, served_file.version_id, len(served_file.data))
    ]
