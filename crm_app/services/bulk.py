"""What every list's bulk actions share, for any record with an owner and a recycle bin (leads,
contacts, companies, deals): which rows of a page the user may change (one scoped query), the
selected rows read at once, all-or-nothing permission checks, moving to the recycle bin and back
with a history entry each."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, col, select

from crm_app.models import EntityType, TimelineKind, User
from crm_app.models.base import saved_id, utcnow
from crm_app.services import permissions, timeline
from crm_app.services.errors import PermissionDenied
from crm_app.services.i18n import Msg
from crm_app.services.permissions import Action

MAX_BULK = 500


def changeable_ids(
    model, entity: EntityType, *, session: Session, user: User, ids: list[int], action: Action = Action.EDIT
) -> set[int]:
    """Which of these rows (one list page, just read) the user may change: one query, scoped in
    SQL; none when the user's scope for `action` is every row (then all of them)."""
    if not ids:
        return set()
    ids = [int(i) for i in ids][:MAX_BULK]
    condition = permissions.scope_condition(session=session, user=user, entity=entity, action=action)
    if condition is None:
        return set(ids)
    stmt = select(model.id).where(col(model.id).in_(ids), condition)
    return {i for i in session.connection().execute(stmt).scalars() if i is not None}


def selected(model, session: Session, ids: list[int], *, deleted: bool = False) -> list:
    """The selected rows (at most MAX_BULK) outside the recycle bin, or in it (`deleted`)."""
    ids = [int(i) for i in ids][:MAX_BULK]
    if not ids:
        return []
    in_bin = col(model.deleted_at).is_not(None) if deleted else col(model.deleted_at).is_(None)
    return list(session.exec(select(model).where(col(model.id).in_(ids), in_bin)).all())


def require_all(
    session: Session, user: User, action: Action, rows: list, refused: Callable[[int], Msg]
) -> None:
    """A bulk action changes all the selected rows or none: PermissionDenied(`refused(count)`) if
    some are not the user's to change."""
    count = sum(1 for row in rows if not permissions.can(session, user, action, row))
    if count:
        raise PermissionDenied(refused(count))


def to_recycle_bin(session: Session, user: User, entity: EntityType, rows: list) -> int:
    """Soft delete, each with a history entry. The caller checked the rights and commits."""
    now = utcnow()
    for row in rows:
        row.deleted_at = now
        session.add(row)
        timeline.record(
            session, entity_type=entity, entity_id=saved_id(row), kind=TimelineKind.DELETED, author_id=user.id
        )
    return len(rows)


def from_recycle_bin(session: Session, user: User, entity: EntityType, rows: list) -> int:
    """Restore, each with a history entry. The caller checked the rights and commits."""
    count = 0
    for row in rows:
        if row.deleted_at is None:
            continue
        row.deleted_at = None
        session.add(row)
        timeline.record(
            session,
            entity_type=entity,
            entity_id=saved_id(row),
            kind=TimelineKind.RESTORED,
            author_id=user.id,
        )
        count += 1
    return count
