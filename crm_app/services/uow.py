"""The unit of work: every service write goes through it.

    with unit_of_work(session) as uow:
        uow.check_version(lead, expected_version)
        ... change rows ...
        uow.changed(EntityType.LEAD, lead.id, users={lead.responsible_id})   # optional, see below

or, where a service already ends with a commit, one line at that place: `uow.commit(session)`.

- One commit at the end; nested units join the outer one and do not commit, and so does
  `commit(session)` inside a unit.
- `updated_at` is stamped on every UPDATE of an Audited row by the column itself
  (models.base.Audited: `onupdate`), so soft delete, restore and Core bulk updates get it too;
  a value set on purpose (seed data with past dates) is kept.
- A row changed under us (SQLAlchemy's version counter: StaleDataError) or an `expected_version`
  that is not the row's version becomes StaleRecord, and nothing is written.
- Change events: every flushed insert/update/delete of a record with a responsible user (lead,
  contact, company, deal, activity) adds ChangeEvent(entity, id, users) with the responsible
  and creator before and after; `uow.changed(...)` adds others. They are published to the
  notifier after the commit, merged per row (past MAX_EVENTS rows: one event per entity, id 0),
  and dropped on rollback.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.exc import StaleDataError

from crm_app.services import notifier
from crm_app.services.errors import StaleRecord
from crm_app.services.notifier import ChangeEvent

__all__ = ["ChangeEvent", "UnitOfWork", "check_version", "commit", "note_change", "unit_of_work"]

_UOW = "crm_uow"
_EVENTS = "crm_events"
# the tables whose changes concern users (counters, lists): their rows get events by themselves
TRACKED = frozenset({"lead", "contact", "company", "deal", "activity"})
_USER_COLUMNS = ("responsible_id", "created_by_id")


def _entity_key(entity: Any) -> str:
    return entity.value if hasattr(entity, "value") else str(entity)


def _pending(session: OrmSession) -> list[ChangeEvent]:
    return session.info.setdefault(_EVENTS, [])


def check_version(record: Any, expected_version: int | None) -> None:
    """StaleRecord when the user saw another version of `record` than the stored one."""
    if expected_version is not None and getattr(record, "version", None) != expected_version:
        raise StaleRecord()


@dataclass
class UnitOfWork:
    session: OrmSession
    events: list[ChangeEvent] = field(default_factory=list)

    def changed(self, entity: Any, entity_id: int | None, users: Iterable[int | None] = ()) -> None:
        """Tell the listeners, after the commit, that this row changed for these users."""
        evt = ChangeEvent(_entity_key(entity), int(entity_id or 0), frozenset(u for u in users if u))
        self.events.append(evt)
        _pending(self.session).append(evt)

    check_version = staticmethod(check_version)


def note_change(
    session: OrmSession, entity: Any, entity_id: int | None, users: Iterable[int | None] = ()
) -> None:
    """A change written with Core statements (bulk inserts), which the flush listener does not see:
    published after the commit like the others."""
    _pending(session).append(
        ChangeEvent(_entity_key(entity), int(entity_id or 0), frozenset(u for u in users if u))
    )


def current(session: OrmSession) -> UnitOfWork | None:
    """The unit of work running on this session, if any."""
    return session.info.get(_UOW)


@contextmanager
def unit_of_work(session: OrmSession) -> Iterator[UnitOfWork]:
    outer = current(session)
    if outer is not None:
        yield outer
        return
    uow = UnitOfWork(session)
    session.info[_UOW] = uow
    try:
        try:
            yield uow
            session.commit()
        except StaleDataError:
            raise StaleRecord() from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_UOW, None)


def commit(session: OrmSession) -> None:
    """The end of a service's writes: commit (or only flush inside an outer unit of work).

    A save that raced another one on the same row becomes StaleRecord, rolled back.
    """
    try:
        if current(session) is not None:
            session.flush()
        else:
            session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleRecord() from None


# --- change events, collected at flush and published after the commit --------------------------


def _users(obj: Any) -> frozenset[int]:
    state = sa.inspect(obj)
    users: set[int] = set()
    for name in _USER_COLUMNS:
        if name not in state.attrs:
            continue
        attr = state.attrs[name]
        users.update(v for v in (attr.value, *attr.history.deleted) if isinstance(v, int))
    return frozenset(users)


_REINDEX = "crm_reindex"
# what a record's search document and sort name are made of (services/search_index for leads,
# services/party_index for contacts and companies), besides its e-mails and phones
_SEARCHED = {
    "lead": ("first_name", "second_name", "last_name", "company_name", "title"),
    "contact": ("first_name", "second_name", "last_name", "position"),
    "company": ("name", "industry", "website"),
}


def _search_changes(session: OrmSession, obj: Any, table: str | None) -> tuple[str, int] | None:
    """(table, id) of the lead, contact or company whose search columns this flushed row changes."""
    if table in _SEARCHED:
        if obj in session.dirty:
            state = sa.inspect(obj)
            if not any(state.attrs[name].history.has_changes() for name in _SEARCHED[table]):
                return None
        row_id = getattr(obj, "id", None)
        return None if row_id is None else (str(table), int(row_id))
    if table == "communication":
        owner = _entity_key(getattr(obj, "entity_type", ""))
        entity_id = getattr(obj, "entity_id", None)
        if owner in _SEARCHED and entity_id is not None:
            return owner, int(entity_id)
    return None


@event.listens_for(OrmSession, "after_flush")
def _collect(session: OrmSession, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        searched = _search_changes(session, obj, table)
        if searched is not None:
            session.info.setdefault(_REINDEX, set()).add(searched)
        if table not in TRACKED or getattr(obj, "id", None) is None:
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        _pending(session).append(ChangeEvent(str(table), int(obj.id), _users(obj)))


MAX_EVENTS = 500  # per commit; a bigger batch (an import) is told as one event per entity


def merged(events: Iterable[ChangeEvent], limit: int = MAX_EVENTS) -> list[ChangeEvent]:
    """One event per row, with the users of all its events, in first-seen order.

    Past `limit` rows, one event per entity with id 0 ("several rows") and all their users:
    listeners recount rather than follow rows, and a Redis message stays small.
    """
    out: dict[tuple[str, int], set[int]] = {}
    for e in events:
        out.setdefault((e.entity, e.entity_id), set()).update(e.users)
    if len(out) > limit:
        per_entity: dict[tuple[str, int], set[int]] = {}
        for (entity, _id), users in out.items():
            per_entity.setdefault((entity, 0), set()).update(users)
        out = per_entity
    return [ChangeEvent(entity, entity_id, frozenset(users)) for (entity, entity_id), users in out.items()]


@event.listens_for(OrmSession, "before_commit")
def _reindex(session: OrmSession) -> None:
    """The search columns of the leads, contacts and companies this transaction changed, written
    before it commits."""
    session.flush()
    changed = session.info.pop(_REINDEX, None)
    if changed:
        from crm_app.services import party_index, search_index

        leads = [i for table, i in changed if table == "lead"]
        if leads:
            search_index.refresh(session.connection(), leads)
        for name in party_index.TABLES:
            ids = [i for table, i in changed if table == name]
            if ids:
                party_index.refresh(session.connection(), name, ids)


@event.listens_for(OrmSession, "after_commit")
def _publish(session: OrmSession) -> None:
    events = session.info.pop(_EVENTS, None)
    if events:
        notifier.publish(merged(events))


@event.listens_for(OrmSession, "after_rollback")
def _drop(session: OrmSession) -> None:
    session.info.pop(_EVENTS, None)
    session.info.pop(_REINDEX, None)
