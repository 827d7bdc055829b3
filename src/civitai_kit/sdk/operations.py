"""Which SDK method calls each operation of the v2 spec (``operationId`` → ``sdk.<service>.<method>``): the
data behind the tests that call every operation and the docs' coverage table. Recipes
(``Invoke…StepTemplate``) are listed by ``recipes.RECIPES``."""

from __future__ import annotations

OPERATIONS: dict[str, str] = {
    "GetBlob": "blobs.get_url",
    "HeadBlob": "blobs.exists",
    "GetConsumerBlobUploadUrl": "blobs.upload_url",
    "UploadConsumerBlob": "blobs.upload",
    "GetBlobContent": "blobs.download_link",
    "GetBlockedContent": "blobs.download_link",
    "GetBlobArchive": "blobs.download_link",
    "RefreshBlob": "blobs.refresh",
    "GetStreamingBlob": "blobs.download_streaming",
    "InvalidateUserCache": "users.invalidate_cache",
    "InvalidateUserTokens": "users.invalidate_tokens",
    "QueryResources": "resources.query",
    "GetResource": "resources.get",
    "ListServices": "services.list",
    "GetService": "services.get",
    "SubmitWorkflow": "workflows.submit",
    "QueryWorkflows": "workflows.query",
    "GetWorkflow": "workflows.get",
    "UpdateWorkflow": "workflows.update",
    "PatchWorkflow": "workflows.patch",
    "DeleteWorkflow": "workflows.delete",
    "AddWorkflowTag": "workflows.add_tag",
    "RemoveAllWorkflowTags": "workflows.remove_tag",
    "RemoveWorkflowTag": "workflows.remove_tag",
    "GetWorkflowStep": "workflows.get_step",
    "UpdateWorkflowStep": "workflows.update_step",
    "PatchWorkflowStep": "workflows.patch_step",
}
"""Every non-recipe operation the SDK wraps."""

NOT_YET: dict[str, str] = {}
"""Operations of the spec the SDK does not call yet, with why."""
