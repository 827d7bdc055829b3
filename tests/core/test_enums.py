"""Open enums: unknown server values are kept, user input is matched leniently."""

from __future__ import annotations

import pickle

import pytest
from pydantic import BaseModel

from civitai_kit.core.enums import (
    BrowsingLevel,
    CommercialUse,
    ImageSort,
    MediaType,
    ModelSort,
    ModelType,
    NsfwLevel,
    OpenEnum,
    ScanResult,
    TimePeriod,
)


def test_known_values_are_the_members() -> None:
    assert ModelType("LORA") is ModelType.LORA
    assert ModelType("Checkpoint").is_known
    assert ModelSort("Highest Rated") is ModelSort.HIGHEST_RATED
    assert str(ImageSort.MOST_REACTIONS) == "Most Reactions"
    assert MediaType.VIDEO.value == "video"


@pytest.mark.parametrize(
    ("kind", "text", "member"),
    [
        (ModelType, "lora", ModelType.LORA),
        (ModelType, "TEXTUAL_INVERSION", ModelType.TEXTUAL_INVERSION),
        (ModelSort, "highest_rated", ModelSort.HIGHEST_RATED),
        (ModelSort, "most-downloaded", ModelSort.MOST_DOWNLOADED),
        (TimePeriod, "all time", TimePeriod.ALL_TIME),
        (CommercialUse, "rentcivit", CommercialUse.RENT_CIVIT),
        (NsfwLevel, "x", NsfwLevel.X),
    ],
)
def test_lenient_matching_of_names_and_values(kind: type[OpenEnum], text: str, member: OpenEnum) -> None:
    assert kind(text) is member


def test_unknown_value_becomes_a_pseudo_member() -> None:
    future = ModelType("Wildcards2")
    assert isinstance(future, ModelType)
    assert future == "Wildcards2"
    assert future.value == "Wildcards2"
    assert not future.is_known
    assert hash(future) == hash("Wildcards2")
    assert future not in list(ModelType)
    assert pickle.loads(pickle.dumps(future)) == "Wildcards2"


def test_pseudo_members_are_not_cached_on_the_class() -> None:
    ScanResult("Quarantined-" + "x" * 10)
    assert "Quarantined-xxxxxxxxxx" not in ScanResult._value2member_map_


def test_non_string_is_still_an_error() -> None:
    with pytest.raises(ValueError):
        ModelType(3)  # type: ignore[arg-type]


def test_pydantic_keeps_unknown_values_and_serialises_them() -> None:
    class Holder(BaseModel):
        type: ModelType

    holder = Holder.model_validate({"type": "BrandNewType"})
    assert holder.type == "BrandNewType" and not holder.type.is_known
    assert holder.model_dump(mode="json") == {"type": "BrandNewType"}
    assert Holder.model_validate_json('{"type": "LORA"}').type is ModelType.LORA


@pytest.mark.parametrize(
    ("level", "label"),
    [(1, NsfwLevel.NONE), (2, NsfwLevel.SOFT), (4, NsfwLevel.MATURE), (8, NsfwLevel.X), (16, NsfwLevel.X),
     (32, NsfwLevel.BLOCKED), (31, NsfwLevel.X), (3, NsfwLevel.SOFT)],
)  # fmt: skip
def test_label_of_browsing_level(level: int, label: NsfwLevel) -> None:
    assert NsfwLevel.from_browsing_level(level) is label


def test_label_levels_are_single_browsing_bits() -> None:
    assert NsfwLevel.MATURE.browsing_level == BrowsingLevel.R
    assert NsfwLevel.X.browsing_level == BrowsingLevel.X
    assert NsfwLevel("Unheard").browsing_level is None
    assert BrowsingLevel.PG | BrowsingLevel.PG13 == 3
