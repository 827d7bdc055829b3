"""The per-user folders follow the environment that names them, although each is worked out once per home."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import platformdirs
import pytest

from civitai_kit._config.context import UserDirKind, user_dir
from civitai_kit.options import CivitaiApiOptions
from civitai_kit.tools.hash_cache import HashCache


@pytest.mark.parametrize(
    ("kind", "variable", "fresh"),
    [
        ("config", "XDG_CONFIG_HOME", platformdirs.user_config_path),
        ("data", "XDG_DATA_HOME", platformdirs.user_data_path),
        ("cache", "XDG_CACHE_HOME", platformdirs.user_cache_path),
    ],
)
def test_each_folder_is_platformdirs_own_answer_for_the_current_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: UserDirKind, variable: str, fresh: Callable[..., Path]
) -> None:
    for home in ("one", "two", "one"):
        monkeypatch.setenv("HOME", str(tmp_path / home))
        monkeypatch.setenv(variable, str(tmp_path / home / variable))
        assert user_dir(kind) == fresh("civitai-kit", appauthor=False)


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG variables are the Linux convention")
def test_options_and_the_hash_cache_follow_a_new_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for home in ("first", "second"):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / home / "data"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / home / "cache"))
        options = CivitaiApiOptions.isolated()
        assert options.cache.directory == tmp_path / home / "cache" / "civitai-kit"
        assert HashCache.default_path() == tmp_path / home / "cache" / "civitai-kit" / "hashes.sqlite3"
        data = tmp_path / home / "data" / "civitai-kit"
        assert options.downloads.models.base_directory == data / "models"
        assert options.downloads.images.base_directory == data / "images"
