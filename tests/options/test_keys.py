"""Key hygiene: trimmed, refused when mangled, and never shown anywhere."""

from __future__ import annotations

import json
import logging
import pickle
import traceback

import pytest
from pydantic import SecretStr

from civitai_kit.errors import ConfigurationError
from civitai_kit.options import CivitaiApiOptions, SdkOptions, UnknownConfigKeyWarning, UserSecrets
from tests.support.options_places import ConfigPlaces

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
TOKEN = "tok-9a8b7c6d5e4f3a2b1c0d"


@pytest.mark.parametrize("raw", [f"  {KEY}  ", f"{KEY}\n", f"\t{KEY}\r\n", SecretStr(f" {KEY}\n")])
def test_surrounding_whitespace_and_newlines_are_trimmed(raw: str | SecretStr) -> None:
    options = CivitaiApiOptions.isolated(api_key=raw, sdk={"api_token": raw})
    assert options.api_key is not None and options.api_key.get_secret_value() == KEY
    assert options.sdk.api_token is not None and options.sdk.api_token.get_secret_value() == KEY


@pytest.mark.parametrize("raw", ["", "   ", "\n"])
def test_blank_keys_mean_no_key(raw: str) -> None:
    options = CivitaiApiOptions.isolated(api_key=raw)
    assert options.api_key is None
    assert options.sdk_token() is None


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (f"{KEY[:10]} {KEY[10:]}", "must not contain spaces, line breaks or control characters"),
        (f"{KEY[:10]}\n{KEY[10:]}", "must not contain spaces, line breaks or control characters"),
        (f"{KEY[:10]}\x00{KEY[10:]}", "must not contain spaces, line breaks or control characters"),
        (f"{KEY[:10]}\u200b{KEY[10:]}", "must not contain spaces, line breaks or control characters"),
        (f"{KEY[:10]}é{KEY[10:]}", "must contain only ASCII characters"),
        (12345, "must be text"),
    ],
)
@pytest.mark.parametrize("field", ["api_key", "sdk.api_token"])
def test_mangled_keys_are_refused_without_echoing_them(raw: object, rule: str, field: str) -> None:
    kwargs = {"api_key": raw} if field == "api_key" else {"sdk": {"api_token": raw}}
    key = "CivitaiApi:ApiKey" if field == "api_key" else "CivitaiApi:Sdk:ApiToken"
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions.isolated(**kwargs)
    printed = "".join(traceback.format_exception(caught.value))
    assert key in str(caught.value) and rule in str(caught.value)
    assert KEY[:10] not in printed and KEY[10:] not in printed and "12345" not in printed
    # the same through assignment and through pydantic's own entry point
    options = CivitaiApiOptions.isolated()
    with pytest.raises(ConfigurationError) as assigned:
        if field == "api_key":
            options.api_key = raw  # type: ignore[assignment]
        else:
            options.sdk.api_token = raw  # type: ignore[assignment]
    assert KEY[:10] not in "".join(traceback.format_exception(assigned.value))
    with pytest.raises(ConfigurationError) as validated:
        CivitaiApiOptions.model_validate(kwargs)
    assert KEY[:10] not in "".join(traceback.format_exception(validated.value))


def test_a_mangled_key_from_a_file_names_the_file_not_the_key(places: ConfigPlaces) -> None:
    places.secret_file("CIVITAI_API_KEY", f"{KEY[:16]} {KEY[16:]}\n")
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions()
    message = str(caught.value)
    assert f"secrets dir ({places.secrets_dir / 'CIVITAI_API_KEY'})" in message
    assert KEY[:16] not in message and KEY[16:] not in message


