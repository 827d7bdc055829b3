"""The sandbox's catalogue agrees with civitai-kit's own hashing: every generated file's stored hashes are
what the Civitai-exact hasher computes from its bytes (so downloads verify and identification matches)."""

from __future__ import annotations

from civitai_kit.testing.rest import RestData
from civitai_kit.tools import HashAlgorithm
from civitai_kit.tools.hashing import MultiHasher


def test_generated_files_carry_their_true_civitai_hashes() -> None:
    files = RestData.sample().fake_files()
    assert files
    checked = 0
    for generated in files[:40]:
        stored = generated.file.get("hashes") or {}
        if not stored:
            continue  # a pending scan: Civitai has no hashes yet either
        hasher = MultiHasher([HashAlgorithm(name) for name in stored])
        hasher.update(generated.content)
        computed = hasher.finalize()
        for name, value in stored.items():
            assert computed.get(HashAlgorithm(name)) == value, (generated.file["id"], name)
        checked += 1
    assert checked > 10
