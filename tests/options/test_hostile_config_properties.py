"""Any JSON document as ``appsettings.json`` loads as options or fails as one ConfigurationError, and a key
planted anywhere in it never reaches the error."""

from __future__ import annotations

import json
import traceback
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitai_kit._config.binder import leaf_paths
from civitai_kit._config.keys import pascal
from civitai_kit.errors import ConfigurationError
from civitai_kit.options import CivitaiApiOptions, UnknownConfigKeyWarning
from tests.support.options_places import ConfigPlaces

PLANTED = "ck-Pl4nted 7e1d9c3b5a8f2e4d6c0b"
"""A key with a space: refused as a key, so never registered for scrubbing; it must simply never be shown."""

_PATHS = [tuple(pascal(name) for name in path) for path in leaf_paths(CivitaiApiOptions)]
OPTION_KEYS = sorted({"CivitaiApi", *(segment for path in _PATHS for segment in path)})
"""Every segment of every real option (``Sdk``, ``ApiToken``, ``RateLimit``...) and the section name."""
COLON_KEYS = sorted({":".join(("CivitaiApi", *path[:depth])) for path in _PATHS for depth in range(1, len(path) + 1)})

keys = st.one_of(
    st.sampled_from(OPTION_KEYS),
    st.sampled_from(OPTION_KEYS).map(str.lower),
    st.sampled_from(COLON_KEYS),
    st.text(max_size=6),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and ±Infinity included: written as the literals Python's json accepts
    st.text(max_size=10),
    st.sampled_from(["30", "true", "https://example.com", "{Id}.{Extension}", "SHA256", "", " "]),
    st.just(PLANTED),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=24,
)
documents = st.one_of(values, st.dictionaries(st.just("CivitaiApi"), values, min_size=1), st.dictionaries(keys, values))


@settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents)
def test_any_document_loads_or_fails_as_one_configuration_error_without_the_key(
    places: ConfigPlaces, document: Any
) -> None:
    places.appsettings(json.dumps(document))
    with warnings.catch_warnings(record=True) as warned:  # most documents name keys no option has
        warnings.simplefilter("always", UnknownConfigKeyWarning)
        try:
            CivitaiApiOptions()
        except ConfigurationError as error:
            texts = [str(error), repr(error), "".join(traceback.format_exception(error)), repr(error.error.details)]
            assert not any(PLANTED in text for text in texts)
            assert error.__cause__ is None and error.__context__ is None
    assert not any(PLANTED in str(warning.message) for warning in warned)


@pytest.mark.parametrize(
    "document",
    [
        {"CivitaiApi": {"TimeoutSeconds": PLANTED, "HttpBackend": PLANTED, "ApiKey": PLANTED}},
        {"CivitaiApi": {"Downloads": {"Models": {"HashAlgorithm": PLANTED, "BaseDirectory": PLANTED + "\x00"}}}},
        {"CivitaiApi": {"Sdk": {"ApiToken": PLANTED, "BaseUrl": PLANTED}, "Cache": {"Enabled": PLANTED}}},
    ],
)
def test_a_key_in_any_setting_is_never_shown(places: ConfigPlaces, document: Any) -> None:
    places.appsettings(document)
    with pytest.raises(ConfigurationError) as caught:
        CivitaiApiOptions()
    assert PLANTED not in "".join(traceback.format_exception(caught.value))
