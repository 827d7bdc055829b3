"""Submit a workflow, look at it once, and cancel it before it finishes.

python examples/sdk_cancel.py
"""

from __future__ import annotations

import sys

from _sandbox import open_sdk

CHECKPOINT = "urn:air:sd1:checkpoint:civitai:4384@128713"


def main() -> int:
    with open_sdk() as sdk:
        builder = sdk.workflows.text_to_image().with_model(CHECKPOINT).with_prompt("a quiet harbour at night")
        submitted = builder.with_external_id("civitai-kit-cancel-example").submit()
        if not submitted.is_success:
            print(f"Submit failed: {submitted.error}")
            return 1
        workflow_id = submitted.value.id or ""
        current = sdk.workflows.get(workflow_id)
        print(f"Workflow {workflow_id} is {current.value.status if current.is_success else current.error}")
        canceled = sdk.workflows.cancel(workflow_id)
        if not canceled.is_success:
            print(f"Cancel failed: {canceled.error}")
            return 1
        final = sdk.workflows.wait_for(workflow_id, timeout=120)
        if not final.is_success:
            print(f"Could not confirm: {final.error}")
            return 1
        print(f"After cancelling it is {final.value.status}; unspent Buzz is refunded.")
        return 0 if final.value.status == "canceled" else 1


if __name__ == "__main__":
    sys.exit(main())
