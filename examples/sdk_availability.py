"""Check whether models can be used for generation right now (v2 resources, and v1 coverage).

python examples/sdk_availability.py [AIR ...]
"""

from __future__ import annotations

import sys

from _sandbox import open_sdk

DEFAULT_AIRS = [
    "urn:air:sdxl:checkpoint:civitai:101055@128078",
    "urn:air:sd1:checkpoint:civitai:4384@128713",
    "urn:air:sdxl:lora:civitai:328553@368189",
]


def main(airs: list[str]) -> int:
    with open_sdk() as sdk:
        for air in airs:
            info = sdk.resources.get(air)
            if not info.is_success:
                print(f"{air}: {info.error}")
                continue
            resource = info.value
            state = resource.availability.status if resource.availability else "unknown"
            workers = getattr(resource.availability, "workers", None)  # unavailable resources have no workers
            verdict = "ready" if resource.is_available else "not ready"
            print(f"{air}: {resource.resource_name} — {verdict} ({state}, workers: {workers})")
        coverage = sdk.coverage.get(airs)
        if coverage.is_success:
            print("\nv1 coverage:")
            for model, availability in coverage.value.items():
                print(f"  {model}: {availability.availability} ({availability.workers} workers)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or DEFAULT_AIRS))
