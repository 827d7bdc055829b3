"""The floor of a verified download in Python on this machine: no library, only what verifying must cost.

    python bench/download_floor.py URL DESTINATION SHA256 [MODULE ...]

A plain GET over a socket (following redirects), the body read with ``recv_into`` into four reused 1 MiB
buffers, each written to ``DESTINATION.part`` on one thread and fed to SHA-256 on another, then the digest
compared and the file renamed into place: the same work as ``DownloadService`` with nothing else (no retries,
resume, auth scoping, TLS, locks, sidecars or progress). The modules named after the hash are imported first,
to show what the dependencies alone add to a process's life (``httpx pydantic_settings``).
``download_throughput`` times it against curl beside the library rows: the gap between the two is the library,
the gap between this and curl is Python plus hashing.
"""

from __future__ import annotations

import hashlib
import importlib
import queue
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

BUFFER = 1024 * 1024
WRITE = 256 * 1024


def open_body(url: str) -> tuple[socket.socket, int, bytes]:
    """The socket positioned in the body, its Content-Length and the body bytes read with the head."""
    for _ in range(5):
        parts = urlsplit(url)
        sock = socket.create_connection((parts.hostname or "", parts.port or 80))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received:
            piece = sock.recv(65536)
            if not piece:
                raise OSError("the server closed before the head ended")
            received += piece
        head, rest = received.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
        if int(status_line.split()[1]) in (301, 302, 303, 307, 308):
            sock.close()
            url = urljoin(url, headers["location"])
            continue
        return sock, int(headers["content-length"]), rest
    raise OSError("too many redirects")


def download(url: str, destination: str, expected: str) -> None:
    sock, length, first = open_body(url)
    part = Path(destination + ".part")
    digest = hashlib.sha256()
    free: queue.Queue[bytearray] = queue.Queue()
    for _ in range(4):
        free.put(bytearray(BUFFER))
    done: dict[int, int] = {}
    lock = threading.Lock()

    def release(buffer: bytearray) -> None:  # a buffer is free again once both threads are done with it
        with lock:
            done[id(buffer)] = done.get(id(buffer), 0) + 1
            if done[id(buffer)] == 2:
                del done[id(buffer)]
                free.put(buffer)

    with part.open("wb", buffering=0) as out:

        def write(buffer: bytearray, size: int) -> None:
            with memoryview(buffer) as whole, whole[:size] as data:
                while data:
                    written = out.write(data[:WRITE])
                    if not written:
                        raise OSError("the disk took no bytes")
                    data = data[written:]

        def feed(buffer: bytearray, size: int) -> None:
            with memoryview(buffer) as whole, whole[:size] as data:
                digest.update(data)

        def worker(jobs: queue.Queue[tuple[bytearray, int] | None], work: Callable[[bytearray, int], None]) -> None:
            while (job := jobs.get()) is not None:
                work(*job)
                release(job[0])

        lanes: list[queue.Queue[tuple[bytearray, int] | None]] = [queue.Queue(), queue.Queue()]
        jobs = zip(lanes, (write, feed), strict=True)
        threads = [threading.Thread(target=worker, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        buffer, filled, left = free.get(), len(first), length - len(first)
        buffer[:filled] = first
        while True:
            if filled == BUFFER or not left:
                for lane in lanes:
                    lane.put((buffer, filled))
                if not left:
                    break
                buffer, filled = free.get(), 0
            with memoryview(buffer) as view:
                got = sock.recv_into(view[filled : filled + min(left, BUFFER - filled)])
            if not got:
                raise OSError("the body ended early")
            filled, left = filled + got, left - got
        for lane in lanes:
            lane.put(None)
        for thread in threads:
            thread.join()
    sock.close()
    if digest.hexdigest().upper() != expected.upper():
        part.unlink()
        raise SystemExit("SHA-256 mismatch")
    part.replace(destination)


if __name__ == "__main__":
    for module in sys.argv[4:]:
        importlib.import_module(module)
    download(*sys.argv[1:4])
