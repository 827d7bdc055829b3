"""Deciding a download before it starts: URL, final path, expected hash, overwrite policy.

Pure functions shared by the sync and async services. Token values come from the API models here
(``{ModelName}``, ``{NsfwLevel}`` ...) and go through [`civitai_kit.tools.path_patterns`][], so a
hostile name from the server can never place a file outside the base directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit.core.enums import NsfwLevel
from civitai_kit.errors import ErrorCode
from civitai_kit.result import Failure, Result, Success
from civitai_kit.tools.download_errors import redact_text, secrets_in_url
from civitai_kit.tools.download_scans import scan_warnings
from civitai_kit.tools.download_types import DownloadPlan, ExpectedHash
from civitai_kit.tools.layouts import Layout, layout_folder
from civitai_kit.tools.path_patterns import EscapingLinkError, render_pattern, resolve_within, sanitize_filename

if TYPE_CHECKING:
    from civitai_kit.core.models import FileHashes, Image, ModelFile, ModelVersion
    from civitai_kit.options import CivitaiApiOptions

__all__ = [
    "CIVITAI_HOSTS",
    "LAYOUT_PATTERN",
    "STRENGTH_ORDER",
    "choose_expected_hash",
    "image_extension",
    "image_tokens",
    "layout_argument",
    "model_directory",
    "model_file_tokens",
    "plan_image",
    "plan_model_file",
    "plan_url",
    "rebase_download_url",
]

STRENGTH_ORDER: tuple[HashAlgorithm, ...] = (
    HashAlgorithm.SHA256,
    HashAlgorithm.BLAKE3,
    HashAlgorithm.CRC32,
    HashAlgorithm.AUTOV2,
    HashAlgorithm.AUTOV3,
    HashAlgorithm.AUTOV1,
)
"""Which Civitai hash to verify against when several are known: strongest first."""

CIVITAI_HOSTS = frozenset({"civitai.com", "www.civitai.com", "civitai.red", "www.civitai.red"})
"""Hosts whose ``/api/download/...`` URLs are re-pointed at the configured base URL (so the key, which
``_http`` sends only to that host, reaches the endpoint that needs it, and a sandbox serves them)."""

IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp", "avif", "mp4", "webm", "mov"})
_DEFAULT_ALGORITHMS = frozenset({HashAlgorithm.SHA256, HashAlgorithm.AUTOV2})


# ------------------------------------------------------------------------------------------------ hashes


def choose_expected_hash(
    hashes: FileHashes | Mapping[HashAlgorithm, str | None] | None,
    preferred: HashAlgorithm | None = HashAlgorithm.SHA256,
) -> ExpectedHash | None:
    """The hash to verify a download against: ``preferred`` when the file has it, else the strongest
    one present (SHA256 > BLAKE3 > CRC32 > AutoV2 > AutoV3 > AutoV1). ``None`` when there is none."""
    if hashes is None:
        return None
    order = ((preferred,) if preferred is not None else ()) + STRENGTH_ORDER
    for algorithm in order:
        value = hashes.get(algorithm)
        if isinstance(value, str) and value.strip():
            return ExpectedHash(algorithm, value.strip().upper())
    return None


def _algorithms_for(expected: ExpectedHash | None) -> frozenset[HashAlgorithm]:
    return _DEFAULT_ALGORITHMS | ({expected.algorithm} if expected is not None else set())


# ------------------------------------------------------------------------------------------------ tokens


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))  # enums render as their API string


def model_file_tokens(file: ModelFile, version: ModelVersion | None = None) -> dict[str, str | None]:
    """Token values of a model file (and its version, when known); absent values render ``unknown``."""
    metadata = file.metadata
    tokens: dict[str, str | None] = {
        "FileId": _text(file.id),
        "FileName": file.name,
        "FileType": _text(file.type) or "Model",
        "Format": _text(metadata.format) if metadata is not None else None,
        "Size": _text(metadata.size) if metadata is not None else None,
        "Precision": _text(metadata.fp) if metadata is not None else None,
    }
    if version is not None:
        model = version.model
        tokens |= {
            "VersionId": _text(version.id),
            "VersionName": version.name,
            "BaseModel": _text(version.base_model),
            "ModelId": _text(version.model_id),
            "ModelName": model.name if model is not None else None,
            "ModelType": _text(model.type) if model is not None else None,
        }
    return tokens


def image_extension(image: Image) -> str:
    """Extension from the URL's last segment when it is a known media type, else from the media type
    (video → ``mp4``, otherwise ``png``). The bytes have the last word: see ``fix_extension``."""
    path = urlsplit(image.url or "").path
    segment = unquote(path.rsplit("/", 1)[-1])
    stem, dot, extension = segment.rpartition(".")
    if dot and stem and extension.lower() in IMAGE_EXTENSIONS:
        return extension.lower()
    return "mp4" if (_text(image.type) or "").lower() == "video" else "png"


def _nsfw_text(level: Any) -> str | None:
    """The API's image NSFW value (``None``/``Soft``/``Mature``/``X``), also from a numeric browsing level."""
    if level is None:
        return None
    if isinstance(level, int) and not isinstance(level, bool):
        return NsfwLevel.from_browsing_level(level).value
    return _text(level)


