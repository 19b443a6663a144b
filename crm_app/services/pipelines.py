"""Deal pipelines (Bitrix24's "funnels", Settings -> Deals): an ordered settings list, each with
its own stages (services.stages, `stages.DEAL`).

One pipeline is the default (new deals go there); there is always at least one. A new pipeline
starts with the stages New, In progress, Won and Lost, named in the administrator's language. A
pipeline that holds deals (the recycle bin's included) cannot be deleted until they are moved;
the default cannot be deleted until another one is the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crm_app.models import Deal, Pipeline, PipelineKind, Stage, User
from crm_app.models.base import saved_id
from crm_app.services import defaults, permissions, uow
from crm_app.services import settings_lists as sl
from crm_app.services.errors import Conflict, NotFound
from crm_app.services.i18n import Msg, gettext


@dataclass
class PipelineRow:
    id: int
    name: str
    sort: int
    version: int
    is_default: bool
    stage_count: int
    deal_count: int  # the recycle bin's included
    can_up: bool
    can_down: bool
    can_delete: bool


def ordered(session: Session) -> list[Pipeline]:
    stmt = (
        select(Pipeline)
        .where(Pipeline.kind == PipelineKind.DEAL)
        .order_by(col(Pipeline.sort), col(Pipeline.id))
    )
    found = list(session.exec(stmt).all())
    if not found:  # a new database
        defaults.ensure_defaults(session=session)
        found = list(session.exec(stmt).all())
    return found


def get(session: Session, pipeline_id: Any) -> Pipeline:
    pipeline = session.get(Pipeline, sl.int_id(pipeline_id) or 0)
    if pipeline is None or pipeline.kind != PipelineKind.DEAL:
        raise NotFound(Msg("This pipeline does not exist or was deleted."))
    return pipeline


def default_pipeline(session: Session) -> Pipeline:
    pipelines = ordered(session)
    return next((p for p in pipelines if p.is_default), pipelines[0])


def _counts(session: Session, column: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    stmt = select(column, sa.func.count()).where(column.in_(ids)).group_by(column)
    return dict(session.exec(stmt).all())


def list_pipelines(*, session: Session, user: User) -> list[PipelineRow]:
    permissions.require_user(user)
    pipelines = ordered(session)
    ids = [saved_id(p) for p in pipelines]
    deals = _counts(session, Deal.pipeline_id, ids)
    stage_counts = _counts(session, Stage.pipeline_id, ids)
    return [
        PipelineRow(
            id=saved_id(p),
            name=p.name,
            sort=p.sort,
            version=p.version,
            is_default=p.is_default,
            stage_count=stage_counts.get(saved_id(p), 0),
            deal_count=deals.get(saved_id(p), 0),
            can_up=i > 0,
            can_down=i + 1 < len(pipelines),
            can_delete=not p.is_default and len(pipelines) > 1,
        )
        for i, p in enumerate(pipelines)
    ]


def add_pipeline(*, session: Session, user: User, name: str) -> Pipeline:
    """A new pipeline at the end of the list, with the starting stages."""
    admin = sl.admin(session, user)
    pipelines = ordered(session)
    pipeline = sl.add_item(
        session,
        pipelines,
        name,
        lambda clean, sort: Pipeline(name=clean, kind=PipelineKind.DEAL, sort=sort, is_default=False),
        commit=False,
    )
    defaults.add_stages(
        session,
        saved_id(pipeline),
        defaults.NEW_PIPELINE_STAGES,
        lambda msgid: gettext(admin.language, msgid),
    )
    uow.commit(session)
    session.refresh(pipeline)
    return pipeline


def rename_pipeline(
    *, session: Session, user: User, pipeline_id: int, name: str, expected_version: int | None = None
) -> Pipeline:
    sl.admin(session, user)
    pipeline = get(session, pipeline_id)
    return sl.rename_item(session, pipeline, ordered(session), name, expected_version)


def move_pipeline(*, session: Session, user: User, pipeline_id: int, direction: str) -> bool:
    sl.admin(session, user)
    return sl.move_item(session, ordered(session), saved_id(get(session, pipeline_id)), direction)


def set_default(*, session: Session, user: User, pipeline_id: int) -> Pipeline:
    """New deals go to this pipeline from now on."""
    sl.admin(session, user)
    chosen = get(session, pipeline_id)
    for pipeline in ordered(session):
        wanted = pipeline.id == chosen.id
        if pipeline.is_default != wanted:
            pipeline.is_default = wanted
            session.add(pipeline)
    uow.commit(session)
    session.refresh(chosen)
    return chosen


def pipeline_usage(*, session: Session, user: User, pipeline_id: int) -> int:
    permissions.require_user(user)
    return sl.count(session, Deal.pipeline_id, saved_id(get(session, pipeline_id)))


def delete_pipeline(*, session: Session, user: User, pipeline_id: int) -> None:
    """Delete an empty pipeline and its stages; never the default nor the last one."""
    sl.admin(session, user)
    pipeline = get(session, pipeline_id)
    pipelines = ordered(session)
    if pipeline.is_default or len(pipelines) <= 1:
        raise Conflict(Msg("The default pipeline cannot be deleted: make another one the default first."))
    count = sl.count(session, Deal.pipeline_id, saved_id(pipeline))
    if count:
        raise sl.InUse(
            Msg(
                "Deals in this pipeline: {count}. Move them to another pipeline before deleting it.",
                count=count,
            ),
            count,
        )
    # its stages first, in one statement (the database would cascade them, behind the ORM's back)
    session.execute(sa.delete(Stage).where(col(Stage.pipeline_id) == pipeline.id))
    session.delete(pipeline)
    session.flush()
    sl.renumber(session, [p for p in pipelines if p.id != pipeline.id])
    uow.commit(session)
    session.expire_all()
