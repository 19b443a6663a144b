"""imports keep what undoing them needs, their warnings, and a heartbeat

`import_change`: each lead an import created or updated, the lead's version just after and, for an
update, the values it replaced. `import_job` gets `warnings` (values left empty, with row counts),
`heartbeat_at` (written with every batch: a running job whose heartbeat stopped was interrupted),
`undone_at` and `undone_by_id`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_app.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warnings", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column("heartbeat_at", crm_app.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("undone_at", crm_app.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("undone_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_import_job_undone_by", "user", ["undone_by_id"], ["id"])
    op.create_table(
        "import_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["import_job.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_change_job", "import_change", ["job_id", "id"])
    op.create_index("ix_import_change_lead_id", "import_change", ["lead_id"])


def downgrade() -> None:
    op.drop_index("ix_import_change_lead_id", table_name="import_change")
    op.drop_index("ix_import_change_job", table_name="import_change")
    op.drop_table("import_change")
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_constraint("fk_import_job_undone_by", type_="foreignkey")
        batch_op.drop_column("undone_by_id")
        batch_op.drop_column("undone_at")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("warnings")
