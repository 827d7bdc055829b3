"""Scripted misbehaviours: what the hostile server does with one request.

Each is built by a named constructor and is just a ``name`` plus a ``play(exchange)`` function that writes
raw bytes (or nothing) to the socket:

    Misbehaviour.retry_after("1e15", status=429)
    Misbehaviour.reset(Phase.MID_HEADERS)
    Misbehaviour.compression_bomb("gzip", inflated_bytes=300_000_000)
    Misbehaviour.drip(b'{"id": 1}', interval=0.5)
    Misbehaviour.endless_pages(items_per_page=1)
    Misbehaviour.echo_credentials(status=401)

``Misbehaviour.custom(name, play)`` wraps any function of an ``Exchange``.
"""

from __future__ import annotations

import enum
import itertools
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

from civitai_kit.testing.hostile._exchange import (
    Exchange,
    HeaderList,
    HostileRequest,
    has_header,
    response_bytes,
    response_head,
)
from civitai_kit.testing.hostile._payloads import StreamedBody, compression_bomb, huge_json, nested_json

JSON_TYPE = ("Content-Type", "application/json; charset=utf-8")
PARTIAL_PAUSE = 0.0 if sys.platform == "linux" else 0.05
"""Seconds between the last bytes sent and a reset. Linux queues bytes that arrived before an RST for the client
to read first, so none is needed there; other stacks may drop them when the RST lands, so the client gets a moment
to read them."""


class Phase(enum.Enum):
    """Where in an answer the connection is cut."""

    BEFORE_STATUS = "before-status"
    """The request is read, then nothing: not a single byte."""
    MID_STATUS_LINE = "mid-status-line"
    """``HTTP/1.1 2`` and then the cut."""
    MID_HEADERS = "mid-headers"
    """The status line and part of the headers."""
    AFTER_HEADERS = "after-headers"
    """Complete headers (with a Content-Length), no body."""
    MID_BODY = "mid-body"
    """Headers and half of the body."""
    AFTER_BODY = "after-body"
    """The complete response (keep-alive promised), then the connection is cut at once: a client that
    reuses the pooled connection finds it dead."""
    ON_REUSE = "on-reuse"
    """The complete response (keep-alive promised); the next request on that connection is read and the
    connection cut without an answer (a server's idle timeout racing the client's reuse)."""


class BrokenLink(enum.Enum):
    """Broken ``metadata`` links for [`Misbehaviour.broken_next_page`][]."""

    BAD_IPV6 = "bad-ipv6"
    """``nextPage = "http://[::1/x"``: urlsplit raises on it."""
    PORT_OVER_65535 = "port-over-65535"
    """``nextPage`` on port 70000."""
    NUL_BYTE = "nul-byte"
    """``nextPage`` with a NUL byte in its path."""
    LONG_CURSOR = "long-cursor"
    """``nextCursor`` 100 KB long (the follow-up request line is 100 KB)."""
    LONG_CURSOR_IN_NEXT_PAGE = "long-cursor-in-next-page"
    """``nextPage`` carrying a 100 KB ``cursor`` parameter."""
    OTHER_HOST = "other-host"
    """``nextPage`` on another origin (``localhost`` at this server's port; no cursor or page to rebuild
    from, so a client follows it verbatim): the API key must not go there."""
    OTHER_HOST_WITH_CURSOR = "other-host-with-cursor"
    """``nextPage`` on another origin with a ``cursor``."""
    NOT_A_URL = "not-a-url"
    """``nextPage = "::::"``."""
    WRONG_TYPES = "wrong-types"
    """``nextPage`` a number and ``nextCursor`` an object."""


LONG = 100_000


