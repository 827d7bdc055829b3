"""``civitai enums`` and the ``--base-model`` spelling hint, against the sandbox."""

from __future__ import annotations

from typing import Any

from civitai_kit.core import BUNDLED_BASE_MODELS


def test_enums_as_text(cli: Any) -> None:
    outcome = cli("enums")
    assert outcome.exit_code == 0, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert any(line.startswith("Model types: Checkpoint, TextualInversion") for line in lines)
    assert any(line.startswith("Base models: ") and "SDXL 1.0" in line for line in lines)
    assert any(line.startswith("Retired base models: ODOR") for line in lines)


def test_enums_as_json(cli: Any) -> None:
    outcome = cli("enums", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    body = outcome.json()
    assert tuple(body["BaseModel"]) == BUNDLED_BASE_MODELS and "LORA" in body["ModelType"]


def test_a_misspelt_base_model_prints_the_closest_names(cli: Any) -> None:
    outcome = cli("models", "list", "--base-model", "SDXL 1.O", "--limit", "2")
    assert outcome.exit_code == 0, outcome.stderr
    assert "warning: unknown base model 'SDXL 1.O' (sent anyway); closest known: 'SDXL 1.0'" in outcome.stderr
    assert "UnknownBaseModelWarning" not in outcome.stderr
    known = cli("models", "list", "--base-model", "SDXL 1.0", "--limit", "2")
    assert known.exit_code == 0 and "warning" not in known.stderr
