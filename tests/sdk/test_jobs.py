"""v1 jobs, coverage and usage over loopback (sync and async), with the wire format checked request by request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.sdk import AirIdentifier, JobStatusCollection
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.orchestration import FakeOrchestrator
from tests.support.sdk_support import SD1, SDXL, collect, resolve

LORA = "urn:air:sd1:lora:civitai:162141@182559"


def job(client: Any, prompt: str = "a cat", **properties: Any) -> Any:
    builder = (
        client.jobs.create_text_to_image()
        .with_model(SD1)
        .with_prompt(prompt)
        .with_negative_prompt("blurry")
        .with_size(512, 768)
        .with_steps(25)
        .with_cfg_scale(7)
        .with_seed(-1)
        .with_clip_skip(2)
        .with_scheduler("eulerA")
        .with_quantity(1)
        .with_additional_network(LORA, strength=0.8)
        .with_control_net("canny", image_url="https://example.com/edges.png")
        .with_priority((2, 8))
        .with_callback_url("https://example.com/done")
        .with_retries(1)
        .with_timeout(600)
    )
    for key, value in properties.items():
        builder = builder.with_property(key, value)
    return builder


async def execute(client: Any, builder: Any, **kwargs: Any) -> JobStatusCollection:
    result = await resolve(builder.execute(**kwargs))
    assert isinstance(result, Success), result
    collection: JobStatusCollection = result.value
    return collection


async def test_execute_then_poll_by_token_and_id(client: Any, server: FakeCivitai) -> None:
    submitted = await execute(client, job(client, userId=7))
    post = server.requests.snapshot()[-1]
    assert post.query_string == ""
    body = post.json()
    assert body["$type"] == "textToImage" and body["params"]["scheduler"] == "EulerA"
    assert body["params"]["clipSkip"] == 2 and "clipSkip" not in {k for k in body if k != "params"}
    assert body["additionalNetworks"] == {LORA: {"type": "Lora", "strength": 0.8}}
    assert body["priority"] == {"min": 2, "max": 8} and body["timeout"] == "00:10:00"
    first = submitted.jobs[0]
    assert submitted.token and first.scheduled and first.result and not first.result.available

    by_token = await resolve(client.jobs.query.with_detailed().get_by_token(submitted.token))
    assert by_token.value.jobs[0].is_complete and by_token.value.jobs[0].job["model"] == SD1
    assert server.requests.snapshot()[-1].query == {"token": submitted.token, "detailed": "true"}

    by_id = await resolve(client.jobs.query.with_wait().get_by_id(first.job_id))
    assert by_id.value.job_id == first.job_id and by_id.value.last_event.type == "Succeeded"
    assert server.requests.snapshot()[-1].query_string == ""  # the API has no wait on get-by-id


async def test_execute_with_wait_and_batch(client: Any, server: FakeCivitai) -> None:
    done = await execute(client, job(client), wait=True, detailed=True)
    assert done.jobs[0].is_complete and server.requests.snapshot()[-1].query == {"wait": "true", "detailed": "true"}

    batch = await resolve(job(client, "one").execute_batch([job(client, "two"), job(client, "three")]))
    assert isinstance(batch, Success) and len(batch.value.jobs) == 3
    sent = server.requests.snapshot()[-1].json()
    assert [item["params"]["prompt"] for item in sent["jobs"]] == ["one", "two", "three"]
    again = await resolve(client.jobs.query.get_by_token(batch.value.token))
    assert len(again.value.jobs) == 3


async def test_failed_job(client: Any) -> None:
    submitted = await execute(client, job(client, "[fail] please"))
    status = await resolve(client.jobs.query.get_by_id(submitted.jobs[0].job_id))
    assert status.value.failed and not status.value.is_complete


async def test_cancel_by_id_and_token(client: Any, server: FakeCivitai, orchestrator: FakeOrchestrator) -> None:
    one = await execute(client, job(client))
    job_id = one.jobs[0].job_id
    assert job_id is not None
    assert (await resolve(client.jobs.query.with_wait().cancel(job_id))).is_success
    delete = server.requests.snapshot()[-1]
    assert (delete.method, delete.path, delete.query) == ("DELETE", f"/v1/consumer/jobs/{job_id}", {"force": "true"})
    assert orchestrator.jobs[job_id].canceled

    batch = await execute(client, job(client))
    assert (await resolve(client.jobs.query.cancel(batch.token, force=False))).is_success
    delete = server.requests.snapshot()[-1]
    assert delete.path == "/v1/consumer/jobs" and delete.query == {"token": batch.token, "force": "false"}
    assert not orchestrator.jobs[str(batch.jobs[0].job_id)].canceled  # force=false leaves running jobs
    missing = await resolve(client.jobs.query.cancel("00000000-0000-0000-0000-000000000000"))
    assert isinstance(missing, Failure) and missing.error.code == ErrorCode.NOT_FOUND


async def test_taint_by_id_and_token(client: Any, server: FakeCivitai, orchestrator: FakeOrchestrator) -> None:
    submitted = await execute(client, job(client, kind="a"))
    job_id = submitted.jobs[0].job_id
    assert job_id is not None
    one = await resolve(client.jobs.query.taint(job_id, reason="nsfw", context={"by": "mod"}))
    assert one == Success(one.value) and one.value.jobs == 1
    put = server.requests.snapshot()[-1]
    assert (put.method, put.path, put.json()) == (
        "PUT",
        f"/v1/consumer/jobs/{job_id}",
        {"reason": "nsfw", "context": {"by": "mod"}},
    )
    many = await resolve(client.jobs.query.taint(submitted.token, reason="spam", properties={"kind": "a"}))
    assert many.value.jobs == 1 and orchestrator.jobs[job_id].taint == {"reason": "spam", "properties": {"kind": "a"}}
    with pytest.raises(ValueError, match="properties"):
        client.jobs.query.taint(job_id, properties={"kind": "a"})


async def test_query_by_properties_is_cursor_paged(client: Any, server: FakeCivitai) -> None:
    for index in range(5):
        await execute(client, job(client, f"p{index}", batch="b1", index=index))
    await execute(client, job(client, batch="other"))
    first = await resolve(client.jobs.query.where_property("batch", "b1").execute())
    assert len(first.value.jobs) == 2 and first.value.cursor
    body = server.requests.snapshot()[-1].json()
    assert body == {"properties": {"batch": "b1"}}
    every = await collect(client.jobs.query.where_properties({"batch": "b1"}).with_detailed().iterate())
    assert [j.properties["index"] for j in every] == [0, 1, 2, 3, 4]
    assert server.requests.snapshot()[-1].json()["cursor"] == "4"
    with pytest.raises(ValueError, match="property filter"):
        client.jobs.query.execute()


async def test_coverage_one_and_many(client: Any, server: FakeCivitai) -> None:
    one = await resolve(client.coverage.get(LORA))
    assert isinstance(one, Success) and one.value.is_available and one.value.workers == 1
    many = await resolve(
        client.coverage.get([SDXL, AirIdentifier.parse("urn:air:sd1:checkpoint:civitai:107842@275408")])
    )
    assert isinstance(many, Success)
    assert many.value[AirIdentifier.parse(SDXL)].availability == "Available"
    assert many.value[AirIdentifier.parse("urn:air:sd1:checkpoint:civitai:107842@275408")].availability == "Unsupported"
    assert server.requests.snapshot()[-1].query_all("model") == [SDXL, "urn:air:sd1:checkpoint:civitai:107842@275408"]
    unknown = await resolve(client.coverage.get("urn:air:sd1:lora:civitai:1@2"))
    assert unknown.value.availability == "Unknown" and not unknown.value.is_available
    with pytest.raises(ValueError, match="at least one"):
        client.coverage.get([])


async def test_consumption(client: Any, server: FakeCivitai) -> None:
    await execute(client, job(client), wait=True)
    total = await resolve(client.usage.get_consumption())
    assert isinstance(total, Success) and total.value.images == 1 and total.value.total_cost == Decimal("1.2")
    assert server.requests.snapshot()[-1].query_string == ""
    start = datetime.now(UTC) + timedelta(days=1)
    later = await resolve(client.usage.get_consumption(start=start, end=start + timedelta(days=1)))
    assert later.value.images == 0 and later.value.start_date is not None
    assert server.requests.snapshot()[-1].query["startDate"] == start.isoformat()
    with pytest.raises(ValueError, match="start"):
        client.usage.get_consumption(start=start, end=start - timedelta(days=2))


async def test_bad_wire_is_refused_by_the_fake(client: Any, server: FakeCivitai) -> None:
    """The fake rejects CivitaiSharp's wire mistakes, so the tests above prove the SDK avoids them."""
    from civitai_kit._http import ApiRequest

    bad = {"$type": "textToImage", "model": SD1, "clipSkip": 2, "params": {"prompt": "x", "scheduler": "euler_a"}}
    http = client.http
    result = await resolve(http.send(ApiRequest("POST", "/v1/consumer/jobs", json=bad)))
    assert isinstance(result, Failure) and result.error.http_status == 400
    for words in ("clipSkip: unknown field", "width: required", "'euler_a' is not a Scheduler"):
        assert words in result.error.message
