"""Layouts: every kind has a folder in every layout, files that say what they are go by it, overrides win,
and the table in ``docs/layouts.md`` is the code's."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from civitai_kit.core.models import ModelFile, ModelVersion
from civitai_kit.options import CivitaiApiOptions, LayoutFolderOptions
from civitai_kit.result import Success
from civitai_kit.tools.download_plan import plan_model_file
from civitai_kit.tools.layouts import FOLDERS, KINDS, Layout, file_kind, layout_folder, layout_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "layouts.md"


def _version(model_type: str, *files: dict[str, object]) -> ModelVersion:
    return ModelVersion.model_validate(
        {"id": 7, "name": "v1", "model": {"name": "Some model", "type": model_type}, "files": list(files)}
    )


def _file(file_type: str = "Model", name: str = "thing.safetensors") -> dict[str, object]:
    return {
        "id": 70,
        "name": name,
        "type": file_type,
        "downloadUrl": "https://civitai.com/api/download/models/7",
        "pickleScanResult": "Success",
        "virusScanResult": "Success",
    }


def test_every_layout_places_every_kind_and_every_kind_has_an_override() -> None:
    for layout, folders in FOLDERS.items():
        assert set(folders) == set(KINDS), layout
    assert set(KINDS.values()) == set(LayoutFolderOptions.model_fields)


def test_the_docs_table_is_the_code_table() -> None:
    text = DOCS.read_text("utf-8")
    start = text.index("-->\n", text.index("<!-- layout-table")) + len("-->\n")
    end = text.index("<!-- /layout-table -->")
    assert text[start:end].strip() == layout_table().strip(), "paste layout_table() into docs/layouts.md"


@pytest.mark.parametrize(
    ("model_type", "file_type", "comfyui", "a1111"),
    [
        ("Checkpoint", "Model", "models/checkpoints", "models/Stable-diffusion"),
        ("LORA", "Model", "models/loras", "models/Lora"),
        ("DoRA", "Model", "models/loras", "models/Lora"),
        ("TextualInversion", "Model", "models/embeddings", "embeddings"),
        ("Checkpoint", "VAE", "models/vae", "models/VAE"),  # a checkpoint's baked VAE file is a VAE
        ("TextualInversion", "Negative", "models/embeddings", "embeddings"),
        ("Checkpoint", "Text Encoder", "models/text_encoders", "models/text_encoder"),
        ("Checkpoint", "UNet", "models/diffusion_models", "models/Stable-diffusion"),
        ("Upscaler", "Model", "models/upscale_models", "models/ESRGAN"),
        ("Controlnet", "Model", "models/controlnet", "models/ControlNet"),
        ("AestheticGradient", "Model", "models/other", "models/Other"),  # no app folder
        ("SomethingNew", "Model", "models/other", "models/Other"),
    ],
)
def test_folders(model_type: str, file_type: str, comfyui: str, a1111: str) -> None:
    version = _version(model_type, _file(file_type))
    file = version.files[0]
    assert layout_folder(Layout.COMFYUI, file, version) == PurePosixPath(comfyui)
    assert layout_folder(Layout.A1111, file, version) == PurePosixPath(a1111)
    assert layout_folder(Layout.FLAT, file, version) is None


def test_a_file_without_its_version_is_other() -> None:
    assert file_kind(ModelFile.model_validate(_file()), None) == "Other"


def test_forge_and_reforge_name_a1111() -> None:
    assert Layout("forge") is Layout.A1111 and Layout("reForge") is Layout.A1111 and Layout("ComfyUI") is Layout.COMFYUI


def test_plans_combine_root_folder_override_and_pattern(tmp_path: Path) -> None:
    options = CivitaiApiOptions.isolated(
        downloads={"layout": "comfyui", "root": tmp_path, "layout_folders": {"Lora": "models/loras/civitai"}}
    )
    version = _version("LORA", _file())
    plan = plan_model_file(version.files[0], version, options)
    assert isinstance(plan, Success)
    assert plan.value.destination == tmp_path / "models/loras/civitai/thing.safetensors"
    patterned = plan_model_file(version.files[0], version, options, pattern="{ModelName}/{FileName}", layout="a1111")
    assert isinstance(patterned, Success)
    # an override is the user's folder for that kind, whichever layout is asked for
    assert patterned.value.destination == tmp_path / "models/loras/civitai/Some model/thing.safetensors"
    checkpoint = _version("Checkpoint", _file())
    placed = plan_model_file(checkpoint.files[0], checkpoint, options, layout="a1111")
    assert isinstance(placed, Success)
    assert placed.value.destination == tmp_path / "models/Stable-diffusion/thing.safetensors"


def test_a_layout_without_a_root_is_refused() -> None:
    options = CivitaiApiOptions.isolated(downloads={"layout": "a1111"})
    version = _version("LORA", _file())
    with pytest.raises(ValueError, match="Downloads:Root"):
        plan_model_file(version.files[0], version, options)
