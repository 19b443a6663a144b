"""Deals after their creation (services.records creates them): edit, move along the stages (or to
another pipeline), close with a result, reopen.

The rules:
- a deal moves only to a stage of its own pipeline; to change pipeline the user picks the stage
  in the new one (`change_pipeline`);
- a won or lost stage is reached only by closing (`close`): won, or lost with a reason of the
  list and a comment (required when the reason is "Other"); a move there is refused with
  CloseRequired, which the UI answers by opening the close dialog;
- a closed deal is read-only until reopened (`reopen`), which asks why; who and why go to the
  history;
- every write compares the version the user saw: a move based on a stale version is refused with
  "This deal changed", and nothing changes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from crm_app.models import (
    Deal,
    DealResult,
    EntityType,
    LostReason,
    Pipeline,
    PipelineKind,
    ReasonKind,
    Stage,
    StageSemantic,
    TimelineKind,
    User,
)
from crm_app.models.base import saved_id, utcnow
from crm_app.services import defaults, permissions, records, stages, timeline, uow
from crm_app.services.errors import Conflict, NotFound, PermissionDenied, StaleRecord, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.permissions import Action
from crm_app.services.validation import clean_text

MAX_CLOSE_COMMENT = 2000
MAX_REOPEN_REASON = 2000
# what a card's form edits (the stage, the result and the products have their own calls)
EDITABLE = (
    "title",
    "comment",
    "amount",
    "currency_code",
    "close_date",
    "source_id",
    "responsible_id",
    "contact_id",
    "company_id",
    "amount_manual",
)


class DealChanged(StaleRecord):
    """The deal was changed by someone else since the user saw it."""

    def __init__(self) -> None:
        super().__init__()
        self.message = Msg("This deal changed since you opened it. The board shows it as it is now.")


class CloseRequired(Conflict):
    """A move to a won or lost stage: the result has to be given (the close dialog)."""

    def __init__(self, stage: Stage) -> None:
        self.stage_id = saved_id(stage)
        self.won = stage.semantic == StageSemantic.SUCCESS
        super().__init__(Msg("Choose the result to close this deal: won, or lost with a reason."))


def _closed() -> Conflict:
    return Conflict(Msg("This deal is closed: reopen it to change it."))


# --- reading ---------------------------------------------------------------------------------


def get(
    *, session: Session, user: User, deal_id: Any, include_deleted: bool = False, lock: bool = False
) -> Deal:
    """A deal the user may see (NotFound when it does not exist or is in the recycle bin)."""
    permissions.require_user(user)
    ident = records.int_or_none(deal_id)
    deal = None
    if ident is not None:
        stmt = select(Deal).where(Deal.id == ident).execution_options(populate_existing=True)
        deal = session.exec(stmt.with_for_update() if lock else stmt).first()
    if deal is None or (deal.deleted_at is not None and not include_deleted):
        raise NotFound(Msg("This deal does not exist or was deleted."))
    permissions.require(session, user, Action.VIEW, deal)
    return deal


def _for_change(session: Session, user: User, deal_id: Any, expected_version: int | None) -> Deal:
    """The deal, row-locked, that this user may edit, still at the version they saw."""
    deal = get(session=session, user=user, deal_id=deal_id, lock=True)
    permissions.require(session, user, Action.EDIT, deal)
    if expected_version is not None and deal.version != expected_version:
        raise DealChanged()
    return deal


def deal_stages(session: Session, pipeline_id: int) -> list[Stage]:
    return stages.ordered(session, pipeline_id)


def values(deal: Deal) -> dict[str, Any]:
    return {k: getattr(deal, k) for k in EDITABLE}


def is_other_reason(reason: LostReason) -> bool:
    """The "Other" reason (in whichever language it was created): a comment is required with it."""
    return defaults.display_name(reason.name, "en") == "Other"


def lost_reasons(session: Session) -> list[LostReason]:
    return list(
        session.exec(
            select(LostReason)
            .where(LostReason.kind == ReasonKind.DEAL_LOST)
            .order_by(col(LostReason.sort), col(LostReason.id))
        )
    )


# --- writing ---------------------------------------------------------------------------------


def _commit(session: Session, deal: Deal, commit: bool) -> Deal:
    if not commit:
        session.flush()
        return deal
    try:
        uow.commit(session)
    except StaleRecord:
        raise DealChanged() from None
    session.refresh(deal)
    return deal


def _guarded(fn):
    """Roll back on any refusal, so the caller's session holds nothing half done."""

    def run(*args, **kwargs):
        session: Session = kwargs["session"]
        try:
            return fn(*args, **kwargs)
        except BaseException:
            session.rollback()
            raise

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