def _loaded_everywhere(places: ConfigPlaces) -> list[CivitaiApiOptions]:
    """The key arriving through every source."""
    results = [CivitaiApiOptions.isolated(api_key=KEY, sdk=SdkOptions(api_token=TOKEN))]
    places.env("CIVITAI_API_KEY", KEY)
    places.env("CIVITAI_API_TOKEN", TOKEN)
    results.append(CivitaiApiOptions())
    places.monkeypatch.delenv("CIVITAI_API_KEY")
    places.monkeypatch.delenv("CIVITAI_API_TOKEN")
    places.dotenv(f"CIVITAI_API_KEY={KEY}\nCIVITAI_TOKEN={TOKEN}\n")
    results.append(CivitaiApiOptions())
    (places.config_dir / ".env").unlink()
    places.user_secret_file({"CivitaiApi": {"ApiKey": KEY, "Sdk": {"ApiToken": TOKEN}}})
    results.append(CivitaiApiOptions())
    places.user_secrets.unlink()
    places.appsettings({"CivitaiApi": {"ApiKey": KEY, "Sdk": {"ApiToken": TOKEN}}})
    results.append(CivitaiApiOptions())
    results.append(CivitaiApiOptions.from_section({"CivitaiApi": {"ApiKey": KEY, "Sdk:ApiToken": TOKEN}}))
    return results


def test_keys_never_show_in_repr_str_dumps_or_describe(places: ConfigPlaces) -> None:
    for options in _loaded_everywhere(places):
        assert options.api_key is not None and options.api_key.get_secret_value() == KEY
        shown = [
            repr(options),
            str(options),
            repr(options.sdk),
            options.model_dump_json(),
            json.dumps(options.model_dump(mode="json")),
            str(options.model_dump()),
            repr(options.describe()),
            options.source_of("api_key"),
            options.sdk_token_source(),
            repr(options.sources),
        ]
        for text in shown:
            assert KEY not in text and TOKEN not in text, text
        assert options.model_dump(mode="json")["api_key"] == "**********"
        assert {row.key: row.value for row in options.describe()}["CivitaiApi:Sdk:ApiToken"] == "**********"


def test_keys_never_show_in_errors_about_other_values(places: ConfigPlaces) -> None:
    places.env("CIVITAI_API_KEY", KEY)
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions(timeout_seconds=0)
    assert KEY not in "".join(traceback.format_exception(caught.value))
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions.model_validate({"api_key": KEY, "timeout_seconds": 0})
    assert KEY not in "".join(traceback.format_exception(caught.value))


def test_keys_never_show_in_logs_even_with_pydantic_settings_debugging(
    places: ConfigPlaces, caplog: pytest.LogCaptureFixture
) -> None:
    places.env("PYDANTIC_SETTINGS_DEBUG", "1")
    places.appsettings({"CivitaiApi": {"ApiKey": KEY, "Unknown": KEY}})
    places.env("CIVITAIAPI__SDK__APITOKEN", TOKEN)
    with caplog.at_level(logging.DEBUG), pytest.warns(UnknownConfigKeyWarning) as warned:
        CivitaiApiOptions(api_key=KEY)
        CivitaiApiOptions.from_section({"ApiKey": KEY, "Nope": TOKEN})
        UserSecrets().set("CivitaiApi:ApiKey", KEY)
        CivitaiApiOptions()
    assert caplog.records, "expected at least the unknown-key warnings"
    for message in [record.getMessage() for record in caplog.records] + [str(w.message) for w in warned]:
        assert KEY not in message and TOKEN not in message


def test_user_secrets_listing_masks_keys(places: ConfigPlaces) -> None:
    secrets = UserSecrets()
    secrets.set("CivitaiApi:ApiKey", KEY)
    secrets.set("CivitaiApi:TimeoutSeconds", "40")
    assert secrets.list() == {"CivitaiApi:ApiKey": "**********", "CivitaiApi:TimeoutSeconds": "40"}
    assert KEY not in repr(secrets)
    assert secrets.list(reveal=True)["CivitaiApi:ApiKey"] == KEY


def test_pickled_options_keep_the_key_masked(places: ConfigPlaces) -> None:
    options = CivitaiApiOptions.isolated(api_key=KEY)
    restored = pickle.loads(pickle.dumps(options))
    assert restored == options
    assert KEY not in repr(restored)
    assert restored.source_of("api_key") == "argument"
