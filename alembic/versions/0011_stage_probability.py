"""deal stages carry a probability (0-100 %)

`stage.probability`: the won stage of a deal pipeline is 100, a lost stage 0, and the stages in
progress of existing pipelines are spread evenly between (to the nearest 10) until an
administrator sets them. Lead statuses keep 0: they have no probability. A plain ADD COLUMN, not a
batch copy of the table, so the settings-stamp triggers on `stage` (0010) stay.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("stage", sa.Column("probability", sa.Integer(), server_default="0", nullable=False))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT s.id, s.pipeline_id, s.semantic FROM stage s JOIN pipeline p ON p.id = s.pipeline_id "
            "WHERE p.kind = 'deal' ORDER BY s.pipeline_id, s.sort, s.id"
        )
    ).all()
    in_progress: dict[int, list[int]] = {}
    for stage_id, pipeline_id, semantic in rows:
        if semantic == "success":
            bind.execute(sa.text("UPDATE stage SET probability = 100 WHERE id = :id"), {"id": stage_id})
        elif semantic == "in_progress":
            in_progress.setdefault(pipeline_id, []).append(stage_id)
    for ids in in_progress.values():
        for i, stage_id in enumerate(ids, start=1):
            chance = round(i * 10 / (len(ids) + 1)) * 10
            bind.execute(sa.text("UPDATE stage SET probability = :p WHERE id = :id"), {"p": chance, "id": stage_id})


def downgrade() -> None:
    op.drop_column("stage", "probability")
