"""Typed, immutable views of what Civitai's REST API returns — built to survive every era of its payloads.

Rules (fields come, go and change type between endpoints and years): every field is optional except ids; unknown
keys are kept in ``model_extra`` (``StrictJsonParsing`` turns them into errors, see
``civitai_kit.core.calls``); dates are parsed leniently; enum-ish fields are open
([`civitai_kit.core.enums`][]); and the fields whose shape changed over the years are normalised:

* ``allow_commercial_use`` is always a tuple of [`CommercialUse`][] (wire: ``"Sell"``, ``["Image"]``,
  ``"{Image,RentCivit}"``, ``[]``, ``null``);
* ``tags`` of a model are strings (the 2023 wiki sent ``[{"name": …}]``);
* ``files[].primary`` is a bool (absent means ``False``);
* image NSFW is numeric: ``nsfw_level`` is a [`BrowsingLevel`][] value (1 PG … 32 Blocked) on every
  image. Version images send it as an int (2024+) or only a label / bool (2023); ``/images`` items send the
  exact level as ``browsingLevel`` and a lossy label as ``nsfwLevel`` (kept as ``nsfw_label``);
* ``meta`` is an [`ImageMeta`][] (open mapping with typed accessors), unwrapped from ``{"id", "meta"}``;
* pagination metadata: ``next_cursor`` is always a string (2023 sent a number).

Collections are tuples and models are frozen, so a parsed page can be shared between threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit.core.air import AirIdentifier
from civitai_kit.core.base import CivitaiModel
from civitai_kit.core.deferred import Deferred
from civitai_kit.core.enums import (
    Availability,
    BaseModelType,
    CommercialUse,
    MediaType,
    ModelFileFormat,
    ModelFileType,
    ModelMode,
    ModelType,
    NsfwLevel,
    ScanResult,
    UploadType,
    UsageControl,
)
from civitai_kit.core.html import html_to_markdown, html_to_plain_text
from civitai_kit.core.meta import CivitaiResource, ImageMeta, ImageResource, MetaField

__all__ = [
    "CivitaiModel",
    "CivitaiResource",
    "Creator",
    "FileHashes",
    "FileMetadata",
    "Image",
    "ImageFileMetadata",
    "ImageMeta",
    "ImageResource",
    "ImageStats",
    "Model",
    "ModelFile",
    "ModelImage",
    "ModelStats",
    "ModelVersion",
    "ModelVersionStats",
    "Page",
    "PageMetadata",
    "Tag",
    "VersionIdByHash",
    "VersionModel",
]

T = TypeVar("T")


# ------------------------------------------------------------------------------------------ lenient types


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _lenient_datetime(value: Any, handler: ValidatorFunctionWrapHandler) -> datetime | None:
    """ISO with or without ``Z``, ``""``/null → None, and a garbled date → None rather than a lost page."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        parsed: datetime = handler(value)
    except ValidationError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


LenientDatetime = Annotated[datetime | None, WrapValidator(_lenient_datetime)]
"""A timestamp; naive wire values are UTC (Civitai's server time), so they are made aware."""

OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
HashValue = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]


def _false_if_none(value: Any) -> Any:
    return False if value is None else value


