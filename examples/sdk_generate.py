"""Generate an image with a v2 ``textToImage`` workflow, wait for it, and download the results.

python examples/sdk_generate.py [output-directory]
"""

from __future__ import annotations

import sys
from pathlib import Path

from _sandbox import open_sdk

from civitai_kit.sdk import Scheduler

CHECKPOINT = "urn:air:sdxl:checkpoint:civitai:101055@128078"  # SDXL 1.0


def main(output: Path) -> int:
    with open_sdk() as sdk:
        submitted = (
            sdk.workflows.text_to_image()
            .with_model(CHECKPOINT)
            .with_prompt("a lighthouse on a cliff at dawn, oil painting")
            .with_negative_prompt("blurry, low quality")
            .with_size(1024, 1024)
            .with_steps(30)
            .with_scheduler(Scheduler.EULER_A)
            .with_quantity(2)
            .with_tags("civitai-kit-example")
            .submit(wait=30)  # the server may hold the request up to 30 s until the images are done
        )
        if not submitted.is_success:
            print(f"Submit failed: {submitted.error}")
            return 1
        workflow_id = submitted.value.id or ""
        print(f"Submitted workflow {workflow_id} ({submitted.value.status})")
        # Returns at once if it is already done; otherwise polls at 2, 5, 10, 15, then every 30 s.
        finished = sdk.workflows.wait_for(workflow_id, timeout=600)
        if not finished.is_success:
            print(f"Waiting failed: {finished.error}")
            return 1
        workflow = finished.value
        print(f"Workflow {workflow.id} {workflow.status} (cost {workflow.cost.total if workflow.cost else '?'} Buzz)")
        output.mkdir(parents=True, exist_ok=True)
        for image in workflow.images:
            saved = sdk.blobs.download(image, output, overwrite=True)
            if saved.is_success:
                print(f"  {image.width}x{image.height} {image.nsfw_level}: {saved.value}")
            else:
                print(f"  {image.id}: {saved.error}")
        return 0 if workflow.succeeded else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "generated")))
