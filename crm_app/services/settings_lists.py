"""Settings lists: the rules every ordered list of settings shares.

Lead statuses, sources, junk reasons, deal pipelines and their stages, lost reasons and
currencies. Only administrators change a list; names are unique in a list (case-folded);
a list holds at most MAX_ITEMS; after a change a list is renumbered 10, 20, 30..., so `sort`
always gives the order shown. Deleting an item that records still use raises `InUse` unless
the caller names where they move (`move_refs`, with a history entry per record: `record_moves`).
Each list's own rules live in its module (stages, pipelines, sources, reasons, currencies).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, select

from crm_app.models import (
    EntityType,
    TimelineEntry,
    TimelineKind,
    User,
)
from crm_app.models.base import UTCDateTime, table_of
from crm_app.services import permissions, uow
from crm_app.services.errors import Conflict, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.validation import clean_text

MAX_NAME = 100
MAX_ITEMS = 100  # per list: these are settings, not data
COLOR_RE = re.compile(r"^#[0-9a-f]{6}$")
DEFAULT_COLOR = "#3b82f6"


class InUse(Conflict):
    """Records still use the item: the caller must say where they move (`move_to_id`)."""

    def __init__(self, message: Msg, count: int) -> None:
        self.count = count
        super().__init__(message)


def admin(session: Session, user: User | None) -> User:
    """Changing a settings list needs the settings right (services.permissions)."""
    return permissions.require_settings(session, user)


def clean_name(
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


def clean_color(color: str | None) -> str:
    value = (color or "").strip().lower()
    if not COLOR_RE.match(value):
        raise ValidationError({"color": Msg("Choose a colour like #3b82f6.")})
    return value


def check_version(row: Any, expected_version: int | None) -> None:
    uow.check_version(row, None if expected_version is None else int(expected_version))


def renumber(session: Session, rows: list[Any]) -> None:
    """Give `rows` (in their new order) sort 10, 20, 30...; only changed rows are written."""
    for i, row in enumerate(rows):
        wanted = (i + 1) * 10
        if row.sort != wanted:
            row.sort = wanted
            session.add(row)


def move_in(
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


def in_order(rows: list[Any], ids: list[int]) -> list[Any]:
    by_id = {r.id: r for r in rows}
    try:
        wanted = [int(i) for i in ids]
    except (TypeError, ValueError):
        wanted = []
    if sorted(wanted) != sorted(by_id):
        raise ValidationError({"": Msg("The list changed meanwhile. Reload and try again.")})
    return [by_id[i] for i in wanted]


def int_id(value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def record_moves(
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
    rows = sa.select(
        sa.literal(entity_type.value, sa.String),
        model.id,
        sa.literal(kind.value, sa.String),
        sa.literal(user.id, sa.Integer),
        sa.literal("", sa.String),
        sa.literal(payload, sa.JSON),
        sa.literal(now, UTCDateTime()),
    ).where(column == old_id)
    table = table_of(TimelineEntry)
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


def move_refs(session: Session, model: Any, column: Any, old_id: int, new_id: int | None) -> int:
    """Point every `model` row from old_id to new_id, bumping version and updated_at (open edit
    forms on those records then see that someone changed them)."""
    # an UPDATE gives a CursorResult (Session.execute is typed as returning a plain Result)
    result = cast(
        CursorResult,
        session.execute(
            sa.update(model)
            .where(column == old_id)
            .values({column.key: new_id, "version": model.version + 1})  # updated_at: by the column
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount or 0


def count(session: Session, column: Any, value: int) -> int:
    return session.exec(select(sa.func.count()).where(column == value)).one()


def add_item(session: Session, items: list, name: str, make, *, commit: bool = True):
    """Add `make(name, sort)` at the end of an ordered settings list (name unique, list capped).
    With commit=False the caller adds more in the same transaction and commits."""
    name = clean_name(name, [(i.id, i.name) for i in items])
    if len(items) >= MAX_ITEMS:
        raise ValidationError({"": Msg("A list holds at most {max} items.", max=MAX_ITEMS)})
    item = make(name, (len(items) + 1) * 10)
    session.add(item)
    session.flush()
    renumber(session, [*items, item])
    if commit:
        uow.commit(session)
        session.refresh(item)
    return item


def rename_item(session: Session, item, items: list, name: str, expected_version: int | None):
    check_version(item, expected_version)
    name = clean_name(name, [(i.id, i.name) for i in items], exclude_id=item.id)
    if name != item.name:
        item.name = name
        session.add(item)
        uow.commit(session)
        session.refresh(item)
    return item


def move_item(session: Session, items: list, item_id: int, direction: str) -> bool:
    moved = move_in(items, item_id, direction)
    if moved is None:
        return False
    renumber(session, moved)
    uow.commit(session)
    return True
