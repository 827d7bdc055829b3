"""``/api/v1/enums`` (cached per client), base model spelling hints, and ``/model-versions/mini/{id}``."""

from __future__ import annotations

import json
import warnings
from importlib import resources

import pytest

from civitai_kit.core import (
    BUNDLED_BASE_MODELS,
    AsyncCivitaiClient,
    CivitaiClient,
    CivitaiEnums,
    MiniModelVersion,
    ModelType,
    UnknownBaseModelWarning,
)
from civitai_kit.core.enum_lists import base_model_hint, closest_base_models
from civitai_kit.errors import ErrorCode
from civitai_kit.testing import FakeCivitai
from civitai_kit.testing.rest import RestData
from tests.support.core_support import error_of, options_for


def _enum_requests(server: FakeCivitai) -> int:
    return sum(1 for request in server.requests if request.path == "/api/v1/enums")


def test_enums_are_typed_and_fetched_once_per_client(client: CivitaiClient, server: FakeCivitai) -> None:
    first = client.enums().unwrap()
    assert isinstance(first, CivitaiEnums)
    assert ModelType.LORA in first.model_type and "SDXL 1.0" in first.base_model
    assert set(first.active_base_model) <= set(first.base_model)
    assert client.enums().unwrap() is first
    assert _enum_requests(server) == 1


def test_enums_cache_is_per_client_and_honours_the_ttl(server: FakeCivitai) -> None:
    with CivitaiClient(options_for(server.url, cache={"ttl_seconds": 1})) as one:
        one.enums().unwrap()
        one._enums._at -= 2  # as if the TTL had passed
        one.enums().unwrap()
    with CivitaiClient(options_for(server.url)) as other:
        other.enums().unwrap()
    assert _enum_requests(server) == 3


async def test_async_enums_keep_unknown_lists(aclient: AsyncCivitaiClient, server: FakeCivitai) -> None:
    enums = (await aclient.enums()).unwrap()
    await aclient.enums()
    assert _enum_requests(server) == 1
    parsed = CivitaiEnums.model_validate({**enums.to_dict(), "Sampler": ["Euler a"]})
    assert parsed.model_extra == {"Sampler": ["Euler a"]} and parsed.base_model == enums.base_model


def test_bundled_snapshot_matches_what_the_sandbox_serves() -> None:
    served = json.loads(resources.files("civitai_kit.testing").joinpath("data", "enums.json").read_text())
    assert tuple(served["BaseModel"]) == BUNDLED_BASE_MODELS


def test_a_misspelt_base_model_warns_with_the_closest_names(client: CivitaiClient) -> None:
    with pytest.warns(UnknownBaseModelWarning, match=r"'SDXL 1\.0'") as caught:
        query = client.models.where_base_models("SDXL 1.O")
    assert caught[0].filename == __file__
    assert ("baseModels", "SDXL 1.O") in query.query_params  # still sent: the list is open
    assert closest_base_models("sdxl 1.O")[0] == "SDXL 1.0"
    assert "did you mean 'Flux.1 D'" in (base_model_hint("flux.1 d") or "")
    assert "civitai enums" in (base_model_hint("zzzz") or "")
    with pytest.warns(UnknownBaseModelWarning):
        client.images.where_base_models("Ponyy")


def test_known_base_models_do_not_warn(client: CivitaiClient) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.models.where_base_model("SDXL 1.0").where_base_models("Pony", "Illustrious")
        client.images.where_base_models("SD 1.5")


def test_version_mini_is_typed(client: CivitaiClient, data: RestData) -> None:
    model, version = next(data.versions())
    mini = client.models.get_version_mini(version["id"]).unwrap()
    assert isinstance(mini, MiniModelVersion)
    assert mini.version_name == version["name"] and mini.model_name == model["name"]
    assert mini.air_identifier is not None and mini.air_identifier.version_id == version["id"]
    assert mini.download_urls and mini.base_model == version["baseModel"]


def test_version_mini_for_every_catalogue_version(client: CivitaiClient, data: RestData) -> None:
    for _, version in list(data.versions())[::25]:
        assert client.models.get_version_mini(version["id"]).is_success


async def test_version_mini_failures_carry_civitais_text(aclient: AsyncCivitaiClient, data: RestData) -> None:
    missing = error_of(await aclient.models.get_version_mini(2_000_000_000))
    assert missing.code == ErrorCode.NOT_FOUND and "Model not found" in missing.message
    _, version = next(data.versions())
    no_epoch = error_of(await aclient.models.get_version_mini(version["id"], epoch=3))
    assert no_epoch.code == ErrorCode.NOT_FOUND and "Missing epoch" in no_epoch.message


def test_version_mini_checks_its_arguments(client: CivitaiClient, server: FakeCivitai) -> None:
    with pytest.raises(ValueError, match="version_id"):
        client.models.get_version_mini(0)
    with pytest.raises(ValueError, match="epoch"):
        client.models.get_version_mini(5, epoch=-1)
    assert not server.requests
