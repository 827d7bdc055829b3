"""The public surface: every advertised name resolves, and importing the package stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import civitai_kit


def test_every_public_name_resolves() -> None:
    for name in civitai_kit.__all__:
        assert getattr(civitai_kit, name) is not None, name
    assert set(civitai_kit.__all__) <= set(dir(civitai_kit))


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = civitai_kit.Nope  # type: ignore[attr-defined]


@pytest.mark.slow  # a subprocess
def test_import_does_not_load_http_or_optional_dependencies() -> None:
    code = (
        "import sys, civitai_kit; "
        "heavy = [m for m in ('httpx', 'dependency_injector', 'blake3', 'html_to_markdown', 'typer') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