@_guarded
def update(
    *,
    session: Session,
    user: User,
    deal_id: Any,
    data: dict[str, Any],
    expected_version: int | None = None,
    commit: bool = True,
) -> Deal:
    """Change the fields given in `data`; each change goes to the history as old -> new."""
    from crm_app.services import deal_products, leads

    deal = _for_change(session, user, deal_id, expected_version)
    if deal.closed:
        raise _closed()
    before = values(deal)
    given = {k: v for k, v in data.items() if k in EDITABLE}
    merged = {**before, **given}
    merged["pipeline_id"] = deal.pipeline_id
    cleaned = records.clean_deal_data(session, merged)
    manual = given.get("amount_manual", before["amount_manual"])
    cleaned["amount_manual"] = manual is True or str(manual).lower() in ("1", "true", "on", "yes")
    changed = {k: cleaned.get(k) for k in given}
    if changed.get("responsible_id", 0) is None:
        del changed["responsible_id"]
    for key in ("contact_id", "company_id"):
        new = changed.get(key)
        if new is not None and new != before[key]:
            _require_visible_party(session, user, key, new)
    leads.apply_changes(session, user, EntityType.DEAL, deal, changed, before)
    if not deal.amount_manual:
        deal_products.follow_products(session, user, deal)
    return _commit(session, deal, commit)


def _require_visible_party(session: Session, user: User, key: str, ident: int) -> None:
    from crm_app.models import Company, Contact

    model = Contact if key == "contact_id" else Company
    row = records.get_live(session, model, ident)
    if row is None or not permissions.can(session, user, Action.VIEW, row):
        raise ValidationError(
            {key: Msg("Choose a contact.") if key == "contact_id" else Msg("Choose a company.")}
        )


def _stage_of(session: Session, pipeline_id: int, stage_id: Any) -> Stage:
    ident = records.int_or_none(stage_id)
    stage = session.get(Stage, ident) if ident is not None else None
    if stage is None:
        raise ValidationError({"stage_id": Msg("Choose a stage.")})
    if stage.pipeline_id != pipeline_id:
        raise ValidationError({"stage_id": Msg("This stage belongs to another pipeline.")})
    return stage


def _record_stage(session: Session, user: User, deal: Deal, old: Stage | None, new: Stage, **extra) -> None:
    timeline.record(
        session,
        entity_type=EntityType.DEAL,
        entity_id=saved_id(deal),
        kind=TimelineKind.STAGE_CHANGE,
        author_id=user.id,
        text=str(extra.pop("text", "") or ""),
        payload={
            "old": old.name if old else "",
            "new": new.name,
            "old_id": old.id if old else None,
            "new_id": new.id,
            **extra,
        },
    )


def _set_stage(deal: Deal, stage: Stage) -> None:
    deal.stage_id = saved_id(stage)
    deal.stage_changed_at = utcnow()
    probability = stage.probability
    deal.probability = probability if probability is not None else deal.probability


@_guarded
def move(
    *,
    session: Session,
    user: User,
    deal_id: Any,
    stage_id: Any,
    expected_version: int | None = None,
    commit: bool = True,
) -> Deal:
    """Move a deal to another stage in progress of its pipeline (history: old -> new)."""
    deal = _for_change(session, user, deal_id, expected_version)
    if deal.closed:
        raise _closed()
    stage = _stage_of(session, deal.pipeline_id, stage_id)
    if stage.semantic != StageSemantic.IN_PROGRESS:
        raise CloseRequired(stage)
    if stage.id == deal.stage_id:
        return deal
    old = session.get(Stage, deal.stage_id)
    _record_stage(session, user, deal, old, stage)
    _set_stage(deal, stage)
    session.add(deal)
    return _commit(session, deal, commit)


@_guarded
def change_pipeline(
    *,
    session: Session,
    user: User,
    deal_id: Any,
    pipeline_id: Any,
    stage_id: Any,
    expected_version: int | None = None,
) -> Deal:
    """Move a deal to another pipeline, to the stage in progress the user mapped it to."""
    deal = _for_change(session, user, deal_id, expected_version)
    if deal.closed:
        raise _closed()
    ident = records.int_or_none(pipeline_id)
    pipeline = session.get(Pipeline, ident) if ident is not None else None
    if pipeline is None or pipeline.kind != PipelineKind.DEAL:
        raise ValidationError({"pipeline_id": Msg("Choose a pipeline.")})
    stage = _stage_of(session, saved_id(pipeline), stage_id)
    if stage.semantic != StageSemantic.IN_PROGRESS:
        raise ValidationError({"stage_id": Msg("Choose a stage in progress: close the deal afterwards.")})
    if pipeline.id == deal.pipeline_id:
        return move(session=session, user=user, deal_id=deal.id, stage_id=stage.id)
    old_pipeline = session.get(Pipeline, deal.pipeline_id)
    old = session.get(Stage, deal.stage_id)
    _record_stage(
        session,
        user,
        deal,
        old,
        stage,
        action="pipeline",
        old_pipeline=old_pipeline.name if old_pipeline else "",
        new_pipeline=pipeline.name,
    )
    deal.pipeline_id = saved_id(pipeline)
    _set_stage(deal, stage)
    session.add(deal)
    return _commit(session, deal, True)


