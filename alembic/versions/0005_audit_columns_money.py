"""audit columns on the last user-edited tables; exact money as integer units

- created_at / updated_at / version on deal_product, contact_company, communication and
  currency (existing rows get now / 1; server defaults too, for bulk and raw inserts);
- every Numeric column becomes BIGINT holding 10**-scale units (models.base.Fixed): money in
  cents, quantities in thousandths, tax rates in hundredths, exchange rates in millionths,
  so that SUM is exact in SQL on SQLite as on PostgreSQL.

On SQLite the tables are rebuilt (batch mode) with foreign keys off (see alembic/env.py):
rebuilding `deal` with them on would cascade-delete its line items.

Revision ID: 0005
Revises: 0003 (re-chained after 0004 at merge)
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_app.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDITED = ("deal_product", "contact_company", "communication", "currency")

# table -> [(column, old precision, scale, nullable)]
FIXED: dict[str, list[tuple[str, int, int, bool]]] = {
    "currency": [("rate", 18, 6, False)],
    "product": [("price", 18, 2, False), ("tax_rate", 5, 2, False)],
    "lead": [("amount", 18, 2, True)],
    "company": [("revenue", 18, 2, True)],
    "deal": [("amount", 18, 2, False)],
    "deal_product": [
        ("quantity", 14, 3, False),
        ("unit_price", 18, 2, False),
        ("discount_value", 18, 2, False),
        ("tax_rate", 5, 2, False),
    ],
}

_NOW = sa.text("CURRENT_TIMESTAMP")


def _audit_columns() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at", crm_app.models.base.UTCDateTime(timezone=True), server_default=_NOW, nullable=False
        ),
        sa.Column(
            "updated_at", crm_app.models.base.UTCDateTime(timezone=True), server_default=_NOW, nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
    ]


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    sqlite = _is_sqlite()
    for table in sorted(set(AUDITED) | set(FIXED)):
        columns = FIXED.get(table, [])
        if sqlite:
            for name, _p, scale, _n in columns:
                # REAL -> exact integer units before the rebuild casts the column to BIGINT
                op.execute(f"UPDATE {table} SET {name} = CAST(ROUND({name} * {10**scale}) AS INTEGER)")  # noqa: S608 - names are constants
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in AUDITED:
                for column in _audit_columns():
                    batch_op.add_column(column)
            for name, precision, scale, nullable in columns:
                batch_op.alter_column(
                    name,
                    existing_type=sa.Numeric(precision=precision, scale=scale),
                    type_=sa.BigInteger(),
                    existing_nullable=nullable,
                    postgresql_using=f"round({name} * {10**scale})::bigint",
                )


def downgrade() -> None:
    sqlite = _is_sqlite()
    for table in sorted(set(AUDITED) | set(FIXED)):
        columns = FIXED.get(table, [])
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, precision, scale, nullable in columns:
                batch_op.alter_column(
                    name,
                    existing_type=sa.BigInteger(),
                    type_=sa.Numeric(precision=precision, scale=scale),
                    existing_nullable=nullable,
                    postgresql_using=f"({name}::numeric / {10**scale})::numeric({precision}, {scale})",
                )
            if table in AUDITED:
                for name in ("version", "updated_at", "created_at"):
                    batch_op.drop_column(name)
        if sqlite:
            for name, _p, scale, _n in columns:
                op.execute(f"UPDATE {table} SET {name} = {name} / {float(10**scale)!r}")  # noqa: S608
