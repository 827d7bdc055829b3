"""Start/stop: no leaked threads or sockets, even with idle, slow or stuck-in-a-fault connections."""

from __future__ import annotations

import gc
import http.client
import socket
import threading
import time
import warnings
from collections.abc import Iterator

import pytest

from civitai_kit.testing import FakeCivitai, FakeResponse, Fault


def server_threads(server: FakeCivitai) -> list[threading.Thread]:
    prefix = f"fake-civitai-{server.port}-"
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def test_stop_with_idle_slow_and_delayed_connections_leaves_nothing_behind() -> None:
    gc.collect()  # what earlier tests in this worker left unclosed is theirs: finalised before we listen
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        server = FakeCivitai().start()

        def slow() -> Iterator[bytes]:
            while True:
                yield b"x"
                time.sleep(0.01)

        server.add_route("GET", "/ok", lambda r: FakeResponse.text("ok"))
        server.add_route("GET", "/slow", lambda r: FakeResponse.stream(slow()))
        server.faults.add(Fault.delay(30), path="/delayed")
        idle = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        idle.request("GET", "/ok")
        assert idle.getresponse().read() == b"ok"  # the connection stays open (keep-alive)
        streaming = socket.create_connection(("127.0.0.1", server.port))
        streaming.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        assert streaming.recv(100).startswith(b"HTTP/1.1 200")
        delayed = socket.create_connection(("127.0.0.1", server.port))
        delayed.sendall(b"GET /delayed HTTP/1.1\r\nHost: x\r\n\r\n")
        while len(server.requests) < 3:
            time.sleep(0.01)
        assert len(server_threads(server)) == 4  # acceptor + three connections

        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2
        assert server_threads(server) == []
        assert delayed.recv(100) == b""  # cut without an answer
        for sock in (streaming, delayed):
            sock.close()
        idle.close()
        server.stop()  # idempotent
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_stop_refuses_new_connections() -> None:
    with FakeCivitai() as server:
        port = server.port
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_worker_threads_are_reused_across_connections(fake_civitai: FakeCivitai) -> None:
    fake_civitai.add_route("GET", "/", lambda r: FakeResponse.empty(204))
    workers = fake_civitai._workers
    assert workers is not None
    for _ in range(10):  # one connection at a time, each finished before the next: one worker serves them all
        conn = http.client.HTTPConnection("127.0.0.1", fake_civitai.port, timeout=5)
        conn.request("GET", "/")
        assert conn.getresponse().status == 204
        conn.close()
        deadline = time.monotonic() + 5  # the worker notices the close and goes back to waiting
        while workers.idle_count < workers.thread_count and time.monotonic() < deadline:
            time.sleep(0.005)
        assert workers.idle_count == workers.thread_count
    assert workers.thread_count == 1
    assert len(server_threads(fake_civitai)) == 2  # the acceptor and the one worker


def test_a_stuck_handler_is_reported_on_stop() -> None:
    release = threading.Event()
    server = FakeCivitai().start()
    server.add_route("GET", "/stuck", lambda r: (release.wait(10), FakeResponse.empty(204))[1])
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
    while not server.requests:
        time.sleep(0.01)
    try:
        with pytest.raises(RuntimeError, match="still running"):
            server.stop(timeout=0.2)
    finally:
        release.set()
        sock.close()
    deadline = time.monotonic() + 5
    while server_threads(server) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server_threads(server) == []


def test_many_short_lived_servers_do_not_accumulate_threads() -> None:
    before = threading.active_count()
    for _ in range(20):
        with FakeCivitai() as server:
            server.add_route("GET", "/", lambda r: FakeResponse.empty(204))
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
    assert threading.active_count() == before


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_worker_killed_by_its_handler_is_not_counted_as_idle(fake_civitai: FakeCivitai) -> None:
    def exits(_request: object) -> FakeResponse:
        raise SystemExit("handler called sys.exit()")  # not an Exception: it ends the worker thread

    fake_civitai.add_route("GET", "/exit", exits)
    fake_civitai.add_route("GET", "/ok", lambda r: FakeResponse.text("ok"))
    with socket.create_connection(("127.0.0.1", fake_civitai.port), timeout=5) as sock:
        sock.sendall(b"GET /exit HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100) == b""
    conn = http.client.HTTPConnection("127.0.0.1", fake_civitai.port, timeout=5)
    conn.request("GET", "/ok")  # must be served by a live worker, not queued for the dead one
    assert conn.getresponse().read() == b"ok"
    conn.close()
