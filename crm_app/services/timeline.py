"""The history of a lead, contact, company or deal: one row per event, shown on every card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from crm_app.models import Activity, EntityType, LeadMerge, TimelineEntry, TimelineKind, User
from crm_app.models.base import utcnow
from crm_app.services import permissions
from crm_app.services.errors import ValidationError
from crm_app.services.i18n import Msg

MAX_COMMENT = 10_000


def record(
    session: Session,
    *,
    entity_type: EntityType,
    entity_id: int,
    kind: TimelineKind,
    author_id: int | None,
    text: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    """Add an event to a record's history (the caller commits, in its own transaction)."""
    entry = TimelineEntry(
        entity_type=entity_type,
        entity_id=entity_id,
        kind=kind,
        author_id=author_id,
        text=text,
        payload=payload or {},
        created_at=at or utcnow(),
    )
    session.add(entry)
    return entry


def add_comment(
    *, session: Session, user: User, entity_type: EntityType, entity_id: int, text: str
) -> TimelineEntry:
    permissions.require_user(user)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"comment": Msg("Write a comment first.")})
    if len(text) > MAX_COMMENT:
        raise ValidationError({"comment": Msg("A comment has at most {max} characters.", max=MAX_COMMENT)})
    # commenting needs the right to see the record (a comment changes none of its fields)
    permissions.require(
        session, user, permissions.Action.VIEW, _require_entity(session, entity_type, entity_id)
    )
    entry = record(
        session,
        entity_type=entity_type,
        entity_id=entity_id,
        kind=TimelineKind.COMMENT,
        author_id=user.id,
        text=text,
    )
    session.commit()
    session.refresh(entry)
    return entry


def _require_entity(
    session: Session, entity_type: EntityType, entity_id: int, *, include_deleted: bool = False
) -> Any:
    from crm_app.models import Company, Contact, Deal, Lead
    from crm_app.services.errors import NotFound

    model = {
        EntityType.LEAD: Lead,
        EntityType.CONTACT: Contact,
        EntityType.COMPANY: Company,
        EntityType.DEAL: Deal,
    }[EntityType(entity_type)]
    row = session.get(model, entity_id)
    if row is None or (row.deleted_at is not None and not include_deleted):
        raise NotFound()
    return row


@dataclass
class TimelineItem:
    id: int
    kind: str
    author: str
    text: str
    payload: dict[str, Any]
    at: datetime
    # a merge entry of the kept lead: the merge it records, while it is not undone (0 otherwise)
    undoable_merge_id: int = 0


def list_entries(
    *,
    session: Session,
    user: User,
    entity_type: EntityType,
    entity_id: int,
    before_id: int | None = None,
    limit: int = 30,
) -> list[TimelineItem]:
    """Newest first; `before_id` pages back through older entries."""
    permissions.require_user(user)
    row = _require_entity(session, entity_type, entity_id, include_deleted=True)
    permissions.require(session, user, permissions.Action.VIEW, row)
    stmt = (
        select(TimelineEntry, User.name)
        .join(User, col(User.id) == TimelineEntry.author_id, isouter=True)
        .where(TimelineEntry.entity_type == entity_type, TimelineEntry.entity_id == entity_id)
    )
    if before_id:
        # page on (created_at, id), the order shown: entries moved by a merge keep their dates
        anchor = session.get(TimelineEntry, before_id)
        if anchor is not None:
            stmt = stmt.where(
                or_(
                    col(TimelineEntry.created_at) < anchor.created_at,
                    and_(
                        col(TimelineEntry.created_at) == anchor.created_at, col(TimelineEntry.id) < anchor.id
                    ),
                )
            )
    stmt = stmt.order_by(col(TimelineEntry.created_at).desc(), col(TimelineEntry.id).desc()).limit(
        min(limit, 200)
    )
    rows = session.exec(stmt).all()
    open_merges = _merges_not_undone(session, [_merge_id(e) for e, _name in rows])
    return [
        TimelineItem(
            id=e.id or 0,
            kind=e.kind.value,
            author=name or "",
            text=e.text,
            payload=e.payload,
            at=e.created_at,
            undoable_merge_id=_merge_id(e) if _merge_id(e) in open_merges else 0,
        )
        for e, name in rows
    ]


def _merge_id(entry: TimelineEntry) -> int:
    """The merge a kept lead's "leads merged" entry records (0 for any other entry)."""
    payload = entry.payload or {}
    if entry.kind != TimelineKind.MERGE or payload.get("action", "merge") != "merge":
        return 0
    try:
        return int(payload.get("merge_id") or 0)
    except (TypeError, ValueError):
        return 0


def _merges_not_undone(session: Session, merge_ids: list[int]) -> set[int]:
    wanted = {i for i in merge_ids if i}
    if not wanted:
        return set()
    stmt = select(LeadMerge.id).where(col(LeadMerge.id).in_(wanted), col(LeadMerge.undone_at).is_(None))
    return {merge_id for merge_id in session.exec(stmt).all() if merge_id is not None}


@dataclass
class PlannedItem:
    id: int
    type: str
    subject: str
    deadline: datetime | None
    responsible: str
    overdue: bool


def planned_activities(
    *, session: Session, user: User, entity_type: EntityType, entity_id: int, limit: int = 20
) -> list[PlannedItem]:
    """Open activities of a record, soonest first (shown above the history)."""
    permissions.require_user(user)
    row = _require_entity(session, entity_type, entity_id, include_deleted=True)
    permissions.require(session, user, permissions.Action.VIEW, row)
    now = utcnow()
    stmt = (
        select(Activity, User.name)
        .join(User, col(User.id) == Activity.responsible_id, isouter=True)
        .where(
            Activity.entity_type == entity_type,
            Activity.entity_id == entity_id,
            col(Activity.completed).is_(False),
            col(Activity.deleted_at).is_(None),
        )
        .order_by(col(Activity.deadline).is_(None), col(Activity.deadline), col(Activity.id))
        .limit(limit)
    )
    return [
        PlannedItem(
            id=a.id or 0,
            type=a.type.value,
            subject=a.subject,
            deadline=a.deadline,
            responsible=name or "",
            overdue=bool(a.deadline and a.deadline < now),
        )
        for a, name in session.exec(stmt).all()
    ]
