"""The shared runtime: operations need a client, pagination guards, retries of idempotent reads."""

from __future__ import annotations

from typing import Any

import pytest

from civitai_kit.errors import CivitaiError, Error, ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.sdk.builders import TextToImageBuilder
from civitai_kit.sdk.pagination import CursorWalk
from civitai_kit.testing import FakeCivitai, Fault
from tests.support.sdk_support import SDXL, resolve


def test_an_unbound_builder_explains_how_to_submit() -> None:
    builder: TextToImageBuilder[Any] = TextToImageBuilder().with_model(SDXL).with_prompt("x")
    with pytest.raises(TypeError, match=r"TextToImageBuilder\.submit\(\) needs a client"):
        builder.submit()
    assert builder.build().to_json()["steps"][0]["input"]["prompt"] == "x"


def test_page_walk_stops_on_a_repeated_cursor_an_empty_page_or_enough_items() -> None:
    walk: CursorWalk[int] = CursorWalk(max_items=None)
    assert walk.accept(Success(([1, 2], "c1"))) == [1, 2] and not walk.done
    assert walk.accept(Success(([3], "c1"))) == [3] and walk.done  # the server repeated itself
    empty: CursorWalk[int] = CursorWalk(max_items=None)
    empty.accept(Success(([], "c9")))
    assert empty.done
    limited: CursorWalk[int] = CursorWalk(max_items=3)
    assert limited.accept(Success(([1, 2], "a"))) == [1, 2]
    assert limited.accept(Success(([3, 4], "b"))) == [3] and limited.done
    with pytest.raises(CivitaiError, match="boom"):
        CursorWalk[int](max_items=None).accept(Failure(Error(ErrorCode.SERVER_ERROR, "boom")))


async def test_reads_survive_a_rate_limit(client: Any, server: FakeCivitai, fake_time: Any) -> None:
    submitted = (await resolve(client.workflows.text_to_image().with_model(SDXL).with_prompt("x").submit())).value
    server.faults.add(
        Fault.status(429, {"title": "Too Many Requests", "status": 429}, retry_after=1),
        path=f"/v2/consumer/workflows/{submitted.id}",
        times=1,
    )
    done = await resolve(client.workflows.wait_for(submitted.id))
    assert isinstance(done, Success) and done.value.succeeded
    # One driver waits for both: the 429's Retry-After (1 s, decided by _http), then the unchanged poll schedule.
    assert fake_time.sleeps == [1.0, 2.0, 5.0]
    reads = [r for r in server.requests.snapshot() if r.method == "GET"]
    assert len(reads) == 4


async def test_hide_mature_content_is_sent(client: Any, server: FakeCivitai) -> None:
    submitted = (await resolve(client.workflows.text_to_image().with_model(SDXL).with_prompt("x").submit())).value
    await resolve(client.workflows.get(submitted.id, hide_mature_content=True, wait=3))
    assert server.requests.snapshot()[-1].query == {"hideMatureContent": "true", "wait": "3"}
