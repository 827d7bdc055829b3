"""Parallel requests, the thread-safe logs, and fault rules taken under contention."""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from civitai_kit.testing import FakeCivitai, FakeRequest, FakeResponse, Fault

PARALLEL = 50


def test_fifty_requests_are_served_at_the_same_time(fake_civitai: FakeCivitai) -> None:
    # Every handler waits until all 50 are inside: only a server that runs them concurrently gets past it.
    barrier = threading.Barrier(PARALLEL, timeout=10)

    def gather(request: FakeRequest) -> FakeResponse:
        barrier.wait()
        return FakeResponse.json({"n": int(request.query["n"])})

    fake_civitai.add_route("GET", "/api/v1/images", gather)

    def call(n: int) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", fake_civitai.port, timeout=15)
        try:
            conn.request("GET", f"/api/v1/images?n={n}")
            response = conn.getresponse()
            assert response.status == 200
            return int(json.loads(response.read())["n"])
        finally:
            conn.close()

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(call, range(PARALLEL)))
    assert results == list(range(PARALLEL))
    assert sorted(int(r.query["n"]) for r in fake_civitai.requests) == list(range(PARALLEL))


def test_keep_alive_pool_under_load(fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/api/v1/models/{id}", lambda r: {"id": int(r.path_params["id"])})
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    with httpx.Client(base_url=fake_civitai.url, limits=limits) as client, ThreadPoolExecutor(16) as pool:
        ids = list(pool.map(lambda i: client.get(f"/api/v1/models/{i}").json()["id"], range(400)))
    assert ids == list(range(400))
    assert len(fake_civitai.requests) == 400


def test_each_fault_use_goes_to_exactly_one_request(fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/x", lambda r: FakeResponse.empty(204))
    fake_civitai.faults.add(Fault.status(503), times=7)
    with httpx.Client(base_url=fake_civitai.url) as client, ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda _: client.get("/x").status_code, range(40)))
    assert sorted(statuses).count(503) == 7 and statuses.count(204) == 33
    assert len(fake_civitai.faults.injected) == 7 and fake_civitai.faults.pending == 0


def test_request_log_queries(fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/api/v1/models", lambda r: {"items": []})
    fake_civitai.add_route("POST", "/api/v1/models", lambda r: {"ok": True})
    with httpx.Client(base_url=fake_civitai.url) as client:
        client.get("/api/v1/models", params={"limit": 1})
        client.post("/api/v1/models", json={"a": 1})
        client.get("/api/v1/tags")
    log = fake_civitai.requests
    assert len(log) == 3 and bool(log)
    assert [r.method for r in log] == ["GET", "POST", "GET"]
    assert [r.target for r in log.matching(path="/api/v1/models")] == ["/api/v1/models?limit=1", "/api/v1/models"]
    assert [r.json() for r in log.matching(method="post")] == [{"a": 1}]
    assert log[-1].path == "/api/v1/tags" and log[0:1][0].query == {"limit": "1"}
    assert "FakeRequest(GET /api/v1/tags)" in repr(log)
    log.clear()
    assert len(log) == 0 and not log and log.snapshot() == []
