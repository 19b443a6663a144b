"""the lead search index on PostgreSQL moves to a narrow table

`lead_search` (id, search_text, search_phones), kept by triggers on `lead` and indexed with
pg_trgm GIN, replaces the GIN indexes on `lead` itself (see services/search_index). SQLite keeps
its FTS5 table: nothing changes there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEXES = ("ix_lead_search_text_trgm", "ix_lead_search_phones_trgm")


def upgrade() -> None:
    from crm_app.services import search_index

    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for index in OLD_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index}")
    search_index.install(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS lead_search_sync() CASCADE")  # and its triggers
    op.execute("DROP TABLE IF EXISTS lead_search")
    op.execute("CREATE INDEX IF NOT EXISTS ix_lead_search_text_trgm ON lead USING gin (search_text gin_trgm_ops)")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_lead_search_phones_trgm ON lead USING gin (search_phones gin_trgm_ops)"
    )