def _final_stage(session: Session, pipeline_id: int, semantic: StageSemantic, stage_id: Any) -> Stage:
    if stage_id not in (None, "", 0):
        stage = _stage_of(session, pipeline_id, stage_id)
        if stage.semantic != semantic:
            raise ValidationError({"stage_id": Msg("Choose a stage of this result.")})
        return stage
    found = next((s for s in deal_stages(session, pipeline_id) if s.semantic == semantic), None)
    if found is None:  # a pipeline always has one won and one lost stage (services.stages)
        raise ValidationError({"stage_id": Msg("Choose a stage.")})
    return found


@_guarded
def close(
    *,
    session: Session,
    user: User,
    deal_id: Any,
    result: Any,
    reason_id: Any = None,
    comment: str = "",
    stage_id: Any = None,
    expected_version: int | None = None,
    commit: bool = True,
) -> Deal:
    """Close a deal: won, or lost with a reason (and a comment, required for "Other"). It moves to
    its pipeline's won stage, or to the lost stage given (the first lost one if none)."""
    deal = _for_change(session, user, deal_id, expected_version)
    if deal.closed:
        raise Conflict(Msg("This deal is already closed."))
    errors: dict[str, Msg] = {}
    try:
        outcome = DealResult(str(result or ""))
    except ValueError:
        raise ValidationError({"result": Msg("Choose the result: won or lost.")}) from None
    comment, err = clean_text(comment, field_label=N_("Comment"), max_len=MAX_CLOSE_COMMENT)
    if err:
        errors["comment"] = err
    reason = None
    if outcome == DealResult.LOST:
        ident = records.int_or_none(reason_id)
        reason = session.get(LostReason, ident) if ident is not None else None
        if reason is None or reason.kind != ReasonKind.DEAL_LOST:
            errors["reason_id"] = Msg("Choose why the deal was lost.")
        elif is_other_reason(reason) and not comment and "comment" not in errors:
            errors["comment"] = Msg("Say why in a comment: the reason is “Other”.")
    if errors:
        raise ValidationError(errors)
    semantic = StageSemantic.SUCCESS if outcome == DealResult.WON else StageSemantic.FAILURE
    stage = _final_stage(session, deal.pipeline_id, semantic, stage_id)
    old = session.get(Stage, deal.stage_id)
    _record_stage(
        session,
        user,
        deal,
        old,
        stage,
        action="closed",
        result=outcome.value,
        reason_id=reason.id if reason else None,
        reason=reason.name if reason else "",
        text=comment,
    )
    _set_stage(deal, stage)
    deal.closed = True
    deal.result = outcome
    deal.lost_reason_id = reason.id if reason else None
    deal.lost_comment = comment
    deal.closed_at = utcnow()
    if deal.close_date is None or outcome == DealResult.WON:
        deal.close_date = date.today()
    session.add(deal)
    return _commit(session, deal, commit)


@_guarded
def reopen(
    *,
    session: Session,
    user: User,
    deal_id: Any,
    reason: str,
    stage_id: Any = None,
    expected_version: int | None = None,
) -> Deal:
    """Reopen a closed deal, saying why; it goes back to the stage in progress given (the last
    one of its pipeline if none). The result, reason and close date are cleared."""
    deal = _for_change(session, user, deal_id, expected_version)
    if not deal.closed:
        raise Conflict(Msg("This deal is not closed."))
    text, err = clean_text(reason, field_label=N_("Reason"), max_len=MAX_REOPEN_REASON, required=True)
    if err:
        raise ValidationError({"reason": err if text else Msg("Say why you reopen this deal.")})
    if stage_id not in (None, "", 0):
        stage = _stage_of(session, deal.pipeline_id, stage_id)
        if stage.semantic != StageSemantic.IN_PROGRESS:
            raise ValidationError({"stage_id": Msg("Choose a stage in progress.")})
    else:
        open_stages = [
            s for s in deal_stages(session, deal.pipeline_id) if s.semantic == StageSemantic.IN_PROGRESS
        ]
        if not open_stages:
            raise ValidationError({"stage_id": Msg("This pipeline has no stage in progress.")})
        stage = open_stages[-1]
    old = session.get(Stage, deal.stage_id)
    _record_stage(
        session,
        user,
        deal,
        old,
        stage,
        action="reopened",
        result=deal.result.value if deal.result else "",
        text=text,
    )
    _set_stage(deal, stage)
    deal.closed = False
    deal.result = None
    deal.lost_reason_id = None
    deal.lost_comment = ""
    deal.closed_at = None
    session.add(deal)
    return _commit(session, deal, True)


@_guarded
def delete(*, session: Session, user: User, deal_id: Any) -> None:
    """A deal to the recycle bin (its card's Delete)."""
    from crm_app.services import bulk

    deal = get(session=session, user=user, deal_id=deal_id)
    if not permissions.can(session, user, Action.DELETE, deal):
        raise PermissionDenied(Msg("This deal belongs to another user: you may not delete it."))
    bulk.to_recycle_bin(session, user, EntityType.DEAL, [deal])
    uow.commit(session)
