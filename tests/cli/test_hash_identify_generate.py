"""``civitai hash``, ``identify`` and ``generate``."""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path
from typing import Any

from civitai_kit.testing.sandbox import Sandbox

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_hash_prints_civitai_hashes(cli: Any, tmp_path: Path) -> None:
    sample = tmp_path / "hello.bin"
    sample.write_bytes(b"hello world")
    outcome = cli("hash", str(sample), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    [row] = outcome.json()
    sha256 = hashlib.sha256(b"hello world").hexdigest().upper()
    assert row["path"] == str(sample) and row["size"] == 11
    assert row["hashes"]["SHA256"] == sha256
    assert row["hashes"]["AutoV2"] == sha256[:10]
    assert row["hashes"]["CRC32"] == zlib.crc32(b"hello world").to_bytes(4, "little").hex().upper() == "85114A0D"
    only = cli("hash", str(sample), "--algo", "crc32", "-a", "SHA512", "--json").json()[0]["hashes"]
    assert list(only) == ["CRC32", "SHA512"]
    assert only["SHA512"] == hashlib.sha512(b"hello world").hexdigest().upper()
    table = cli("hash", str(sample))
    assert sha256 in table.stdout


def test_hash_failures(cli: Any, tmp_path: Path) -> None:
    good = tmp_path / "good.bin"
    good.write_bytes(b"x")
    partly = cli("hash", str(good), str(tmp_path / "missing.bin"), "--json")
    assert partly.exit_code == 1
    rows = json.loads(partly.stdout)
    assert [row["path"] for row in rows if "hashes" in row] == [str(good)]
    assert [row["path"] for row in rows if "error" in row] == [str(tmp_path / "missing.bin")]
    assert "missing.bin" in partly.stderr
    bad_algo = cli("hash", str(good), "--algo", "md5")
    assert bad_algo.exit_code == 2 and "not a hash algorithm" in bad_algo.stderr


def test_identify_finds_known_files_and_writes_sidecars(
    cli: Any, sandbox: Sandbox, tmp_path: Path, served_file: Any
) -> None:
    file = served_file
    library = tmp_path / "library"
    (library / "loras").mkdir(parents=True)
    (library / "loras" / "renamed.safetensors").write_bytes(file.data)
    (library / "mine.safetensors").write_bytes(b"not on civitai" * 100)
    (library / "notes.txt").write_text("ignored")
    outcome = cli("identify", str(library), "--write-sidecars", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    records = {Path(r["path"]).name: r for r in outcome.json()}
    assert set(records) == {"renamed.safetensors", "mine.safetensors"}
    known = records["renamed.safetensors"]
    assert known["identified"] is True and known["version_id"] == file.version_id
    assert known["matched_by"] == "SHA256"
    assert Path(known["sidecar"]).is_file()
    assert records["mine.safetensors"]["identified"] is False
    table = cli("identify", str(library))
    assert "1 of 2 file(s) identified" in table.stdout
    not_a_dir = cli("identify", str(library / "mine.safetensors"))
    assert not_a_dir.exit_code == 2


def test_generate_saves_images(cli: Any, sandbox: Sandbox, tmp_path: Path, fake_key: str) -> None:
    token = {"CIVITAIAPI__SDK__APITOKEN": fake_key}
    outcome = cli("generate", "a lighthouse at dusk", "--quantity", "2", "--dir", str(tmp_path), "--json", env=token)
    assert outcome.exit_code == 0, outcome.stderr
    result = outcome.json()
    assert result["status"] == "succeeded"
    paths = [Path(image["path"]) for image in result["images"]]
    assert len(paths) == 2 and all(p.parent == tmp_path for p in paths)
    assert all(p.read_bytes().startswith(PNG_MAGIC) and p.suffix == ".png" for p in paths)
    body = next(r for r in reversed(sandbox.server.requests.snapshot()) if r.path == "/v2/consumer/workflows").json()
    step = body["steps"][0]
    assert step["$type"] == "textToImage" and step["input"]["prompt"] == "a lighthouse at dusk"
    assert step["input"]["quantity"] == 2
    quiet = cli("-q", "generate", "a cat", "--dir", str(tmp_path / "q"), env=token)
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert [Path(line).parent for line in quiet.stdout.splitlines()] == [tmp_path / "q"]
    assert fake_key not in outcome.everything + quiet.everything


def test_generate_failures(cli: Any, tmp_path: Path, fake_key: str) -> None:
    token = {"CIVITAIAPI__SDK__APITOKEN": fake_key}
    failed = cli("generate", "[fail] a cat", "--dir", str(tmp_path), env=token)
    assert failed.exit_code == 1
    assert "ended failed" in failed.stderr
    assert not list(tmp_path.iterdir())
    no_token = cli("generate", "a cat")
    assert no_token.exit_code == 1
    assert "needs an API token" in no_token.stderr
    bad_size = cli("generate", "a cat", "--width", "7", env=token)
    assert bad_size.exit_code == 2 and "width" in bad_size.stderr
