"""Row counts per table."""

from crm_app.models.base import utcnow
from crm_app.services import stats
from tests.factories import create_lead, create_user

KEYS = {"users", "leads", "contacts", "companies", "deals", "products", "activities", "timeline_entries"}


def test_it_counts_zero_on_an_empty_database(session):
    counts = stats.table_counts(session=session)
    assert set(counts) == KEYS
    assert all(n == 0 for n in counts.values())


def test_it_counts_soft_deleted_rows_too(session):
    user = create_user(session)
    create_user(session)
    create_lead(session, title="Kept", responsible_id=user.id)
    create_lead(session, title="In the bin", responsible_id=user.id, deleted_at=utcnow())

    counts = stats.table_counts(session=session)

    assert counts["users"] == 2
    assert counts["leads"] == 2
    assert counts["deals"] == 0
