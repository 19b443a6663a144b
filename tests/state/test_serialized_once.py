"""The UI catalogue's JSON is made once per process, and is the JSON Reflex would make."""

from __future__ import annotations

import inspect

import reflex.state as reflex_state
from reflex_base.utils import format as reflex_format

from crm_app import serialized_once
from crm_app.state.session import SessionState
from crm_app.ui_catalog import full_catalog
from tests.state.conftest import substate


def test_the_hydrate_comparison_uses_the_cached_json():
    # Reflex 0.10 compares a tab's vars with the page's defaults through this module global
    source = inspect.getsource(reflex_state._diff_against_initial_state)
    assert "_serialize_var(value)" in source
    assert reflex_state._serialize_var is serialized_once.serialize_var


def test_the_catalogue_is_frozen_and_serialized_as_before(root):
    state = substate(root, SessionState)
    for lang in ("en", "fr"):
        state.lang = lang
        catalogue = state.tr
        assert catalogue is full_catalog(lang)
        cached = serialized_once.serialize_var(catalogue)
        assert cached == reflex_format.json_dumps(catalogue)
        assert serialized_once.serialize_var(catalogue) is cached  # made once, then reused


def test_other_values_are_serialized_each_time():
    value = {"a": 1}
    assert serialized_once.serialize_var(value) == reflex_format.json_dumps({"a": 1})
    value["a"] = 2
    assert serialized_once.serialize_var(value) == reflex_format.json_dumps({"a": 2})
    assert serialized_once.serialize_var(dict(full_catalog("en"))) == reflex_format.json_dumps(
        full_catalog("en")
    )