def _date_text(value: datetime | None) -> str | None:
    if value is None:
        return None  # never "now": the same image must always get the same name
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d")


def image_tokens(image: Image, extension: str | None = None) -> dict[str, str | None]:
    """Token values of an image."""
    return {
        "Id": _text(image.id),
        "PostId": _text(image.post_id),
        "Username": image.username,
        "Width": _text(image.width),
        "Height": _text(image.height),
        "BaseModel": _text(image.base_model),
        "NsfwLevel": _text(image.nsfw_label) or _nsfw_text(image.nsfw_level),
        "Date": _date_text(image.created_at),
        "Extension": (extension or image_extension(image)).lstrip("."),
    }


# ------------------------------------------------------------------------------------------------ URLs


def rebase_download_url(url: str, base_url: str) -> str:
    """Point a civitai.com/civitai.red ``/api/download/`` URL at ``base_url`` (keeping its path prefix);
    any other URL is returned unchanged."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in CIVITAI_HOSTS or not parts.path.startswith("/api/download/"):
        return url
    base = urlsplit(base_url)
    if (base.hostname or "").lower() == (parts.hostname or "").lower():
        return url
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))


def _check_url(url: str | None, missing: ErrorCode, what: str) -> Result[str]:
    if url is None or not url.strip():
        return Failure.of(missing, f"{what} URL is missing or empty.")
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        shown = redact_text(url, secrets_in_url(url))
        return Failure.of(ErrorCode.INVALID_URL, f"URL must be an absolute HTTP or HTTPS URI: {shown!r}")
    return Success(url.strip())


# ------------------------------------------------------------------------------------------------ plans


def _plan(url: str, base: Path, relative: os.PathLike[str] | str, **fields: Any) -> Result[DownloadPlan]:
    """The plan for ``url`` to ``base / relative``, unless that would leave ``base``. A symlink on the way
    that leads outside is refused as the folder (or file) that cannot be created there."""
    try:
        destination = resolve_within(base, relative)
    except EscapingLinkError as exc:
        code = ErrorCode.FILE_WRITE_FAILED if exc.final else ErrorCode.DIRECTORY_CREATION_FAILED
        return Failure.of(code, str(exc), details={"path": str(exc.link)})
    except ValueError as exc:
        return Failure.of(ErrorCode.INVALID_PARAMETER, str(exc))
    return Success(DownloadPlan(url=url, destination=destination, base_directory=base, **fields))


def _directory(directory: str | os.PathLike[str] | None, default: Path) -> Path:
    return Path(directory).expanduser() if directory is not None else Path(default).expanduser()


def plan_model_file(
    file: ModelFile,
    version: ModelVersion | None,
    options: CivitaiApiOptions,
    *,
    directory: str | os.PathLike[str] | None = None,
    pattern: str | None = None,
    verify: bool | None = None,
    overwrite: bool | None = None,
    layout: Layout | str | None = None,
    allow_unsafe: bool | None = None,
) -> Result[DownloadPlan]:
    """Plan a model file download: refused (``UNSAFE_FILE``) when Civitai's scan says ``Danger`` unless
    ``allow_unsafe``; placed by ``layout`` (default: ``Downloads:Layout``) under ``directory`` (default:
    ``Downloads:Root`` for a layout, the models' base directory for ``flat``).

    Raises ``ValueError`` for an invalid ``pattern`` or ``layout`` argument, or a layout without a root.
    """
    settings = options.downloads.models
    chosen_layout = layout_argument(layout, options)
    url = _check_url(file.download_url, ErrorCode.DOWNLOAD_URL_MISSING, "Model file download")
    if isinstance(url, Failure):
        return url
    base = model_directory(directory, chosen_layout, options)
    scanned = scan_warnings(file, allow_unsafe=options.downloads.allow_unsafe if allow_unsafe is None else allow_unsafe)
    if isinstance(scanned, Failure):
        return scanned
    relative = render_pattern(
        pattern or _layout_pattern(chosen_layout, settings.path_pattern), model_file_tokens(file, version), "model"
    )
    folder = layout_folder(chosen_layout, file, version, options.downloads.layout_folders)
    verifying = settings.verify_hash if verify is None else verify
    expected = choose_expected_hash(file.hashes, settings.hash_algorithm) if verifying else None
    return _plan(
        rebase_download_url(url.value, options.base_url),
        base,
        relative if folder is None else folder / relative,
        kind="model",
        expected=expected,
        algorithms=_algorithms_for(expected),
        overwrite=settings.overwrite_existing if overwrite is None else overwrite,
        warnings=scanned.value,
    )


LAYOUT_PATTERN = "{FileName}"
"""The path pattern under a layout's folder when none is given (the models' ``PathPattern`` is for ``flat``)."""


def _layout_pattern(layout: Layout, flat_pattern: str) -> str:
    return flat_pattern if layout is Layout.FLAT else LAYOUT_PATTERN


def layout_argument(layout: Layout | str | None, options: CivitaiApiOptions) -> Layout:
    """``layout`` as a [`Layout`][civitai_kit.tools.layouts.Layout] (default: the options'); raises
    ``ValueError`` naming the argument for an unknown name."""
    if layout is None:
        return options.downloads.layout
    try:
        return Layout(layout)
    except ValueError:
        names = ", ".join(member.value for member in Layout)
        raise ValueError(f"layout: {layout!r} is not a layout (valid: {names}; forge and reforge mean a1111)") from None


def model_directory(directory: str | os.PathLike[str] | None, layout: Layout, options: CivitaiApiOptions) -> Path:
    """The base directory of a model download: ``directory``, else ``Downloads:Root`` for a layout (which
    needs one: ``ValueError`` otherwise), else the models' base directory."""
    if directory is not None:
        return _directory(directory, options.downloads.models.base_directory)
    if layout is Layout.FLAT:
        return _directory(None, options.downloads.models.base_directory)
    if options.downloads.root is None:
        raise ValueError(
            f"directory: the {layout.value} layout needs the app's folder: "
            "pass directory= (--root) or set Downloads:Root"
        )
    return _directory(options.downloads.root, options.downloads.root)


def plan_image(
    image: Image,
    options: CivitaiApiOptions,
    *,
    directory: str | os.PathLike[str] | None = None,
    pattern: str | None = None,
    overwrite: bool | None = None,
) -> Result[DownloadPlan]:
    """Plan an image (or video) download; the extension is corrected from the bytes once they arrive."""
    settings = options.downloads.images
    url = _check_url(image.url, ErrorCode.IMAGE_URL_MISSING, "Image")
    if isinstance(url, Failure):
        return url
    base = _directory(directory, settings.base_directory)
    relative = render_pattern(pattern or settings.path_pattern, image_tokens(image), "image")
    return _plan(
        url.value,
        base,
        relative,
        kind="image",
        algorithms=_DEFAULT_ALGORITHMS,
        overwrite=settings.overwrite_existing if overwrite is None else overwrite,
        fix_extension=True,
    )


def plan_url(
    url: str,
    destination: str | os.PathLike[str],
    options: CivitaiApiOptions,
    *,
    expected_hash: str | None = None,
    algorithm: HashAlgorithm | str | None = None,
    overwrite: bool | None = None,
) -> Result[DownloadPlan]:
    """Plan a raw URL download to a file path, or into a directory (existing, or given with a trailing
    separator) under the name the server sends in Content-Disposition (else the URL's last segment)."""
    checked = _check_url(url, ErrorCode.INVALID_URL, "Download")
    if isinstance(checked, Failure):
        return checked
    if expected_hash is not None and not expected_hash.strip():
        raise ValueError("expected_hash: must not be blank (pass None to skip verification)")
    chosen = _algorithm_argument(algorithm) if algorithm is not None else _guess_algorithm(expected_hash)
    expected = ExpectedHash(chosen, expected_hash.strip().upper()) if expected_hash else None
    raw = os.fspath(destination)
    into_directory = raw.endswith(("/", "\\")) or Path(raw).expanduser().is_dir()
    target = Path(raw).expanduser().absolute()
    if into_directory:
        base, name = target, _name_from_url(checked.value)
    else:
        base, name = target.parent, target.name
    return _plan(
        rebase_download_url(checked.value, options.base_url),
        base,
        sanitize_filename(name),
        kind="file",
        expected=expected,
        algorithms=_algorithms_for(expected),
        overwrite=options.downloads.models.overwrite_existing if overwrite is None else overwrite,
        name_from_response=into_directory,
    )


def _algorithm_argument(algorithm: HashAlgorithm | str) -> HashAlgorithm:
    try:
        return HashAlgorithm(algorithm)
    except ValueError:
        valid = ", ".join(member.value for member in HashAlgorithm)
        raise ValueError(f"algorithm: {algorithm!r} is not a hash algorithm (valid: {valid})") from None


def _guess_algorithm(expected_hash: str | None) -> HashAlgorithm:
    """A bare hash's algorithm from its length: 64 hex SHA256/BLAKE3 (SHA256 assumed), 8 CRC32, 10 AutoV2."""
    length = len((expected_hash or "").strip())
    return {8: HashAlgorithm.CRC32, 10: HashAlgorithm.AUTOV2, 12: HashAlgorithm.AUTOV3, 128: HashAlgorithm.SHA512}.get(
        length, HashAlgorithm.SHA256
    )


def _name_from_url(url: str) -> str:
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return segment or "download"
