"""How deep a call goes: the library functions and files one ``get_by_id`` and one async two-page ``iterate()``
pass through, against the sandbox on loopback (the server runs in other threads and is not counted).

    python scripts/call_path.py            # counts
    python scripts/call_path.py --frames   # and every function, in first-call order
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


class Recorder:
    """Every library function entered on this thread (generator resumptions count once, as their function)."""

    def __init__(self) -> None:
        self.functions: dict[CodeType, None] = {}

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        code = frame.f_code
        path = Path(code.co_filename)
        if path.is_relative_to(PACKAGE) and not path.is_relative_to(SKIPPED):
            self.functions.setdefault(code)

    def report(self, title: str, show: bool) -> None:
        files = {code.co_filename for code in self.functions}
        print(f"{title}: {len(self.functions)} library functions in {len(files)} files")
        if show:
            for code in self.functions:
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

        async def two_pages() -> None:
            async with AsyncCivitaiClient(options) as aclient:
                items = [item async for item in aclient.models.iterate(page_size=2, max_items=4)]
                assert len(items) == 4, len(items)

        traced("async iterate() over two pages", show, lambda: asyncio.run(two_pages()))


if __name__ == "__main__":
    main()
