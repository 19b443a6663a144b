"""lead search index and sortable primary e-mail / phone

- lead.search_text / search_phones (the folded search document, services/search_index) and
  lead.primary_email / primary_phone (the list sorts them), filled for every existing lead;
- the substring index over them: FTS5 (trigram) with triggers on SQLite, pg_trgm GIN on
  PostgreSQL (created by alembic/env.py after every upgrade, see search_index.install);
- one partial index (column, id) over the live leads per sortable column of the list, instead of
  (deleted_at, ..., created_at, id), whose order PostgreSQL never used.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORTABLE = (
    "created_at",
    "updated_at",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "amount",
    "primary_email",
    "primary_phone",
    "status_id",
    "source_id",
    "responsible_id",
)
LIVE = "deleted_at IS NULL"


def _index(name: str, column: str, where: str) -> None:
    op.create_index(
        name, "lead", [column, "id"], sqlite_where=sa.text(where), postgresql_where=sa.text(where)
    )


def upgrade() -> None:
    from crm_app.services import search_index

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("search_phones", sa.String(length=1000), server_default="", nullable=False))
        batch_op.add_column(sa.Column("primary_email", sa.String(length=255), server_default="", nullable=False))
        batch_op.add_column(sa.Column("primary_phone", sa.String(length=50), server_default="", nullable=False))
    op.drop_index("ix_lead_list", table_name="lead")
    op.drop_index("ix_lead_open", table_name="lead")
    for column in SORTABLE:
        _index(f"ix_lead_by_{column}", column, LIVE)
    _index("ix_lead_open", "created_at", f"{LIVE} AND result IS NULL")
    _index("ix_lead_bin", "deleted_at", "deleted_at IS NOT NULL")
    bind = op.get_bind()
    search_index.rebuild_all(bind, sort_names=False)  # lead.sort_name comes with 0008
    search_index.install(bind)


def downgrade() -> None:
    from crm_app.services import search_index

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in search_index.SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS lead_fts")
    else:
        for index in ("ix_lead_search_text_trgm", "ix_lead_search_phones_trgm"):
            op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute("DROP FUNCTION IF EXISTS lead_search_sync() CASCADE")  # from a later install
        op.execute("DROP TABLE IF EXISTS lead_search")
    for column in SORTABLE:
        op.drop_index(f"ix_lead_by_{column}", table_name="lead")
    op.drop_index("ix_lead_open", table_name="lead")
    op.drop_index("ix_lead_bin", table_name="lead")
    op.create_index("ix_lead_list", "lead", ["deleted_at", "created_at", "id"])
    op.create_index("ix_lead_open", "lead", ["deleted_at", "result", "created_at", "id"])
    with op.batch_alter_table("lead", schema=None) as batch_op:
        for column in ("primary_phone", "primary_email", "search_phones", "search_text"):
            batch_op.drop_column(column)
