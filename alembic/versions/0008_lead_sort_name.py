"""the lead list's Name column sorts by the name it shows

`lead.sort_name` (the display name: "first middle last", else the company, else the title; folded
like the search document) is kept by the write path (services/search_index), filled here for every
existing lead, and sorted with a partial index (sort_name, id) over the live leads, as every
sortable column of the list. The column sorted by last name while it showed "First Last".

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "deleted_at IS NULL"


def upgrade() -> None:
    from crm_app.services import search_index

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_name", sa.String(length=400), server_default="", nullable=False))
    op.create_index(
        "ix_lead_by_sort_name",
        "lead",
        ["sort_name", "id"],
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    search_index.rebuild_all(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_lead_by_sort_name", table_name="lead")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_column("sort_name")
