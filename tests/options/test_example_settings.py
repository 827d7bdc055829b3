"""``appsettings.example.json`` documents every option with its default, and loads as exactly that."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from civitai_kit._config.binder import leaf_paths
from civitai_kit._config.keys import pascal
from civitai_kit.options import CivitaiApiOptions
from tests.support.options_places import ConfigPlaces

EXAMPLE = Path(__file__).resolve().parents[2] / "appsettings.example.json"


def _keys(section: dict[str, Any], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    keys: set[tuple[str, ...]] = set()
    for name, value in section.items():
        if isinstance(value, dict):
            keys |= _keys(value, (*prefix, name))
        else:
            keys.add((*prefix, name))
    return keys


def test_every_option_appears_in_pascal_case_and_nothing_else() -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert list(document) == ["CivitaiApi"]
    expected = {tuple(pascal(name) for name in path) for path in leaf_paths(CivitaiApiOptions)}
    assert _keys(document["CivitaiApi"]) == expected


def test_the_example_loads_as_the_defaults(places: ConfigPlaces) -> None:
    shutil.copy(EXAMPLE, places.config_dir / "appsettings.json")
    loaded = CivitaiApiOptions()
    assert loaded == CivitaiApiOptions.isolated()
    assert loaded.model_dump(mode="json") == CivitaiApiOptions.isolated().model_dump(mode="json")
    # every value really came from the file, except the platform directories it leaves to the defaults
    from_defaults = {row.key for row in loaded.describe() if row.source == "default"}
    assert from_defaults == {
        "CivitaiApi:Downloads:Models:BaseDirectory",
        "CivitaiApi:Downloads:Images:BaseDirectory",
        "CivitaiApi:Cache:Directory",
    }


def test_the_example_values_are_the_declared_defaults() -> None:
    section = json.loads(EXAMPLE.read_text(encoding="utf-8"))["CivitaiApi"]
    defaults = CivitaiApiOptions.isolated()
    for path in leaf_paths(CivitaiApiOptions):
        written: Any = section
        actual: Any = defaults
        for name in path:
            written = written[pascal(name)]
            actual = getattr(actual, name)
        if written is None and isinstance(actual, Path):
            continue  # platform-dependent directory: null means "the platform default"
        if isinstance(actual, tuple):
            actual = list(actual)  # a JSON array
        assert written == (actual if not hasattr(actual, "value") else actual.value), path
