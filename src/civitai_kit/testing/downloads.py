"""Civitai's download endpoint and the storage it redirects to, on the fake server.

    with FakeCivitai() as server:
        downloads = install_download_routes(server)
        file = downloads.add(b"...", name="model.safetensors", version_id=1)
        # GET {server.url}/api/download/models/1 -> 307 -> http://localhost:PORT/storage/... (another host)

``/api/download/models/{versionId}`` answers like the real handler: JSON refusals
for non-browser clients (401 login required / downloads disabled, 403 early access with its deadline /
no access, 404, 410 archived, 429 download limit), plain text for browser user agents, else a **307** to
a signed storage URL on a *different host name* of the same loopback server, so a client that forwards its
``Authorization`` header to storage is caught ([`FakeDownloads.storage_saw_authorization`][]). The
storage route serves real bytes with ``Range`` (206/416), ``Content-Length`` and a raw UTF-8
``Content-Disposition``, checks the signature, and can cut the connection after N bytes on demand
([`FakeDownloads.drop`][]).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlencode

from civitai_kit.testing.faults import Fault
from civitai_kit.testing.keys import key_accepted
from civitai_kit.testing.messages import FakeRequest, FakeResponse
from civitai_kit.testing.server import FakeCivitai

__all__ = [
    "REFUSALS",
    "FakeDownloads",
    "FakeFile",
    "Refusal",
    "install_download_routes",
]

Refusal = Literal[
    "login_required", "downloads_disabled", "early_access", "no_access", "forbidden", "archived",
    "download_limit", "not_found",
]  # fmt: skip

REFUSALS: dict[str, tuple[int, dict[str, str]]] = {
    "login_required": (
        401,
        {
            "error": "Unauthorized",
            "message": "The creator of this asset requires you to be logged in to download it",
        },
    ),
    "downloads_disabled": (
        401,
        {"error": "Unauthorized", "message": "The creator of this asset has disabled downloads on this file"},
    ),
    "early_access": (
        403,
        {"error": "Early Access", "message": "This asset is in Early Access. You can use Buzz access it now!"},
    ),
    "no_access": (403, {"error": "You do not have access to download this file"}),
    "forbidden": (403, {"error": "Forbidden"}),
    "archived": (410, {"error": "Model archived, not available for download"}),
    "download_limit": (
        429,
        {
            "error": "We've noticed an unusual amount of downloading from your account. "
            "Contact support@civitai.com or come back later."
        },
    ),
    "not_found": (404, {"error": "File not found"}),
}
"""Status and JSON body of every refusal of the real download handler (non-browser user agent)."""

_BROWSER_UA = re.compile(r"mozilla|chrome|safari|firefox|opera|edge", re.IGNORECASE)
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
_SERVE_CHUNK = 1024 * 1024


@dataclass
class FakeFile:
    """One downloadable file. ``data`` is bytes, or a path served from disk (large benchmark files)."""

    data: bytes | Path
    name: str
    version_id: int
    file_id: int
    key: str = field(default_factory=lambda: secrets.token_hex(8))
    content_type: str = "application/octet-stream"
    primary: bool = True
    require_login: bool = False
    """Refuse (401 login required) unless the request carries a key (header or ``?token=``)."""
    refusal: Refusal | None = None
    early_access_deadline: datetime | None = None
    retry_after: int | None = None
    """``Retry-After`` seconds sent with a ``download_limit`` refusal."""
    ignore_range_times: int = 0
    """Answer the next N ranged storage requests with a full 200 (a server that ignores ``Range``)."""
    file_type: str | None = None
    """Civitai's file type (``Model``, ``Training Data``, ``VAE`` ...), matched by a ``?type=`` query."""
    metadata: dict[str, str] = field(default_factory=dict)
    """``format``/``size``/``fp`` values, matched by the ``?format=&size=&fp=`` of a download URL."""

    @property
    def size(self) -> int:
        return self.data.stat().st_size if isinstance(self.data, Path) else len(self.data)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.read(0, self.size):
            digest.update(chunk)
        return digest.hexdigest().upper()

    def read(self, start: int, stop: int) -> Iterator[bytes]:
        """The bytes ``[start, stop)`` in chunks."""
        if isinstance(self.data, bytes):
            view = memoryview(self.data)
            for offset in range(start, stop, _SERVE_CHUNK):
                yield bytes(view[offset : min(offset + _SERVE_CHUNK, stop)])
            return
        with self.data.open("rb", buffering=0) as source:
            source.seek(start)
            remaining = stop - start
            while remaining > 0:
                chunk = source.read(min(_SERVE_CHUNK, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk


class FakeDownloads:
    """The download endpoint's state: files, refusals, drops, and what the storage host was sent."""

    def __init__(
        self,
        server: FakeCivitai,
        secret: bytes | None = None,
        *,
        accepts: Callable[[FakeRequest], bool] | None = None,
    ) -> None:
        self.server = server
        self.accepts: Callable[[FakeRequest], bool] = accepts or (lambda request: key_accepted(request, None))
        """Whether a request's key opens login-only files (default: any key; the sandbox shares its REST rule)."""
        self._secret = secret or secrets.token_bytes(16)
        self._lock = threading.Lock()
        self._files: dict[str, FakeFile] = {}
        self.storage_requests: list[FakeRequest] = []
        self.endpoint_requests: list[FakeRequest] = []

    # -- setup ---------------------------------------------------------------------------------------------

    def add(
        self,
        data: bytes | Path,
        *,
        name: str,
        version_id: int = 1,
        file_id: int | None = None,
        **settings: object,
    ) -> FakeFile:
        """Serve ``data`` as file ``name`` of model version ``version_id`` (see [`FakeFile`][] for settings)."""
        file = FakeFile(
            data=data,
            name=name,
            version_id=version_id,
            file_id=file_id if file_id is not None else version_id * 10 + len(self._files),
            **settings,  # type: ignore[arg-type]
        )
        with self._lock:
            self._files[file.key] = file
        return file

    def files(self) -> list[FakeFile]:
        with self._lock:
            return list(self._files.values())

    def download_url(self, file: FakeFile, *, host: str | None = None) -> str:
        """The API's ``downloadUrl`` for ``file`` (``/api/download/models/{versionId}``, plus ``fileId``
        for a non-primary file)."""
        base = self.server.url_for_host(host) if host else self.server.url
        query = "" if file.primary else f"?fileId={file.file_id}"
        return f"{base}/api/download/models/{file.version_id}{query}"

    def storage_url(self, file: FakeFile, *, host: str = "localhost") -> str:
        """A signed storage URL for ``file`` (what the endpoint redirects to; images can use it directly)."""
        expires = str(int((datetime.now(UTC) + timedelta(hours=1)).timestamp()))
        disposition = f'attachment; filename="{file.name}"'
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Expires": expires,
            "response-content-disposition": disposition,
            "X-Amz-Signature": self._sign(file.key, expires),
        }
        return f"{self.server.url_for_host(host)}/storage/{file.key}/{quote(file.name)}?{urlencode(query)}"

    def drop(self, file: FakeFile, after_bytes: int, *, times: int = 1) -> None:
        """Cut the connection after ``after_bytes`` of the body, on the next ``times`` storage requests
        for ``file`` (headers announce the full length, as a real mid-download failure does)."""
        self.server.faults.add(Fault.truncate(after_bytes), path=f"/storage/{file.key}/*", method="GET", times=times)

    @property
    def storage_saw_authorization(self) -> bool:
        """Whether any request to the storage route carried an ``Authorization`` header or a token."""
        return any("authorization" in r.headers or "token" in r.query for r in self.storage_requests)

    # -- routes --------------------------------------------------------------------------------------------

    def endpoint(self, request: FakeRequest) -> FakeResponse:
        """``GET /api/download/models/{versionId}``."""
        with self._lock:
            self.endpoint_requests.append(request)
        raw_id = request.path_params.get("versionId", "")
        if not raw_id.isdigit():
            return FakeResponse.json({"error": "Invalid id"}, status=400)
        if int(raw_id) == 0:
            return FakeResponse.json({"error": "Missing modelVersionId"}, status=400)
        file = self._select(int(raw_id), request)
        if file is None:
            return self._refuse(request, "not_found", None)
        if file.refusal is not None:
            return self._refuse(request, file.refusal, file)
        if file.require_login and not self.accepts(request):
            return self._refuse(request, "login_required", file)
        other_host = "localhost" if request.host != "localhost" else "127.0.0.1"
        return FakeResponse.redirect(self.storage_url(file, host=other_host), status=307)

    def storage(self, request: FakeRequest) -> FakeResponse:
        """``GET /storage/{key}/{name}``: the signed object."""
        with self._lock:
            self.storage_requests.append(request)
            file = self._files.get(request.path_params.get("key", ""))
        if file is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        expires = request.query.get("X-Amz-Expires", "")
        if not hmac.compare_digest(request.query.get("X-Amz-Signature", ""), self._sign(file.key, expires)):
            return _s3_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.")
        size = file.size
        headers = [
            ("Accept-Ranges", "bytes"),
            ("Cache-Control", "no-store, max-age=0"),
            # Raw UTF-8 bytes, as storage really sends them (the server writes header text as latin-1).
            ("Content-Disposition", f'attachment; filename="{file.name}"'.encode().decode("latin-1")),
        ]
        start, stop, status = 0, size, 200
        wanted = request.headers.get("range") if _RANGE.match(request.headers.get("range", "")) else None
        with self._lock:
            ignore_range = bool(wanted) and file.ignore_range_times > 0
            if ignore_range:
                file.ignore_range_times -= 1
        if wanted and not ignore_range:
            parsed = _parse_range(wanted, size)
            if parsed is None:
                headers.append(("Content-Range", f"bytes */{size}"))
                return FakeResponse.bytes(b"", "application/xml", status=416, headers=headers)
            start, stop = parsed
            status = 206
            headers.append(("Content-Range", f"bytes {start}-{stop - 1}/{size}"))
        return FakeResponse.stream(
            file.read(start, stop),
            content_type=file.content_type,
            headers=headers,
            status=status,
            content_length=stop - start,
        )

    # -- internals -----------------------------------------------------------------------------------------

    def _select(self, version_id: int, request: FakeRequest) -> FakeFile | None:
        """The file Civitai serves: by ``fileId``; else the one whose type and metadata match every given
        ``type``/``format``/``size``/``fp`` (the primary one first); else the primary file."""
        candidates = [f for f in self.files() if f.version_id == version_id]
        file_id = request.query.get("fileId")
        if file_id is not None:
            return next((f for f in candidates if str(f.file_id) == file_id), None)
        wanted = {key: request.query[key] for key in _SELECTORS if request.query.get(key)}
        if wanted:
            candidates = [f for f in candidates if _matches(f, wanted)]
        return next((f for f in candidates if f.primary), candidates[0] if candidates else None)

    def _refuse(self, request: FakeRequest, refusal: Refusal, file: FakeFile | None) -> FakeResponse:
        status, body = REFUSALS[refusal]
        payload: dict[str, object] = dict(body)
        headers: list[tuple[str, str]] = [("Cache-Control", "no-store, max-age=0")]
        if refusal == "early_access":
            deadline = (file.early_access_deadline if file else None) or datetime.now(UTC) + timedelta(days=3)
            payload = {"error": body["error"], "deadline": _iso(deadline), "message": body["message"]}
        if refusal == "download_limit" and file is not None and file.retry_after is not None:
            headers.append(("Retry-After", str(file.retry_after)))
        if _BROWSER_UA.search(request.headers.get("user-agent", "")):
            # The real handler answers browsers with ``res.send(message)``: plain text, no JSON.
            text = str(payload.get("message") or payload["error"])
            return FakeResponse.text(text, status=status, headers=headers)
        return FakeResponse.json(payload, status=status, headers=headers)

    def _sign(self, key: str, expires: str) -> str:
        return hmac.new(self._secret, f"{key}:{expires}".encode(), hashlib.sha256).hexdigest()


def install_download_routes(server: FakeCivitai, files: Iterable[FakeFile] = ()) -> FakeDownloads:
    """Register the download endpoint and the storage route on ``server``; returns their state."""
    downloads = FakeDownloads(server)
    for file in files:
        with downloads._lock:
            downloads._files[file.key] = file
    server.add_route("GET", "/api/download/models/{versionId}", downloads.endpoint)
    server.add_route("GET", "/storage/{key}/{name:path}", downloads.storage)
    return downloads


_SELECTORS = ("type", "format", "size", "fp")


def _matches(file: FakeFile, wanted: dict[str, str]) -> bool:
    values = {"type": file.file_type, **file.metadata}
    return all((values.get(key) or "").lower() == value.lower() for key, value in wanted.items())


def _parse_range(value: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` → ``[start, stop)``; ``None`` when unsatisfiable."""
    match = _RANGE.match(value)
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first:
        if not last or int(last) == 0:
            return None
        return max(0, size - int(last)), size
    start = int(first)
    stop = min(size, int(last) + 1) if last else size
    if start >= size or stop <= start:
        return None
    return start, stop


def _s3_error(status: int, code: str, message: str) -> FakeResponse:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return FakeResponse.text(body, status=status, content_type="application/xml")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