def _commercial_uses(value: Any) -> Any:
    """``"Sell"``, ``"{Image,RentCivit}"``, ``["Image", "Sell"]``, ``[]``, ``""``, null → a list of names."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{") and text.endswith("}"):
            text = text[1:-1]
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [item.strip() for item in value if isinstance(item, str) and item.strip()]
    return value


def _tag_names(value: Any) -> Any:
    """Model tags are strings; the 2023 wiki example has ``[{"name": "punk"}]``."""
    if isinstance(value, list):
        return [item.get("name") if isinstance(item, dict) else item for item in value]
    return [] if value is None else value


def _cursor_text(value: Any) -> Any:
    """Cursors are opaque strings; 2023 ``/images`` sent a number (``101``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return _blank_to_none(value)


def _browsing_level(value: Any) -> Any:
    """A numeric level from an int, a label (``"Mature"`` → 4) or the 2023 ``nsfw`` bool."""
    if type(value) is int:  # the common case, first: this runs for every image of a page
        return value
    if isinstance(value, bool):
        return 4 if value else 1
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        return NsfwLevel(value.strip()).browsing_level
    return value


def _nsfw_label(value: Any) -> Any:
    if isinstance(value, bool):
        return NsfwLevel.X if value else NsfwLevel.NONE
    if isinstance(value, int):
        return NsfwLevel.from_browsing_level(value)
    return value


def _nsfw_flag(value: Any) -> Any:
    """``nsfw`` is a bool, or (mid-2023) a label where anything but ``"None"`` means NSFW."""
    if type(value) is bool:
        return value
    if isinstance(value, str) and value.strip() and value.strip().lower() not in ("true", "false", "1", "0"):
        return value.strip() != NsfwLevel.NONE
    return value


def _empty_if_none(value: Any) -> Any:
    return {} if value is None else value


def _list_if_none(value: Any) -> Any:
    return [] if value is None else value


# ------------------------------------------------------------------------------------------ files


class FileHashes(CivitaiModel):
    """A file's hashes as Civitai stores them (upper-case hex). Any subset may be present; ``{}`` while the
    file is still being scanned."""

    sha256: HashValue | None = Field(None, alias="SHA256")
    crc32: HashValue | None = Field(None, alias="CRC32")
    blake3: HashValue | None = Field(None, alias="BLAKE3")
    auto_v1: HashValue | None = Field(None, alias="AutoV1")
    auto_v2: HashValue | None = Field(None, alias="AutoV2")
    auto_v3: HashValue | None = Field(None, alias="AutoV3")
    sha512: HashValue | None = Field(None, alias="SHA512")

    def get(self, algorithm: HashAlgorithm | str) -> str | None:
        """The hash for ``algorithm`` (a [`HashAlgorithm`][] or its name, any case), or ``None``."""
        return getattr(self, _HASH_FIELDS[HashAlgorithm(algorithm)])  # type: ignore[no-any-return]

    def items(self) -> Iterator[tuple[HashAlgorithm, str]]:
        """``(algorithm, hash)`` for every hash present."""
        for algorithm, name in _HASH_FIELDS.items():
            value = getattr(self, name)
            if value:
                yield algorithm, value

    def matches(self, algorithm: HashAlgorithm | str, value: str) -> bool:
        """Whether the stored hash for ``algorithm`` equals ``value`` (case-insensitive); False if absent."""
        stored = self.get(algorithm)
        return stored is not None and stored == value.strip().upper()

    def __bool__(self) -> bool:
        return any(True for _ in self.items())


_HASH_FIELDS: dict[HashAlgorithm, str] = {
    HashAlgorithm.SHA256: "sha256",
    HashAlgorithm.CRC32: "crc32",
    HashAlgorithm.BLAKE3: "blake3",
    HashAlgorithm.AUTOV1: "auto_v1",
    HashAlgorithm.AUTOV2: "auto_v2",
    HashAlgorithm.AUTOV3: "auto_v3",
    HashAlgorithm.SHA512: "sha512",
}


class FileMetadata(CivitaiModel):
    """``files[].metadata``: values may be null or missing."""

    format: ModelFileFormat | None = None
    size: str | None = None
    """``full`` or ``pruned``."""
    fp: str | None = None
    """Precision: ``fp16``, ``fp32``, ``bf16``, ``fp8``…"""
    quant_type: str | None = None
    is_required: bool | None = None


class ModelFile(CivitaiModel):
    """One downloadable file of a version (model weights, training data, config, VAE…)."""

    id: int
    name: str | None = None
    """The download file name Civitai will send."""
    size_kb: float | None = Field(None, alias="sizeKB")
    type: ModelFileType | None = None
    primary: Annotated[bool, BeforeValidator(_false_if_none)] = False
    pickle_scan_result: ScanResult | None = None
    pickle_scan_message: str | None = None
    virus_scan_result: ScanResult | None = None
    virus_scan_message: str | None = None
    scanned_at: LenientDatetime = None
    metadata: FileMetadata | None = None
    hashes: Annotated[FileHashes, BeforeValidator(_empty_if_none)] = Field(default_factory=FileHashes)
    download_url: OptionalText = None
    url: str | None = None
    """An internal storage URL some 2023 ``/model-versions`` payloads leaked; not for downloading."""
    vae_id: int | None = None

    @property
    def size_bytes(self) -> int | None:
        """``size_kb`` in bytes (Civitai's KB are KiB; the value is rounded, so treat it as approximate)."""
        return None if self.size_kb is None else round(self.size_kb * 1024)

    @property
    def is_safe(self) -> bool:
        """Both scans passed."""
        return self.pickle_scan_result == ScanResult.SUCCESS and self.virus_scan_result == ScanResult.SUCCESS


# ------------------------------------------------------------------------------------------ images


class ImageFileMetadata(CivitaiModel):
    """An image's ``metadata`` (file facts) — not to be confused with ``meta`` (generation parameters)."""

    hash: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None


class _ImageBase(CivitaiModel):
    url: str | None = None
    hash: str | None = None
    """Blurhash of the preview (all zeros for some videos)."""
    width: int | None = None
    height: int | None = None
    type: MediaType | None = None
    nsfw: Annotated[bool | None, BeforeValidator(_nsfw_flag)] = None
    meta: MetaField = None

    @property
    def is_video(self) -> bool:
        return self.type == MediaType.VIDEO


class ModelImage(_ImageBase):
    """A preview image of a model version. ``id`` is absent on ``/models/{id}`` and ``/model-versions/*``."""

    id: int | None = None
    nsfw_level: Annotated[int | None, BeforeValidator(_browsing_level)] = Field(
        None, validation_alias=AliasChoices("nsfwLevel", "nsfw"), serialization_alias="nsfwLevel"
    )
    """Numeric [`BrowsingLevel`][]; derived from the 2023 ``nsfw`` label/bool when ``nsfwLevel`` is absent."""
    minor: bool | None = None
    poi: bool | None = None
    has_meta: bool | None = None
    has_positive_prompt: bool | None = None
    on_site: bool | None = None
    remix_of_id: int | None = None
    availability: Availability | None = None
    metadata: ImageFileMetadata | None = None

    @property
    def nsfw_label(self) -> NsfwLevel | None:
        return None if self.nsfw_level is None else NsfwLevel.from_browsing_level(self.nsfw_level)


class ImageStats(CivitaiModel):
    cry_count: int | None = None
    laugh_count: int | None = None
    like_count: int | None = None
    dislike_count: int | None = None
    heart_count: int | None = None
    comment_count: int | None = None
    collected_count: int | None = None


class Tag(CivitaiModel):
    """A tag: ``/tags`` items (``name``, ``link``; 2023 also ``modelCount``) and ``/images`` ``withTags``
    entries (``id``, ``name``)."""

    id: int | None = None
    name: str | None = None
    link: str | None = None
    model_count: int | None = None


class Image(_ImageBase):
    """An item of ``GET /api/v1/images``."""

    id: int
    browsing_level: int | None = None
    """The exact numeric level (a single [`BrowsingLevel`][] bit)."""
    nsfw_label: Annotated[NsfwLevel | None, BeforeValidator(_nsfw_label)] = Field(None, alias="nsfwLevel")
    """The lossy label Civitai sends as ``nsfwLevel`` on ``/images`` (X and XXX both read ``X``)."""
    created_at: LenientDatetime = None
    post_id: int | None = None
    username: str | None = None
    base_model: str | None = None
    model_version_ids: Annotated[tuple[int, ...], BeforeValidator(_list_if_none)] = ()
    stats: ImageStats | None = None
    tags: Annotated[tuple[Tag, ...], BeforeValidator(_list_if_none)] = ()

    @property
    def nsfw_level(self) -> int | None:
        """Numeric [`BrowsingLevel`][]: ``browsingLevel``, else the label's level, else the ``nsfw`` bool."""
        if self.browsing_level is not None:
            return self.browsing_level
        if self.nsfw_label is not None:
            return self.nsfw_label.browsing_level
        if self.nsfw is not None:
            return 4 if self.nsfw else 1
        return None


# ------------------------------------------------------------------------------------------ versions


class ModelVersionStats(CivitaiModel):
    download_count: int | None = None
    """``None`` when the creator hides their metrics."""
    rating_count: int | None = None
    rating: float | None = None
    thumbs_up_count: int | None = None
    thumbs_down_count: int | None = None


class VersionModel(CivitaiModel):
    """The ``model`` summary inside a ``/model-versions`` body."""

    name: str | None = None
    type: ModelType | None = None
    nsfw: bool | None = None
    poi: bool | None = None
    mode: ModelMode | None = None


class _Described:
    """Adds Markdown / plain-text views of the HTML ``description`` a model declares."""

    __slots__ = ()
    if TYPE_CHECKING:
        description: str | None

    @property
    def description_markdown(self) -> str | None:
        """``description`` converted to Markdown (needs the ``tools`` extra)."""
        if self.description is None:
            return None
        return html_to_markdown(self.description)

    @property
    def description_text(self) -> str | None:
        """``description`` as plain text (needs the ``tools`` extra)."""
        if self.description is None:
            return None
        return html_to_plain_text(self.description)


class ModelVersion(CivitaiModel, _Described):
    """A version of a model, as embedded in a model or returned by ``/model-versions/…``."""

    id: int
    model_id: int | None = None
    """Only on ``/model-versions`` bodies (and 2023 payloads); see ``model``."""
    index: int | None = None
    name: str | None = None
    description: str | None = None
    """HTML as Civitai stores it; see ``description_markdown`` / ``description_text``."""
    base_model: str | None = None
    """Open text: ``SD 1.5``, ``SDXL 1.0``, ``Pony``, ``Flux.1 D``… (the list changes constantly)."""
    base_model_type: BaseModelType | None = None
    status: str | None = None
    availability: Availability | None = None
    nsfw_level: int | None = None
    """Bitmask of [`BrowsingLevel`][]."""
    created_at: LenientDatetime = None
    updated_at: LenientDatetime = None
    published_at: LenientDatetime = None
    trained_words: Annotated[tuple[str, ...], BeforeValidator(_list_if_none)] = ()
    stats: ModelVersionStats | None = None
    supports_generation: bool | None = None
    download_url: OptionalText = None
    """Absent when the model is archived."""
    files: Annotated[tuple[ModelFile, ...], BeforeValidator(_list_if_none)] = ()
    images: Annotated[tuple[ModelImage, ...], BeforeValidator(_list_if_none), Deferred()] = ()
    air: OptionalText = None
    """The AI Resource Identifier Civitai sends (``urn:air:sdxl:lora:civitai:123@456``); see [`air_identifier`][]."""
    model: VersionModel | None = None
    upload_type: UploadType | None = None
    usage_control: UsageControl | None = None
    training_status: str | None = None
    training_details: Any = None
    early_access_time_frame: int | None = None
    """Days of early access (2023 payloads)."""
    early_access_deadline: LenientDatetime = None
    early_access_ends_at: LenientDatetime = None
    early_access_config: Any = None
    paid_access: Any = None
    licensing_fee: float | None = None
    covered: bool | None = None
    """An internal flag some 2025 payloads leaked; kept so strict parsing accepts them."""
    vae_id: int | None = None

    @property
    def primary_file(self) -> ModelFile | None:
        """The file flagged ``primary``; else the first ``Model`` file; else the first file."""
        for file in self.files:
            if file.primary:
                return file
        for file in self.files:
            if file.type == ModelFileType.MODEL:
                return file
        return self.files[0] if self.files else None

    @property
    def air_identifier(self) -> AirIdentifier | None:
        """[`air`][] parsed, or ``None`` when absent or not a valid AIR."""
        if not self.air:
            return None
        return AirIdentifier.try_parse(self.air)

    @property
    def is_early_access(self) -> bool:
        return self.availability == Availability.EARLY_ACCESS

    def file_by_hash(self, value: str, algorithm: HashAlgorithm | str | None = None) -> ModelFile | None:
        """The file whose hash (of ``algorithm``, or of any algorithm) equals ``value``."""
        for file in self.files:
            if algorithm is not None:
                if file.hashes.matches(algorithm, value):
                    return file
            elif any(stored == value.strip().upper() for _, stored in file.hashes.items()):
                return file
        return None


# ------------------------------------------------------------------------------------------ models


class ModelStats(CivitaiModel):
    download_count: int | None = None
    """``None`` when the creator hides their metrics."""
    favorite_count: int | None = None
    thumbs_up_count: int | None = None
    thumbs_down_count: int | None = None
    comment_count: int | None = None
    rating_count: int | None = None
    rating: float | None = None
    tipped_amount_count: int | None = None


class Creator(CivitaiModel):
    """A model's ``creator`` and the items of ``/creators``."""

    username: str | None = None
    image: str | None = None
    """Avatar URL; null or omitted when there is none."""
    model_count: int | None = None
    link: str | None = None


class Model(CivitaiModel, _Described):
    """A model (checkpoint, LoRA, embedding…) with its versions: ``/models`` items and ``/models/{id}``."""

    id: int
    name: str | None = None
    type: ModelType | None = None
    description: str | None = None
    """HTML as Civitai stores it; see ``description_markdown`` / ``description_text``."""
    nsfw: bool | None = None
    nsfw_level: int | None = None
    """Bitmask of [`BrowsingLevel`][] over the model's content."""
    tags: Annotated[tuple[str, ...], BeforeValidator(_tag_names)] = ()
    creator: Creator | None = None
    """Absent for models owned by Civitai itself."""
    stats: ModelStats | None = None
    model_versions: Annotated[tuple[ModelVersion, ...], BeforeValidator(_list_if_none), Deferred()] = ()
    allow_no_credit: bool | None = None
    allow_derivatives: bool | None = None
    allow_different_license: bool | None = None
    allow_commercial_use: Annotated[tuple[CommercialUse, ...], BeforeValidator(_commercial_uses)] = ()
    poi: bool | None = None
    minor: bool | None = None
    sfw_only: bool | None = None
    availability: Availability | None = None
    cosmetic: Any = None
    supports_generation: bool | None = None
    mode: ModelMode | None = None
    """``Archived`` / ``TakenDown``; ``None`` when the model is healthy."""
    user_id: int | None = None
    download_url: OptionalText = None

    @property
    def latest_version(self) -> ModelVersion | None:
        """The newest version: Civitai lists versions newest first (``index`` 0)."""
        if not self.model_versions:
            return None
        indexed = [v for v in self.model_versions if v.index is not None]
        if indexed:
            return min(indexed, key=lambda v: v.index or 0)
        return self.model_versions[0]

    def version(self, version_id: int) -> ModelVersion | None:
        """The version with ``version_id``, if this model lists it."""
        return next((v for v in self.model_versions if v.id == version_id), None)

    @property
    def is_archived(self) -> bool:
        return self.mode == ModelMode.ARCHIVED

    @property
    def is_taken_down(self) -> bool:
        return self.mode == ModelMode.TAKEN_DOWN


class VersionIdByHash(CivitaiModel):
    """An item of ``POST /api/v1/model-versions/by-hash/ids``."""

    model_version_id: int
    hash: HashValue | None = None


# ------------------------------------------------------------------------------------------ pages


class PageMetadata(CivitaiModel):
    """``metadata`` of a list response. Which keys appear depends on the endpoint and era: cursors on
    ``/models`` and ``/images`` now, totals on ``/tags``/``/creators`` (and models before mid-2024)."""

    next_cursor: Annotated[str | None, BeforeValidator(_cursor_text)] = None
    next_page: OptionalText = None
    prev_page: OptionalText = None
    current_page: int | None = None
    page_size: int | None = None
    total_items: int | None = None
    total_pages: int | None = None


class Page(CivitaiModel, Generic[T]):
    """One page of results plus where to go next. A bare JSON array is accepted as items-only."""

    items: Annotated[tuple[T, ...], BeforeValidator(_list_if_none)] = ()
    metadata: Annotated[PageMetadata, BeforeValidator(_empty_if_none)] = Field(default_factory=PageMetadata)

    @model_validator(mode="before")
    @classmethod
    def _bare_array(cls, data: Any) -> Any:
        return {"items": data} if isinstance(data, list) else data

    @property
    def next_cursor(self) -> str | None:
        return self.metadata.next_cursor

    @property
    def next_page(self) -> str | None:
        return self.metadata.next_page

    @property
    def current_page(self) -> int | None:
        return self.metadata.current_page

    @property
    def page_size(self) -> int | None:
        return self.metadata.page_size

    @property
    def total_items(self) -> int | None:
        return self.metadata.total_items

    @property
    def total_pages(self) -> int | None:
        return self.metadata.total_pages

    @property
    def has_more(self) -> bool:
        """Whether the server says there is another page (a cursor or a next-page URL)."""
        return bool(self.metadata.next_cursor or self.metadata.next_page)
