"""The deals kanban board: one column per stage of a pipeline, each with its count, its total in
the base currency, and its newest cards a page at a time (20, then more on scroll).

A column reads two statements, both from the partial indexes of migration 0015 and narrowed to
the deals the user may see (permissions.visible): the cards (`ix_deal_kanban`: stage_id, id) and
the count and sum per currency (`ix_deal_stage_sum`: stage_id, currency_code, amount), the sum
converted to the base currency with the rates of Settings -> Currencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from crm_app.models import Company, Contact, Currency, Deal, EntityType, Stage, User
from crm_app.models.base import saved_id
from crm_app.services import currencies, defaults, permissions, pipelines, records
from crm_app.services.errors import ValidationError
from crm_app.services.i18n import Msg

PAGE = 20


@dataclass
class BoardCard:
    id: int
    version: int
    title: str
    amount: Decimal
    currency_code: str
    customer: str  # the company, else the contact
    responsible: str
    responsible_id: int | None


@dataclass
class Column:
    stage_id: int
    name: str
    color: str
    semantic: str
    count: int
    total: Decimal  # in the base currency
    cards: list[BoardCard] = field(default_factory=list)
    more: bool = False  # cards after the last one shown


@dataclass
class Board:
    pipeline_id: int
    base_currency: str
    columns: list[Column]


def _cards_stmt(session: Session, user: User, stage_id: int, after_id: int | None, limit: int):
    customer = sa.func.coalesce(
        sa.select(col(Company.name)).where(col(Company.id) == col(Deal.company_id)).scalar_subquery(),
        sa.select(sa.func.trim(col(Contact.first_name).concat(" ").concat(col(Contact.last_name))))
        .where(col(Contact.id) == col(Deal.contact_id))
        .scalar_subquery(),
    )
    stmt = (
        sa.select(
            col(Deal.id),
            col(Deal.version),
            col(Deal.title),
            col(Deal.amount),
            col(Deal.currency_code),
            customer,
            col(User.name),
            col(Deal.responsible_id),
        )
        .select_from(Deal)
        .outerjoin(User, col(User.id) == Deal.responsible_id)
        .where(col(Deal.stage_id) == stage_id, col(Deal.deleted_at).is_(None))
    )
    if after_id is not None:
        stmt = stmt.where(col(Deal.id) < after_id)
    stmt = stmt.order_by(col(Deal.id).desc()).limit(limit + 1)
    return permissions.visible(stmt, session=session, user=user, entity=EntityType.DEAL)


def _sums_stmt(session: Session, user: User, stage_ids: list[int]):
    stmt = (
        sa.select(col(Deal.stage_id), col(Deal.currency_code), sa.func.count(), sa.func.sum(Deal.amount))
        .where(col(Deal.stage_id).in_(stage_ids), col(Deal.deleted_at).is_(None))
        .group_by(col(Deal.stage_id), col(Deal.currency_code))
    )
    return permissions.visible(stmt, session=session, user=user, entity=EntityType.DEAL)


def cards(
    *, session: Session, user: User, stage_id: int, after_id: int | None = None, limit: int = PAGE
) -> tuple[list[BoardCard], bool]:
    """A column's cards, newest first, after `after_id` (the last card shown); and whether more follow."""
    permissions.require_user(user)
    found = [
        BoardCard(
            id=int(i or 0),
            version=int(v or 0),
            title=t or f"#{i}",
            amount=a,
            currency_code=c,
            customer=(cust or "").strip(),
            responsible=r or "",
            responsible_id=rid,
        )
        for i, v, t, a, c, cust, r, rid in session.connection().execute(
            _cards_stmt(session, user, stage_id, after_id, limit)
        )
    ]
    return found[:limit], len(found) > limit


def _rates(session: Session) -> dict[str, Decimal]:
    found = session.connection().execute(sa.select(col(Currency.code), col(Currency.rate)))
    return {code: rate for code, rate in found}


def board(*, session: Session, user: User, pipeline_id: Any = None) -> Board:
    """Every column of a deal pipeline (the default one if none given) with its first cards."""
    permissions.require_user(user)
    if pipeline_id in (None, "", 0):
        pipeline = pipelines.default_pipeline(session)
    else:
        try:
            pipeline = pipelines.get(session, records.int_or_none(pipeline_id))
        except Exception:
            raise ValidationError({"pipeline_id": Msg("Choose a pipeline.")}) from None
    stages: list[Stage] = pipelines_stages(session, saved_id(pipeline))
    rates = _rates(session)
    sums: dict[int, tuple[int, Decimal]] = {}
    for stage_id, code, count, total in session.connection().execute(
        _sums_stmt(session, user, [saved_id(s) for s in stages])
    ):
        n, acc = sums.get(stage_id, (0, Decimal(0)))
        sums[stage_id] = (n + int(count), acc + currencies.to_base(Decimal(total or 0), rates.get(code)))
    columns = []
    for stage in stages:
        sid = saved_id(stage)
        page, more = cards(session=session, user=user, stage_id=sid)
        count, total = sums.get(sid, (0, Decimal("0.00")))
        columns.append(Column(sid, stage.name, stage.color, stage.semantic.value, count, total, page, more))
    return Board(saved_id(pipeline), defaults.base_currency(session=session), columns)


def pipelines_stages(session: Session, pipeline_id: int) -> list[Stage]:
    from crm_app.services import stages

    return stages.ordered(session, pipeline_id)
