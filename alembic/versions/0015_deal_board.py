"""deals: the amount typed by hand or following the products, and the kanban column indexes

`deal_product.unit`; `deal.amount_manual` (false: the amount follows the product rows when there are some);
`ix_deal_kanban` (stage_id, id) and `ix_deal_stage_sum` (stage_id, currency_code, amount) over
the live deals: a column's newest cards and its count and sum come from an index alone.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "deleted_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("amount_manual", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("deal_product", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unit", sa.String(length=20), nullable=False, server_default="pcs")
        )
    op.create_index(
        "ix_deal_kanban",
        "deal",
        ["stage_id", "id"],
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_index(
        "ix_deal_stage_sum",
        "deal",
        ["stage_id", "currency_code", "amount"],
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )


def downgrade() -> None:
    op.drop_index("ix_deal_stage_sum", table_name="deal")
    op.drop_index("ix_deal_kanban", table_name="deal")
    with op.batch_alter_table("deal_product", schema=None) as batch_op:
        batch_op.drop_column("unit")
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.drop_column("amount_manual")
