"""Reason lists: why a lead was closed as junk (Settings -> Leads), why a deal was lost (Settings ->
Deals). Both are `lost_reason` rows of one kind, used by one column of one table; a `ReasonList`
says which, and the rules are the same: an ordered settings list (services.settings_lists), at
least one reason remains (closing asks for one), and deleting a reason in use moves its records
to another reason first, with a history entry each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crm_app.models import Deal, EntityType, Lead, LostReason, ReasonKind, TimelineKind, User
from crm_app.models.base import saved_id, utcnow
from crm_app.services import permissions, uow
from crm_app.services import settings_lists as sl
from crm_app.services.errors import Conflict, NotFound, ValidationError
from crm_app.services.i18n import N_, Msg


@dataclass(frozen=True)
class ReasonList:
    kind: ReasonKind
    model: Any  # the table whose records use the reasons
    column: Any  # ... through this column
    entity_type: EntityType
    field: str  # the column's name, for the history
    last_one: Msg  # refusing to delete the last reason
    choose_other: Msg  # move_to_id is not another reason of this list
    in_use: str  # msgid with {count}: records use it, no move_to_id given


JUNK = ReasonList(
    kind=ReasonKind.LEAD_JUNK,
    model=Lead,
    column=Lead.junk_reason_id,
    entity_type=EntityType.LEAD,
    field="junk_reason_id",
    last_one=Msg("At least one junk reason must remain."),
    choose_other=Msg("Choose another junk reason for these leads."),
    in_use=N_("Leads closed with this reason: {count}. Choose another reason for them first."),
)
DEAL_LOST = ReasonList(
    kind=ReasonKind.DEAL_LOST,
    model=Deal,
    column=Deal.lost_reason_id,
    entity_type=EntityType.DEAL,
    field="lost_reason_id",
    last_one=Msg("At least one lost reason must remain."),
    choose_other=Msg("Choose another lost reason for these deals."),
    in_use=N_("Deals lost for this reason: {count}. Choose another reason for them first."),
)


@dataclass
class ReasonRow:
    id: int
    name: str
    sort: int
    version: int
    record_count: int  # leads closed (junk) or deals lost with this reason
    can_up: bool
    can_down: bool


def ordered(session: Session, kind: ReasonList) -> list[LostReason]:
    stmt = (
        select(LostReason)
        .where(LostReason.kind == kind.kind)
        .order_by(col(LostReason.sort), col(LostReason.id))
    )
    return list(session.exec(stmt).all())


def get(session: Session, kind: ReasonList, reason_id: Any) -> LostReason:
    reason = session.get(LostReason, sl.int_id(reason_id) or 0)
    if reason is None or reason.kind != kind.kind:
        raise NotFound(Msg("This reason does not exist or was deleted."))
    return reason


def list_reasons(*, session: Session, user: User, kind: ReasonList) -> list[ReasonRow]:
    permissions.require_user(user)
    reasons = ordered(session, kind)
    stmt = select(kind.column, sa.func.count()).where(kind.column.is_not(None)).group_by(kind.column)
    counts = dict(session.exec(stmt).all())
    return [
        ReasonRow(
            id=r.id or 0,
            name=r.name,
            sort=r.sort,
            version=r.version,
            record_count=counts.get(r.id, 0),
            can_up=i > 0,
            can_down=i + 1 < len(reasons),
        )
        for i, r in enumerate(reasons)
    ]


def add_reason(*, session: Session, user: User, kind: ReasonList, name: str) -> LostReason:
    sl.admin(session, user)
    return sl.add_item(
        session,
        ordered(session, kind),
        name,
        lambda clean, sort: LostReason(kind=kind.kind, name=clean, sort=sort),
    )


def rename_reason(
    *,
    session: Session,
    user: User,
    kind: ReasonList,
    reason_id: int,
    name: str,
    expected_version: int | None = None,
) -> LostReason:
    sl.admin(session, user)
    reason = get(session, kind, reason_id)
    return sl.rename_item(session, reason, ordered(session, kind), name, expected_version)


def move_reason(*, session: Session, user: User, kind: ReasonList, reason_id: int, direction: str) -> bool:
    sl.admin(session, user)
    return sl.move_item(session, ordered(session, kind), saved_id(get(session, kind, reason_id)), direction)


def reorder_reasons(*, session: Session, user: User, kind: ReasonList, ids: list[int]) -> None:
    sl.admin(session, user)
    sl.renumber(session, sl.in_order(ordered(session, kind), ids))
    uow.commit(session)


def reason_usage(*, session: Session, user: User, kind: ReasonList, reason_id: int) -> int:
    permissions.require_user(user)
    return sl.count(session, kind.column, saved_id(get(session, kind, reason_id)))


def delete_reason(
    *, session: Session, user: User, kind: ReasonList, reason_id: int, move_to_id: int | None = None
) -> int:
    """Delete a reason; the records that have it first take the reason `move_to_id`. Returns how
    many moved. At least one reason remains."""
    sl.admin(session, user)
    reason = get(session, kind, reason_id)
    reasons = ordered(session, kind)
    if len(reasons) <= 1:
        raise Conflict(kind.last_one)
    count = sl.count(session, kind.column, saved_id(reason))
    target: LostReason | None = None
    if sl.int_id(move_to_id) is not None:
        target = session.get(LostReason, sl.int_id(move_to_id) or 0)
        if target is None or target.kind != kind.kind or target.id == reason.id:
            raise ValidationError({"move_to_id": kind.choose_other})
    if count and target is None:
        raise sl.InUse(Msg(kind.in_use, count=count), count)
    moved = 0
    if count and target is not None:
        sl.record_moves(
            session,
            model=kind.model,
            entity_type=kind.entity_type,
            column=kind.column,
            old_id=saved_id(reason),
            kind=TimelineKind.FIELD_CHANGE,
            payload={
                "field": kind.field,
                "old": reason.id,
                "new": target.id,
                "old_name": reason.name,
                "new_name": target.name,
                "reason": f"{kind.field.removesuffix('_id')}_deleted",
            },
            user=user,
            now=utcnow(),
        )
        moved = sl.move_refs(session, kind.model, kind.column, saved_id(reason), saved_id(target))
    session.delete(reason)
    session.flush()
    sl.renumber(session, [r for r in reasons if r.id != reason.id])
    uow.commit(session)
    session.expire_all()
    return moved
