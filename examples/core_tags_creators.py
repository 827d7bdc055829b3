"""List tags and creators (page-numbered endpoints with totals).

python examples/core_tags_creators.py [name filter]
"""

from __future__ import annotations

import sys

from _sandbox import civitai_options

from civitai_kit.core import CivitaiClient


def main(name: str | None) -> int:
    with civitai_options() as options, CivitaiClient(options) as client:
        tags = client.tags.where_name(name) if name else client.tags
        page = tags.execute(limit=10).unwrap()
        print(f"Tags: {page.total_items} in {page.total_pages} page(s); first page:")
        for tag in page.items:
            print(f"  {tag.name:<24} {tag.link}")

        creators = client.creators.where_name(name) if name else client.creators
        print("\nCreators:")
        for creator in creators.iterate(page_size=10, max_items=12):
            print(f"  {creator.username:<24} {creator.model_count or 0:>4} model(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(" ".join(sys.argv[1:]) or None))