@dataclass(frozen=True, slots=True)
class Misbehaviour:
    """One scripted way of answering (or not answering) a request. Build with the constructors."""

    name: str
    play: Callable[[Exchange], None] = field(repr=False, compare=False)

    def __str__(self) -> str:
        return self.name

    # -- plain answers -----------------------------------------------------------------------------------

    @staticmethod
    def custom(name: str, play: Callable[[Exchange], None]) -> Misbehaviour:
        """Any behaviour: ``play`` gets the ``Exchange`` (request, raw socket helpers)."""
        return Misbehaviour(name, play)

    @staticmethod
    def respond(
        status: int = 200,
        body: bytes | str = b"",
        headers: HeaderList = (),
        *,
        reason: str | None = None,
        content_length: bool = True,
        close: bool = False,
        name: str | None = None,
    ) -> Misbehaviour:
        """A well-framed response with exactly these headers (Content-Length added unless given or
        ``content_length=False``, which makes the body close-delimited and closes after it)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        closing = close or not content_length
        wire = response_bytes(status, data, headers, reason=reason, content_length=content_length, close=close)

        def play(exchange: Exchange) -> None:
            exchange.send(wire)
            if closing:
                exchange.close()

        return Misbehaviour(name or f"respond-{status}", play)

    @staticmethod
    def json(
        obj: Any, status: int = 200, headers: HeaderList = (), *, close: bool = False, name: str | None = None
    ) -> Misbehaviour:
        """A JSON answer (a normal one, unless the content is the point)."""
        body = json.dumps(obj).encode("utf-8")
        return Misbehaviour.respond(status, body, [JSON_TYPE, *headers], close=close, name=name or f"json-{status}")

    @staticmethod
    def answer(make: Callable[[HostileRequest], Any], status: int = 200, *, name: str = "answer") -> Misbehaviour:
        """A JSON answer computed from the request (e.g. echo the id in the path)."""

        def play(exchange: Exchange) -> None:
            body = json.dumps(make(exchange.request)).encode("utf-8")
            exchange.send(response_bytes(status, body, [JSON_TYPE]))

        return Misbehaviour(name, play)

    @staticmethod
    def status(code: int, *, retry_after: str | float | None = None, body: Any = None) -> Misbehaviour:
        """An error status with Civitai's usual ``{"error": ...}`` body and an optional sane Retry-After."""
        headers: list[tuple[str, str | bytes]] = []
        if retry_after is not None:
            headers.append(("Retry-After", retry_after if isinstance(retry_after, str) else f"{retry_after:g}"))
        payload = {"error": f"hostile server says {code}"} if body is None else body
        suffix = f"-retry-after-{retry_after}" if retry_after is not None else ""
        return Misbehaviour.json(payload, code, headers, name=f"status-{code}{suffix}")

    @staticmethod
    def raw(data: bytes, *, then: str = "close", name: str | None = None) -> Misbehaviour:
        """Send exactly ``data``, then ``"close"`` (FIN), ``"reset"`` (RST) or ``"keep"`` the connection."""
        if then not in ("close", "reset", "keep"):
            raise ValueError("then must be 'close', 'reset' or 'keep'")

        def play(exchange: Exchange) -> None:
            exchange.send(data)
            if then == "close":
                exchange.close()
            elif then == "reset":
                exchange.reset(after=PARTIAL_PAUSE)

        return Misbehaviour(name or f"raw-{len(data)}-bytes-then-{then}", play)

    # -- absurd and malformed headers ----------------------------------------------------------------------

    @staticmethod
    def retry_after(value: str, *, status: int = 429, header: str = "Retry-After", body: Any = None) -> Misbehaviour:
        """``status`` with ``header: value`` (e.g. ``"1e15"``, ``"inf"``, ``"nan"``, ``"-5"``,
        ``"86400000000000"``, garbage, a far HTTP-date). On 200 the body is a normal page."""
        if body is None:
            body = {"items": [], "metadata": {}} if status < 400 else {"error": "Too many requests"}
        return Misbehaviour.json(body, status, [(header, value)], name=f"{header}={value!r}-on-{status}")

    @staticmethod
    def http_date(seconds_from_now: float) -> str:
        """An RFC 9110 date ``seconds_from_now`` (negative: in the past), for ``retry_after``."""
        return formatdate(time.time() + seconds_from_now, usegmt=True)

    @staticmethod
    def huge_header(
        size: int = 1 << 20, *, name: str = "X-Hostile", status: int = 200, body: Any = None
    ) -> Misbehaviour:
        """One header with a ``size``-byte value."""
        payload = json.dumps({"id": 1, "items": [], "metadata": {}} if body is None else body).encode()
        return Misbehaviour.respond(status, payload, [JSON_TYPE, (name, "x" * size)], name=f"huge-header-{size}")

    @staticmethod
    def many_headers(count: int = 10_000, *, status: int = 200) -> Misbehaviour:
        """``count`` distinct headers."""
        payload = b'{"id": 1, "items": [], "metadata": {}}'
        headers = [JSON_TYPE, *((f"X-Hostile-{i}", "v") for i in range(count))]
        return Misbehaviour.respond(status, payload, headers, name=f"many-headers-{count}")

    @staticmethod
    def duplicate_content_length(first: int | None = None, second: int | None = None) -> Misbehaviour:
        """Two ``Content-Length`` headers that disagree (default: the true length and the true length + 5)."""
        payload = b'{"id": 1, "items": [], "metadata": {}}'
        one = len(payload) if first is None else first
        two = len(payload) + 5 if second is None else second
        headers = [JSON_TYPE, ("Content-Length", str(one)), ("Content-Length", str(two))]
        wire = response_head(200, headers) + payload

        def play(exchange: Exchange) -> None:
            exchange.send(wire)
            exchange.close()

        return Misbehaviour(f"duplicate-content-length-{one}-{two}", play)

    @staticmethod
    def content_length(value: str, *, body: bytes = b'{"id": 1, "items": [], "metadata": {}}') -> Misbehaviour:
        """A ``Content-Length`` of ``value`` verbatim (``"abc"``, ``"-1"``, ``"1e3"``, ``" 12 "``), then close."""
        wire = response_head(200, [JSON_TYPE, ("Content-Length", value)]) + body

        def play(exchange: Exchange) -> None:
            exchange.send(wire)
            exchange.close()

        return Misbehaviour(f"content-length={value!r}", play)

    @staticmethod
    def garbage_status_line(line: bytes = b"HTTP/1.1 abc Garbage") -> Misbehaviour:
        """A status line that is no status line, a header and a JSON body, then close."""
        wire = line + b'\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"id": 1}'

        def play(exchange: Exchange) -> None:
            exchange.send(wire)
            exchange.close()

        return Misbehaviour(f"garbage-status-line-{line[:20]!r}", play)

    @staticmethod
    def http09(body: bytes = b'{"id": 1, "items": [], "metadata": {}}') -> Misbehaviour:
        """An HTTP/0.9-style answer: the body alone, no status line, no headers, then close."""
        return Misbehaviour.raw(body, then="close", name="http-0.9")

    # -- hostile JSON --------------------------------------------------------------------------------------

    @staticmethod
    def nested_json(depth: int = 5000, *, kind: str = "array", status: int = 200) -> Misbehaviour:
        """JSON nested ``depth`` levels (``[[[[...]]]]`` or ``{"a":{"a":...}}``)."""
        return Misbehaviour.respond(
            status, nested_json(depth, kind), [JSON_TYPE], name=f"nested-json-{kind}-{depth}-on-{status}"
        )

    @staticmethod
    def huge_json(size_bytes: int = 100_000_000, *, shape: str = "page", status: int = 200) -> Misbehaviour:
        """Valid JSON of ``size_bytes``, streamed (see ``huge_json`` in ``_payloads``)."""
        return Misbehaviour.streamed(
            huge_json(size_bytes, shape), [JSON_TYPE], status=status, name=f"huge-json-{shape}-{size_bytes}"
        )

    @staticmethod
    def invalid_json(text: str = '{"items": [', *, status: int = 200) -> Misbehaviour:
        """A body labelled JSON that is not."""
        return Misbehaviour.respond(status, text, [JSON_TYPE], name=f"invalid-json-{text[:20]!r}-on-{status}")

    @staticmethod
    def wrong_type_json(value: Any, *, status: int = 200) -> Misbehaviour:
        """Valid JSON of the wrong top-level type (``[1, 2]``, ``"text"``, ``null``, ``42``...)."""
        return Misbehaviour.respond(
            status, json.dumps(value), [JSON_TYPE], name=f"wrong-type-{type(value).__name__}-on-{status}"
        )

    @staticmethod
    def streamed(body: StreamedBody, headers: HeaderList, *, status: int = 200, name: str = "streamed") -> Misbehaviour:
        """A body sent in pieces with its exact Content-Length."""
        head_headers = list(headers)
        if not has_header(head_headers, "content-length"):
            head_headers.append(("Content-Length", str(body.length)))
        head = response_head(status, head_headers)

        def play(exchange: Exchange) -> None:
            exchange.send(head)
            exchange.send_chunks(body.chunks())

        return Misbehaviour(name, play)

    # -- compression bombs ---------------------------------------------------------------------------------

    @staticmethod
    def compression_bomb(
        encoding: str = "gzip",
        inflated_bytes: int = 300_000_000,
        *,
        status: int = 200,
        valid_json: bool = True,
    ) -> Misbehaviour:
        """``Content-Encoding: encoding`` with a small body that inflates to ``inflated_bytes``. With
        ``valid_json`` it inflates to one valid JSON object (a page with a huge ``padding`` string), so
        only a size limit can save the client; otherwise to zeros."""
        if valid_json:
            body = compression_bomb(
                encoding, inflated_bytes, prefix=b'{"id":1,"items":[],"metadata":{},"padding":"', suffix=b'"}'
            )
        else:
            body = compression_bomb(encoding, inflated_bytes, fill=b"\x00")
        headers = [JSON_TYPE, ("Content-Encoding", encoding)]
        return Misbehaviour.streamed(body, headers, status=status, name=f"bomb-{encoding}-{inflated_bytes}")

    # -- slowness ------------------------------------------------------------------------------------------

    @staticmethod
    def drip(
        body: bytes | None = None,
        *,
        interval: float = 0.5,
        chunk: int = 1,
        status: int = 200,
        headers_too: bool = False,
        length: int = 100_000,
    ) -> Misbehaviour:
        """Send the body ``chunk`` bytes every ``interval`` seconds (with ``headers_too``, the status line and
        headers as well). Default body: a valid JSON page of ``length`` bytes, so only a total deadline ends it."""
        data = body if body is not None else huge_json(length, "object").read_all()
        head = response_head(status, [JSON_TYPE, ("Content-Length", str(len(data)))])

        def play(exchange: Exchange) -> None:
            if headers_too:
                if not exchange.drip(head, interval=interval, chunk=chunk):
                    return
            else:
                exchange.send(head)
            exchange.drip(data, interval=interval, chunk=chunk)

        where = "head-and-body" if headers_too else "body"
        return Misbehaviour(f"drip-{where}-{chunk}B-every-{interval}s", play)

    @staticmethod
    def stall(seconds: float, then: Misbehaviour | None = None) -> Misbehaviour:
        """Wait ``seconds`` before answering with ``then`` (default: an empty JSON page)."""
        after = then or Misbehaviour.json({"items": [], "metadata": {}})

        def play(exchange: Exchange) -> None:
            if exchange.pause(seconds):
                after.play(exchange)

        return Misbehaviour(f"stall-{seconds:g}s-then-{after.name}", play)

    # -- pagination ----------------------------------------------------------------------------------------

    @staticmethod
    def endless_pages(items_per_page: int = 0) -> Misbehaviour:
        """Pages forever: ``{"items": [...], "metadata": {"nextCursor": <fresh each time>}}``."""
        counter = itertools.count(1)
        lock = threading.Lock()

        def play(exchange: Exchange) -> None:
            with lock:
                first = next(counter)
                for _ in range(max(0, items_per_page - 1)):
                    next(counter)
            items = [{"id": first + i, "name": f"endless-{first + i}"} for i in range(items_per_page)]
            page = {"items": items, "metadata": {"nextCursor": uuid.uuid4().hex, "pageSize": items_per_page}}
            exchange.send(response_bytes(200, json.dumps(page).encode(), [JSON_TYPE]))

        return Misbehaviour(f"endless-pages-{items_per_page}-per-page", play)

    @staticmethod
    def broken_next_page(link: BrokenLink, *, items: int = 1) -> Misbehaviour:
        """A page of ``items`` items whose ``metadata`` points on with a broken link (see [`BrokenLink`][])."""

        def play(exchange: Exchange) -> None:
            metadata = _broken_metadata(link, exchange)
            page = {"items": [{"id": i + 1, "name": f"item-{i + 1}"} for i in range(items)], "metadata": metadata}
            exchange.send(response_bytes(200, json.dumps(page).encode(), [JSON_TYPE]))

        return Misbehaviour(f"broken-next-page-{link.value}", play)

    # -- connection cuts -----------------------------------------------------------------------------------

    @staticmethod
    def reset(phase: Phase, *, graceful: bool = False, status: int = 200, body: Any = None) -> Misbehaviour:
        """Cut the connection at ``phase`` of an otherwise normal JSON answer; ``graceful`` closes with a FIN
        instead of a RST."""
        payload = json.dumps({"id": 1, "items": [{"id": 1}], "metadata": {}} if body is None else body).encode()
        wire = response_bytes(status, payload, [JSON_TYPE, ("X-Padding", "p" * 64)])
        head_end = wire.index(b"\r\n\r\n") + 4
        cut_at = {
            Phase.BEFORE_STATUS: 0,
            Phase.MID_STATUS_LINE: len(b"HTTP/1.1 2"),
            Phase.MID_HEADERS: wire.index(b"X-Padding") + 20,
            Phase.AFTER_HEADERS: head_end,
            Phase.MID_BODY: head_end + len(payload) // 2,
        }

        def end(exchange: Exchange, pause: float) -> None:
            if graceful:
                exchange.close()
            else:
                exchange.reset(after=pause)

        def play(exchange: Exchange) -> None:
            if phase is Phase.ON_REUSE:
                exchange.send(wire)
                exchange.drop_next_request()
            elif phase is Phase.AFTER_BODY:
                exchange.send(wire)
                end(exchange, 0.0)
            else:
                exchange.send(wire[: cut_at[phase]])
                end(exchange, PARTIAL_PAUSE if cut_at[phase] else 0.0)

        kind = "close" if graceful and phase is not Phase.ON_REUSE else "reset"
        return Misbehaviour(f"{kind}-{phase.value}", play)

    @staticmethod
    def drop_on_reuse(body: Any = None) -> Misbehaviour:
        """Answer normally keeping the connection open, then cut it when the next request arrives on it."""
        return Misbehaviour.reset(Phase.ON_REUSE, body=body)

    @staticmethod
    def short_body(declared: int = 1000, sent: int = 10, *, then: str = "close") -> Misbehaviour:
        """``Content-Length: declared`` but only ``sent`` bytes of a JSON body, then close (or reset)."""
        payload = json.dumps({"id": 1, "items": [], "metadata": {}, "pad": "x" * max(0, sent)}).encode()[:sent]
        head = response_head(200, [JSON_TYPE, ("Content-Length", str(declared))])
        return Misbehaviour.raw(head + payload, then=then, name=f"short-body-{sent}-of-{declared}")

    @staticmethod
    def long_body(extra: bytes = b'{"id": 666, "smuggled": true}') -> Misbehaviour:
        """A complete response whose Content-Length is shorter than what follows: ``extra`` bytes trail it
        on the kept-alive connection, where a careless client reads them as the next response."""
        payload = b'{"id": 1, "items": [{"id": 1}], "metadata": {}}'
        wire = response_head(200, [JSON_TYPE, ("Content-Length", str(len(payload)))]) + payload + extra

        def play(exchange: Exchange) -> None:
            exchange.send(wire)

        return Misbehaviour(f"long-body-plus-{len(extra)}", play)

    # -- credentials ---------------------------------------------------------------------------------------

    @staticmethod
    def echo_credentials(status: int = 401, *, form: str = "json") -> Misbehaviour:
        """An error that echoes the request's ``Authorization`` value and its URL with the bare key added as
        ``?token=``. ``form``: ``"json"`` (``{"error", "url"}``), ``"message"`` (``{"message", "error",
        "url"}``), ``"problem"`` (RFC 7807 ``detail``), ``"issues"`` (a zod issue list), ``"text"``,
        ``"html"``."""
        if form not in ("json", "message", "problem", "issues", "text", "html"):
            raise ValueError(f"unknown form {form!r}")

        def play(exchange: Exchange) -> None:
            auth = exchange.request.authorization or ""
            key = auth.removeprefix("Bearer ").strip()
            target = exchange.request.target
            url = exchange.base_url + target + ("&" if "?" in target else "?") + f"token={key}"
            body: bytes
            content_type = "application/json; charset=utf-8"
            if form == "json":
                body = json.dumps({"error": f"bad key {auth}", "url": url}).encode()
            elif form == "message":
                body = json.dumps({"message": f"The key {key} is not valid", "error": auth, "url": url}).encode()
            elif form == "problem":
                content_type = "application/problem+json"
                body = json.dumps(
                    {
                        "type": "about:blank",
                        "title": f"Bad token {key}",
                        "detail": f"{auth} rejected at {url}",
                        "status": status,
                        "traceId": f"trace-{key}",
                    }
                ).encode()
            elif form == "issues":
                body = json.dumps(
                    {"error": {"issues": [{"path": ["token"], "message": f"invalid {key}"}]}, "url": url}
                ).encode()
            elif form == "text":
                content_type = "text/plain; charset=utf-8"
                body = f"Unauthorized: {auth} at {url}".encode()
            else:
                content_type = "text/html; charset=utf-8"
                body = f"<html><head><title>Bad key {key}</title></head><body>{auth} {url}</body></html>".encode()
            headers = [("Content-Type", content_type), ("WWW-Authenticate", f'Bearer error="invalid_token" {key}')]
            exchange.send(response_bytes(status, body, headers))

        return Misbehaviour(f"echo-credentials-{form}-on-{status}", play)

    # -- downloads -----------------------------------------------------------------------------------------

    @staticmethod
    def changing_file(
        first: bytes,
        then: bytes,
        *,
        switch_after: int = 1,
        cut_first_at: int | None = None,
        honour_if_range: bool = False,
    ) -> Misbehaviour:
        """A file that changes between requests (see [`ChangingFile`][])."""
        return ChangingFile(
            first, then, switch_after=switch_after, cut_first_at=cut_first_at, honour_if_range=honour_if_range
        ).misbehaviour


