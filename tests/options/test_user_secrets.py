"""The user secrets file: API, file format, permissions, atomic replacement, and loading from it."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import platformdirs
import pytest

from civitai_kit.errors import ConfigurationError
from civitai_kit.options import CivitaiApiOptions, UserSecrets
from tests.support.options_places import ConfigPlaces


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_set_get_remove_roundtrip(places: ConfigPlaces) -> None:
    secrets = UserSecrets()
    assert secrets.path == places.user_secrets
    assert secrets.get("CivitaiApi:ApiKey") is None

    assert secrets.set("civitaiapi:api_key", "  abc123\n") == "CivitaiApi:ApiKey"
    assert secrets.set("CivitaiApi:Sdk:ApiToken", "tok") == "CivitaiApi:Sdk:ApiToken"

    assert secrets.get("CivitaiApi:ApiKey") == "abc123"
    assert secrets.get("CIVITAIAPI:APIKEY") == "abc123"
    assert json.loads(places.user_secrets.read_text()) == {
        "CivitaiApi:ApiKey": "abc123",
        "CivitaiApi:Sdk:ApiToken": "tok",
    }
    assert secrets.remove("CivitaiApi:apikey") is True
    assert secrets.remove("CivitaiApi:ApiKey") is False
    assert secrets.list(reveal=True) == {"CivitaiApi:Sdk:ApiToken": "tok"}


def test_set_replaces_every_spelling_of_the_key(places: ConfigPlaces) -> None:
    places.user_secret_file({"CivitaiApi": {"ApiKey": "old"}, "civitaiapi:api_key": "older", "Other:Thing": 1})
    secrets = UserSecrets()
    secrets.set("CivitaiApi:ApiKey", "new")
    assert json.loads(places.user_secrets.read_text()) == {"CivitaiApi:ApiKey": "new", "Other:Thing": 1}


def test_the_file_and_its_new_directory_are_private(places: ConfigPlaces) -> None:
    assert not places.user_secrets.parent.exists()
    UserSecrets().set("CivitaiApi:ApiKey", "k")
    assert _mode(places.user_secrets) == 0o600
    assert _mode(places.user_secrets.parent) == 0o700


def test_an_existing_file_with_loose_permissions_is_rewritten_private(places: ConfigPlaces) -> None:
    places.user_secret_file({"CivitaiApi:TimeoutSeconds": "40"})
    places.user_secrets.chmod(0o644)
    UserSecrets().set("CivitaiApi:ApiKey", "k")
    assert _mode(places.user_secrets) == 0o600


def test_writes_are_atomic(places: ConfigPlaces, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = UserSecrets()
    secrets.set("CivitaiApi:ApiKey", "first")
    inode = places.user_secrets.stat().st_ino

    def fail_replace(self: Path, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", fail_replace)
    with pytest.raises(OSError, match="disk full"):
        secrets.set("CivitaiApi:ApiKey", "second")
    monkeypatch.undo()

    assert secrets.get("CivitaiApi:ApiKey") == "first"  # the old file is untouched
    assert [p.name for p in places.user_secrets.parent.iterdir()] == ["secrets.json"]  # no temporary left
    secrets.set("CivitaiApi:ApiKey", "third")
    assert places.user_secrets.stat().st_ino != inode  # replaced by rename, never rewritten in place


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("CivitaiApi:TimeoutSeconds", "999", "CivitaiApi:TimeoutSeconds must be between 1 and 300"),
        ("CivitaiApi:Sdk:ApiToken", "has space", "must not contain spaces"),
        ("CivitaiApi:ApiKey", "  \n", "must not be blank; to forget it, remove the key"),
        ("CivitaiApi:Downloads:Models:PathPattern", "{Nope}", "invalid token {Nope}"),
        ("CivitaiApi:Timeout", "5", "'CivitaiApi:Timeout' is not an option"),
        ("CivitaiApi:Sdk", "x", "is not an option"),
        ("ApiKey", "x", "is not an option"),
        ("Other:ApiKey", "x", "is not an option"),
    ],
)
def test_set_refuses_what_would_not_load(places: ConfigPlaces, key: str, value: str, message: str) -> None:
    secrets = UserSecrets()
    with pytest.raises(ConfigurationError, match="CONFIGURATION_INVALID") as caught:
        secrets.set(key, value)
    assert message in str(caught.value)
    assert "has space" not in str(caught.value)
    assert not places.user_secrets.exists()


def test_set_names_the_file_when_a_value_breaks_a_rule(places: ConfigPlaces) -> None:
    with pytest.raises(ConfigurationError) as caught:
        UserSecrets().set("CivitaiApi:Sdk:TimeoutSeconds", "0")
    assert f"(from user secrets ({places.user_secrets}))" in str(caught.value)


def test_options_load_what_was_set(places: ConfigPlaces) -> None:
    secrets = UserSecrets()
    secrets.set("CivitaiApi:ApiKey", "stored")
    secrets.set("CivitaiApi:Resilience:MaxRetries", "6")
    options = CivitaiApiOptions()
    assert options.api_key is not None and options.api_key.get_secret_value() == "stored"
    assert options.resilience.max_retries == 6
    assert options.source_of("api_key") == f"user secrets ({places.user_secrets})"


def test_hand_written_nested_json_with_comments_is_read(places: ConfigPlaces) -> None:
    places.user_secret_file('{ // mine\n "CivitaiApi": { "Sdk": { "ApiToken": "nested", }, }, }')
    assert UserSecrets().get("CivitaiApi:Sdk:ApiToken") == "nested"
    token = CivitaiApiOptions().sdk.api_token
    assert token is not None and token.get_secret_value() == "nested"


def test_a_broken_file_is_a_configuration_error_naming_it(places: ConfigPlaces) -> None:
    places.user_secret_file('{"CivitaiApi:ApiKey": "abc"')
    with pytest.raises(ConfigurationError, match=f"user secrets file {places.user_secrets} is not valid JSON"):
        CivitaiApiOptions()
    with pytest.raises(ConfigurationError, match="is not valid JSON"):
        UserSecrets().list()
    places.user_secret_file("[]")
    with pytest.raises(ConfigurationError, match="must contain a JSON object"):
        UserSecrets().get("CivitaiApi:ApiKey")


def test_a_file_others_can_read_is_warned_about(places: ConfigPlaces, caplog: pytest.LogCaptureFixture) -> None:
    places.user_secret_file({"CivitaiApi:TimeoutSeconds": "40"})
    places.user_secrets.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="civitai_kit.options"):
        CivitaiApiOptions()
    assert any("readable by other users" in r.getMessage() and "chmod 600" in r.getMessage() for r in caplog.records)


def test_list_masks_keys_and_unknown_entries(places: ConfigPlaces) -> None:
    places.user_secret_file(
        {"CivitaiApi:ApiKey": "k", "CivitaiApi:Sdk:ApiToken": "t", "Db:Password": "p", "CivitaiApi:Cache:Enabled": True}
    )
    assert UserSecrets().list() == {
        "CivitaiApi:ApiKey": "**********",
        "CivitaiApi:Sdk:ApiToken": "**********",
        "Db:Password": "**********",
        "CivitaiApi:Cache:Enabled": "true",
    }


def test_default_path_is_the_per_user_config_dir(places: ConfigPlaces) -> None:
    places.monkeypatch.delenv("CIVITAI_USER_SECRETS")
    expected = platformdirs.user_config_path("civitai-kit", appauthor=False) / "secrets.json"
    assert UserSecrets().path == expected
    options = CivitaiApiOptions.isolated()
    assert options.sources is not None and options.sources.user_secrets == expected


def test_explicit_path_and_custom_section(tmp_path: Path) -> None:
    secrets = UserSecrets(tmp_path / "mine.json", section="MyApp:Civitai")
    assert secrets.set("myapp:civitai:timeoutseconds", "12") == "MyApp:Civitai:TimeoutSeconds"
    with pytest.raises(ConfigurationError, match="is not an option"):
        secrets.set("CivitaiApi:TimeoutSeconds", "12")
    assert CivitaiApiOptions.load(section="MyApp:Civitai").timeout_seconds == 30  # another file
    from civitai_kit.options import config_sources

    with config_sources(user_secrets=secrets.path, section="MyApp:Civitai"):
        assert CivitaiApiOptions().timeout_seconds == 12
