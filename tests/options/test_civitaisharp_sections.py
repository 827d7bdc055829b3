"""CivitaiSharp's own top-level sections (``CivitaiSdk``, ``CivitaiDownloads``) bind onto ``CivitaiApi:Sdk`` and
``CivitaiApi:Downloads`` in every source that reads sections; ours wins a key both set within one source; a key no
option has never vanishes silently (a warning naming it, its source and the closest known key)."""

from __future__ import annotations

import pytest

from civitai_kit.options import CivitaiApiOptions, UnknownConfigKeyWarning
from tests.support.options_places import ConfigPlaces

SHARP = {
    "CivitaiSdk": {"ApiToken": "sdk-token-from-sharp", "BaseUrl": "http://127.0.0.1:9", "TimeoutSeconds": 900},
    "CivitaiDownloads": {
        "Images": {"PathPattern": "{Id}-{Width}.{Extension}", "OverwriteExisting": True},
        "Models": {"VerifyHash": False, "HashAlgorithm": "Blake3", "OverwriteExisting": True},
    },
}


def test_civitaisharp_appsettings_sections_are_bound(places: ConfigPlaces) -> None:
    path = places.appsettings(SHARP)
    options = CivitaiApiOptions()
    assert options.sdk.timeout_seconds == 900
    assert options.sdk.base_url == "http://127.0.0.1:9"
    assert options.sdk_token() is not None
    assert options.sdk_token().get_secret_value() == "sdk-token-from-sharp"  # type: ignore[union-attr]
    assert options.downloads.models.verify_hash is False
    assert options.downloads.models.hash_algorithm.value.lower() == "blake3"
    assert options.downloads.models.overwrite_existing is True
    assert options.downloads.images.path_pattern == "{Id}-{Width}.{Extension}"
    assert options.source_of("sdk.timeout_seconds") == f"appsettings.json ({path})"
    assert options.unknown_keys() == ()


def test_our_section_wins_a_key_both_set_in_one_file(places: ConfigPlaces) -> None:
    places.appsettings({**SHARP, "CivitaiApi": {"Sdk": {"TimeoutSeconds": 700}}})
    options = CivitaiApiOptions()
    assert options.sdk.timeout_seconds == 700
    assert options.downloads.models.verify_hash is False  # the keys only CivitaiSdk/CivitaiDownloads set still bind


def test_a_higher_source_wins_whatever_the_section(places: ConfigPlaces) -> None:
    places.appsettings({"CivitaiApi": {"Sdk": {"TimeoutSeconds": 700}}})
    places.env("CivitaiSdk__TimeoutSeconds", "850")
    options = CivitaiApiOptions()
    assert options.sdk.timeout_seconds == 850
    assert options.source_of("sdk.timeout_seconds") == "environment variable CivitaiSdk__TimeoutSeconds"


@pytest.mark.parametrize("source", ["environment", "dotenv", "secrets_dir", "user_secrets"])
def test_every_source_reads_the_sections(places: ConfigPlaces, source: str) -> None:
    if source == "environment":
        places.env("CIVITAISDK__APITOKEN", "tok-env")
        places.env("CivitaiDownloads__Models__VerifyHash", "false")
    elif source == "dotenv":
        places.dotenv("CivitaiSdk__ApiToken=tok-env\nCivitaiDownloads__Models__VerifyHash=false\n")
    elif source == "secrets_dir":
        places.secret_file("CivitaiSdk__ApiToken", "tok-env\n")
        places.secret_file("CivitaiDownloads__Models__VerifyHash", "false")
    else:
        places.user_secret_file({"CivitaiSdk:ApiToken": "tok-env", "CivitaiDownloads": {"Models:VerifyHash": False}})
    options = CivitaiApiOptions()
    token = options.sdk.api_token
    assert token is not None and token.get_secret_value() == "tok-env"
    assert options.downloads.models.verify_hash is False


def test_a_configuration_mapping_reads_the_sections() -> None:
    options = CivitaiApiOptions.from_section({"CivitaiSdk": {"TimeoutSeconds": 901}})
    assert options.sdk.timeout_seconds == 901


def test_an_unknown_key_warns_with_its_source_and_the_closest_key(places: ConfigPlaces) -> None:
    path = places.appsettings({"CivitaiSdk": {"TimeoutSecond": 900}})
    places.env("CivitaiDownloads__Models__VerifyHashes", "false")
    with pytest.warns(UnknownConfigKeyWarning) as caught:
        options = CivitaiApiOptions()
    messages = [str(item.message) for item in caught]
    assert any(
        "CivitaiSdk:TimeoutSecond" in m and str(path) in m and "did you mean CivitaiSdk:TimeoutSeconds" in m
        for m in messages
    )
    unknown = {item.key: item for item in options.unknown_keys()}
    assert unknown["CivitaiSdk:TimeoutSecond"].suggestion == "CivitaiSdk:TimeoutSeconds"
    env = unknown["CivitaiDownloads:Models:VerifyHashes"]
    assert env.origin == "environment variable CivitaiDownloads__Models__VerifyHashes"
    assert env.suggestion == "CivitaiDownloads:Models:VerifyHash"
    assert options.sdk.timeout_seconds == 600  # ignored, not half-bound


def test_an_unknown_key_in_our_section_names_a_suggestion_too(places: ConfigPlaces) -> None:
    places.appsettings({"CivitaiApi": {"TimeoutSecond": 5, "Zzzzzz": 1}})
    with pytest.warns(UnknownConfigKeyWarning):
        options = CivitaiApiOptions()
    found = {item.key: item.suggestion for item in options.unknown_keys()}
    assert found == {"CivitaiApi:TimeoutSecond": "CivitaiApi:TimeoutSeconds", "CivitaiApi:Zzzzzz": None}


def test_civitaisharp_sdk_api_version_is_reported_as_unused(places: ConfigPlaces) -> None:
    places.appsettings({"CivitaiSdk": {"ApiVersion": "v2"}})
    with pytest.warns(UnknownConfigKeyWarning, match="CivitaiSdk:ApiVersion .* is not used"):
        options = CivitaiApiOptions()
    assert options.unknown_keys() == ()
