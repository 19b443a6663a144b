"""the product catalogue gets sections, a folded search text, an SKU index, who created a product

`product_section` (a flat ordered list), `product.section_id`, `product.created_by_id`,
`product.search_text` (name and SKU with accents and case folded, filled here for the products
there are) and an index on `product.sku`. On SQLite the product table is copied (batch mode) to
add the foreign keys; it has no triggers to lose.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 04:00:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_app.models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_section",
        sa.Column("created_at", crm_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crm_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("section_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.String(length=330), nullable=False, server_default=""))
        batch_op.create_foreign_key("fk_product_section", "product_section", ["section_id"], ["id"])
        batch_op.create_foreign_key("fk_product_created_by", "user", ["created_by_id"], ["id"])
    op.create_index("ix_product_section_id", "product", ["section_id"])
    op.create_index("ix_product_sku", "product", ["sku"])
    bind = op.get_bind()
    product = sa.table("product", sa.column("id"), sa.column("name"), sa.column("sku"), sa.column("search_text"))
    rows = bind.execute(sa.select(product.c.id, product.c.name, product.c.sku)).all()
    for product_id, name, sku in rows:
        bind.execute(
            product.update().where(product.c.id == product_id).values(search_text=_folded(name, sku))
        )


def _folded(name: str | None, sku: str | None) -> str:
    """As services.products.search_text (kept here: a migration does not change with the app)."""
    text = unicodedata.normalize("NFKD", f"{name or ''} {sku or ''}")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())[:330]


def downgrade() -> None:
    op.drop_index("ix_product_sku", table_name="product")
    op.drop_index("ix_product_section_id", table_name="product")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_constraint("fk_product_created_by", type_="foreignkey")
        batch_op.drop_constraint("fk_product_section", type_="foreignkey")
        batch_op.drop_column("search_text")
        batch_op.drop_column("created_by_id")
        batch_op.drop_column("section_id")
    op.drop_table("product_section")
