"""Row counts per table."""

from sqlmodel import select

from crm_app.models import Lead, Stage
from crm_app.models.base import utcnow
from crm_app.services import stats
from tests.factories import create_user

KEYS = {"users", "leads", "contacts", "companies", "deals", "products", "activities", "timeline_entries"}


def test_it_counts_zero_on_an_empty_database(session):
    counts = stats.table_counts(session=session)
    assert set(counts) == KEYS
    assert all(n == 0 for n in counts.values())


def test_it_counts_soft_deleted_rows_too(session):
    user = create_user(session)
    create_user(session)
    status_id = session.exec(select(Stage.id).order_by(Stage.id)).first()
    session.add(Lead(title="Kept", status_id=status_id, responsible_id=user.id))
    session.add(Lead(title="In the bin", status_id=status_id, deleted_at=utcnow()))
    session.commit()

    counts = stats.table_counts(session=session)

    assert counts["users"] == 2
    assert counts["leads"] == 2
    assert counts["deals"] == 0
