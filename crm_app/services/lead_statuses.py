"""Lead statuses: the stages of the single lead pipeline (Settings -> Leads). The rules are every
pipeline's (services.stages); these are the names callers use."""

from __future__ import annotations

from sqlmodel import Session

from crm_app.models import Stage, StageSemantic, User
from crm_app.models.base import saved_id
from crm_app.services import settings_lists as sl
from crm_app.services import stages
from crm_app.services.i18n import N_
from crm_app.services.leads import lead_pipeline
from crm_app.services.stages import SEMANTIC_ORDER, StageRow

StatusRow = StageRow
SEMANTIC_LABELS = {
    StageSemantic.IN_PROGRESS.value: N_("In progress"),
    StageSemantic.SUCCESS.value: N_("Final: converted"),
    StageSemantic.FAILURE.value: N_("Final: junk"),
}
__all__ = ["SEMANTIC_LABELS", "SEMANTIC_ORDER", "StatusRow"]


def _pipeline_id(session: Session) -> int:
    return saved_id(lead_pipeline(session))


def list_statuses(*, session: Session, user: User) -> list[StatusRow]:
    return stages.list_stages(session=session, user=user, kind=stages.LEAD, pipeline_id=_pipeline_id(session))


def add_status(
    *, session: Session, user: User, name: str, color: str = sl.DEFAULT_COLOR, semantic: str = "in_progress"
) -> Stage:
    """A new status goes at the end of its group. There is only ever one success status."""
    return stages.add_stage(
        session=session,
        user=user,
        kind=stages.LEAD,
        pipeline_id=_pipeline_id(session),
        name=name,
        color=color,
        semantic=semantic,
    )


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
    return stages.update_stage(
        session=session,
        user=user,
        kind=stages.LEAD,
        pipeline_id=_pipeline_id(session),
        stage_id=status_id,
        name=name,
        color=color,
        expected_version=expected_version,
    )


def move_status(*, session: Session, user: User, status_id: int, direction: str) -> bool:
    """Swap with the neighbour above or below, within its group. False when it cannot move."""
    return stages.move_stage(
        session=session,
        user=user,
        kind=stages.LEAD,
        pipeline_id=_pipeline_id(session),
        stage_id=status_id,
        direction=direction,
    )


def reorder_statuses(*, session: Session, user: User, ids: list[int]) -> None:
    """Set the whole order at once; in-progress statuses must stay before the final ones."""
    stages.reorder_stages(
        session=session, user=user, kind=stages.LEAD, pipeline_id=_pipeline_id(session), ids=ids
    )


def status_usage(*, session: Session, user: User, status_id: int) -> int:
    return stages.stage_usage(
        session=session, user=user, kind=stages.LEAD, pipeline_id=_pipeline_id(session), stage_id=status_id
    )


def delete_status(*, session: Session, user: User, status_id: int, move_to_id: int | None = None) -> int:
    """Delete a status; its leads (if any) first move to `move_to_id`, a status of the same kind.

    Returns how many leads moved. Without `move_to_id`, a status in use raises sl.InUse.
    """
    return stages.delete_stage(
        session=session,
        user=user,
        kind=stages.LEAD,
        pipeline_id=_pipeline_id(session),
        stage_id=status_id,
        move_to_id=move_to_id,
    )
