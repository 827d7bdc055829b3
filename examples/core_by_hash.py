"""Identify model files by hash: one lookup (any hash type), then a bulk lookup of many SHA256s.

python examples/core_by_hash.py [hash ...]
"""

from __future__ import annotations

import sys

from _sandbox import civitai_options

from civitai_kit.core import CivitaiClient

DEFAULT = "260F2989F160C67B09FD68482D1CC45DE61A33EEC5D2FA6FCD6CF7E09BBA7D47"  # VSK-94 v2.0


def main(hashes: list[str]) -> int:
    with civitai_options() as options, CivitaiClient(options) as client:
        first = client.models.get_by_version_hash(hashes[0][:10])  # an AutoV2 prefix works as well
        if first.is_failure:
            print(f"{hashes[0][:10]}: {first.error}")
        else:
            version = first.value
            file = version.file_by_hash(hashes[0][:10])
            model_name = version.model.name if version.model else "?"
            file_name = file.name if file else "?"
            print(f"{hashes[0][:10]} -> {model_name} / {version.name} (version {version.id}), file {file_name}")

        full = [h for h in hashes if len(h) == 64]
        versions = client.models.get_by_version_hashes(full).unwrap()  # POSTs of 100 hashes each
        ids = client.models.get_version_ids_by_hashes(full).unwrap()  # POSTs of 10 000 hashes each
        print(f"\nBulk: {len(versions)} of {len(full)} SHA256 hash(es) matched")
        for match in ids:
            print(f"  {(match.hash or '?')[:16]}… -> version {match.model_version_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [DEFAULT]))
