"""Sources: where leads, contacts, companies and deals come from (Settings -> Leads).

The CRM's own sources (imports, web forms, the API) can be renamed or deactivated, not deleted;
an inactive source stays on its records but is no longer offered for new ones.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crm_app.models import (
    Company,
    Contact,
    Deal,
    EntityType,
    Lead,
    Source,
    TimelineKind,
    User,
    WebForm,
)
from crm_app.models.base import saved_id, utcnow
from crm_app.services import permissions, uow
from crm_app.services import settings_lists as sl
from crm_app.services.errors import Conflict, NotFound, ValidationError
from crm_app.services.i18n import Msg

# sources the CRM itself gives to leads (imports, web forms, the API): rename or deactivate only
SYSTEM_SOURCES = frozenset({"import", "web_form", "api"})


@dataclass
class SourceRow:
    id: int
    code: str
    name: str
    sort: int
    is_active: bool
    version: int
    lead_count: int
    usage: int  # leads + contacts + companies + deals + web forms
    is_system: bool
    can_up: bool
    can_down: bool


# every table that points at a source: (model, column, entity type for the history or None)
_SOURCE_REFS: list[tuple[Any, Any, EntityType | None]] = [
    (Lead, Lead.source_id, EntityType.LEAD),
    (Contact, Contact.source_id, EntityType.CONTACT),
    (Company, Company.source_id, EntityType.COMPANY),
    (Deal, Deal.source_id, EntityType.DEAL),
    (WebForm, WebForm.source_id, None),
]


def _ordered_sources(session: Session) -> list[Source]:
    return list(session.exec(select(Source).order_by(col(Source.sort), col(Source.id))).all())


def _get_source(session: Session, source_id: Any) -> Source:
    source = session.get(Source, sl.int_id(source_id) or 0)
    if source is None:
        raise NotFound(Msg("This source does not exist or was deleted."))
    return source


def _source_counts(session: Session) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for model, column, _ in _SOURCE_REFS:
        stmt = select(column, sa.func.count()).where(column.is_not(None)).group_by(column)
        for source_id, n in session.exec(stmt).all():
            out.setdefault(source_id, {})[model.__tablename__] = n
    return out


def list_sources(*, session: Session, user: User, active_only: bool = False) -> list[SourceRow]:
    permissions.require_user(user)
    sources = _ordered_sources(session)
    counts = _source_counts(session)
    rows = []
    for i, s in enumerate(sources):
        c = counts.get(s.id or 0, {})
        rows.append(
            SourceRow(
                id=s.id or 0,
                code=s.code,
                name=s.name,
                sort=s.sort,
                is_active=s.is_active,
                version=s.version,
                lead_count=c.get("lead", 0),
                usage=sum(c.values()),
                is_system=s.code in SYSTEM_SOURCES,
                can_up=i > 0,
                can_down=i + 1 < len(sources),
            )
        )
    return [r for r in rows if r.is_active] if active_only else rows


def _source_code(session: Session, name: str) -> str:
    """A stable ASCII code from the name: "Trade fair 2026" -> "trade_fair_2026" (unique)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:24] or "source"
    taken = set(session.exec(select(Source.code)).all())
    code, n = base, 2
    while code in taken:
        code = f"{base}_{n}"
        n += 1
    return code


def add_source(*, session: Session, user: User, name: str) -> Source:
    sl.admin(session, user)
    return sl.add_item(
        session,
        _ordered_sources(session),
        name,
        lambda clean, sort: Source(code=_source_code(session, clean), name=clean, sort=sort),
    )


def rename_source(
    *, session: Session, user: User, source_id: int, name: str, expected_version: int | None = None
) -> Source:
    sl.admin(session, user)
    source = _get_source(session, source_id)
    return sl.rename_item(session, source, _ordered_sources(session), name, expected_version)


def move_source(*, session: Session, user: User, source_id: int, direction: str) -> bool:
    sl.admin(session, user)
    return sl.move_item(
        session, _ordered_sources(session), saved_id(_get_source(session, source_id)), direction
    )


def reorder_sources(*, session: Session, user: User, ids: list[int]) -> None:
    sl.admin(session, user)
    sl.renumber(session, sl.in_order(_ordered_sources(session), ids))
    uow.commit(session)


def set_source_active(*, session: Session, user: User, source_id: int, active: bool) -> Source:
    """An inactive source stays on the records that have it but is no longer offered for new ones."""
    sl.admin(session, user)
    source = _get_source(session, source_id)
    if source.is_active != bool(active):
        source.is_active = bool(active)
        session.add(source)
        uow.commit(session)
        session.refresh(source)
    return source


def source_usage(*, session: Session, user: User, source_id: int) -> int:
    """Leads, contacts, companies, deals and web forms that have this source."""
    permissions.require_user(user)
    source = _get_source(session, source_id)
    return sum(sl.count(session, column, saved_id(source)) for _, column, _ in _SOURCE_REFS)


def delete_source(*, session: Session, user: User, source_id: int, move_to_id: int | None = None) -> int:
    """Delete a source; what uses it first moves to the active source `move_to_id`.

    Returns how many records moved. Without `move_to_id`, a source in use raises sl.InUse.
    """
    sl.admin(session, user)
    source = _get_source(session, source_id)
    if source.code in SYSTEM_SOURCES:
        raise Conflict(
            Msg(
                "The CRM gives this source to imports, web forms or the API: rename or deactivate it instead."
            )
        )
    count = sum(sl.count(session, column, saved_id(source)) for _, column, _ in _SOURCE_REFS)
    target: Source | None = None
    if sl.int_id(move_to_id) is not None:
        target = session.get(Source, sl.int_id(move_to_id) or 0)
        if target is None or target.id == source.id or not target.is_active:
            raise ValidationError({"move_to_id": Msg("Choose another active source to move the records to.")})
    if count and target is None:
        raise sl.InUse(
            Msg(
                "Records with this source: {count}. Choose where to move them before deleting it.",
                count=count,
            ),
            count,
        )
    now = utcnow()
    moved = 0
    if count and target is not None:
        payload = {
            "field": "source_id",
            "old": source.id,
            "new": target.id,
            "old_name": source.name,
            "new_name": target.name,
            "reason": "source_deleted",
        }
        for model, column, entity_type in _SOURCE_REFS:
            if entity_type is not None:
                sl.record_moves(
                    session,
                    model=model,
                    entity_type=entity_type,
                    column=column,
                    old_id=saved_id(source),
                    kind=TimelineKind.FIELD_CHANGE,
                    payload=payload,
                    user=user,
                    now=now,
                )
            moved += sl.move_refs(session, model, column, saved_id(source), saved_id(target))
    session.delete(source)
    session.flush()
    sl.renumber(session, [s for s in _ordered_sources(session) if s.id != source.id])
    uow.commit(session)
    session.expire_all()
    return moved
