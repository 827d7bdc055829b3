"""Search models with filters and walk the results page by page (cursors are followed for you).

python examples/core_search_models.py [search text]
"""

from __future__ import annotations

import sys

from _sandbox import civitai_options

from civitai_kit.core import CivitaiClient, ModelSort, ModelType, TimePeriod


def main(search: str | None) -> int:
    with civitai_options() as options, CivitaiClient(options) as client:
        query = client.models.where_type(ModelType.LORA, ModelType.LOCON).order_by(ModelSort.MOST_DOWNLOADED)
        # A full-text search pages by cursor only; iterate() takes care of that.
        query = query.where_name(search) if search else query.where_period(TimePeriod.ALL_TIME)
        print(f"{query!r}\n")
        for model in query.iterate(page_size=10, max_items=15):
            version = model.latest_version
            creator = model.creator.username if model.creator else "Civitai"
            downloads = model.stats.download_count if model.stats else None
            base = version.base_model if version else "-"
            print(f"{model.id:>8}  {model.type!s:<10} {base:<14} {downloads!s:>7} dl  {model.name}  (by {creator})")

        first = client.models.where_nsfw(False).first_or_none()  # a Result: no exception for API trouble
        if first.is_failure:
            print(f"\nCould not list models: {first.error}")
            return 1
        print(f"\nFirst safe-for-work model: {first.value.name if first.value else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(" ".join(sys.argv[1:]) or None))
