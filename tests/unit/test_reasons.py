"""Reason lists (services.reasons): junk reasons of leads and lost reasons of deals share one set of
rules; here the deals' list, whose settings page comes with the pipelines (the leads' list is
tested through Settings -> Leads in test_lead_settings)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from crm_app.models import Deal, DealResult, EntityType, LostReason, Role, TimelineEntry, TimelineKind
from crm_app.services import reasons
from crm_app.services import settings_lists as sl
from crm_app.services.errors import Conflict, PermissionDenied, StaleRecord, ValidationError
from tests.factories import create_deal, create_user

LOST = reasons.DEAL_LOST


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, email="ada@example.com")


def _names(session, user) -> list[str]:
    return [r.name for r in reasons.list_reasons(session=session, user=user, kind=LOST)]


def test_the_deals_list_is_its_own(session, admin):
    lost = _names(session, admin)
    junk = [r.name for r in reasons.list_reasons(session=session, user=admin, kind=reasons.JUNK)]
    assert lost[0] == "Price too high" and "Spam" in junk and "Spam" not in lost
    lost_ids = {r.id for r in reasons.ordered(session, LOST)}
    assert not lost_ids & {r.id for r in reasons.ordered(session, reasons.JUNK)}


def test_add_rename_and_move(session, admin):
    added = reasons.add_reason(session=session, user=admin, kind=LOST, name="  Project cancelled ")
    assert _names(session, admin)[-1] == "Project cancelled"
    with pytest.raises(ValidationError) as err:
        reasons.add_reason(session=session, user=admin, kind=LOST, name="project CANCELLED")
    assert "name" in err.value.errors
    with pytest.raises(ValidationError):
        reasons.add_reason(session=session, user=admin, kind=LOST, name="x" * 101)
    reasons.rename_reason(
        session=session,
        user=admin,
        kind=LOST,
        reason_id=added.id,
        name="Cancelled",
        expected_version=added.version,
    )
    with pytest.raises(StaleRecord):
        reasons.rename_reason(
            session=session, user=admin, kind=LOST, reason_id=added.id, name="Again", expected_version=0
        )
    assert reasons.move_reason(session=session, user=admin, kind=LOST, reason_id=added.id, direction="up")
    assert _names(session, admin)[-2] == "Cancelled"
    # a junk reason is not in this list
    junk_id = reasons.ordered(session, reasons.JUNK)[0].id
    with pytest.raises(Exception, match="does not exist"):
        reasons.rename_reason(session=session, user=admin, kind=LOST, reason_id=junk_id, name="Nope")


def test_a_reason_in_use_moves_its_deals_first_with_history(session, admin):
    first, second = reasons.ordered(session, LOST)[:2]
    deal = create_deal(session, result=DealResult.LOST, lost_reason_id=first.id)
    with pytest.raises(sl.InUse) as err:
        reasons.delete_reason(session=session, user=admin, kind=LOST, reason_id=first.id)
    assert err.value.count == 1
    junk_id = reasons.ordered(session, reasons.JUNK)[0].id
    with pytest.raises(ValidationError) as bad:
        reasons.delete_reason(session=session, user=admin, kind=LOST, reason_id=first.id, move_to_id=junk_id)
    assert "move_to_id" in bad.value.errors
    moved = reasons.delete_reason(
        session=session, user=admin, kind=LOST, reason_id=first.id, move_to_id=second.id
    )
    assert moved == 1
    assert session.get(Deal, deal.id).lost_reason_id == second.id  # pyright: ignore[reportOptionalMemberAccess]
    assert session.get(LostReason, first.id) is None
    entry = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_type == EntityType.DEAL.value, TimelineEntry.entity_id == deal.id
        )
    ).one()
    assert entry.kind == TimelineKind.FIELD_CHANGE and entry.payload["field"] == "lost_reason_id"
    assert entry.payload["reason"] == "lost_reason_deleted"


def test_the_last_reason_stays(session, admin):
    *others, last = reasons.ordered(session, LOST)
    for r in others:
        reasons.delete_reason(session=session, user=admin, kind=LOST, reason_id=r.id)
    with pytest.raises(Conflict):
        reasons.delete_reason(session=session, user=admin, kind=LOST, reason_id=last.id)
    assert _names(session, admin) == [last.name]


def test_only_settings_editors_change_them(session, admin):
    rep = create_user(session, role=Role.SALES, email="rep@example.com")
    assert _names(session, rep)  # everyone reads them (closing a deal offers them)
    with pytest.raises(PermissionDenied):
        reasons.add_reason(session=session, user=rep, kind=LOST, name="Mine")
