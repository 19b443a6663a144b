"""Lead statuses: the stages of the single lead pipeline (Settings -> Leads).

Like in Bitrix24 they come in groups, in this order: the statuses in progress (a new lead starts
in the first one), then exactly one success status (converted), then the failure statuses
(junk). At least one status in progress and one failure status always remain, and a status
keeps its semantic for life (its leads' results depend on it). Deleting a status its leads use
needs `move_to_id` (see settings_lists).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crm_app.models import (
    EntityType,
    Lead,
    Stage,
    StageSemantic,
    TimelineKind,
    User,
)
from crm_app.models.base import saved_id, utcnow
from crm_app.services import permissions, uow
from crm_app.services import settings_lists as sl
from crm_app.services.errors import Conflict, NotFound, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.leads import lead_pipeline, lead_statuses

SEMANTIC_ORDER = {StageSemantic.IN_PROGRESS: 0, StageSemantic.SUCCESS: 1, StageSemantic.FAILURE: 2}
SEMANTIC_LABELS = {
    StageSemantic.IN_PROGRESS.value: N_("In progress"),
    StageSemantic.SUCCESS.value: N_("Final: converted"),
    StageSemantic.FAILURE.value: N_("Final: junk"),
}


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


def _group(stage: Stage) -> int:
    return SEMANTIC_ORDER[StageSemantic(stage.semantic)]


def _ordered_statuses(session: Session) -> list[Stage]:
    """The statuses in their canonical order: in progress, success, failure; then by sort."""
    return sorted(lead_statuses(session), key=lambda s: (_group(s), s.sort, s.id or 0))


def _get_status(session: Session, status_id: Any) -> Stage:
    stage = session.get(Stage, sl.int_id(status_id) or 0)
    if stage is None or stage.pipeline_id != lead_pipeline(session).id:
        raise NotFound(Msg("This status does not exist or was deleted."))
    return stage


def _status_counts(session: Session, ids: list[int]) -> dict[int, int]:
    """Leads per status, counting those in the recycle bin (they still point at it)."""
    if not ids:
        return {}
    stmt = (
        select(Lead.status_id, sa.func.count())
        .where(col(Lead.status_id).in_(ids))
        .group_by(col(Lead.status_id))
    )
    return {status_id: n for status_id, n in session.exec(stmt).all()}


def list_statuses(*, session: Session, user: User) -> list[StatusRow]:
    permissions.require_user(user)
    stages = _ordered_statuses(session)
    counts = _status_counts(session, [saved_id(s) for s in stages])
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
    *, session: Session, user: User, name: str, color: str = sl.DEFAULT_COLOR, semantic: str = "in_progress"
) -> Stage:
    """A new status goes at the end of its group. There is only ever one success status."""
    sl.admin(session, user)
    stages = _ordered_statuses(session)
    errors: dict[str, Msg] = {}
    try:
        name = sl.clean_name(name, [(s.id, s.name) for s in stages])
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        color = sl.clean_color(color)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        sem = StageSemantic(semantic)
    except ValueError:
        sem = None
        errors["semantic"] = Msg("Choose a type.")
    if sem == StageSemantic.SUCCESS:
        errors["semantic"] = Msg("There is exactly one success status: rename it instead of adding one.")
    if len(stages) >= sl.MAX_ITEMS:
        errors[""] = Msg("A list holds at most {max} items.", max=sl.MAX_ITEMS)
    if errors:
        raise ValidationError(errors)
    assert sem is not None  # an invalid type raised ValidationError above
    stage = Stage(pipeline_id=saved_id(lead_pipeline(session)), name=name, color=color, semantic=sem, sort=0)
    session.add(stage)
    session.flush()
    group = _group(stage)
    ordered = [s for s in stages if _group(s) <= group] + [stage] + [s for s in stages if _group(s) > group]
    sl.renumber(session, ordered)
    uow.commit(session)
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
    sl.admin(session, user)
    stage = _get_status(session, status_id)
    sl.check_version(stage, expected_version)
    errors: dict[str, Msg] = {}
    new_name, new_color = stage.name, stage.color
    if name is not None:
        try:
            new_name = sl.clean_name(
                name, [(s.id, s.name) for s in lead_statuses(session)], exclude_id=stage.id
            )
        except ValidationError as exc:
            errors.update(exc.errors)
    if color is not None:
        try:
            new_color = sl.clean_color(color)
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    if (new_name, new_color) != (stage.name, stage.color):
        stage.name, stage.color = new_name, new_color
        session.add(stage)
        uow.commit(session)
        session.refresh(stage)
    return stage


def move_status(*, session: Session, user: User, status_id: int, direction: str) -> bool:
    """Swap with the neighbour above or below, within its group. False when it cannot move."""
    sl.admin(session, user)
    stage = _get_status(session, status_id)
    stages = _ordered_statuses(session)
    moved = sl.move_in(stages, saved_id(stage), direction, same_group=lambda a, b: _group(a) == _group(b))
    if moved is None:
        return False
    sl.renumber(session, moved)
    uow.commit(session)
    return True


def reorder_statuses(*, session: Session, user: User, ids: list[int]) -> None:
    """Set the whole order at once; in-progress statuses must stay before the final ones."""
    sl.admin(session, user)
    ordered = sl.in_order(_ordered_statuses(session), ids)
    groups = [_group(s) for s in ordered]
    if groups != sorted(groups):
        raise ValidationError(
            {"": Msg("Statuses in progress come first, then the converted status, then the junk statuses.")}
        )
    sl.renumber(session, ordered)
    uow.commit(session)


def status_usage(*, session: Session, user: User, status_id: int) -> int:
    permissions.require_user(user)
    return sl.count(session, Lead.status_id, saved_id(_get_status(session, status_id)))


def delete_status(*, session: Session, user: User, status_id: int, move_to_id: int | None = None) -> int:
    """Delete a status; its leads (if any) first move to `move_to_id`, a status of the same kind.

    Returns how many leads moved. Without `move_to_id`, a status in use raises sl.InUse.
    """
    sl.admin(session, user)
    stage = _get_status(session, status_id)
    stages = lead_statuses(session)
    if stage.semantic == StageSemantic.SUCCESS:
        raise Conflict(Msg("The converted status cannot be deleted: rename it instead."))
    if sum(1 for s in stages if s.semantic == stage.semantic) <= 1:
        if stage.semantic == StageSemantic.IN_PROGRESS:
            raise Conflict(Msg("At least one status in progress must remain."))
        raise Conflict(Msg("At least one junk status must remain."))
    count = sl.count(session, Lead.status_id, saved_id(stage))
    target: Stage | None = None
    if sl.int_id(move_to_id) is not None:
        target = session.get(Stage, sl.int_id(move_to_id) or 0)
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
        raise sl.InUse(
            Msg(
                "Leads with this status: {count}. Choose where to move them before deleting it.", count=count
            ),
            count,
        )
    now = utcnow()
    moved = 0
    if count and target is not None:
        sl.record_moves(
            session,
            model=Lead,
            entity_type=EntityType.LEAD,
            column=Lead.status_id,
            old_id=saved_id(stage),
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
        moved = sl.move_refs(session, Lead, Lead.status_id, saved_id(stage), saved_id(target))
    session.delete(stage)
    session.flush()
    sl.renumber(session, [s for s in _ordered_statuses(session) if s.id != stage.id])
    uow.commit(session)
    session.expire_all()
    return moved
