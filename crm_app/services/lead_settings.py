"""Settings -> Leads: lead statuses, sources, junk reasons and the default phone region.

Everyone may read these lists; only administrators change them.

Lead statuses are the stages of the single lead pipeline. Like in Bitrix24 they come in groups, in
this order: the statuses in progress (a new lead starts in the first one), then exactly one success
status (converted), then the failure statuses (junk). At least one status in progress and one
failure status always remain, and a status keeps its semantic for life (its leads' results depend
on it). Each ordered list is renumbered 10, 20, 30... after a change, so `sort` always gives the
order shown here.

Nothing in use is deleted silently: deleting a status, a source or a junk reason that records still
use raises `InUse` (a Conflict carrying the count) unless `move_to_id` names where those records go;
then they move (each with a history entry, written in one INSERT ... SELECT) and the item is deleted,
all in one transaction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlmodel import Session, col, select

from crm_app.models import (
    Company,
    Contact,
    Deal,
    EntityType,
    Lead,
    LostReason,
    ReasonKind,
    Source,
    Stage,
    StageSemantic,
    TimelineEntry,
    TimelineKind,
    User,
    WebForm,
)
from crm_app.models.base import UTCDateTime, utcnow
from crm_app.services import permissions, phones
from crm_app.services.errors import Conflict, NotFound, StaleRecord, ValidationError
from crm_app.services.i18n import N_, Msg, normalize_language
from crm_app.services.leads import lead_pipeline, lead_statuses
from crm_app.services.validation import clean_text

MAX_NAME = 100
MAX_ITEMS = 100  # per list: these are settings, not data
COLOR_RE = re.compile(r"^#[0-9a-f]{6}$")
DEFAULT_COLOR = "#3b82f6"
# sources the CRM itself gives to leads (imports, web forms, the API): rename or deactivate only
SYSTEM_SOURCES = frozenset({"import", "web_form", "api"})
SEMANTIC_ORDER = {StageSemantic.IN_PROGRESS: 0, StageSemantic.SUCCESS: 1, StageSemantic.FAILURE: 2}
SEMANTIC_LABELS = {
    StageSemantic.IN_PROGRESS.value: N_("In progress"),
    StageSemantic.SUCCESS.value: N_("Final: converted"),
    StageSemantic.FAILURE.value: N_("Final: junk"),
}


class InUse(Conflict):
    """Records still use the item: the caller must say where they move (`move_to_id`)."""

    def __init__(self, message: Msg, count: int) -> None:
        self.count = count
        super().__init__(message)


@dataclass
class StatusRow:
    id: int
    name: str
    color: str
    semantic: str
    sort: int
    version: int
    lead_count: int
    can_up: bool
    can_down: bool
    can_delete: bool


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


@dataclass
class ReasonRow:
    id: int
    name: str
    sort: int
    version: int
    lead_count: int
    can_up: bool
    can_down: bool


# --- shared helpers ---------------------------------------------------------------------------


def _admin(session: Session, user: User | None) -> User:
    return permissions.require_settings(session, user)


def _clean_name(
    name: str | None, existing: list[tuple[int | None, str]], *, exclude_id: int | None = None
) -> str:
    """1-100 characters, unique in its list whatever the case."""
    text, err = clean_text(name, field_label=N_("Name"), max_len=MAX_NAME, required=True)
    if err:
        raise ValidationError({"name": err})
    folded = text.casefold()
    if any(other_id != exclude_id and other.casefold() == folded for other_id, other in existing):
        raise ValidationError({"name": Msg("This name is already used.")})
    return text


def _clean_color(color: str | None) -> str:
    value = (color or "").strip().lower()
    if not COLOR_RE.match(value):
        raise ValidationError({"color": Msg("Choose a colour like #3b82f6.")})
    return value


def _check_version(row: Any, expected_version: int | None) -> None:
    if expected_version is not None and row.version != int(expected_version):
        raise StaleRecord()


def _renumber(session: Session, rows: list[Any], now: datetime) -> None:
    """Give `rows` (in their new order) sort 10, 20, 30...; only changed rows are written."""
    for i, row in enumerate(rows):
        wanted = (i + 1) * 10
        if row.sort != wanted:
            row.sort = wanted
            row.updated_at = now
            session.add(row)


def _move_in(
    rows: list[Any], item_id: int, direction: str, *, same_group=lambda a, b: True
) -> list[Any] | None:
    """`rows` with `item_id` swapped with its neighbour, or None if it cannot move that way."""
    if direction not in ("up", "down"):
        raise ValidationError({"": Msg("Move up or down.")})
    index = next((i for i, r in enumerate(rows) if r.id == item_id), None)
    if index is None:
        return None
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows) or not same_group(rows[index], rows[other]):
        return None
    rows = list(rows)
    rows[index], rows[other] = rows[other], rows[index]
    return rows


def _in_order(rows: list[Any], ids: list[int]) -> list[Any]:
    by_id = {r.id: r for r in rows}
    try:
        wanted = [int(i) for i in ids]
    except (TypeError, ValueError):
        wanted = []
    if sorted(wanted) != sorted(by_id):
        raise ValidationError({"": Msg("The list changed meanwhile. Reload and try again.")})
    return [by_id[i] for i in wanted]


def _int_id(value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _record_moves(
    session: Session,
    *,
    model: Any,
    entity_type: EntityType,
    column: Any,
    old_id: int,
    kind: TimelineKind,
    payload: dict[str, Any],
    user: User,
    now: datetime,
) -> None:
    """One history entry per record whose `column` is `old_id`, in a single INSERT ... SELECT.

    Runs before the UPDATE that moves them, while `column == old_id` still finds them.
    """
    rows = select(
        sa.literal(entity_type.value, sa.String),
        model.id,
        sa.literal(kind.value, sa.String),
        sa.literal(user.id, sa.Integer),
        sa.literal("", sa.String),
        sa.literal(payload, sa.JSON),
        sa.literal(now, UTCDateTime()),
    ).where(column == old_id)
    table = TimelineEntry.__table__
    session.execute(
        sa.insert(table).from_select(
            [
                table.c.entity_type,
                table.c.entity_id,
                table.c.kind,
                table.c.author_id,
                table.c.text,
                table.c.payload,
                table.c.created_at,
            ],
            rows,
        )
    )


def _move_refs(session: Session, model: Any, column: Any, old_id: int, new_id: int, now: datetime) -> int:
    """Point every `model` row from old_id to new_id, bumping version and updated_at (open edit
    forms on those records then see that someone changed them)."""
    result = session.execute(
        sa.update(model)
        .where(column == old_id)
        .values({column.key: new_id, "version": model.version + 1, "updated_at": now})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _count(session: Session, column: Any, value: int) -> int:
    return session.exec(select(sa.func.count()).where(column == value)).one()


# --- lead statuses ----------------------------------------------------------------------------


def _group(stage: Stage) -> int:
    return SEMANTIC_ORDER[StageSemantic(stage.semantic)]


def _ordered_statuses(session: Session) -> list[Stage]:
    """The statuses in their canonical order: in progress, success, failure; then by sort."""
    return sorted(lead_statuses(session), key=lambda s: (_group(s), s.sort, s.id or 0))


def _get_status(session: Session, status_id: Any) -> Stage:
    stage = session.get(Stage, _int_id(status_id) or 0)
    if stage is None or stage.pipeline_id != lead_pipeline(session).id:
        raise NotFound(Msg("This status does not exist or was deleted."))
    return stage


def _status_counts(session: Session, ids: list[int]) -> dict[int, int]:
    """Leads per status, counting those in the recycle bin (they still point at it)."""
    if not ids:
        return {}
    stmt = (
        select(Lead.status_id, sa.func.count()).where(col(Lead.status_id).in_(ids)).group_by(Lead.status_id)
    )
    return {status_id: n for status_id, n in session.exec(stmt).all()}


def list_statuses(*, session: Session, user: User) -> list[StatusRow]:
    permissions.require_user(user)
    stages = _ordered_statuses(session)
    counts = _status_counts(session, [s.id for s in stages])
    per_group: dict[int, int] = {}
    for s in stages:
        per_group[_group(s)] = per_group.get(_group(s), 0) + 1
    rows = []
    for i, s in enumerate(stages):
        group = _group(s)
        rows.append(
            StatusRow(
                id=s.id or 0,
                name=s.name,
                color=s.color,
                semantic=StageSemantic(s.semantic).value,
                sort=s.sort,
                version=s.version,
                lead_count=counts.get(s.id or 0, 0),
                can_up=i > 0 and _group(stages[i - 1]) == group,
                can_down=i + 1 < len(stages) and _group(stages[i + 1]) == group,
                can_delete=s.semantic != StageSemantic.SUCCESS and per_group[group] > 1,
            )
        )
    return rows


def add_status(
    *, session: Session, user: User, name: str, color: str = DEFAULT_COLOR, semantic: str = "in_progress"
) -> Stage:
    """A new status goes at the end of its group. There is only ever one success status."""
    _admin(session, user)
    stages = _ordered_statuses(session)
    errors: dict[str, Msg] = {}
    try:
        name = _clean_name(name, [(s.id, s.name) for s in stages])
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        color = _clean_color(color)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        sem = StageSemantic(semantic)
    except ValueError:
        sem = None
        errors["semantic"] = Msg("Choose a type.")
    if sem == StageSemantic.SUCCESS:
        errors["semantic"] = Msg("There is exactly one success status: rename it instead of adding one.")
    if len(stages) >= MAX_ITEMS:
        errors[""] = Msg("A list holds at most {max} items.", max=MAX_ITEMS)
    if errors:
        raise ValidationError(errors)
    stage = Stage(pipeline_id=lead_pipeline(session).id, name=name, color=color, semantic=sem, sort=0)
    session.add(stage)
    session.flush()
    now = utcnow()
    group = _group(stage)
    ordered = [s for s in stages if _group(s) <= group] + [stage] + [s for s in stages if _group(s) > group]
    _renumber(session, ordered, now)
    session.commit()
    session.refresh(stage)
    return stage


def update_status(
    *,
    session: Session,
    user: User,
    status_id: int,
    name: str | None = None,
    color: str | None = None,
    expected_version: int | None = None,
) -> Stage:
    """Rename and/or recolour. `expected_version` is the version the edit form showed."""
    _admin(session, user)
    stage = _get_status(session, status_id)
    _check_version(stage, expected_version)
    errors: dict[str, Msg] = {}
    new_name, new_color = stage.name, stage.color
    if name is not None:
        try:
            new_name = _clean_name(
                name, [(s.id, s.name) for s in lead_statuses(session)], exclude_id=stage.id
            )
        except ValidationError as exc:
            errors.update(exc.errors)
    if color is not None:
        try:
            new_color = _clean_color(color)
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    if (new_name, new_color) != (stage.name, stage.color):
        stage.name, stage.color = new_name, new_color
        stage.updated_at = utcnow()
        session.add(stage)
        session.commit()
        session.refresh(stage)
    return stage


def move_status(*, session: Session, user: User, status_id: int, direction: str) -> bool:
    """Swap with the neighbour above or below, within its group. False when it cannot move."""
    _admin(session, user)
    stage = _get_status(session, status_id)
    stages = _ordered_statuses(session)
    moved = _move_in(stages, stage.id, direction, same_group=lambda a, b: _group(a) == _group(b))
    if moved is None:
        return False
    _renumber(session, moved, utcnow())
    session.commit()
    return True


def reorder_statuses(*, session: Session, user: User, ids: list[int]) -> None:
    """Set the whole order at once; in-progress statuses must stay before the final ones."""
    _admin(session, user)
    ordered = _in_order(_ordered_statuses(session), ids)
    groups = [_group(s) for s in ordered]
    if groups != sorted(groups):
        raise ValidationError(
            {"": Msg("Statuses in progress come first, then the converted status, then the junk statuses.")}
        )
    _renumber(session, ordered, utcnow())
    session.commit()


def status_usage(*, session: Session, user: User, status_id: int) -> int:
    permissions.require_user(user)
    return _count(session, Lead.status_id, _get_status(session, status_id).id)


def delete_status(*, session: Session, user: User, status_id: int, move_to_id: int | None = None) -> int:
    """Delete a status; its leads (if any) first move to `move_to_id`, a status of the same kind.

    Returns how many leads moved. Without `move_to_id`, a status in use raises InUse.
    """
    _admin(session, user)
    stage = _get_status(session, status_id)
    stages = lead_statuses(session)
    if stage.semantic == StageSemantic.SUCCESS:
        raise Conflict(Msg("The converted status cannot be deleted: rename it instead."))
    if sum(1 for s in stages if s.semantic == stage.semantic) <= 1:
        if stage.semantic == StageSemantic.IN_PROGRESS:
            raise Conflict(Msg("At least one status in progress must remain."))
        raise Conflict(Msg("At least one junk status must remain."))
    count = _count(session, Lead.status_id, stage.id)
    target: Stage | None = None
    if _int_id(move_to_id) is not None:
        target = session.get(Stage, _int_id(move_to_id) or 0)
        if (
            target is None
            or target.pipeline_id != stage.pipeline_id
            or target.id == stage.id
            or target.semantic != stage.semantic
        ):
            raise ValidationError(
                {"move_to_id": Msg("Choose another status of the same kind to move the leads to.")}
            )
    if count and target is None:
        raise InUse(
            Msg(
                "Leads with this status: {count}. Choose where to move them before deleting it.", count=count
            ),
            count,
        )
    now = utcnow()
    moved = 0
    if count and target is not None:
        _record_moves(
            session,
            model=Lead,
            entity_type=EntityType.LEAD,
            column=Lead.status_id,
            old_id=stage.id,
            kind=TimelineKind.STAGE_CHANGE,
            payload={
                "old": stage.name,
                "new": target.name,
                "old_id": stage.id,
                "new_id": target.id,
                "reason": "status_deleted",
            },
            user=user,
            now=now,
        )
        moved = _move_refs(session, Lead, Lead.status_id, stage.id, target.id, now)
    session.delete(stage)
    session.flush()
    _renumber(session, [s for s in _ordered_statuses(session) if s.id != stage.id], now)
    session.commit()
    session.expire_all()
    return moved


# --- sources ----------------------------------------------------------------------------------

# every table that points at a source: (model, column, entity type for the history or None)
_SOURCE_REFS: list[tuple[Any, Any, EntityType | None]] = [
    (Lead, Lead.source_id, EntityType.LEAD),
    (Contact, Contact.source_id, EntityType.CONTACT),
    (Company, Company.source_id, EntityType.COMPANY),
    (Deal, Deal.source_id, EntityType.DEAL),
    (WebForm, WebForm.source_id, None),
]


def _ordered_sources(session: Session) -> list[Source]:
    return list(session.exec(select(Source).order_by(Source.sort, Source.id)).all())


def _get_source(session: Session, source_id: Any) -> Source:
    source = session.get(Source, _int_id(source_id) or 0)
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


def _add_item(session: Session, items: list, name: str, make):
    """Add `make(name, sort)` at the end of an ordered settings list (name unique, list capped)."""
    name = _clean_name(name, [(i.id, i.name) for i in items])
    if len(items) >= MAX_ITEMS:
        raise ValidationError({"": Msg("A list holds at most {max} items.", max=MAX_ITEMS)})
    item = make(name, (len(items) + 1) * 10)
    session.add(item)
    session.flush()
    _renumber(session, [*items, item], utcnow())
    session.commit()
    session.refresh(item)
    return item


def _rename_item(session: Session, item, items: list, name: str, expected_version: int | None):
    _check_version(item, expected_version)
    name = _clean_name(name, [(i.id, i.name) for i in items], exclude_id=item.id)
    if name != item.name:
        item.name = name
        item.updated_at = utcnow()
        session.add(item)
        session.commit()
        session.refresh(item)
    return item


def _move_item(session: Session, items: list, item_id: int, direction: str) -> bool:
    moved = _move_in(items, item_id, direction)
    if moved is None:
        return False
    _renumber(session, moved, utcnow())
    session.commit()
    return True


def add_source(*, session: Session, user: User, name: str) -> Source:
    _admin(session, user)
    return _add_item(
        session,
        _ordered_sources(session),
        name,
        lambda clean, sort: Source(code=_source_code(session, clean), name=clean, sort=sort),
    )


def rename_source(
    *, session: Session, user: User, source_id: int, name: str, expected_version: int | None = None
) -> Source:
    _admin(session, user)
    source = _get_source(session, source_id)
    return _rename_item(session, source, _ordered_sources(session), name, expected_version)


def move_source(*, session: Session, user: User, source_id: int, direction: str) -> bool:
    _admin(session, user)
    return _move_item(session, _ordered_sources(session), _get_source(session, source_id).id, direction)


def reorder_sources(*, session: Session, user: User, ids: list[int]) -> None:
    _admin(session, user)
    _renumber(session, _in_order(_ordered_sources(session), ids), utcnow())
    session.commit()


def set_source_active(*, session: Session, user: User, source_id: int, active: bool) -> Source:
    """An inactive source stays on the records that have it but is no longer offered for new ones."""
    _admin(session, user)
    source = _get_source(session, source_id)
    if source.is_active != bool(active):
        source.is_active = bool(active)
        source.updated_at = utcnow()
        session.add(source)
        session.commit()
        session.refresh(source)
    return source


def source_usage(*, session: Session, user: User, source_id: int) -> int:
    """Leads, contacts, companies, deals and web forms that have this source."""
    permissions.require_user(user)
    source = _get_source(session, source_id)
    return sum(_count(session, column, source.id) for _, column, _ in _SOURCE_REFS)


def delete_source(*, session: Session, user: User, source_id: int, move_to_id: int | None = None) -> int:
    """Delete a source; what uses it first moves to the active source `move_to_id`.

    Returns how many records moved. Without `move_to_id`, a source in use raises InUse.
    """
    _admin(session, user)
    source = _get_source(session, source_id)
    if source.code in SYSTEM_SOURCES:
        raise Conflict(
            Msg(
                "The CRM gives this source to imports, web forms or the API: rename or deactivate it instead."
            )
        )
    count = sum(_count(session, column, source.id) for _, column, _ in _SOURCE_REFS)
    target: Source | None = None
    if _int_id(move_to_id) is not None:
        target = session.get(Source, _int_id(move_to_id) or 0)
        if target is None or target.id == source.id or not target.is_active:
            raise ValidationError({"move_to_id": Msg("Choose another active source to move the records to.")})
    if count and target is None:
        raise InUse(
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
                _record_moves(
                    session,
                    model=model,
                    entity_type=entity_type,
                    column=column,
                    old_id=source.id,
                    kind=TimelineKind.FIELD_CHANGE,
                    payload=payload,
                    user=user,
                    now=now,
                )
            moved += _move_refs(session, model, column, source.id, target.id, now)
    session.delete(source)
    session.flush()
    _renumber(session, [s for s in _ordered_sources(session) if s.id != source.id], now)
    session.commit()
    session.expire_all()
    return moved


# --- junk reasons -----------------------------------------------------------------------------


def _ordered_reasons(session: Session) -> list[LostReason]:
    stmt = (
        select(LostReason)
        .where(LostReason.kind == ReasonKind.LEAD_JUNK)
        .order_by(LostReason.sort, LostReason.id)
    )
    return list(session.exec(stmt).all())


def _get_reason(session: Session, reason_id: Any) -> LostReason:
    reason = session.get(LostReason, _int_id(reason_id) or 0)
    if reason is None or reason.kind != ReasonKind.LEAD_JUNK:
        raise NotFound(Msg("This reason does not exist or was deleted."))
    return reason


def list_junk_reasons(*, session: Session, user: User) -> list[ReasonRow]:
    permissions.require_user(user)
    reasons = _ordered_reasons(session)
    stmt = (
        select(Lead.junk_reason_id, sa.func.count())
        .where(Lead.junk_reason_id.is_not(None))
        .group_by(Lead.junk_reason_id)
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
    _admin(session, user)
    return _add_item(
        session,
        _ordered_reasons(session),
        name,
        lambda clean, sort: LostReason(kind=ReasonKind.LEAD_JUNK, name=clean, sort=sort),
    )


def rename_junk_reason(
    *, session: Session, user: User, reason_id: int, name: str, expected_version: int | None = None
) -> LostReason:
    _admin(session, user)
    reason = _get_reason(session, reason_id)
    return _rename_item(session, reason, _ordered_reasons(session), name, expected_version)


def move_junk_reason(*, session: Session, user: User, reason_id: int, direction: str) -> bool:
    _admin(session, user)
    return _move_item(session, _ordered_reasons(session), _get_reason(session, reason_id).id, direction)


def reorder_junk_reasons(*, session: Session, user: User, ids: list[int]) -> None:
    _admin(session, user)
    _renumber(session, _in_order(_ordered_reasons(session), ids), utcnow())
    session.commit()


def junk_reason_usage(*, session: Session, user: User, reason_id: int) -> int:
    permissions.require_user(user)
    return _count(session, Lead.junk_reason_id, _get_reason(session, reason_id).id)


def delete_junk_reason(*, session: Session, user: User, reason_id: int, move_to_id: int | None = None) -> int:
    """Delete a junk reason; leads closed with it first take the reason `move_to_id`.

    At least one reason remains (closing a lead as junk asks for one).
    """
    _admin(session, user)
    reason = _get_reason(session, reason_id)
    reasons = _ordered_reasons(session)
    if len(reasons) <= 1:
        raise Conflict(Msg("At least one junk reason must remain."))
    count = _count(session, Lead.junk_reason_id, reason.id)
    target: LostReason | None = None
    if _int_id(move_to_id) is not None:
        target = session.get(LostReason, _int_id(move_to_id) or 0)
        if target is None or target.kind != ReasonKind.LEAD_JUNK or target.id == reason.id:
            raise ValidationError({"move_to_id": Msg("Choose another junk reason for these leads.")})
    if count and target is None:
        raise InUse(
            Msg("Leads closed with this reason: {count}. Choose another reason for them first.", count=count),
            count,
        )
    now = utcnow()
    moved = 0
    if count and target is not None:
        _record_moves(
            session,
            model=Lead,
            entity_type=EntityType.LEAD,
            column=Lead.junk_reason_id,
            old_id=reason.id,
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
        moved = _move_refs(session, Lead, Lead.junk_reason_id, reason.id, target.id, now)
    session.delete(reason)
    session.flush()
    _renumber(session, [r for r in reasons if r.id != reason.id], now)
    session.commit()
    session.expire_all()
    return moved


# --- default phone region ---------------------------------------------------------------------


def get_phone_region(*, session: Session, user: User) -> str:
    permissions.require_user(user)
    return phones.get_region(session=session)


def set_phone_region(*, session: Session, user: User, region: str) -> str:
    """The country assumed for phone numbers typed without a +country code."""
    _admin(session, user)
    return phones.set_region(session=session, region=region)


@cache
def region_choices(lang: str = "en") -> list[tuple[str, str]]:
    """[(region code, "France (+33)")] for every region phonenumbers knows, by name in `lang`."""
    from babel import Locale

    names = Locale.parse(normalize_language(lang)).territories
    out = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        if code == "001":  # non-geographic numbers
            continue
        name = names.get(code, code)
        out.append((code, f"{name} (+{phonenumbers.country_code_for_region(code)})"))
    return sorted(out, key=lambda item: unicodedata.normalize("NFKD", item[1]).casefold())
