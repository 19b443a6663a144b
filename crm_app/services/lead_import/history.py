"""Past imports and undoing one.

`list_imports` is Leads -> Import history: the user's own imports (everyone's for a user who may
import for everyone, as `get_job` decides), newest first, one page read in SQL; dry runs saved
nothing and are not listed. A job still "running" whose heartbeat (written with every batch)
stopped more than `STALE_AFTER` ago was cut short (the server stopped, the process was killed):
it is marked interrupted when seen, with what it had written, and can be undone like any other.

Undoing uses the `import_change` rows the import wrote: each lead it created is moved to the
recycle bin (one UPDATE per version group, history entries in one executemany), each lead it
updated gets the values it replaced back through `leads.update_lead` (history records it).
Leads changed since the import (their version is not the one the import left) are listed and kept
unless `include_changed`; final leads (converted or junk) are always kept and listed; leads
already in the recycle bin, or that the user may not delete or change, are skipped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from crm_app.models import (
    EntityType,
    ImportChange,
    ImportJob,
    ImportStatus,
    Lead,
    TimelineEntry,
    TimelineKind,
    User,
)
from crm_app.models.base import table_of, utcnow
from crm_app.services import display, leads, permissions, uow
from crm_app.services.errors import Conflict, DomainError, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.lead_import.run import get_job
from crm_app.services.permissions import Action

STALE_AFTER = timedelta(minutes=5)  # a batch takes seconds: a heartbeat this old means it stopped
PAGE_SIZE = 20
MAX_LISTED = 50  # leads named in a preview's lists (the counts are complete)
_CHUNK = 500  # ids per IN (...) of an UPDATE
INTERRUPTED_MESSAGE = N_("The import stopped before the end (the server stopped or the process was killed).")
UNDONE = "undone"  # the status shown for an undone import (a job keeps its own status)


# --- the list ------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    id: int
    created_at: datetime
    finished_at: datetime | None
    user_name: str
    filename: str
    created: int
    updated: int
    skipped: int
    failed: int
    processed: int
    total_rows: int
    status: str  # done, failed, interrupted, running, pending or undone
    message: str
    undone_at: datetime | None
    undone_by_name: str
    can_undo: bool  # what the status allows (each lead is checked again when undoing)


def mark_interrupted(session: Session, *, now: datetime | None = None) -> int:
    """Jobs whose heartbeat stopped (or that never started) become INTERRUPTED. Returns how many."""
    cutoff = (now or utcnow()) - STALE_AFTER
    result = session.connection().execute(
        update(table_of(ImportJob))
        .where(
            col(ImportJob.status).in_([ImportStatus.RUNNING, ImportStatus.PENDING]),
            func.coalesce(col(ImportJob.heartbeat_at), col(ImportJob.created_at)) < cutoff,
        )
        .values(status=ImportStatus.INTERRUPTED, message=INTERRUPTED_MESSAGE, finished_at=utcnow())
    )
    count = result.rowcount or 0  # pyright: ignore[reportAttributeAccessIssue]  # a CursorResult
    if count:
        session.commit()
    return count


def shown_status(job: ImportJob) -> str:
    return UNDONE if job.undone_at is not None else job.status.value


def undoable(job: ImportJob) -> bool:
    return (
        not job.dry_run
        and job.undone_at is None
        and job.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.INTERRUPTED)
    )


def list_imports(
    *, session: Session, user: User, page: int = 0, page_size: int = PAGE_SIZE
) -> tuple[list[ImportRow], int]:
    """One page of past imports, newest first, and how many there are."""
    permissions.require_user(user)
    mark_interrupted(session)
    page, page_size = max(0, int(page)), min(max(1, int(page_size)), 100)
    undoer = aliased(User)
    where = [~col(ImportJob.dry_run)]
    if not permissions.sees_every_import(session, user):
        where.append(col(ImportJob.user_id) == user.id)
    total = session.exec(select(func.count()).select_from(ImportJob).where(*where)).one()
    stmt = (
        select(ImportJob, User.name, undoer.name)
        .outerjoin(User, col(User.id) == col(ImportJob.user_id))
        .outerjoin(undoer, col(undoer.id) == col(ImportJob.undone_by_id))
        .where(*where)
        .order_by(col(ImportJob.created_at).desc(), col(ImportJob.id).desc())
        .offset(page * page_size)
        .limit(page_size)
        .execution_options(populate_existing=True)  # mark_interrupted changed rows in SQL
    )
    rows = [
        ImportRow(
            id=job.id or 0,
            created_at=job.created_at,
            finished_at=job.finished_at,
            user_name=user_name or "",
            filename=job.filename,
            created=job.created,
            updated=job.updated,
            skipped=job.skipped,
            failed=job.failed,
            processed=job.processed,
            total_rows=job.total_rows,
            status=shown_status(job),
            message=job.message,
            undone_at=job.undone_at,
            undone_by_name=undone_by or "",
            can_undo=undoable(job),
        )
        for job, user_name, undone_by in session.exec(stmt).all()
    ]
    return rows, total


# --- what undoing would do -------------------------------------------------------------------------


@dataclass
class LeadRef:
    id: int
    name: str


@dataclass
class _Plan:
    """Every lead of the job, sorted into what undoing does with it (ids; names come later)."""

    delete: dict[int, int] = field(default_factory=dict)  # lead id -> its version now
    restore: dict[int, dict[str, Any]] = field(default_factory=dict)  # lead id -> values to put back
    changed_created: dict[int, int] = field(default_factory=dict)
    changed_updated: dict[int, dict[str, Any]] = field(default_factory=dict)
    final: list[int] = field(default_factory=list)
    gone: int = 0  # already in the recycle bin, or deleted
    not_allowed: list[int] = field(default_factory=list)


@dataclass
class UndoPreview:
    job_id: int
    filename: str
    to_delete: int  # created, untouched: to the recycle bin
    to_restore: int  # updated, untouched: their values put back
    changed: list[LeadRef]  # changed since the import: kept unless the user confirms
    changed_count: int
    changed_created: int  # of which the import created (deleted if confirmed)
    final: list[LeadRef]  # converted or junk since: always kept
    final_count: int
    not_allowed: list[LeadRef]  # the user may not delete / change them: kept
    not_allowed_count: int
    gone: int  # already deleted: nothing to do


@dataclass
class UndoResult:
    job_id: int
    deleted: int
    restored: int
    kept_changed: int
    kept_final: int
    kept_other: int  # not allowed, already deleted, or could not be restored
    not_restored: list[LeadRef] = field(default_factory=list)


def _job_for_undo(session: Session, user: User, job_id: int) -> ImportJob:
    mark_interrupted(session)
    job = get_job(session=session, user=user, job_id=job_id)
    session.refresh(job)  # mark_interrupted changed it in SQL
    if job.dry_run:
        raise ValidationError({"": Msg("A dry run saved nothing: there is nothing to undo.")})
    if job.undone_at is not None:
        raise Conflict(Msg("This import was already undone."))
    if job.status in (ImportStatus.RUNNING, ImportStatus.PENDING):
        raise Conflict(Msg("This import is still running: wait until it ends to undo it."))
    return job


def _is_final(lead: Any) -> bool:
    return lead.result is not None or any((lead.contact_id, lead.company_id, lead.deal_id))


def _may(session: Session, user: User, action: Action):
    """A SELECT column: may the user do `action` to this lead row (services.permissions, in SQL)."""
    condition = permissions.scope_condition(session=session, user=user, entity=EntityType.LEAD, action=action)
    return sa.literal(True) if condition is None else sa.case((condition, True), else_=False)


def _plan(session: Session, user: User, job: ImportJob) -> _Plan:
    changes = session.connection().execute(
        sa.select(
            col(ImportChange.lead_id),
            col(ImportChange.kind),
            col(ImportChange.version).label("left_version"),
            col(ImportChange.before),
            col(Lead.version).label("lead_version"),
            col(Lead.deleted_at),
            col(Lead.result),
            col(Lead.contact_id),
            col(Lead.company_id),
            col(Lead.deal_id),
            _may(session, user, Action.DELETE).label("may_delete"),
            _may(session, user, Action.EDIT).label("may_edit"),
        )
        .join(Lead, col(Lead.id) == col(ImportChange.lead_id))
        .where(col(ImportChange.job_id) == job.id)
        .order_by(col(ImportChange.id))
    )
    # a lead's changes by this job, in order: the import may have created a lead and updated it
    # in a later batch, or updated one lead from two rows
    per_lead: dict[int, list[Any]] = {}
    for row in changes:
        per_lead.setdefault(row.lead_id, []).append(row)
    plan = _Plan()
    for lead_id, rows in per_lead.items():
        last = rows[-1]
        left_version = max(r.left_version for r in rows)
        created = any(r.kind == "created" for r in rows)
        if last.deleted_at is not None:
            plan.gone += 1
            continue
        if _is_final(last):
            plan.final.append(lead_id)
            continue
        if not (last.may_delete if created else last.may_edit):
            plan.not_allowed.append(lead_id)
            continue
        changed = last.lead_version != left_version
        if created:
            # the version read now: a lead edited from here to the UPDATE keeps its place
            (plan.changed_created if changed else plan.delete)[lead_id] = last.lead_version
            continue
        before: dict[str, Any] = {}
        for r in rows:  # the first update of a field replaced the value to put back
            for key, value in (r.before or {}).items():
                before.setdefault(key, value)
        if before:
            (plan.changed_updated if changed else plan.restore)[lead_id] = before
    return plan


def _names(session: Session, ids: list[int]) -> list[LeadRef]:
    ids = ids[:MAX_LISTED]
    if not ids:
        return []
    rows = session.exec(select(Lead).where(col(Lead.id).in_(ids))).all()
    by_id = {r.id: r for r in rows}
    return [LeadRef(i, display.lead_name(by_id[i])) for i in ids if i in by_id]


def undo_preview(*, session: Session, user: User, job_id: int) -> UndoPreview:
    """What `undo_import` would do, for the dialog that asks to confirm it."""
    job = _job_for_undo(session, user, job_id)
    plan = _plan(session, user, job)
    changed = [*plan.changed_created, *plan.changed_updated]
    return UndoPreview(
        job_id=job.id or job_id,
        filename=job.filename,
        to_delete=len(plan.delete),
        to_restore=len(plan.restore),
        changed=_names(session, changed),
        changed_count=len(changed),
        changed_created=len(plan.changed_created),
        final=_names(session, plan.final),
        final_count=len(plan.final),
        not_allowed=_names(session, plan.not_allowed),
        not_allowed_count=len(plan.not_allowed),
        gone=plan.gone,
    )


# --- undoing ------------------------------------------------------------------------------------------


def undo_import(*, session: Session, user: User, job_id: int, include_changed: bool = False) -> UndoResult:
    """Undo an import (see the module docstring), in one transaction; refused when it was undone
    already or is still running."""
    job = _job_for_undo(session, user, job_id)
    now = utcnow()
    # claimed first, in this transaction: two undos at once cannot both go on
    claimed = session.connection().execute(
        update(table_of(ImportJob))
        .where(col(ImportJob.id) == job.id, col(ImportJob.undone_at).is_(None))
        .values(undone_at=now, undone_by_id=user.id)
    )
    if not claimed.rowcount:  # pyright: ignore[reportAttributeAccessIssue]  # a CursorResult
        session.rollback()
        raise Conflict(Msg("This import was already undone."))
    plan = _plan(session, user, job)
    to_delete = dict(plan.delete)
    to_restore = dict(plan.restore)
    if include_changed:
        to_delete |= plan.changed_created
        to_restore |= plan.changed_updated
    try:
        deleted = _soft_delete(session, user, job, to_delete, now)
        restored, not_restored = _restore(session, user, to_restore)
        session.expire(job)
        uow.commit(session)
    except BaseException:
        session.rollback()
        raise
    kept_changed = 0 if include_changed else len(plan.changed_created) + len(plan.changed_updated)
    return UndoResult(
        job_id=job.id or job_id,
        deleted=deleted,
        restored=restored,
        kept_changed=kept_changed,
        kept_final=len(plan.final),
        kept_other=len(plan.not_allowed) + plan.gone + len(not_restored) + len(to_delete) - deleted,
        not_restored=_names(session, not_restored),
    )


def _soft_delete(session: Session, user: User, job: ImportJob, leads_versions: dict[int, int], now) -> int:
    """To the recycle bin, as `leads.bulk_delete` does, but in a few statements: one UPDATE per
    version group (a lead edited meanwhile keeps its place) and the history in one executemany."""
    by_version: dict[int, list[int]] = {}
    for lead_id, version in leads_versions.items():
        by_version.setdefault(version, []).append(lead_id)
    conn = session.connection()
    done: list[int] = []
    lead_table = table_of(Lead)
    for version, ids in by_version.items():
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            result = conn.execute(
                update(lead_table)
                .where(
                    lead_table.c.id.in_(chunk),
                    lead_table.c.deleted_at.is_(None),
                    lead_table.c.version == version,
                )
                .values(deleted_at=now, version=lead_table.c.version + 1)
                .returning(lead_table.c.id, lead_table.c.responsible_id, lead_table.c.created_by_id)
            )
            for lead_id, responsible_id, created_by_id in result:
                done.append(lead_id)
                uow.note_change(session, EntityType.LEAD, lead_id, (responsible_id, created_by_id))
    if done:
        conn.execute(
            insert(table_of(TimelineEntry)),
            [
                {
                    "entity_type": EntityType.LEAD,
                    "entity_id": lead_id,
                    "kind": TimelineKind.DELETED,
                    "author_id": user.id,
                    "text": job.filename,
                    "payload": {"action": "undo_import", "job_id": job.id},
                    "created_at": now,
                }
                for lead_id in done
            ],
        )
    # the ORM's copies of these leads (if any) are stale now
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Lead) and obj.id in leads_versions:
            session.expire(obj)
    return len(done)


def _restore(session: Session, user: User, values: dict[int, dict[str, Any]]) -> tuple[int, list[int]]:
    """The replaced values back, through the one write path (history as old -> new). A lead that
    cannot take them any more (a source or status removed, ...) is left as it is and listed:
    `update_lead` and `change_status` make every check before they write anything."""
    restored = 0
    failed: list[int] = []
    for lead_id, before in values.items():
        try:
            leads.update_lead(session=session, user=user, lead_id=lead_id, data=before, commit=False)
            restored += 1
        except DomainError:
            failed.append(lead_id)
    return restored, failed
