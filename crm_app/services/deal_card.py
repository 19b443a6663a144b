"""Everything a deal's card shows, read in a few queries, as plain dataclasses (states translate)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from crm_app.models import Company, Contact, Deal, Lead, LostReason, Pipeline, Source, StageSemantic, User
from crm_app.models.base import saved_id
from crm_app.services import deal_products, deals, display, permissions
from crm_app.services.deal_money import Totals
from crm_app.services.permissions import Action


@dataclass
class StageStep:
    id: int
    name: str
    color: str
    semantic: str
    reached: bool
    current: bool


@dataclass
class Party:
    kind: str  # "contact", "company", "lead"
    id: int
    name: str


@dataclass
class DealCard:
    id: int
    version: int
    title: str
    values: dict[str, Any]
    pipeline_id: int
    pipeline_name: str
    stage_id: int
    stages: list[StageStep]
    closed: bool
    result: str  # "", "won", "lost"
    lost_reason: str
    lost_comment: str
    closed_at: datetime | None
    close_date: date | None
    amount: Decimal
    amount_manual: bool
    currency_code: str
    source_name: str
    responsible_name: str
    created_at: datetime
    contact: Party | None
    company: Party | None
    lead: Party | None
    lines: list[deal_products.ProductLine]
    totals: Totals
    may_edit: bool = False
    may_delete: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _visible(session: Session, user: User, model, ident: int | None, kind: str, name) -> Party | None:
    row = session.get(model, ident) if ident else None
    if row is None or row.deleted_at is not None or not permissions.can(session, user, Action.VIEW, row):
        return None
    return Party(kind, saved_id(row), name(row))


def card(*, session: Session, user: User, deal_id: Any) -> DealCard:
    deal: Deal = deals.get(session=session, user=user, deal_id=deal_id)
    stage_rows = deals.deal_stages(session, deal.pipeline_id)
    index = next((i for i, s in enumerate(stage_rows) if s.id == deal.stage_id), 0)
    current = stage_rows[index] if stage_rows else None
    steps = [
        StageStep(
            id=saved_id(s),
            name=s.name,
            color=s.color,
            semantic=s.semantic.value,
            # the bar fills up to the current stage; a lost deal shows only its lost stage
            reached=(
                s.id == deal.stage_id
                if current is not None and current.semantic == StageSemantic.FAILURE
                else (i <= index and s.semantic != StageSemantic.FAILURE)
            ),
            current=s.id == deal.stage_id,
        )
        for i, s in enumerate(stage_rows)
    ]
    lines, totals = deal_products.lines_and_totals(session, saved_id(deal))
    pipeline = session.get(Pipeline, deal.pipeline_id)
    reason = session.get(LostReason, deal.lost_reason_id) if deal.lost_reason_id else None
    source = session.get(Source, deal.source_id) if deal.source_id else None
    responsible = session.get(User, deal.responsible_id) if deal.responsible_id else None
    return DealCard(
        id=saved_id(deal),
        version=deal.version,
        title=deal.title,
        values=deals.values(deal),
        pipeline_id=deal.pipeline_id,
        pipeline_name=pipeline.name if pipeline else "",
        stage_id=deal.stage_id,
        stages=steps,
        closed=deal.closed,
        result=deal.result.value if deal.result else "",
        lost_reason=reason.name if reason else "",
        lost_comment=deal.lost_comment,
        closed_at=deal.closed_at,
        close_date=deal.close_date,
        amount=deal.amount,
        amount_manual=deal.amount_manual,
        currency_code=deal.currency_code,
        source_name=source.name if source else "",
        responsible_name=responsible.name if responsible else "",
        created_at=deal.created_at,
        contact=_visible(session, user, Contact, deal.contact_id, "contact", display.contact_name),
        company=_visible(session, user, Company, deal.company_id, "company", lambda c: c.name),
        lead=_visible(session, user, Lead, deal.lead_id, "lead", display.lead_name),
        lines=lines,
        totals=totals,
        may_edit=permissions.can(session, user, Action.EDIT, deal) and not deal.closed,
        may_delete=permissions.can(session, user, Action.DELETE, deal),
        extra={"may_reopen": deal.closed and permissions.can(session, user, Action.EDIT, deal)},
    )
