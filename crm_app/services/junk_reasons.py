"""Junk reasons: why a lead was closed as junk (Settings -> Leads)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crm_app.models import (
    EntityType,
    Lead,
    LostReason,
    ReasonKind,
    TimelineKind,
    User,
)
from crm_app.models.base import saved_id, utcnow
from crm_app.services import permissions, uow
from crm_app.services import settings_lists as sl
from crm_app.services.errors import Conflict, NotFound, ValidationError
from crm_app.services.i18n import Msg


@dataclass
class ReasonRow:
    id: int
    name: str
    sort: int
    version: int
    lead_count: int
    can_up: bool
    can_down: bool


def _ordered_reasons(session: Session) -> list[LostReason]:
    stmt = (
        select(LostReason)
        .where(LostReason.kind == ReasonKind.LEAD_JUNK)
        .order_by(col(LostReason.sort), col(LostReason.id))
    )
    return list(session.exec(stmt).all())


def _get_reason(session: Session, reason_id: Any) -> LostReason:
    reason = session.get(LostReason, sl.int_id(reason_id) or 0)
    if reason is None or reason.kind != ReasonKind.LEAD_JUNK:
        raise NotFound(Msg("This reason does not exist or was deleted."))
    return reason


def list_junk_reasons(*, session: Session, user: User) -> list[ReasonRow]:
    permissions.require_user(user)
    reasons = _ordered_reasons(session)
    stmt = (
        select(Lead.junk_reason_id, sa.func.count())
        .where(col(Lead.junk_reason_id).is_not(None))
        .group_by(col(Lead.junk_reason_id))
    )
    counts = dict(session.exec(stmt).all())
    return [
        ReasonRow(
            id=r.id or 0,
            name=r.name,
            sort=r.sort,
            version=r.version,
            lead_count=counts.get(r.id, 0),
            can_up=i > 0,
            can_down=i + 1 < len(reasons),
        )
        for i, r in enumerate(reasons)
    ]


def add_junk_reason(*, session: Session, user: User, name: str) -> LostReason:
    sl.admin(session, user)
    return sl.add_item(
        session,
        _ordered_reasons(session),
        name,
        lambda clean, sort: LostReason(kind=ReasonKind.LEAD_JUNK, name=clean, sort=sort),
    )


def rename_junk_reason(
    *, session: Session, user: User, reason_id: int, name: str, expected_version: int | None = None
) -> LostReason:
    sl.admin(session, user)
    reason = _get_reason(session, reason_id)
    return sl.rename_item(session, reason, _ordered_reasons(session), name, expected_version)


def move_junk_reason(*, session: Session, user: User, reason_id: int, direction: str) -> bool:
    sl.admin(session, user)
    return sl.move_item(
        session, _ordered_reasons(session), saved_id(_get_reason(session, reason_id)), direction
    )


def reorder_junk_reasons(*, session: Session, user: User, ids: list[int]) -> None:
    sl.admin(session, user)
    sl.renumber(session, sl.in_order(_ordered_reasons(session), ids))
    uow.commit(session)


def junk_reason_usage(*, session: Session, user: User, reason_id: int) -> int:
    permissions.require_user(user)
    return sl.count(session, Lead.junk_reason_id, saved_id(_get_reason(session, reason_id)))


def delete_junk_reason(*, session: Session, user: User, reason_id: int, move_to_id: int | None = None) -> int:
    """Delete a junk reason; leads closed with it first take the reason `move_to_id`.

    At least one reason remains (closing a lead as junk asks for one).
    """
    sl.admin(session, user)
    reason = _get_reason(session, reason_id)
    reasons = _ordered_reasons(session)
    if len(reasons) <= 1:
        raise Conflict(Msg("At least one junk reason must remain."))
    count = sl.count(session, Lead.junk_reason_id, saved_id(reason))
    target: LostReason | None = None
    if sl.int_id(move_to_id) is not None:
        target = session.get(LostReason, sl.int_id(move_to_id) or 0)
        if target is None or target.kind != ReasonKind.LEAD_JUNK or target.id == reason.id:
            raise ValidationError({"move_to_id": Msg("Choose another junk reason for these leads.")})
    if count and target is None:
        raise sl.InUse(
            Msg("Leads closed with this reason: {count}. Choose another reason for them first.", count=count),
            count,
        )
    now = utcnow()
    moved = 0
    if count and target is not None:
        sl.record_moves(
            session,
            model=Lead,
            entity_type=EntityType.LEAD,
            column=Lead.junk_reason_id,
            old_id=saved_id(reason),
            kind=TimelineKind.FIELD_CHANGE,
            payload={
                "field": "junk_reason_id",
                "old": reason.id,
                "new": target.id,
                "old_name": reason.name,
                "new_name": target.name,
                "reason": "junk_reason_deleted",
            },
            user=user,
            now=now,
        )
        moved = sl.move_refs(session, Lead, Lead.junk_reason_id, saved_id(reason), saved_id(target))
    session.delete(reason)
    session.flush()
    sl.renumber(session, [r for r in reasons if r.id != reason.id])
    uow.commit(session)
    session.expire_all()
    return moved
