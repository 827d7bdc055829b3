"""The civitai-kit tour (``make demo``): every part of the library once, saying what it does.

    python examples/quickstart.py [--out DIR] [--generate]

Against your configured Civitai (a key or base URL from the environment, ``.env``, user secrets or
``appsettings.json``), or — when nothing is configured — against the sandbox, a fake Civitai on loopback:

 1. search models                      5. download a model file and verify its hash
 2. get one model with its versions    6. hash a local file the way Civitai does
 3. find a version by a file's hash    7. identify a folder of model files
 4. list images with their metadata    8. generate an image and download it

Step 8 spends Buzz on the real Civitai, so it runs there only with ``--generate``; the sandbox always runs it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _sandbox import civitai_options, is_configured

from civitai_kit.core import CivitaiClient, ModelFile, ModelSort, ModelType, ModelVersion
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.result import Failure, Success
from civitai_kit.tools import HashAlgorithm

MAX_DEMO_DOWNLOAD_BYTES = 50 * 1024 * 1024
"""The demo downloads the smallest file it finds, and nothing bigger than this."""
CHECKPOINT = "urn:air:sd1:checkpoint:civitai:4384@128713"


def step(number: int, title: str) -> None:
    print(f"\n== {number}. {title}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="where downloads go (default: a temporary folder)")
    parser.add_argument("--generate", action="store_true", help="also generate on the real Civitai (costs Buzz)")
    args = parser.parse_args(argv)
    real = is_configured(CivitaiApiOptions())
    with tempfile.TemporaryDirectory(prefix="civitai-kit-demo-") as scratch:
        out = args.out or Path(scratch)
        with civitai_options() as options:
            print(f"Civitai: {options.base_url}   Generator: {options.sdk.base_url}   files: {out}")
            with CivitaiClient(options) as client:
                chosen = tour_rest(client)
                if chosen is None:
                    return 1
                version, file = chosen
                downloaded = tour_download(options, client, version, file, out / "models")
                if downloaded is not None:
                    tour_hash(downloaded, file)
                    tour_identify(client, out / "models")
            if real and not args.generate:
                step(8, "Generate an image (skipped: it spends Buzz on the real Civitai; add --generate)")
            else:
                tour_generate(options, out / "images")
    print("\nDone.")
    return 0


def tour_rest(client: CivitaiClient) -> tuple[ModelVersion, ModelFile] | None:
    """Steps 1-4; returns the version and file the download step uses."""
    step(1, "Search models: the most downloaded textual inversions (small files, good for a demo)")
    match client.models.where_type(ModelType.TEXTUAL_INVERSION).order_by(ModelSort.MOST_DOWNLOADED).execute(limit=10):
        case Failure(error):
            print(f"search failed: {error}")
            return None
        case Success(page):
            for model in page.items:
                downloads = model.stats.download_count if model.stats else None
                print(f"  {model.id:>8}  {model.name}  ({downloads} downloads)")
    candidates = [
        (model, version, file)
        for model in page.items
        if (version := model.latest_version) is not None
        and (file := version.primary_file) is not None
        and file.size_bytes is not None
        and file.size_bytes <= MAX_DEMO_DOWNLOAD_BYTES
        and file.hashes.sha256
        and not version.is_early_access
        and not model.is_archived
    ]
    if not candidates:
        print("  no small downloadable file among the results")
        return None
    model, _, smallest = min(candidates, key=lambda c: c[2].size_bytes or 0)
    print(f"  (the demo continues with {model.name!r}: its file is the smallest of these)")

    step(2, f"Get model {model.id} with its versions")
    full = client.models.get_by_id(model.id).unwrap()  # unwrap(): the value, or a typed CivitaiError
    print(f"  {full.name} by {full.creator.username if full.creator else 'unknown'} — tags: {', '.join(full.tags)}")
    for version in full.model_versions[:3]:
        print(f"  version {version.id}: {version.name} ({version.base_model}), {len(version.files)} file(s)")

    sha256 = smallest.hashes.sha256 or ""
    step(3, f"Find the version that owns a file, by its hash ({sha256[:10]}… = AutoV2)")
    by_hash = client.models.get_by_version_hash(sha256[:10]).unwrap()
    owner = by_hash.model.name if by_hash.model else by_hash.model_id
    print(f"  {sha256[:10]} belongs to version {by_hash.id} ({by_hash.name}) of {owner}; AIR {by_hash.air}")

    step(4, f"Images of model {model.id} with their generation metadata")
    images = client.images.where_model_id(model.id).where_nsfw_level("None").with_meta().execute(limit=3).unwrap()
    if not images.items:
        images = client.images.where_nsfw_level("None").with_meta().execute(limit=3).unwrap()
    for image in images.items:
        meta = image.meta
        if meta is None:
            print(f"  image {image.id}: no metadata")
            continue
        prompt = " ".join((meta.prompt or "").split())[:70]
        print(f"  image {image.id}: seed {meta.seed}, {meta.steps} steps, {meta.sampler}, cfg {meta.cfg_scale}")
        print(f"    prompt: {prompt}")
    return by_hash, smallest


def tour_download(
    options: CivitaiApiOptions, client: CivitaiClient, version: ModelVersion, file: ModelFile, directory: Path
) -> Path | None:
    from civitai_kit.tools.downloads import DownloadService

    step(5, f"Download {file.name} ({file.size_kb or 0:,.0f} KB) and verify it against Civitai's SHA256")
    with DownloadService(options, client=client) as downloads:
        result = downloads.download_model_file(file, version, directory=directory)
    match result:
        case Failure(error):
            print(f"  download refused or failed: {error}")  # e.g. LOGIN_REQUIRED, EARLY_ACCESS
            return None
        case Success(done):
            state = "verified" if done.verified else "NOT verified"
            print(f"  saved {done.path.relative_to(directory)} ({done.size:,} bytes), SHA256 {state}")
            return done.path


def tour_hash(path: Path, file: ModelFile) -> None:
    from civitai_kit.tools.hashing import hash_file

    step(6, f"Hash {path.name} the way Civitai does (every algorithm, one read)")
    computed = hash_file(path)
    for algorithm in (HashAlgorithm.SHA256, HashAlgorithm.AUTOV2, HashAlgorithm.CRC32, HashAlgorithm.BLAKE3):
        mine, civitai = computed.get(algorithm), file.hashes.get(algorithm)
        agree = "" if civitai is None else ("  = Civitai's" if mine == civitai else "  ≠ Civitai's")
        print(f"  {algorithm.value:<7} {mine}{agree}")


def tour_identify(client: CivitaiClient, directory: Path) -> None:
    from civitai_kit.tools.library import LibraryScanner

    step(7, f"Identify every model file under {directory.name}/ (hash, then bulk lookups by hash)")
    with LibraryScanner(client) as scanner:  # closes the hash cache it opened
        records = scanner.identify_folder(directory)
    for record in records:
        found = f"{record.model_name} — version {record.version_id}" if record.identified else "unknown to Civitai"
        print(f"  {record.path.name}: {found} (matched by {record.matched_by})")


def tour_generate(options: CivitaiApiOptions, directory: Path) -> None:
    from civitai_kit.sdk import SdkClient

    step(8, "Generate an image (v2 textToImage workflow), wait for it and download it")
    with SdkClient(options) as sdk:
        workflow = (
            sdk.workflows.text_to_image()
            .with_model(CHECKPOINT)
            .with_prompt("a lighthouse on a cliff at dawn, oil painting")
            .with_size(512, 512)
            .submit(wait=60)  # the server may hold the request while it generates
            .unwrap()
        )
        if not workflow.is_terminal and workflow.id is not None:
            workflow = sdk.workflows.wait_for(workflow.id, timeout=600).unwrap()
        print(f"  workflow {workflow.id}: {workflow.status}")
        directory.mkdir(parents=True, exist_ok=True)
        for blob in workflow.images:
            saved = sdk.blobs.download(blob, directory).unwrap()
            print(f"  image {blob.width}x{blob.height} saved as {saved.name}")


if __name__ == "__main__":
    sys.exit(main())
