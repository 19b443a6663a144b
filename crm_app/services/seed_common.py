"""Helpers shared by the demo data set (`demo_data`) and the bulk generator (`bulk_seed`)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlmodel import Session, col, select

from crm_app.models import LostReason, Pipeline, PipelineKind, ReasonKind, Stage

INDUSTRIES = ["Retail", "Logistics", "Manufacturing", "Consulting", "Healthcare", "Software", "Food"]


def saved_id(row: Any) -> int:
    """The id of a row already flushed (typed as an int, which `row.id` is not)."""
    assert row.id is not None, f"{type(row).__name__} has no id: flush it first"
    return row.id


def ascii_slug(text: str, sep: str = "") -> str:
    """'Léa-Marie' -> 'leamarie' (for e-mail local parts and domains)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", sep, text).strip(sep)


def default_stages(session: Session, kind: PipelineKind) -> tuple[Pipeline, list[Stage]]:
    """The default pipeline of a kind (else the first one) and its stages in order."""
    pipeline = session.exec(
        select(Pipeline)
        .where(Pipeline.kind == kind)
        .order_by(col(Pipeline.is_default).desc(), col(Pipeline.sort), col(Pipeline.id))
    ).first()
    if pipeline is None:  # ensure_defaults runs first: only a broken database gets here
        raise RuntimeError(f"no {kind.value} pipeline")
    stages = session.exec(
        select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(col(Stage.sort), col(Stage.id))
    ).all()
    return pipeline, list(stages)


def reason_ids(session: Session, kind: ReasonKind) -> list[int]:
    stmt = (
        select(LostReason.id)
        .where(LostReason.kind == kind)
        .order_by(col(LostReason.sort), col(LostReason.id))
    )
    return [i for i in session.exec(stmt).all() if i is not None]
