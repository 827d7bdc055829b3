"""The floor of a verified download in Python on this machine: no library, only what verifying must cost.

    python bench/download_floor.py URL DESTINATION SHA256 [MODULE ...]
    python bench/download_floor.py --imports-only MODULE ...

A plain GET over a socket (following redirects), the body read with ``recv_into`` into one reused 1 MiB
buffer, each full buffer written to ``DESTINATION.part`` and fed to SHA-256 256 KiB at a time on the same thread,
then the digest compared and the file renamed into place: the same work as ``DownloadService`` with nothing
else (no retries, resume, auth scoping, TLS, locks, sidecars or progress). One thread is the fastest way on this
2-core machine: handing the buffers to a writer and a hasher thread took 1.9-2.2x curl's time against 1.4-1.6x.
The modules named after the hash are imported first, to show what the dependencies alone add to a process's
life (``httpx pydantic_settings``).
``download_throughput`` times it against curl beside the library rows: the gap between the two is the library,
the gap between this and curl is Python plus hashing.
"""

from __future__ import annotations

import hashlib
import importlib
import socket
import sys
import types
from pathlib import Path
from urllib.parse import urljoin, urlsplit

BUFFER = 1024 * 1024
PIECE = 256 * 1024


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
    with part.open("wb", buffering=0) as out, memoryview(bytearray(BUFFER)) as view:
        filled, left = len(first), length - len(first)
        view[:filled] = first
        while True:
            while left and filled < BUFFER:
                got = sock.recv_into(view[filled : filled + min(left, BUFFER - filled)])
                if not got:
                    raise OSError("the body ended early")
                filled, left = filled + got, left - got
            if not filled:
                break
            for start in range(0, filled, PIECE):  # written, then hashed, while the piece is in the cache
                piece = view[start : min(start + PIECE, filled)]
                while piece:
                    written = out.write(piece)
                    if not written:
                        raise OSError("the disk took no bytes")
                    digest.update(piece[:written])
                    piece = piece[written:]
            filled = 0
    sock.close()
    if digest.hexdigest().upper() != expected.upper():
        part.unlink()
        raise SystemExit("SHA-256 mismatch")
    part.replace(destination)


def import_dependencies(modules: list[str]) -> None:
    """Import ``modules`` as the library does: httpx without its own command line (see
    ``civitai_kit._http._httpx_command_line``), which would add click, rich and pygments where installed."""
    if "httpx" in modules:
        stand_in = types.ModuleType("httpx._main")
        stand_in.main = lambda: None  # type: ignore[attr-defined]
        sys.modules["httpx._main"] = stand_in
    for module in modules:
        importlib.import_module(module)


if __name__ == "__main__":
    if sys.argv[1] == "--imports-only":  # what importing the dependencies alone costs a process
        import_dependencies(sys.argv[2:])
    else:
        import_dependencies(sys.argv[4:])
        download(*sys.argv[1:4])