class ChangingFile:
    """Serves version ``first`` for the first ``switch_after`` requests and ``then`` afterwards, each with its
    own ``ETag`` and ``Last-Modified``; honours ``Range: bytes=N-`` / ``bytes=N-M`` (206, or 416 past the
    end) on whichever version is current, and ``If-Range`` only when ``honour_if_range`` (then a
    validator that does not match the current version gets the whole file with 200). ``cut_first_at``:
    the first answer stops after that many body bytes and the connection is reset (so a client resumes).
    """

    def __init__(
        self,
        first: bytes,
        then: bytes,
        *,
        switch_after: int = 1,
        cut_first_at: int | None = None,
        honour_if_range: bool = False,
        filename: str = "model.safetensors",
    ) -> None:
        self.versions = (first, then)
        self.etags = ('"hostile-version-a"', '"hostile-version-b"')
        self.last_modified = (formatdate(1_600_000_000, usegmt=True), formatdate(1_700_000_000, usegmt=True))
        self.switch_after = switch_after
        self.cut_first_at = cut_first_at
        self.honour_if_range = honour_if_range
        self.filename = filename
        self.served: list[tuple[int, int, str]] = []
        """(version index, status, Range header or "") per request."""
        self._lock = threading.Lock()
        self._count = 0

    @property
    def misbehaviour(self) -> Misbehaviour:
        return Misbehaviour(f"changing-file-if-range-{'honoured' if self.honour_if_range else 'ignored'}", self.play)

    def play(self, exchange: Exchange) -> None:
        with self._lock:
            number = self._count
            self._count += 1
        version = 0 if number < self.switch_after else 1
        data = self.versions[version]
        request = exchange.request
        range_header = request.header("range") or ""
        status, start, end = 200, 0, len(data) - 1
        if range_header and self._range_applies(request.header("if-range"), version):
            parsed = _parse_range(range_header, len(data))
            if parsed is None:
                status = 416
            else:
                status, (start, end) = 206, parsed
        with self._lock:
            self.served.append((version, status, range_header))
        headers: list[tuple[str, str | bytes]] = [
            ("ETag", self.etags[version]),
            ("Last-Modified", self.last_modified[version]),
            ("Accept-Ranges", "bytes"),
        ]
        if status == 416:
            headers.append(("Content-Range", f"bytes */{len(data)}"))
            exchange.send(response_bytes(416, b"", headers))
            return
        body = data[start : end + 1]
        headers += [
            ("Content-Type", "application/octet-stream"),
            ("Content-Disposition", f'attachment; filename="{self.filename}"'),
        ]
        if status == 206:
            headers.append(("Content-Range", f"bytes {start}-{end}/{len(data)}"))
        wire = response_bytes(status, body, headers)
        if number == 0 and self.cut_first_at is not None:
            cut = len(wire) - len(body) + min(self.cut_first_at, len(body))
            exchange.send(wire[:cut])
            exchange.reset(after=PARTIAL_PAUSE)
            return
        exchange.send(wire)

    def _range_applies(self, if_range: str | None, version: int) -> bool:
        if not self.honour_if_range or if_range is None:
            return True
        return if_range.strip() in (self.etags[version], self.last_modified[version])


