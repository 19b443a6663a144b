"""The stages of a pipeline: lead statuses (the one lead pipeline, Settings -> Leads) and the
stages of each deal pipeline (Settings -> Deals). A `StageList` says which records use them and
how to speak of them; the rules are the same.

Like in Bitrix24 they come in groups, in this order: the stages in progress (a new record starts
in the first one), then exactly one success stage (converted, won), then the failure stages
(junk, lost). At least one stage in progress and one failure stage always remain, and a stage
keeps its semantic for life (its records' results depend on it). Deleting a stage its records use
needs `move_to_id` (see settings_lists). Deal stages also carry a probability (0-100 %): the
won stage is 100, a lost stage 0, a stage in progress what the administrator sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crm_app.models import (
    Deal,
    EntityType,
    Lead,
    Pipeline,
    PipelineKind,
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

SEMANTIC_ORDER = {StageSemantic.IN_PROGRESS: 0, StageSemantic.SUCCESS: 1, StageSemantic.FAILURE: 2}
DEFAULT_PROBABILITY = 50  # a new deal stage in progress, until the administrator says otherwise


@dataclass(frozen=True)
class StageList:
    kind: PipelineKind
    model: Any  # the records that sit in a stage
    column: Any  # ... through this column
    entity_type: EntityType
    has_probability: bool
    not_found: Msg
    one_success: Msg  # adding a second success stage
    success_stays: Msg  # deleting the success stage
    last_in_progress: Msg
    last_failure: Msg
    order: Msg  # a reorder that mixes the groups
    choose_other: Msg  # move_to_id is not another stage of the same kind in the pipeline
    in_use: str  # msgid with {count}


LEAD = StageList(
    kind=PipelineKind.LEAD,
    model=Lead,
    column=Lead.status_id,
    entity_type=EntityType.LEAD,
    has_probability=False,
    not_found=Msg("This status does not exist or was deleted."),
    one_success=Msg("There is exactly one success status: rename it instead of adding one."),
    success_stays=Msg("The converted status cannot be deleted: rename it instead."),
    last_in_progress=Msg("At least one status in progress must remain."),
    last_failure=Msg("At least one junk status must remain."),
    order=Msg("Statuses in progress come first, then the converted status, then the junk statuses."),
    choose_other=Msg("Choose another status of the same kind to move the leads to."),
    in_use=N_("Leads with this status: {count}. Choose where to move them before deleting it."),
)
DEAL = StageList(
    kind=PipelineKind.DEAL,
    model=Deal,
    column=Deal.stage_id,
    entity_type=EntityType.DEAL,
    has_probability=True,
    not_found=Msg("This stage does not exist or was deleted."),
    one_success=Msg("A pipeline has exactly one won stage: rename it instead of adding one."),
    success_stays=Msg("The won stage cannot be deleted: rename it instead."),
    last_in_progress=Msg("At least one stage in progress must remain."),
    last_failure=Msg("At least one lost stage must remain."),
    order=Msg("Stages in progress come first, then the won stage, then the lost stages."),
    choose_other=Msg("Choose another stage of the same kind in this pipeline to move the deals to."),
    in_use=N_("Deals in this stage: {count}. Choose where to move them before deleting it."),
)


@dataclass
class StageRow:
    id: int
    name: str
    color: str
    semantic: str
    sort: int
    version: int
    probability: int
    record_count: int  # leads or deals in the stage, the recycle bin's included
    can_up: bool
    can_down: bool
    can_delete: bool


def _group(stage: Stage) -> int:
    return SEMANTIC_ORDER[StageSemantic(stage.semantic)]


def pipeline_of(session: Session, kind: StageList, pipeline_id: Any) -> Pipeline:
    pipeline = session.get(Pipeline, sl.int_id(pipeline_id) or 0)
    if pipeline is None or pipeline.kind != kind.kind:
        raise NotFound(Msg("This pipeline does not exist or was deleted."))
    return pipeline


def stages_of(session: Session, pipeline_id: int) -> list[Stage]:
    stmt = select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(col(Stage.sort), col(Stage.id))
    return list(session.exec(stmt).all())


def ordered(session: Session, pipeline_id: int) -> list[Stage]:
    """The stages in their canonical order: in progress, success, failure; then by sort."""
    return sorted(stages_of(session, pipeline_id), key=lambda s: (_group(s), s.sort, s.id or 0))


def get_stage(session: Session, kind: StageList, pipeline_id: int, stage_id: Any) -> Stage:
    stage = session.get(Stage, sl.int_id(stage_id) or 0)
    if stage is None or stage.pipeline_id != pipeline_id:
        raise NotFound(kind.not_found)
    return stage


def record_counts(session: Session, kind: StageList, ids: list[int]) -> dict[int, int]:
    """Records per stage, counting those in the recycle bin (they still point at it)."""
    if not ids:
        return {}
    stmt = select(kind.column, sa.func.count()).where(kind.column.in_(ids)).group_by(kind.column)
    return dict(session.exec(stmt).all())


def clean_probability(value: Any) -> int:
    try:
        number = int(str(value).strip().removesuffix("%").strip())
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 100:
        raise ValidationError({"probability": Msg("Enter a whole number from 0 to 100.")})
    return number


def _fixed_probability(semantic: StageSemantic) -> int | None:
    """The won stage is certain, a lost stage hopeless; only stages in progress take a value."""
    return {StageSemantic.SUCCESS: 100, StageSemantic.FAILURE: 0}.get(semantic)


def list_stages(*, session: Session, user: User, kind: StageList, pipeline_id: int) -> list[StageRow]:
    permissions.require_user(user)
    stages = ordered(session, saved_id(pipeline_of(session, kind, pipeline_id)))
    counts = record_counts(session, kind, [saved_id(s) for s in stages])
    per_group: dict[int, int] = {}
    for s in stages:
        per_group[_group(s)] = per_group.get(_group(s), 0) + 1
    rows = []
    for i, s in enumerate(stages):
        group = _group(s)
        rows.append(
            StageRow(
                id=s.id or 0,
                name=s.name,
                color=s.color,
                semantic=StageSemantic(s.semantic).value,
                sort=s.sort,
                version=s.version,
                probability=s.probability,
                record_count=counts.get(s.id or 0, 0),
                can_up=i > 0 and _group(stages[i - 1]) == group,
                can_down=i + 1 < len(stages) and _group(stages[i + 1]) == group,
                can_delete=s.semantic != StageSemantic.SUCCESS and per_group[group] > 1,
            )
        )
    return rows


def add_stage(
    *,
    session: Session,
    user: User,
    kind: StageList,
    pipeline_id: int,
    name: str,
    color: str = sl.DEFAULT_COLOR,
    semantic: str = "in_progress",
    probability: Any = None,
) -> Stage:
    """A new stage goes at the end of its group. There is only ever one success stage."""
    sl.admin(session, user)
    pipeline = pipeline_of(session, kind, pipeline_id)
    stages = ordered(session, saved_id(pipeline))
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
        errors["semantic"] = kind.one_success
    chance = 0
    if kind.has_probability and sem is not None:
        fixed = _fixed_probability(sem)
        if fixed is not None:
            chance = fixed
        elif probability in (None, ""):
            chance = DEFAULT_PROBABILITY
        else:
            try:
                chance = clean_probability(probability)
            except ValidationError as exc:
                errors.update(exc.errors)
    if len(stages) >= sl.MAX_ITEMS:
        errors[""] = Msg("A list holds at most {max} items.", max=sl.MAX_ITEMS)
    if errors:
        raise ValidationError(errors)
    assert sem is not None  # an invalid type raised ValidationError above
    stage = Stage(
        pipeline_id=saved_id(pipeline), name=name, color=color, semantic=sem, sort=0, probability=chance
    )
    session.add(stage)
    session.flush()
    group = _group(stage)
    renumbered = (
        [s for s in stages if _group(s) <= group] + [stage] + [s for s in stages if _group(s) > group]
    )
    sl.renumber(session, renumbered)
    uow.commit(session)
    session.refresh(stage)
    return stage


def update_stage(
    *,
    session: Session,
    user: User,
    kind: StageList,
    pipeline_id: int,
    stage_id: int,
    name: str | None = None,
    color: str | None = None,
    probability: Any = None,
    expected_version: int | None = None,
) -> Stage:
    """Rename, recolour and (deal stages in progress) set the probability. `expected_version` is
    the version the edit form showed."""
    sl.admin(session, user)
    pipeline = pipeline_of(session, kind, pipeline_id)
    stage = get_stage(session, kind, saved_id(pipeline), stage_id)
    sl.check_version(stage, expected_version)
    errors: dict[str, Msg] = {}
    new_name, new_color, new_chance = stage.name, stage.color, stage.probability
    if name is not None:
        try:
            new_name = sl.clean_name(
                name, [(s.id, s.name) for s in stages_of(session, saved_id(pipeline))], exclude_id=stage.id
            )
        except ValidationError as exc:
            errors.update(exc.errors)
    if color is not None:
        try:
            new_color = sl.clean_color(color)
        except ValidationError as exc:
            errors.update(exc.errors)
    fixed = _fixed_probability(StageSemantic(stage.semantic))
    if kind.has_probability and probability not in (None, "") and fixed is None:
        try:
            new_chance = clean_probability(probability)
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    if (new_name, new_color, new_chance) != (stage.name, stage.color, stage.probability):
        stage.name, stage.color, stage.probability = new_name, new_color, new_chance
        session.add(stage)
        uow.commit(session)
        session.refresh(stage)
    return stage


def move_stage(
    *, session: Session, user: User, kind: StageList, pipeline_id: int, stage_id: int, direction: str
) -> bool:
    """Swap with the neighbour above or below, within its group. False when it cannot move."""
    sl.admin(session, user)
    pipeline = pipeline_of(session, kind, pipeline_id)
    stage = get_stage(session, kind, saved_id(pipeline), stage_id)
    stages = ordered(session, saved_id(pipeline))
    moved = sl.move_in(stages, saved_id(stage), direction, same_group=lambda a, b: _group(a) == _group(b))
    if moved is None:
        return False
    sl.renumber(session, moved)
    uow.commit(session)
    return True


def reorder_stages(
    *, session: Session, user: User, kind: StageList, pipeline_id: int, ids: list[int]
) -> None:
    """Set the whole order at once; stages in progress must stay before the final ones."""
    sl.admin(session, user)
    pipeline = pipeline_of(session, kind, pipeline_id)
    in_order = sl.in_order(ordered(session, saved_id(pipeline)), ids)
    groups = [_group(s) for s in in_order]
    if groups != sorted(groups):
        raise ValidationError({"": kind.order})
    sl.renumber(session, in_order)
    uow.commit(session)


def stage_usage(*, session: Session, user: User, kind: StageList, pipeline_id: int, stage_id: int) -> int:
    permissions.require_user(user)
    pipeline = pipeline_of(session, kind, pipeline_id)
    return sl.count(session, kind.column, saved_id(get_stage(session, kind, saved_id(pipeline), stage_id)))


def delete_stage(
    *,
    session: Session,
    user: User,
    kind: StageList,
    pipeline_id: int,
    stage_id: int,
    move_to_id: int | None = None,
) -> int:
    """Delete a stage; its records (if any) first move to `move_to_id`, a stage of the same kind
    in the same pipeline, with a history entry each. Returns how many moved. Without
    `move_to_id`, a stage in use raises sl.InUse."""
    sl.admin(session, user)
    pipeline = pipeline_of(session, kind, pipeline_id)
    stage = get_stage(session, kind, saved_id(pipeline), stage_id)
    stages = stages_of(session, saved_id(pipeline))
    if stage.semantic == StageSemantic.SUCCESS:
        raise Conflict(kind.success_stays)
    if sum(1 for s in stages if s.semantic == stage.semantic) <= 1:
        raise Conflict(
            kind.last_in_progress if stage.semantic == StageSemantic.IN_PROGRESS else kind.last_failure
        )
    count = sl.count(session, kind.column, saved_id(stage))
    target: Stage | None = None
    if sl.int_id(move_to_id) is not None:
        target = session.get(Stage, sl.int_id(move_to_id) or 0)
        if (
            target is None
            or target.pipeline_id != stage.pipeline_id
            or target.id == stage.id
            or target.semantic != stage.semantic
        ):
            raise ValidationError({"move_to_id": kind.choose_other})
    if count and target is None:
        raise sl.InUse(Msg(kind.in_use, count=count), count)
    moved = 0
    if count and target is not None:
        sl.record_moves(
            session,
            model=kind.model,
            entity_type=kind.entity_type,
            column=kind.column,
            old_id=saved_id(stage),
            kind=TimelineKind.STAGE_CHANGE,
            payload={
                "old": stage.name,
                "new": target.name,
                "old_id": stage.id,
                "new_id": target.id,
                "reason": "status_deleted" if kind.kind == PipelineKind.LEAD else "stage_deleted",
            },
            user=user,
            now=utcnow(),
        )
        moved = sl.move_refs(session, kind.model, kind.column, saved_id(stage), saved_id(target))
    session.delete(stage)
    session.flush()
    sl.renumber(session, [s for s in ordered(session, saved_id(pipeline)) if s.id != stage.id])
    uow.commit(session)
    session.expire_all()
    return moved
