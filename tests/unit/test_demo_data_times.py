"""Demo data is coherent in time: nothing on a record happens before the record was created,
done activities are in the past, open ones are due later (or were due in the last week: the
overdue examples), and no record has the same open activity twice."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from crm_app.models import Activity, ActivityType, Company, Contact, Deal, EntityType, Lead, TimelineEntry
from crm_app.services import demo_activities, demo_data

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
RECORDS = {
    EntityType.LEAD: Lead,
    EntityType.CONTACT: Contact,
    EntityType.COMPANY: Company,
    EntityType.DEAL: Deal,
}


def _created(session) -> dict[tuple[EntityType, int], datetime]:
    return {
        (kind, row.id): row.created_at
        for kind, model in RECORDS.items()
        for row in session.exec(select(model)).all()
    }


@pytest.mark.parametrize("random_seed", [1, 2, 3])
def test_demo_activities_and_history_follow_their_record_in_time(session, random_seed):
    demo_data.seed_demo(session=session, random_seed=random_seed, password="demo-password-2026", now=NOW)
    created = _created(session)
    activities = session.exec(select(Activity)).all()
    assert activities
    overdue_since = NOW - demo_activities.OVERDUE_WITHIN[1]
    for a in activities:
        since = created[(a.entity_type, a.entity_id)]
        assert since <= a.created_at <= NOW, (a.subject, since, a.created_at)
        assert since <= a.deadline, (a.subject, since, a.deadline)
        if a.completed:
            assert a.completed_at is not None and since <= a.completed_at < NOW, a.subject
            assert a.deadline < NOW
        else:
            assert a.completed_at is None
            assert a.deadline >= NOW or overdue_since <= a.deadline, (a.subject, a.deadline)
            assert a.created_at <= a.deadline
    open_twice = Counter(
        (a.entity_type, a.entity_id, a.type, a.subject) for a in activities if not a.completed
    )
    assert [key for key, n in open_twice.items() if n > 1] == []
    entries = session.exec(select(TimelineEntry)).all()
    assert entries
    for e in entries:
        since = created[(e.entity_type, e.entity_id)]
        assert since <= e.created_at <= NOW, (e.kind, e.text, since, e.created_at)
    for lead in session.exec(select(Lead)).all():
        assert lead.created_at <= lead.updated_at <= NOW
        assert lead.closed_at is None or lead.created_at <= lead.closed_at <= NOW


def test_a_lead_created_an_hour_ago_gets_only_later_activities():
    import random

    fresh = demo_activities.Target(EntityType.LEAD, 1, None, "Ann Smith", NOW - timedelta(hours=1))
    planned = demo_activities.plan(random.Random(0), NOW, {EntityType.LEAD: [fresh]})
    assert planned and not [p for p in planned if p.state == "overdue"]  # due a day ago: cannot be
    assert all(p.deadline >= fresh.created_at and p.created_at >= fresh.created_at for p in planned)
    open_ = [(p.type, p.subject) for p in planned if not p.completed]
    assert len(open_) == len(set(open_)) == len(ActivityType)  # one open activity of each type, no more
