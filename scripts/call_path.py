"""How deep a call goes, for one ``get_by_id`` and one async two-page ``iterate()`` against the sandbox on
loopback (the server runs in other threads and is not counted). Two measures:

* the **path**: the library frames on the stack when the request enters the httpx transport and when the
  body enters pydantic — what a debugger shows stopped there (httpx's own ``Client.get`` is 7 frames in 2
  files by this measure);
* **touched**: every library function called at all, small helpers included.

    python scripts/call_path.py            # counts
    python scripts/call_path.py --frames   # and the path's functions, outermost first
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from civitai_kit import AsyncCivitaiClient, CivitaiApiOptions, CivitaiClient
from civitai_kit.testing.sandbox import start_sandbox

PACKAGE = Path(__import__("civitai_kit").__file__).parent
SKIPPED = PACKAGE / "testing"


STOPS = {"handle_request", "handle_async_request", "model_validate", "validate_python"}
"""Where the path is read off the stack: the transport's entry and pydantic's (and building the httpx
request, when the operations that decide it are on the stack)."""
HTTPX_MODELS = "httpx/_models.py"


def _ours(code: CodeType) -> bool:
    path = Path(code.co_filename)
    return path.is_relative_to(PACKAGE) and not path.is_relative_to(SKIPPED)


class Recorder:
    """Library functions entered on this thread (generator resumptions count once, as their function)."""

    def __init__(self) -> None:
        self.touched: dict[CodeType, None] = {}
        self.path: dict[CodeType, None] = {}

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        code = frame.f_code
        if _ours(code):
            self.touched.setdefault(code)
        elif code.co_name in STOPS or (code.co_name == "__init__" and code.co_filename.endswith(HTTPX_MODELS)):
            stack: list[CodeType] = []
            caller: FrameType | None = frame
            while caller is not None:
                if _ours(caller.f_code):
                    stack.append(caller.f_code)
                caller = caller.f_back
            for function in reversed(stack):
                self.path.setdefault(function)

    def report(self, title: str, show: bool) -> None:
        def files(codes: dict[CodeType, None]) -> int:
            return len({code.co_filename for code in codes})

        print(
            f"{title}: path {len(self.path)} functions in {files(self.path)} files; "
            f"touched {len(self.touched)} functions in {files(self.touched)} files"
        )
        if show:
            for code in self.path:
                where = Path(code.co_filename).relative_to(PACKAGE)
                print(f"    {where}:{code.co_firstlineno} {code.co_qualname}")


def traced(title: str, show: bool, call: Callable[[], Any]) -> None:
    call()  # warm: imports and lazy set-up are not part of the path
    recorder = Recorder()
    sys.setprofile(recorder)
    try:
        call()
    finally:
        sys.setprofile(None)
    recorder.report(title, show)


def main() -> None:
    show = "--frames" in sys.argv
    with start_sandbox() as sandbox:
        options = CivitaiApiOptions(base_url=sandbox.url)
        with CivitaiClient(options) as client:
            model_id = client.models.execute(limit=1).unwrap().items[0].id
            traced("get_by_id", show, lambda: client.models.get_by_id(model_id).unwrap())

        with asyncio.Runner() as loop:
            aclient = AsyncCivitaiClient(options)

            async def two_pages() -> None:
                items = [item async for item in aclient.models.iterate(page_size=2, max_items=4)]
                assert len(items) == 4, len(items)

            traced("async iterate() over two pages", show, lambda: loop.run(two_pages()))
            loop.run(aclient.aclose())


if __name__ == "__main__":
    main()
