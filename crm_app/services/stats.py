"""Row counts per table, for `crm stats` and the benches."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from crm_app.models import Activity, Company, Contact, Deal, Lead, Product, TimelineEntry, User

COUNTED: dict[str, type[SQLModel]] = {
    "users": User,
    "leads": Lead,
    "contacts": Contact,
    "companies": Company,
    "deals": Deal,
    "products": Product,
    "activities": Activity,
    "timeline_entries": TimelineEntry,
}


def table_counts(*, session: Session) -> dict[str, int]:
    """Rows per table, soft-deleted ones included, in one SQL statement."""
    stmt = select(
        *(
            select(func.count()).select_from(model).scalar_subquery().label(key)
            for key, model in COUNTED.items()
        )
    )
    row = session.execute(stmt).one()
    return {key: int(row._mapping[key]) for key in COUNTED}
