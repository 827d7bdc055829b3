"""Names, paths and messages are shown as they are: square brackets in them are text, never rich markup."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_bracketed_file_names_are_printed_whole(cli: Any, tmp_path: Path) -> None:
    sample = tmp_path / "[anime] lora [v2].safetensors"
    sample.write_bytes(b"hello world")
    outcome = cli("hash", str(sample), "--algo", "SHA256")
    assert outcome.exit_code == 0, outcome.stderr
    assert "[anime] lora [v2].safetensors" in outcome.stdout


def test_a_failure_naming_a_bracketed_path_is_one_line_not_a_crash(cli: Any, tmp_path: Path) -> None:
    missing = tmp_path / "x[" / "y]" / "[b]missing.bin"  # its text holds '[/y]', a rich closing tag
    outcome = cli("hash", str(missing), str(tmp_path / "[c]other.bin"))
    assert outcome.exit_code == 1
    assert f"{missing}" in outcome.stderr
    assert "[c]other.bin" in outcome.stderr
    assert "Traceback" not in outcome.stderr


def test_identify_table_keeps_brackets(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "[pony] style.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    outcome = cli("identify", str(tmp_path), env={"XDG_CACHE_HOME": str(tmp_path / ".cache")})
    assert "[pony] style.safetensors" in outcome.stdout
