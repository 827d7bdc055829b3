"""Every recorded Civitai body parses through the public models, without loss, lenient and strict."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import AliasChoices, BaseModel

from civitai_kit.core import (
    Availability,
    CommercialUse,
    Creator,
    Image,
    ImageMeta,
    MediaType,
    Model,
    ModelFileFormat,
    ModelFileType,
    ModelMode,
    ModelType,
    ModelVersion,
    NsfwLevel,
    Page,
    ScanResult,
    Tag,
    parse,
)
from civitai_kit.tools import HashAlgorithm
from tests.support.core_support import TARGETS, fixture_files, load_fixture

BODIES = [f for f in fixture_files() if f.parent.name != "errors"]


def _field_for(model: BaseModel, key: str) -> str | None:
    for name, info in type(model).model_fields.items():
        alias = info.validation_alias
        names = {c for c in alias.choices if isinstance(c, str)} if isinstance(alias, AliasChoices) else set()
        names.add(alias if isinstance(alias, str) else info.alias or name)
        if key in names:
            return name
    return None


def assert_no_loss(raw: Any, parsed: Any, path: str = "$") -> None:
    """Every key of ``raw`` landed in a declared field or in ``model_extra`` (with its value), recursively."""
    if isinstance(parsed, BaseModel):
        assert isinstance(raw, dict), path
        for key, value in raw.items():
            name = _field_for(parsed, key)
            if name is None:
                assert parsed.model_extra is not None and parsed.model_extra.get(key) == value, f"{path}.{key} lost"
                continue
            assert_no_loss(value, getattr(parsed, name), f"{path}.{key}")
    elif isinstance(parsed, ImageMeta):
        inner = raw["meta"] if isinstance(raw, dict) and set(raw) == {"id", "meta"} else raw
        assert parsed.to_dict() == inner, path
    elif isinstance(parsed, tuple) and parsed and isinstance(parsed[0], BaseModel):
        assert isinstance(raw, list) and len(raw) == len(parsed), path
        for index, (item, child) in enumerate(zip(raw, parsed, strict=True)):
            assert_no_loss(item, child, f"{path}[{index}]")


@pytest.mark.parametrize("path", BODIES, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_every_fixture_parses_without_loss(path: Path, strict: bool) -> None:
    raw = load_fixture(f"{path.parent.name}/{path.name}")
    parsed = parse(TARGETS[path.parent.name], raw, strict=strict)
    assert_no_loss(raw, parsed)
    assert parsed.model_dump(mode="json")  # serialisable, open enums included


def test_fixture_count_matches_sources() -> None:
    assert len(fixture_files()) == 31
    assert len(BODIES) == 25


def test_list_page_2025() -> None:
    page = parse(Page[Model], load_fixture("models/bun-civitai-browser-models-res-2025.json"))
    model = page.items[0]
    assert page.next_cursor is None and page.current_page is not None and not page.has_more
    assert model.allow_commercial_use == (
        CommercialUse.IMAGE,
        CommercialUse.RENT_CIVIT,
        CommercialUse.RENT,
        CommercialUse.SELL,
    )
    version = model.latest_version
    assert version is not None and version.index == 0
    file = version.primary_file
    assert file is not None and file.primary and file.name == "VSK.safetensors"
    assert file.hashes.get(HashAlgorithm.AUTOV2) == "260F2989F1"
    assert file.hashes.get("sha256") == file.hashes.sha256
    assert file.hashes.matches(HashAlgorithm.SHA256, file.hashes.sha256.lower())  # type: ignore[union-attr]
    assert file.download_url == "https://civitai.com/api/download/models/127062"
    assert file.size_bytes == round(73888.6953125 * 1024) and file.is_safe
    assert version.file_by_hash("260f2989f1") is file
    assert version.images[0].nsfw_level == 4 and version.images[0].nsfw_label is NsfwLevel.MATURE


def test_wiki_2023_page_totals_and_string_commercial_use() -> None:
    page = parse(Page[Model], load_fixture("models/wiki-models-limit3-textualinversion-2023.json"))
    assert page.total_items is not None and page.total_pages is not None and page.next_page
    assert page.has_more
    assert all(isinstance(use, CommercialUse) for item in page.items for use in item.allow_commercial_use)
    assert all(m.type is ModelType.TEXTUAL_INVERSION for m in page.items)


def test_wiki_model_tags_objects_become_names_and_bool_image_nsfw_a_level() -> None:
    model = parse(Model, load_fixture("models-id/wiki-model-1102-2023.json"))
    assert model.tags == ("punk", "synthwave", "style")
    images = [image for version in model.model_versions for image in version.images]
    assert all(image.nsfw_level in (1, 4) for image in images)
    assert any(image.meta is not None and image.meta.seed is not None for image in images)


def test_dates_without_zone_are_utc() -> None:
    model = parse(Model, load_fixture("models-id/civitdl-model-7984-2024.json"))
    published = model.model_versions[0].published_at
    assert published is not None and published.tzinfo is not None
    assert published.utcoffset() == UTC.utcoffset(None)


def test_null_published_at_and_four_versions() -> None:
    model = parse(Model, load_fixture("models-item/calico-1751661-four-versions-null-publishedAt-2025.json"))
    assert len(model.model_versions) == 4
    assert any(v.published_at is None for v in model.model_versions)


def test_tool_written_info_blank_dates_and_air() -> None:
    version = parse(ModelVersion, load_fixture("model-versions-by-hash/si-ryao-choke-hold-civitai-info-2025.json"))
    assert version.created_at is None and version.updated_at is None
    assert version.air is None and version.air_identifier is None
    assert version.model is not None and version.model.type is ModelType.LORA


def test_version_air_parses_through_the_sdk() -> None:
    version = parse(ModelVersion, load_fixture("model-versions-id/civitdl-version-399893-2024.json"))
    assert version.base_model == "Pony" and version.base_model_type is None
    data = version.model_dump(by_alias=True)
    data["air"] = f"urn:air:sdxl:lora:civitai:{version.model_id}@{version.id}"
    air = ModelVersion.model_validate(data).air_identifier
    assert air is not None and air.version_id == version.id


def test_training_data_file_without_primary_key() -> None:
    model = parse(Model, load_fixture("models-item/calico-1808171-training-data-no-primary-2025.json"))
    files = model.model_versions[0].files
    training = [f for f in files if f.type is ModelFileType.TRAINING_DATA]
    assert training and training[0].primary is False
    assert training[0].metadata is not None and training[0].metadata.format is ModelFileFormat.OTHER


def test_video_preview() -> None:
    model = parse(Model, load_fixture("models-item/calico-1809693-video-preview-2025.json"))
    videos = [i for v in model.model_versions for i in v.images if i.type is MediaType.VIDEO]
    assert videos and videos[0].is_video and str(videos[0].url).endswith(".mp4")


def test_archived_and_taken_down() -> None:
    archived = parse(Model, load_fixture("models-item/dfanr-96015-archived-2023.json"))
    assert archived.is_archived and archived.mode is ModelMode.ARCHIVED
    assert archived.model_versions[0].files == () and archived.model_versions[0].download_url is None
    assert archived.model_versions[0].primary_file is None
    taken = parse(Model, load_fixture("models-item/dfanr-takendown-2023.json"))
    assert taken.is_taken_down and all(v.images == () for v in taken.model_versions)


def test_pending_scan_empty_hashes_and_no_creator() -> None:
    pending = parse(Model, load_fixture("models-id/500records-802450-pending-scan-empty-hashes-2025.json"))
    file = pending.model_versions[0].files[0]
    assert file.pickle_scan_result is ScanResult.PENDING and file.scanned_at is None
    assert not file.hashes and file.hashes.get(HashAlgorithm.SHA256) is None
    assert pending.creator is not None and pending.creator.image is None
    orphan = parse(Model, load_fixture("models-id/500records-350450-no-creator-2025.json"))
    assert orphan.creator is None


def test_empty_commercial_use_and_early_access() -> None:
    empty = parse(Model, load_fixture("models-id/500records-1208758-empty-commercial-use-2025.json"))
    assert empty.allow_commercial_use == ()
    early = parse(Model, load_fixture("models-id/500records-795621-early-access-version-2025.json"))
    assert early.model_versions[0].availability is Availability.EARLY_ACCESS and early.model_versions[0].is_early_access


def test_covered_flag_and_images_without_id_2025() -> None:
    model = parse(Model, load_fixture("models-id/si-ryao-model-1580878-2025.json"), strict=True)
    assert any(v.covered for v in model.model_versions)
    assert all(i.id is None for v in model.model_versions for i in v.images)


def test_pickle_danger_and_int_size() -> None:
    danger = parse(Model, load_fixture("models-item/dfanr-orangemixs-pickle-danger-2023.json"))
    files = [f for v in danger.model_versions for f in v.files]
    assert any(f.pickle_scan_result is ScanResult.DANGER and not f.is_safe for f in files)
    piero = parse(Model, load_fixture("models-item/dfanr-piero-int-sizekb-no-primary-2023.json"))
    sizes = [f.size_kb for v in piero.model_versions for f in v.files]
    assert all(isinstance(s, float) for s in sizes)
    assert all(f.hashes.auto_v1 is None for v in piero.model_versions for f in v.files if not f.hashes.auto_v1)


def test_broken_meta_keys_kept_raw() -> None:
    model = parse(Model, load_fixture("models-item/dfanr-reremix-broken-meta-keys-2023.json"))
    metas = [i.meta for v in model.model_versions for i in v.images if i.meta is not None]
    assert any('{"Method"' in meta for meta in metas)
    assert all(meta.prompt is None or isinstance(meta.prompt, str) for meta in metas)


def test_images_2023_numeric_cursor_and_label() -> None:
    page = parse(Page[Image], load_fixture("images/wiki-images-limit1-2023.json"))
    assert page.next_cursor == "101"
    image = page.items[0]
    assert image.nsfw_label is NsfwLevel.NONE and image.nsfw_level == 1 and image.nsfw is False
    assert image.meta is not None and image.meta.clip_skip == 2
    assert isinstance(image.created_at, datetime)


def test_tags_and_creators_2023() -> None:
    tags = parse(Page[Tag], load_fixture("tags/wiki-tags-limit3-2023.json"))
    assert all(t.name and t.model_count is not None for t in tags.items)
    creators = parse(Page[Creator], load_fixture("creators/wiki-creators-limit3-2023.json"))
    assert all(c.username and c.image is None for c in creators.items)
    assert creators.total_items is not None


def test_models_are_immutable() -> None:
    model = parse(Model, load_fixture("models-id/wiki-model-1102-2023.json"))
    with pytest.raises(ValueError):
        model.name = "changed"  # type: ignore[misc]
    assert isinstance(model.model_versions, tuple) and isinstance(model.tags, tuple)
