"""The rules every settings list shares (services.settings_lists), on any ordered list."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from crm_app.models import LostReason, ReasonKind
from crm_app.services import settings_lists as sl
from crm_app.services.errors import StaleRecord, ValidationError
from tests.factories import create_user


@dataclass
class Item:
    id: int
    name: str
    sort: int


def test_moving_swaps_with_the_neighbour_and_stops_at_the_ends():
    rows = [Item(1, "a", 10), Item(2, "b", 20), Item(3, "c", 30)]
    assert [r.id for r in sl.move_in(rows, 2, "up")] == [2, 1, 3]
    assert sl.move_in(rows, 1, "up") is None
    assert sl.move_in(rows, 3, "down") is None
    assert sl.move_in(rows, 9, "down") is None
    with pytest.raises(ValidationError):
        sl.move_in(rows, 1, "sideways")


def test_a_new_order_must_name_every_item_once():
    rows = [Item(1, "a", 10), Item(2, "b", 20)]
    assert [r.id for r in sl.in_order(rows, ["2", "1"])] == [2, 1]
    for wrong in ([1], [1, 1], [1, 2, 3], ["x", 1]):
        with pytest.raises(ValidationError):
            sl.in_order(rows, wrong)


def test_names_are_required_short_and_unique_whatever_the_case():
    existing = [(1, "Spam"), (2, "Duplicate")]
    assert sl.clean_name("  Fake ", existing) == "Fake"
    assert sl.clean_name("spam", existing, exclude_id=1) == "spam"  # renaming itself
    for bad in ("", "SPAM", "x" * (sl.MAX_NAME + 1)):
        with pytest.raises(ValidationError) as exc:
            sl.clean_name(bad, existing)
        assert "name" in exc.value.errors


def test_add_rename_move_on_a_stored_list_renumber_it_and_refuse_stale_versions(session):
    create_user(session)

    def reasons():
        stmt = select(LostReason).where(LostReason.kind == ReasonKind.DEAL_LOST).order_by(LostReason.sort)
        return list(session.exec(stmt).all())

    for row in reasons():
        session.delete(row)
    session.commit()
    first = sl.add_item(session, reasons(), "Too expensive", lambda n, s: LostReason(name=n, sort=s))
    second = sl.add_item(session, reasons(), "Chose a rival", lambda n, s: LostReason(name=n, sort=s))
    assert [(r.name, r.sort) for r in reasons()] == [("Too expensive", 10), ("Chose a rival", 20)]
    assert sl.move_item(session, reasons(), second.id, "up") is True
    assert [(r.name, r.sort) for r in reasons()] == [("Chose a rival", 10), ("Too expensive", 20)]
    assert sl.move_item(session, reasons(), second.id, "up") is False
    version = first.version
    sl.rename_item(session, first, reasons(), "Price", version)
    assert first.name == "Price" and first.version == version + 1
    with pytest.raises(StaleRecord):
        sl.rename_item(session, first, reasons(), "Cost", version)
