"""Helpers shared by the demo data set (`demo_data`) and the bulk generator (`bulk_seed`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from crm_app.models import LostReason, Pipeline, PipelineKind, ReasonKind, Stage, StageSemantic

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


def spread(stages: Sequence[Stage], count: int) -> list[Stage]:
    """`count` stage slots covering every given stage (round robin)."""
    return [stages[i % len(stages)] for i in range(count)] if stages else []


def stage_slots(stages: Sequence[Stage], counts: dict[str, int]) -> list[Stage]:
    """Slots for `counts["open"]` deals in progress, `"won"` won and `"lost"` lost, over `stages`."""
    by_sem = {sem: [s for s in stages if s.semantic == sem] for sem in StageSemantic}
    return (
        spread(by_sem[StageSemantic.IN_PROGRESS], counts["open"])
        + spread(by_sem[StageSemantic.SUCCESS], counts["won"])
        + spread(by_sem[StageSemantic.FAILURE], counts["lost"])
    )


def second_deal_pipeline(session: Session, first: Pipeline) -> list[Stage]:
    """The stages of a deal pipeline other than `first` ("Partnerships", added with the starting
    stages of a new pipeline when the CRM has only one)."""
    from crm_app.services import defaults

    other = session.exec(
        select(Pipeline).where(Pipeline.kind == PipelineKind.DEAL, Pipeline.id != first.id)
    ).first()
    if other is None:
        other = Pipeline(name="Partnerships", kind=PipelineKind.DEAL, sort=first.sort + 10)
        session.add(other)
        session.flush()
        defaults.add_stages(session, saved_id(other), defaults.NEW_PIPELINE_STAGES, lambda msgid: msgid)
        session.flush()
    return list(
        session.exec(
            select(Stage).where(Stage.pipeline_id == other.id).order_by(col(Stage.sort), col(Stage.id))
        )
    )
