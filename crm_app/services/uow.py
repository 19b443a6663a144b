"""The unit of work: every service write goes through it.

    with unit_of_work(session) as uow:
        uow.check_version(lead, expected_version)
        ... change rows ...
        uow.changed(EntityType.LEAD, lead.id, users={lead.responsible_id})

One commit at the end (nested units join the outer one and do not commit); a row changed under
us becomes StaleRecord; change events are published to the notifier only after the commit.

SKELETON (issue 6): `updated_at` stamping, the notifier (in-process / Redis) and the events come
next. Keep the names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from crm_app.services.errors import StaleRecord


@dataclass(frozen=True)
class ChangeEvent:
    entity: str
    entity_id: int
    users: frozenset[int] = frozenset()


@dataclass
class UnitOfWork:
    session: Session
    events: list[ChangeEvent] = field(default_factory=list)

    def changed(self, entity: Any, entity_id: int | None, users: Iterable[int | None] = ()) -> None:
        key = entity.value if hasattr(entity, "value") else str(entity)
        self.events.append(ChangeEvent(key, int(entity_id or 0), frozenset(u for u in users if u)))

    @staticmethod
    def check_version(record: Any, expected_version: int | None) -> None:
        if expected_version is not None and getattr(record, "version", None) != expected_version:
            raise StaleRecord()


@contextmanager
def unit_of_work(session: Session) -> Iterator[UnitOfWork]:
    outer = session.info.get("crm_uow")
    if outer is not None:
        yield outer
        return
    uow = UnitOfWork(session)
    session.info["crm_uow"] = uow
    try:
        yield uow
        try:
            session.commit()
        except StaleDataError:
            session.rollback()
            raise StaleRecord() from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop("crm_uow", None)