def _parse_range(value: str, size: int) -> tuple[int, int] | None:
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if not first:  # suffix range: the last N bytes
            n = int(last)
            return (max(0, size - n), size - 1) if n > 0 and size else None
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


def _broken_metadata(link: BrokenLink, exchange: Exchange) -> dict[str, Any]:
    base = exchange.base_url
    path = exchange.request.path
    port = base.rsplit(":", 1)[1]
    if link is BrokenLink.BAD_IPV6:
        return {"nextPage": "http://[::1/x"}
    if link is BrokenLink.PORT_OVER_65535:
        return {"nextPage": f"http://127.0.0.1:70000{path}?limit=1&foo=bar"}
    if link is BrokenLink.NUL_BYTE:
        return {"nextPage": f"{base}{path}\x00evil?limit=1"}
    if link is BrokenLink.LONG_CURSOR:
        return {"nextCursor": "c" * LONG}
    if link is BrokenLink.LONG_CURSOR_IN_NEXT_PAGE:
        return {"nextPage": f"{base}{path}?cursor={'c' * LONG}"}
    if link is BrokenLink.OTHER_HOST:
        return {"nextPage": f"http://localhost:{port}{path}?limit=1&other=host"}
    if link is BrokenLink.OTHER_HOST_WITH_CURSOR:
        return {"nextPage": f"http://localhost:{port}{path}?cursor=elsewhere"}
    if link is BrokenLink.NOT_A_URL:
        return {"nextPage": "::::"}
    return {"nextPage": 12345, "nextCursor": {"not": "a cursor"}}
