"""The spec validator for tests: [`civitai_kit.testing.openapi_contract`][] (the sandbox's own), plus the v1
document, which only the tests' fixtures hold.

    v2().assert_valid("WorkflowTemplate", body)
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from civitai_kit.testing.openapi_contract import OpenApi, v2_contract

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "orchestration"


def v2() -> OpenApi:
    return v2_contract()


@cache
def v1() -> OpenApi:
    return OpenApi(json.loads((FIXTURES / "v1-consumer-openapi.json").read_text(encoding="utf-8")))


__all__ = ["FIXTURES", "OpenApi", "v1", "v2"]
