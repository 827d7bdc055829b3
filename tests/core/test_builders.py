"""Builders: immutable, shareable, and strict about arguments before anything is sent."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from civitai_kit.core import CivitaiClient, ModelQuery, ModelType
from civitai_kit.errors import ConfigurationError
from civitai_kit.testing import FakeCivitai
from tests.support.core_support import options_for


@pytest.fixture
def client(fake_civitai: FakeCivitai) -> Any:
    with CivitaiClient(options_for(fake_civitai.url)) as client:
        yield client


def test_every_call_returns_a_new_builder(client: CivitaiClient) -> None:
    base = client.models
    loras = base.where_type(ModelType.LORA)
    newest = loras.order_by("Newest")
    assert base.query_params == () and loras.query_params == (("types", "LORA"),)
    assert newest.query_params == (("sort", "Newest"), ("types", "LORA"))
    assert isinstance(newest, ModelQuery) and newest is not loras
    with pytest.raises(AttributeError):
        newest.extra = 1  # type: ignore[attr-defined]


def test_a_builder_is_safe_to_share_between_threads(client: CivitaiClient) -> None:
    shared = client.models.where_type("LORA")
    results: list[tuple[tuple[str, str], ...]] = []

    def work(index: int) -> None:
        results.append(shared.where_tag(f"t{index}").query_params)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted((("tag", f"t{i}"), ("types", "LORA")) for i in range(16))
    assert shared.query_params == (("types", "LORA"),)


BAD: list[tuple[str, Callable[[Any], Any], type[Exception], str]] = [
    ("blank name", lambda c: c.models.where_name("  "), ValueError, "query"),
    ("bad username", lambda c: c.models.where_username("specific-creator"), ValueError, "username"),
    ("no types", lambda c: c.models.where_type(), ValueError, "types"),
    ("blank type", lambda c: c.models.where_type(""), ValueError, "types[0]"),
    ("no ids", lambda c: c.models.where_ids(), ValueError, "ids"),
    ("zero id", lambda c: c.models.where_ids(1, 0), ValueError, "ids[1]"),
    ("str id", lambda c: c.models.where_version_ids("5"), TypeError, "version_ids[0]"),
    ("huge id", lambda c: c.models.get_by_id(2**31), ValueError, "model_id"),
    ("bool id", lambda c: c.models.get_by_version_id(True), TypeError, "version_id"),
    ("blank hash", lambda c: c.models.get_by_version_hash(" "), ValueError, "hash"),
    ("short bulk hash", lambda c: c.models.get_by_version_hashes(["ABC"]), ValueError, "hashes[0]"),
    ("str bulk", lambda c: c.models.get_version_ids_by_hashes("A" * 64), TypeError, "hashes"),
    ("no base models", lambda c: c.models.where_base_models(), ValueError, "base_models"),
    ("page zero", lambda c: c.models.with_page_index(0), ValueError, "page"),
    ("nsfw not bool", lambda c: c.models.where_nsfw("yes"), TypeError, "nsfw"),
    ("limit high", lambda c: c.models.execute(limit=101), ValueError, "limit"),
    ("limit zero", lambda c: c.images.execute(limit=0), ValueError, "limit"),
    ("limit images", lambda c: c.images.execute(limit=201), ValueError, "limit"),
    ("limit tags", lambda c: c.tags.execute(limit=201), ValueError, "limit"),
    ("limit type", lambda c: c.creators.execute(limit=2.5), TypeError, "limit"),
    ("blank cursor", lambda c: c.models.execute(cursor=""), ValueError, "cursor"),
    ("page with query", lambda c: c.models.where_name("a").with_page_index(2).execute(), ValueError, "where_name"),
    ("page cap", lambda c: c.models.with_page_index(11).execute(), ValueError, "1000"),
    ("browsing level", lambda c: c.images.where_browsing_level(64), ValueError, "level"),
    ("image username", lambda c: c.images.where_username("a.b"), ValueError, "username"),
    ("image model id", lambda c: c.images.where_model_id(-1), ValueError, "model_id"),
    ("tag ids", lambda c: c.images.where_tags(), ValueError, "tag_ids"),
    ("sort type", lambda c: c.models.order_by(3), ValueError, "sort"),
    ("creator page", lambda c: c.creators.with_page_index(-2), ValueError, "page"),
]


@pytest.mark.parametrize(("name", "call", "error", "mentions"), BAD, ids=[b[0] for b in BAD])
def test_bad_arguments_raise_naming_the_argument(
    client: CivitaiClient,
    fake_civitai: FakeCivitai,
    name: str,
    call: Callable[[CivitaiClient], Any],
    error: type[Exception],
    mentions: str,
) -> None:
    with pytest.raises(error, match=mentions.replace("[", r"\[").replace("]", r"\]")):
        call(client)
    assert len(fake_civitai.requests) == 0


def test_favorites_and_hidden_need_a_key(client: CivitaiClient, fake_civitai: FakeCivitai) -> None:
    for method in ("where_favorites", "where_hidden"):
        with pytest.raises(ConfigurationError, match="API key") as caught:
            getattr(client.models, method)()
        assert isinstance(caught.value, ValueError)
    assert len(fake_civitai.requests) == 0


def test_favorites_with_a_key_send_the_bearer_header(server: FakeCivitai, data: Any) -> None:
    with CivitaiClient(options_for(server.url, api_key="sk-test-0123456789")) as client:
        favorites = client.models.where_favorites().where_nsfw().execute().unwrap()
        hidden = client.models.where_hidden().where_nsfw().execute().unwrap()
        assert {m.id for m in favorites.items} == data.favorites
        assert {m.id for m in hidden.items} == data.hidden
        sent = server.requests.last
        assert sent.headers["authorization"] == "Bearer sk-test-0123456789"
        assert "sk-test" not in sent.query_string and "sk-test" not in repr(client)


def test_lenient_enum_strings_from_users(client: CivitaiClient) -> None:
    assert client.models.order_by("most_downloaded").query_params == (("sort", "Most Downloaded"),)
    assert client.models.where_type("lora", "textual inversion").query_params == (
        ("types", "LORA"),
        ("types", "TextualInversion"),
    )
    assert client.models.where_type("FutureType").query_params == (("types", "FutureType"),)  # open: passed on
