"""What every page open reads and hardly ever changes, kept per process: the permission matrix and
the lists behind the filters (lead statuses, sources, active users).

Kept for one value of the settings stamp (`SettingsStamp`, migration 0010): database triggers give
it a new random value with every write to those tables, in the writer's transaction, whoever
writes. A page open reads the stamp with its session in the same query (`auth.resolve_session`),
so the cache costs no extra round trip; what is kept for another stamp is dropped. A database
session that wrote one of those tables reads them again itself until its transaction ends (its own
write is not committed yet, the stamp it read is the old one). No stamp row: nothing is kept.

Values kept here are shared by every request of the process: callers must not change them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from crm_app.models import Pipeline, RolePermission, SettingsStamp, Source, Stage, User

T = TypeVar("T")

STAMP_KEY = "crm_settings_stamp"
WROTE_KEY = "crm_settings_written"
_TRACKED = (User, RolePermission, Pipeline, Stage, Source)
_TRACKED_TABLES = frozenset(str(m.__tablename__) for m in _TRACKED)
_NO_ROW = object()

_lock = threading.Lock()
_kept: dict[str, tuple[int, dict[str, Any]]] = {}  # database URL -> (stamp, {key: value})


def stamp_column() -> Any:
    """The stamp as a column of another query (None when there is no stamp row)."""
    return select(SettingsStamp.value).where(SettingsStamp.id == 1).scalar_subquery()


def note_stamp(session: Session, value: int | None) -> None:
    """The stamp `session` read along with something else (see `stamp_column`)."""
    if not session.info.get(WROTE_KEY):
        session.info[STAMP_KEY] = _NO_ROW if value is None else value


def _stamp(session: Session) -> int | None:
    if session.info.get(WROTE_KEY):
        return None
    value = session.info.get(STAMP_KEY)
    if value is None:
        found = session.exec(select(SettingsStamp.value).where(SettingsStamp.id == 1)).first()
        value = session.info[STAMP_KEY] = _NO_ROW if found is None else found
    return None if value is _NO_ROW else int(value)  # pyright: ignore[reportArgumentType]


def cached(session: Session, key: str, load: Callable[[], T]) -> T:
    """`load()`'s value, kept for the database's current stamp."""
    stamp = _stamp(session)
    if stamp is None:
        return load()
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _lock:
        entry = _kept.get(url)
        if entry is not None and entry[0] == stamp and key in entry[1]:
            return entry[1][key]
    value = load()  # read after the stamp: as new as the stamp or newer, never older
    with _lock:
        entry = _kept.get(url)
        if entry is None or entry[0] != stamp:
            entry = _kept[url] = (stamp, {})
        entry[1][key] = value
    return value


def forget_all() -> None:
    with _lock:
        _kept.clear()


def _wrote(session: OrmSession) -> None:
    session.info[WROTE_KEY] = True
    session.info.pop(STAMP_KEY, None)


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session: OrmSession, _context) -> None:
    if any(isinstance(obj, _TRACKED) for obj in (*session.new, *session.dirty, *session.deleted)):
        _wrote(session)


@event.listens_for(OrmSession, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if table is not None and getattr(table, "name", None) in _TRACKED_TABLES:
            _wrote(state.session)


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _transaction_ended(session: OrmSession) -> None:
    session.info.pop(STAMP_KEY, None)
    session.info.pop(WROTE_KEY, None)
