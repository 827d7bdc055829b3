"""A plain loopback HTTP server that records every request whole (method, path, query, headers, body) and
answers each with the next canned response: for wire-format proofs independent of our sandbox."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

_POLL_SECONDS = 0.01


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Canned:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class RecordingServer:
    """``with RecordingServer() as server``: ``server.url``, ``server.answer(...)``, ``server.requests``."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.reply = Canned(204)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                owner.requests.append(
                    Recorded(
                        self.command,
                        split.path,
                        parse_qsl(split.query, keep_blank_values=True),
                        {key.lower(): value for key, value in self.headers.items()},
                        body,
                    )
                )
                reply = owner.reply
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

            def log_message(self, format: str, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # shutdown() returns once the serving loop next looks up: at its poll interval (0.5 s by default)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(_POLL_SECONDS,), daemon=True)

    def answer(self, status: int = 200, body: bytes = b"", **headers: str) -> None:
        self.reply = Canned(status, body, {key.replace("_", "-"): value for key, value in headers.items()})

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
