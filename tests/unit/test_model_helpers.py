"""Small helpers shared by the tables (crm_app/models/base.py)."""

from __future__ import annotations

import pytest

from crm_app.models import Lead, Source
from crm_app.models.base import saved_id, table_of
from crm_app.models.crm import LeadBase
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


def test_table_of_is_the_core_table_of_a_model():
    assert table_of(Lead) is Lead.__table__
    assert table_of(Lead).name == "lead"


def test_table_of_refuses_a_data_model_without_a_table():
    with pytest.raises(TypeError, match="LeadBase is not a table model"):
        table_of(LeadBase)
