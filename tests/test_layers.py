"""The layers of DESIGN.md §1: vocabulary that several layers share lives low and stays public where users
import it, lower modules load without the HTTP clients, and no deferred import hides an upward one."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import civitai_kit
import civitai_kit.options
import civitai_kit.sdk
import civitai_kit.tools
import civitai_kit.tools.path_patterns
from civitai_kit._vocabulary import path_pattern_rules
from civitai_kit._vocabulary.hash_algorithm import HashAlgorithm
from civitai_kit.core import air, html

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "deferred_imports.py"


def test_shared_names_stay_public_where_users_import_them() -> None:
    assert civitai_kit.tools.HashAlgorithm is HashAlgorithm
    assert civitai_kit.options.HashAlgorithm is HashAlgorithm
    assert civitai_kit.HashAlgorithm is HashAlgorithm
    assert civitai_kit.sdk.AirIdentifier is air.AirIdentifier
    assert civitai_kit.sdk.AirBuilder is air.AirBuilder
    assert civitai_kit.AirIdentifier is air.AirIdentifier
    assert civitai_kit.tools.html_to_markdown is html.html_to_markdown
    assert civitai_kit.tools.html_to_plain_text is html.html_to_plain_text
    patterns = civitai_kit.tools.path_patterns
    assert patterns.validate_pattern is path_pattern_rules.validate_pattern
    assert patterns.tokens_for is path_pattern_rules.tokens_for
    assert patterns.MODEL_TOKENS is path_pattern_rules.MODEL_TOKENS
    assert civitai_kit.tools.validate_pattern is path_pattern_rules.validate_pattern


def test_user_secrets_check_keys_against_the_options() -> None:
    assert civitai_kit.UserSecrets.options_type is civitai_kit.CivitaiApiOptions


@pytest.mark.slow  # a subprocess
def test_models_air_and_the_sdk_package_load_without_the_http_clients() -> None:
    code = (
        "import sys, civitai_kit.core.models, civitai_kit.core.air, civitai_kit.sdk, civitai_kit.tools.hashing\n"
        "from civitai_kit.sdk import AirIdentifier\n"
        "print(sorted(m for m in ('httpx', 'civitai_kit._http', 'civitai_kit.core.sync_client') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_every_deferred_import_is_for_an_optional_dependency_or_a_lazy_export() -> None:
    spec = importlib.util.spec_from_file_location("deferred_imports", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # dataclasses look their module up
    try:
        spec.loader.exec_module(script)
        assert script.main(["--quiet"]) == 0
    finally:
        del sys.modules[spec.name]
