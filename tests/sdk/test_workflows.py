"""v2 workflows end to end over loopback, each test against the sync and the async client."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from civitai_kit._http import ApiRequest, AsyncHttpClient, HttpClient
from civitai_kit.errors import BadRequestError, ErrorCode
from civitai_kit.result import Failure, Success
from civitai_kit.sdk import AsyncSdkClient, SdkClient, Workflow, WorkflowStatus
from civitai_kit.testing import FakeCivitai, Fault
from civitai_kit.testing.orchestration import FakeOrchestrator, install_orchestration_routes
from tests.support.sdk_support import SD1, SDXL, TOKEN, collect, resolve, settings_for


def text_to_image(client: Any, prompt: str = "a lighthouse at dawn") -> Any:
    return client.workflows.text_to_image().with_model(SDXL).with_prompt(prompt).with_size(1024, 768)


async def submit(client: Any, builder: Any, **kwargs: Any) -> Workflow:
    result = await resolve(builder.submit(**kwargs))
    assert isinstance(result, Success), result
    workflow: Workflow = result.value
    return workflow


async def test_submit_then_wait_for_polls_on_the_documented_schedule(
    client: Any, server: FakeCivitai, fake_time: Any
) -> None:
    workflow = await submit(client, text_to_image(client).with_quantity(2).with_tags("demo"))
    assert workflow.status == WorkflowStatus.UNASSIGNED and workflow.id
    post = server.requests.snapshot()[-1]
    assert post.method == "POST" and post.path == "/v2/consumer/workflows" and post.query_string == ""
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    assert post.json()["steps"][0]["input"]["model"] == SDXL

    done = await resolve(client.workflows.wait_for(workflow.id, timeout=600))
    assert isinstance(done, Success) and done.value.status == WorkflowStatus.SUCCEEDED
    assert fake_time.sleeps == [2.0, 5.0]  # three reads: scheduled, processing, succeeded
    images = done.value.images
    assert len(images) == 2 and all(image.available and image.url and image.url_expires_at for image in images)
    assert all(image.nsfw_level == "pg" and not image.is_expired() for image in images)
    assert done.value.cost is not None and done.value.cost.total == 2  # two 1-megapixel images


async def test_wait_for_times_out_carrying_the_last_state(
    client: Any, orchestrator: FakeOrchestrator, fake_time: Any
) -> None:
    orchestrator.polls_per_stage = 1000  # never finishes
    workflow = await submit(client, text_to_image(client))
    result = await resolve(client.workflows.wait_for(workflow.id, timeout=120))
    assert isinstance(result, Failure) and result.error.code == ErrorCode.TIMEOUT
    assert fake_time.sleeps == [2.0, 5.0, 10.0, 15.0, 30.0, 30.0, 28.0]  # never past the deadline
    details = result.error.details
    assert details is not None
    last = details["workflow"]
    assert isinstance(last, Workflow) and last.id == workflow.id and last.status == "unassigned"
    assert details["status"] == "unassigned"


async def test_submit_with_wait_returns_the_finished_workflow(client: Any, server: FakeCivitai) -> None:
    workflow = await submit(client, text_to_image(client), wait=30)
    assert workflow.succeeded and workflow.images
    assert server.requests.snapshot()[-1].query == {"wait": "30"}


async def test_whatif_estimates_without_creating(
    client: Any, orchestrator: FakeOrchestrator, server: FakeCivitai
) -> None:
    estimate = await submit(client, text_to_image(client), whatif=True)
    assert estimate.cost is not None and estimate.cost.total
    assert estimate.transactions is not None and estimate.transactions.insufficient_buzz is False
    assert orchestrator.workflows == {}
    assert server.requests.snapshot()[-1].query == {"whatif": "true"}


async def test_failed_workflow(client: Any) -> None:
    result = await resolve(client.workflows.submit_and_wait(text_to_image(client, "please [fail]")))
    assert isinstance(result, Success)
    workflow = result.value
    assert workflow.status == WorkflowStatus.FAILED and workflow.is_terminal and not workflow.succeeded
    assert workflow.images == []
    assert workflow.steps[0].output is not None and workflow.steps[0].output.images == []
    gen = client.workflows.image_gen("sdcpp", "sdxl").with_model(SDXL).with_prompt("[fail]")
    failed_gen = (await resolve(gen.submit(wait=5))).value
    assert failed_gen.status == "failed" and failed_gen.steps[0].output.errors


async def test_cancel_mid_run(client: Any, orchestrator: FakeOrchestrator, server: FakeCivitai) -> None:
    workflow = await submit(client, text_to_image(client))
    polled = await resolve(client.workflows.get(workflow.id))
    assert polled.value.status == WorkflowStatus.SCHEDULED
    assert isinstance(await resolve(client.workflows.cancel(workflow.id)), Success)
    put = server.requests.snapshot()[-1]
    assert (put.method, put.path, put.json()) == (
        "PUT",
        f"/v2/consumer/workflows/{workflow.id}",
        {"status": "canceled"},
    )
    final = await resolve(client.workflows.wait_for(workflow.id))
    assert final.value.status == WorkflowStatus.CANCELED and final.value.images == []


async def test_get_missing_workflow_is_not_found_with_the_servers_words(client: Any) -> None:
    result = await resolve(client.workflows.get("123-missing"))
    assert isinstance(result, Failure) and result.error.code == ErrorCode.NOT_FOUND
    assert "123-missing was not found" in result.error.message


async def test_update_tags_steps_and_delete(client: Any, orchestrator: FakeOrchestrator) -> None:
    echo = client.workflows.step("echo", {"message": "hello"}).with_name("greet")
    multi = client.workflows.new().add_step(echo).add_step(text_to_image(client).with_name("draw")).with_tags("a")
    workflow = await submit(client, multi, wait=5)
    wf_id = workflow.id
    assert wf_id is not None
    assert [step.name for step in workflow.steps] == ["greet", "draw"]
    assert workflow.steps[0].output is not None and workflow.steps[0].output.model_extra == {"message": "hello"}

    assert (await resolve(client.workflows.add_tag(wf_id, "b"))).is_success
    assert (await resolve(client.workflows.update(wf_id, metadata={"k": "v"}, allow_mature_content=False))).is_success
    fetched = (await resolve(client.workflows.get(wf_id))).value
    assert fetched.tags == ["a", "b"] and fetched.metadata == {"k": "v"} and fetched.allow_mature_content is False
    assert (await resolve(client.workflows.remove_tag(wf_id, "a"))).is_success
    assert orchestrator.workflows[wf_id].tags == ["b"]
    assert (await resolve(client.workflows.remove_tag(wf_id))).is_success
    assert orchestrator.workflows[wf_id].tags == []

    step = await resolve(client.workflows.get_step(wf_id, "draw"))
    assert step.value.type == "textToImage" and step.value.images
    assert (await resolve(client.workflows.update_step(wf_id, "draw", {"rating": 5}))).is_success
    assert (await resolve(client.workflows.get_step(wf_id, "draw"))).value.metadata == {"rating": 5}
    missing = await resolve(client.workflows.get_step(wf_id, "nope"))
    assert missing.error.code == ErrorCode.NOT_FOUND

    assert (await resolve(client.workflows.delete(wf_id))).is_success
    assert (await resolve(client.workflows.get(wf_id))).error.code == ErrorCode.NOT_FOUND
    with pytest.raises(ValueError, match="update"):
        client.workflows.update(wf_id)


async def test_query_follows_the_next_cursor(client: Any, server: FakeCivitai) -> None:
    for index in range(5):
        await submit(client, text_to_image(client, f"prompt {index}").with_tags("batch").with_metadata(run=index))
    await submit(client, text_to_image(client).with_tags("other"))

    found = await collect(client.workflows.query(tags=["batch"], page_size=2, ascending=True))
    assert [w.metadata["run"] for w in found] == [0, 1, 2, 3, 4]
    pages = [r for r in server.requests.snapshot() if r.method == "GET" and r.path == "/v2/consumer/workflows"]
    assert len(pages) == 3 and "cursor" not in pages[0].query and pages[1].query["cursor"]
    assert pages[0].query_all("tags") == ["batch"] and pages[0].query["take"] == "2"

    limited = await collect(client.workflows.query(page_size=2, max_items=3))
    assert len(limited) == 3
    by_meta = await collect(client.workflows.query(query='"run": 3'))
    assert [w.metadata["run"] for w in by_meta] == [3]
    with pytest.raises(ValueError, match="take"):
        client.workflows.query(page_size=0)


async def test_a_failed_page_raises(client: Any, server: FakeCivitai) -> None:
    server.faults.add(Fault.status(400, {"title": "Bad cursor", "status": 400}), path="/v2/consumer/workflows")
    with pytest.raises(BadRequestError, match="Bad cursor"):
        await collect(client.workflows.query())


async def test_submit_is_retried_only_with_an_external_id(client: Any, server: FakeCivitai) -> None:
    server.faults.add(Fault.status(503), path="/v2/consumer/workflows", method="POST")
    plain = await resolve(text_to_image(client).submit())
    assert isinstance(plain, Failure) and plain.error.code == ErrorCode.SERVICE_UNAVAILABLE
    posts = [r for r in server.requests.snapshot() if r.method == "POST"]
    assert len(posts) == 1

    server.faults.add(Fault.status(503), path="/v2/consumer/workflows", method="POST")
    keyed = await resolve(text_to_image(client).with_external_id("order-42").submit())
    assert isinstance(keyed, Success) and keyed.value.external_id == "order-42"
    posts = [r for r in server.requests.snapshot() if r.method == "POST"]
    assert len(posts) == 3 and posts[-1].headers["idempotency-key"] == "order-42"

    again = await resolve(text_to_image(client).with_external_id("order-42").submit())
    assert again.value.id == keyed.value.id  # the server's idempotency: same workflow back


async def test_invalid_input_never_reaches_the_server(client: Any, server: FakeCivitai) -> None:
    with pytest.raises(ValueError, match="model"):
        client.workflows.text_to_image().with_prompt("no model").submit()
    with pytest.raises(ValueError, match="prompt"):
        client.workflows.text_to_image().with_model(SD1).submit()
    with pytest.raises(ValueError, match="wait"):
        text_to_image(client).submit(wait=101)
    with pytest.raises(ValueError, match="ephemeral"):
        text_to_image(client).with_ephemeral().submit()
    assert server.requests.snapshot() == []


async def test_server_side_validation_is_a_precise_failure(client: Any) -> None:
    raw = {"steps": [{"$type": "textToImage", "input": {"model": SDXL, "cfgScale": 7, "seed": 1}}], "currencies": []}
    result = await resolve(client.workflows.submit(raw))
    assert isinstance(result, Failure) and result.error.code == ErrorCode.VALIDATION_FAILED
    assert "prompt" in result.error.message and result.error.http_status == 400


async def test_image_gen_builder_runs(client: Any) -> None:
    builder = (
        client.workflows.image_gen("comfy", "sdxl")
        .with_model(SDXL)
        .with_prompt("a castle")
        .with_sampler("dpmpp_2m")
        .with_scheduler("karras")
        .with_quantity(3)
    )
    workflow = await submit(client, builder, wait=10)
    assert workflow.succeeded and len(workflow.images) == 3
    assert workflow.steps[0].input is not None and workflow.steps[0].input["engine"] == "comfy"


def test_every_route_requires_a_bearer_token(fake_civitai: FakeCivitai) -> None:
    install_orchestration_routes(fake_civitai, tokens={TOKEN})
    with HttpClient(settings_for(fake_civitai)) as http:
        for method, path in (
            ("GET", "/v2/consumer/workflows"),
            ("POST", "/v1/consumer/jobs/query"),
            ("GET", "/v2/resources/urn:air:sd1:lora:civitai:1@2"),
        ):
            anonymous = http.send(ApiRequest(method, path, auth=False))
            assert isinstance(anonymous, Failure) and anonymous.error.http_status == 401
            assert anonymous.error.message.startswith("A valid Bearer token is required.")
    answered = [r for r in fake_civitai.requests.snapshot() if "authorization" not in r.headers]
    assert len(answered) == 3
    with SdkClient(http_client=HttpClient(settings_for(fake_civitai, token="sk-wrong"))) as sdk:
        result = sdk.workflows.get("1")
    assert isinstance(result, Failure) and result.error.code == ErrorCode.UNAUTHORIZED
    assert "came from test" in result.error.message and "sk-wrong" not in str(result.error)


async def test_bad_arguments_raise_before_anything_is_sent(client: Any, server: FakeCivitai) -> None:
    # A single string is not a list of tags: querying its letters ("d", "e", "m", "o") would be wrong.
    with pytest.raises(TypeError, match="tags"):
        client.workflows.query(tags="demo")
    # A bad timeout must not be found only after the (paid) submission went out.
    with pytest.raises(ValueError, match="timeout"):
        await resolve(client.workflows.submit_and_wait(text_to_image(client), timeout=-1))
    assert server.requests.snapshot() == []


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_wait_longer_than_the_client_timeout_is_waited_for(
    server: FakeCivitai, orchestrator: FakeOrchestrator, mode: str
) -> None:
    """``wait`` lets the server hold the request; a shorter configured timeout must not cut it (a POST without
    ``externalId`` is not retried, so the workflow would run and be paid for while the caller sees a failure)."""
    settings = replace(settings_for(server), timeout=0.3)
    server.faults.add(Fault.delay(0.6), path="/v2/consumer/workflows", method="POST")
    server.faults.add(Fault.delay(0.6), path="/v2/consumer/workflows/", method="GET")
    if mode == "sync":
        with HttpClient(settings) as http:
            sdk = SdkClient(http_client=http)
            submitted = sdk.workflows.text_to_image().with_model(SDXL).with_prompt("slow").submit(wait=1)
            assert isinstance(submitted, Success) and submitted.value.id, submitted
            fetched = sdk.workflows.get(submitted.value.id, wait=1)
    else:
        async with AsyncHttpClient(settings) as ahttp:
            asdk = AsyncSdkClient(http_client=ahttp)
            submitted = await asdk.workflows.text_to_image().with_model(SDXL).with_prompt("slow").submit(wait=1)
            assert isinstance(submitted, Success) and submitted.value.id, submitted
            fetched = await asdk.workflows.get(submitted.value.id, wait=1)
    assert isinstance(fetched, Success) and fetched.value.succeeded
    assert len([r for r in server.requests.snapshot() if r.method == "POST"]) == 1
