"""The history shown on cards: comments, order, paging."""

from datetime import timedelta

import pytest

from crm_app.models import EntityType, TimelineKind
from crm_app.models.base import utcnow
from crm_app.services import leads, timeline
from crm_app.services.errors import NotFound, ValidationError
from tests.factories import create_user


def test_paging_follows_the_order_shown_even_with_moved_entries(session):
    user = create_user(session)
    lead = leads.create_lead(session=session, user=user, data={"last_name": "Paged"})
    now = utcnow()
    # ids do not follow dates (entries moved over by a merge keep their dates)
    for i in range(12):
        timeline.record(
            session,
            entity_type=EntityType.LEAD,
            entity_id=lead.id,
            kind=TimelineKind.COMMENT,
            author_id=user.id,
            text=f"c{i}",
            at=now - timedelta(minutes=(i * 7) % 12),
        )
    session.commit()
    seen, before = [], None
    while True:
        page = timeline.list_entries(
            session=session,
            user=user,
            entity_type=EntityType.LEAD,
            entity_id=lead.id,
            before_id=before,
            limit=5,
        )
        if not page:
            break
        seen += page
        before = page[-1].id
    assert len(seen) == 13 and len({e.id for e in seen}) == 13
    assert [e.at for e in seen] == sorted((e.at for e in seen), reverse=True)


def test_comments_are_checked_and_records_must_exist(session):
    user = create_user(session)
    lead = leads.create_lead(session=session, user=user, data={"last_name": "C"})
    with pytest.raises(ValidationError):
        timeline.add_comment(
            session=session, user=user, entity_type=EntityType.LEAD, entity_id=lead.id, text=" "
        )
    with pytest.raises(ValidationError):
        timeline.add_comment(
            session=session, user=user, entity_type=EntityType.LEAD, entity_id=lead.id, text="x" * 10_001
        )
    with pytest.raises(NotFound):
        timeline.list_entries(session=session, user=user, entity_type=EntityType.LEAD, entity_id=999_999)
    entry = timeline.add_comment(
        session=session, user=user, entity_type=EntityType.LEAD, entity_id=lead.id, text="<b>hi</b>"
    )
    assert entry.text == "<b>hi</b>"


def test_a_merge_entry_offers_its_undo_only_until_the_merge_is_undone(session):
    from crm_app.services import duplicates

    user = create_user(session)
    kept = leads.create_lead(session=session, user=user, data={"last_name": "Kept"})
    other = leads.create_lead(session=session, user=user, data={"last_name": "Other"})
    merge = duplicates.merge_leads(session=session, user=user, keep_id=kept.id, merge_ids=[other.id])

    def undoable(lead_id):
        entries = timeline.list_entries(
            session=session, user=user, entity_type=EntityType.LEAD, entity_id=lead_id
        )
        return [e.undoable_merge_id for e in entries if e.undoable_merge_id]

    assert undoable(kept.id) == [merge.id]
    assert undoable(other.id) == []  # the merged lead's "merged into" entry offers nothing
    duplicates.undo_merge(session=session, user=user, merge_id=merge.id)
    assert undoable(kept.id) == []
