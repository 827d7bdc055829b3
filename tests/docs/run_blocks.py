"""Runs a page's Python blocks (JSON ``[[where, code], ...]`` on stdin) in one namespace, like one session.

Used by ``test_snippets.py`` in a fresh interpreter; a failing block is named on stderr with its traceback.
Before each block the names a page may use without defining them — ``options``, ``client``, ``sdk``,
``downloads`` and ``container`` (``add_civitai_api()`` applied), all configured from the environment like any
program — are bound to open objects, unless the page bound the name to something of another type (an earlier
``with CivitaiClient() as client:`` leaves a closed client behind, which is replaced).
"""

from __future__ import annotations

import ast
import asyncio
import json
import sys
import traceback


def given() -> dict[str, object]:
    """The open objects a block may use without defining them."""
    from civitai_kit import CivitaiApiOptions, CivitaiClient, CivitaiContainer, DownloadService, SdkClient

    options = CivitaiApiOptions()
    container = CivitaiContainer()
    container.add_civitai_api()
    return {
        "options": options,
        "client": CivitaiClient(options),
        "sdk": SdkClient(options),
        "downloads": DownloadService(options),
        "container": container,
    }


def main() -> int:
    namespace: dict[str, object] = {"__name__": "__main__"}
    failed = 0
    for where, code in json.load(sys.stdin):
        for name, value in given().items():
            if name not in namespace or type(namespace[name]) is type(value):
                namespace[name] = value
        try:
            compiled = compile(code, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            outcome = eval(compiled, namespace)
            if asyncio.iscoroutine(outcome):
                asyncio.run(outcome)
        except BaseException as exc:  # report every failing block of the page, not only the first
            print(f"FAILED: the block at {where}: {type(exc).__name__}: {exc}"[:400], file=sys.stderr)
            traceback.print_exc(limit=-3)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
