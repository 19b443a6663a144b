"""Small helpers shared by the tables (crm_app/models/base.py)."""

from __future__ import annotations

import pytest

from crm_app.models import Source
from crm_app.models.base import saved_id
from tests.factories import create_user


def test_saved_id_is_the_primary_key_of_a_stored_row(session):
    user = create_user(session)
    assert user.id is not None
    assert saved_id(user) == user.id


def test_saved_id_refuses_a_row_not_flushed_yet(session):
    source = Source(code="fair", name="Fair")
    with pytest.raises(ValueError, match="Source has no id yet"):
        saved_id(source)
    session.add(source)
    session.flush()
    assert saved_id(source) == source.id
