"""Local checks of arguments, so a malformed value is a usage error (exit 2) before any request is sent.

A hash the server cannot know would come back as "Model not found" (exit 1), and a destination that cannot be
written would fail only after a paid generation or a long download: both are caught here first.
"""

from __future__ import annotations

import string
from pathlib import Path

from civitai_kit.cli._output import USAGE_ERROR, Output

HASH_LENGTHS = {8: "AutoV1 or CRC32", 10: "AutoV2", 12: "AutoV3", 64: "SHA256 or BLAKE3"}
"""The hex lengths of the hashes Civitai stores and looks files up by."""
_HEX = frozenset(string.hexdigits)


def civitai_hash(output: Output, value: str, *, argument: str = "HASH") -> str:
    """``value`` as a lookup hash (upper-case hex), or a usage error naming the accepted forms."""
    text = value.strip()
    if not text or not set(text) <= _HEX or len(text) not in HASH_LENGTHS:
        accepted = ", ".join(f"{length} ({kinds})" for length, kinds in HASH_LENGTHS.items())
        output.fail(
            f"{argument}: {value!r} is not a Civitai hash (hex digits, length {accepted})", exit_code=USAGE_ERROR
        )
    return text.upper()


def ensure_directory(output: Output, directory: Path, *, argument: str) -> Path:
    """Create ``directory`` if needed; a path that is a file or cannot be created is a usage error, raised
    before the command spends anything."""
    if directory.exists() and not directory.is_dir():
        output.fail(f"{argument}: {directory} exists and is not a directory", exit_code=USAGE_ERROR)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        output.fail(f"{argument}: cannot create {directory}: {exc.strerror or exc}", exit_code=USAGE_ERROR)
    return directory
