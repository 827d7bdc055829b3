"""The async client: many lookups at once, and async iteration over pages.

python examples/core_async_concurrency.py [model-id ...]
"""

from __future__ import annotations

import asyncio
import sys

from _sandbox import civitai_options

from civitai_kit.core import AsyncCivitaiClient, ModelType


async def main(model_ids: list[int]) -> int:
    with civitai_options() as options:
        async with AsyncCivitaiClient(options) as client:
            # The client is safe to share between tasks; concurrency is bounded by RateLimit.MaxConcurrency.
            results = await asyncio.gather(*(client.models.get_by_id(model_id) for model_id in model_ids))
            for model_id, result in zip(model_ids, results, strict=True):
                print(f"{model_id:>8}: {result.value.name if result.is_success else result.error}")

            print("\nNewest checkpoints:")
            query = client.models.where_type(ModelType.CHECKPOINT).order_by("Newest")
            async for model in query.iterate(page_size=5, max_items=10):
                print(f"  {model.id:>8}  {model.name}")
    return 0


if __name__ == "__main__":
    ids = [int(arg) for arg in sys.argv[1:]] or [11821, 1102, 7984, 4769, 12828, 999999]
    sys.exit(asyncio.run(main(ids)))
