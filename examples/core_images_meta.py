"""Browse images with their generation metadata (prompt, seed, sampler, resources).

python examples/core_images_meta.py [model-id]
"""

from __future__ import annotations

import sys

from _sandbox import civitai_options

from civitai_kit.core import CivitaiClient, ImageSort, NsfwLevel


def main(model_id: int | None) -> int:
    with civitai_options() as options, CivitaiClient(options) as client:
        query = client.images.with_meta().order_by(ImageSort.MOST_REACTIONS).where_nsfw_level(NsfwLevel.NONE)
        if model_id is not None:
            query = query.where_model_id(model_id)
        for image in query.iterate(page_size=20, max_items=8):
            print(f"#{image.id} {image.width}x{image.height} {image.type} level {image.nsfw_level} by {image.username}")
            meta = image.meta
            if meta is None:
                print("   (no generation data)")
                continue
            prompt = (meta.prompt or "").replace("\n", " ")
            print(f"   prompt: {prompt[:90]}{'…' if len(prompt) > 90 else ''}")
            print(f"   seed {meta.seed}, {meta.steps} steps, {meta.sampler}, CFG {meta.cfg_scale}")
            for resource in meta.resources:
                print(f"   uses {resource.type} {resource.name} (weight {resource.weight}, hash {resource.hash})")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else None))
