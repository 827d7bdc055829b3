"""Get one model with all its versions and files, then one version directly.

python examples/core_get_model.py [model-id]
"""

from __future__ import annotations

import sys

from _sandbox import civitai_options

from civitai_kit.core import CivitaiClient
from civitai_kit.result import Failure, Success
from civitai_kit.tools import HashAlgorithm


def main(model_id: int) -> int:
    with civitai_options() as options, CivitaiClient(options) as client:
        match client.models.get_by_id(model_id):
            case Failure(error):
                print(f"Model {model_id}: {error}")  # e.g. NOT_FOUND (HTTP 404): No model with id …
                return 1
            case Success(model):
                pass
        print(f"{model.name} — {model.type}, {len(model.model_versions)} version(s), tags: {', '.join(model.tags)}")
        print(f"Commercial use: {', '.join(model.allow_commercial_use) or 'none'}")
        for version in model.model_versions:
            print(f"\n  {version.name} (id {version.id}, {version.base_model}, published {version.published_at})")
            for file in version.files:
                marker = "*" if file.primary else " "
                sha256 = file.hashes.get(HashAlgorithm.SHA256) or "(hash pending)"
                print(f"   {marker} {file.name}  {file.size_kb or 0:,.0f} KB  {file.type}  SHA256 {sha256[:16]}…")

        latest = model.latest_version
        if latest is not None:
            version = client.models.get_by_version_id(latest.id).unwrap()  # raises CivitaiError on failure
            primary = version.primary_file
            print(f"\nLatest version via /model-versions: AIR {version.air}")
            print(f"Primary file: {primary.name if primary else '-'} -> {primary.download_url if primary else '-'}")
            if version.description:
                print(f"Description: {(version.description_text or '')[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 11821))
