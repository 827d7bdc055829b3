"""The sandbox's ``/enums`` lists (``testing/data/enums.json``, assembled by hand, see ``data/SOURCES.md``)
hold every value the recorded REST fixtures use, so they cannot drift from what Civitai really sends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from civitai_kit.core.enums import ModelType

RECORDED = Path(__file__).resolve().parent.parent / "fixtures" / "civitai-rest"
ENUMS: dict[str, list[str]] = json.loads(
    resources.files("civitai_kit.testing").joinpath("data", "enums.json").read_text(encoding="utf-8")
)


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def _recorded_values() -> dict[str, set[str]]:
    """Per enum, the values the fixtures use: ``baseModel`` anywhere, the ``type`` of a model (an object with
    ``modelVersions``, or a version's ``model``) and of a file (an object with ``sizeKB``)."""
    found: dict[str, set[str]] = {"BaseModel": set(), "ModelType": set(), "ModelFileType": set()}
    for path in sorted(RECORDED.rglob("*.json")):
        for item in _objects(json.loads(path.read_text(encoding="utf-8"))):
            model = item.get("model")
            candidates = {
                "BaseModel": item.get("baseModel"),
                "ModelType": item.get("type") if "modelVersions" in item else None,
                "ModelFileType": item.get("type") if "sizeKB" in item else None,
            }
            if isinstance(model, dict):
                found["ModelType"].add(str(model.get("type")))
            for name, value in candidates.items():
                if isinstance(value, str):
                    found[name].add(value)
    return found


RECORDED_VALUES = _recorded_values()


def test_the_fixtures_give_something_to_compare() -> None:
    assert {"SD 1.5", "Pony", "Illustrious"} <= RECORDED_VALUES["BaseModel"]
    assert {"Checkpoint", "LORA", "TextualInversion"} <= RECORDED_VALUES["ModelType"]
    assert {"Model", "VAE"} <= RECORDED_VALUES["ModelFileType"]


@pytest.mark.parametrize("name", sorted(RECORDED_VALUES))
def test_every_recorded_value_is_in_enums_json(name: str) -> None:
    assert sorted(RECORDED_VALUES[name] - set(ENUMS[name])) == []


def test_model_types_are_the_servers_whole_list() -> None:
    """``ModelType`` of ``spec/rest-api.md`` (the server's ``enums.ts``), which the library's enum holds."""
    assert ENUMS["ModelType"] == [member.value for member in ModelType]
