"""Merging duplicate leads field by field (each value picked from one of the leads), with
everything needed to undo the merge, and what the merge page and the recent merges list show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from crm_app.models import (
    Activity,
    CommKind,
    Communication,
    EntityType,
    Lead,
    LeadMerge,
    Source,
    Stage,
    TimelineEntry,
    TimelineKind,
    User,
)
from crm_app.models.base import saved_id, utcnow
from crm_app.services import display, formatting, permissions, timeline, uow
from crm_app.services.duplicates.groups import _comm_rows
from crm_app.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from crm_app.services.i18n import Msg
from crm_app.services.leads import MAX_ITEMS, TEXT_FIELDS
from crm_app.services.permissions import Action
from crm_app.services.phones import display_phone

MAX_MERGE = 10  # leads side by side in one merge
SCALAR_FIELDS = (*TEXT_FIELDS, "status_id", "source_id", "responsible_id", "amount")
LIST_FIELDS = ("phones", "emails")
MERGE_FIELDS = (*SCALAR_FIELDS, *LIST_FIELDS)
_KIND = {"phones": CommKind.PHONE, "emails": CommKind.EMAIL}
# what the kept lead's snapshot holds: every field a merge may change ("amount" brings its currency)
_SNAPSHOT_FIELDS = (*TEXT_FIELDS, "status_id", "source_id", "responsible_id", "amount", "currency_code")


def _load_mergeable(session: Session, ids: list[int]) -> dict[int, Lead]:
    rows = {saved_id(lead): lead for lead in session.exec(select(Lead).where(col(Lead.id).in_(ids))).all()}
    for lead_id in ids:
        lead = rows.get(lead_id)
        if lead is None or lead.deleted_at is not None:
            raise NotFound(Msg("Lead #{id} does not exist or was deleted.", id=lead_id))
        if lead.result is not None:
            raise Conflict(
                Msg("Lead #{id} is finalised (converted or junk): it cannot be merged.", id=lead_id)
            )
    return rows


def _clean_ids(keep_id: Any, merge_ids: Iterable[Any]) -> tuple[int, list[int]]:
    try:
        keep = int(keep_id)
        others = list(dict.fromkeys(int(i) for i in merge_ids))
    except (TypeError, ValueError):
        raise ValidationError({"": Msg("Choose the leads to merge.")}) from None
    if keep in others:
        raise Conflict(Msg("A lead cannot be merged into itself."))
    if not others:
        raise Conflict(Msg("Choose at least two leads to merge."))
    if len(others) + 1 > MAX_MERGE:
        raise Conflict(Msg("Merge at most {max} leads at a time.", max=MAX_MERGE))
    return keep, others


def _is_empty(lead: Lead, name: str) -> bool:
    value = getattr(lead, name)
    return value is None or value == ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _comm_dict(row: Communication) -> dict[str, Any]:
    return {
        "id": row.id,
        "entity_id": row.entity_id,
        "kind": row.kind.value,
        "label": row.label,
        "value": row.value,
        "normalized": row.normalized,
        "is_primary": row.is_primary,
    }


def _chosen_values(
    field_name: str, choice: Any, ordered: list[Lead], comms: dict[int, list[Communication]]
) -> list[str]:
    """The normalised phones or e-mails the kept lead ends with, in order (kept lead's first).

    `choice` is None (every lead's values: the union), a lead id (that lead's values) or a list
    of the values to keep (the merge page's checkboxes).
    """
    kind = _KIND[field_name]
    union: list[str] = []
    per_lead: dict[int, list[str]] = {}
    for lead in ordered:
        lead_id = saved_id(lead)
        values = [c.normalized for c in comms.get(lead_id, []) if c.kind == kind]
        per_lead[lead_id] = values
        union += [v for v in values if v not in union]
    if choice is None:
        chosen = union
    elif isinstance(choice, (list, tuple, set)):
        wanted = {str(v) for v in choice}
        if not wanted <= set(union):
            raise ValidationError({field_name: Msg("Pick values from the merged leads only.")})
        chosen = [v for v in union if v in wanted]
    else:
        try:
            chosen = per_lead[int(choice)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError({field_name: Msg("Pick values from the merged leads only.")}) from None
    if len(chosen) > MAX_ITEMS:
        message = (
            Msg("At most {max} phone numbers.", max=MAX_ITEMS)
            if field_name == "phones"
            else Msg("At most {max} e-mails.", max=MAX_ITEMS)
        )
        raise ValidationError({field_name: message})
    return chosen


def _source_lead(name: str, choice: Any, by_id: dict[int, Lead], ordered: list[Lead]) -> Lead:
    """The lead whose value of `name` is kept: the chosen one, else the kept lead unless its value
    is empty, else the first lead that has one."""
    if choice not in (None, ""):
        try:
            return by_id[int(choice)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError({name: Msg("Pick the value from one of the merged leads.")}) from None
    return next((lead for lead in ordered if not _is_empty(lead, name)), ordered[0])


def _require_merge_rights(
    session: Session, user: User, by_id: dict[int, Lead], keep_id: int, merge_ids
) -> None:
    """Merging changes the kept lead (edit) and deletes the merged ones (delete)."""
    if not permissions.can(session, user, Action.EDIT, by_id[keep_id]):
        raise PermissionDenied(Msg("You may not change the lead to keep: it belongs to another user."))
    if any(not permissions.can(session, user, Action.DELETE, by_id[i]) for i in merge_ids):
        raise PermissionDenied(Msg("You can merge away only leads you may delete: your own ones."))


def merge_leads(
    *,
    session: Session,
    user: User,
    keep_id: int,
    merge_ids: Sequence[int],
    choices: dict[str, Any] | None = None,
    expected_versions: dict[int, int] | None = None,
) -> LeadMerge:
    """Merge `merge_ids` into the lead `keep_id`, in one transaction.

    `choices` maps a field (see MERGE_FIELDS) to the id of the lead whose value is kept; phones and
    e-mails also take a list of the values to keep, and default to all of them (the union). The
    kept lead takes the values; the others' activities, history and phones/e-mails (without
    repeats) move to it; the others are deleted (recycle bin). `lead_merge.snapshot` keeps what
    `undo_merge` needs. `expected_versions` ({lead id: version shown}) refuses a merge built on
    values someone changed since.
    """
    permissions.require_user(user)
    with uow.unit_of_work(session):
        return _merge(session, user, keep_id, merge_ids, choices, expected_versions)


def _merge(
    session: Session,
    user: User,
    keep_id: Any,
    merge_ids: Sequence[Any],
    choices: dict[str, Any] | None,
    expected_versions: dict[int, int] | None,
) -> LeadMerge:
    keep_id, merge_ids = _clean_ids(keep_id, merge_ids)
    choices = dict(choices or {})
    unknown = set(choices) - set(MERGE_FIELDS)
    if unknown:
        raise ValidationError({"": Msg("Unknown field: {name}.", name=sorted(unknown)[0])})
    by_id = _load_mergeable(session, [keep_id, *merge_ids])
    _require_merge_rights(session, user, by_id, keep_id, merge_ids)
    for lead_id, version in (expected_versions or {}).items():
        if lead_id in by_id:
            uow.check_version(by_id[lead_id], int(version))
    kept = by_id[keep_id]
    ordered = [kept, *(by_id[i] for i in merge_ids)]
    comms = _comm_rows(session, by_id)

    # the kept lead's values
    before = {name: getattr(kept, name) for name in _SNAPSHOT_FIELDS}
    changes: list[dict[str, Any]] = []
    for name in SCALAR_FIELDS:
        source = _source_lead(name, choices.get(name), by_id, ordered)
        new = {name: getattr(source, name)}
        if name == "amount":  # an amount means nothing without its currency
            new["currency_code"] = source.currency_code
        for attr, value in new.items():
            if value != getattr(kept, attr):
                changes.append({"field": attr, "old": _jsonable(before[attr]), "new": _jsonable(value)})
                setattr(kept, attr, value)

    # phones and e-mails: keep / move / drop rows, without repeats
    kept_rows = [_comm_dict(c) for c in comms.get(keep_id, [])]
    moved_rows: list[dict[str, Any]] = []
    for name in LIST_FIELDS:
        kind = _KIND[name]
        chosen = _chosen_values(name, choices.get(name), ordered, comms)
        old_values = [c.normalized for c in comms.get(keep_id, []) if c.kind == kind]
        rows_by_value: dict[str, Communication] = {}
        for lead in ordered:
            for row in comms.get(saved_id(lead), []):
                if row.kind == kind and row.normalized in chosen and row.normalized not in rows_by_value:
                    rows_by_value[row.normalized] = row
        for row in comms.get(keep_id, []):
            if row.kind == kind and rows_by_value.get(row.normalized) is not row:
                session.delete(row)  # not chosen, or a repeat
        for position, value in enumerate(chosen):
            row = rows_by_value[value]
            if row.entity_id != keep_id:
                moved_rows.append(_comm_dict(row))
                row.entity_id = keep_id
            row.is_primary = position == 0
            session.add(row)
        if chosen != old_values:
            changes.append({"field": name, "old": old_values, "new": chosen})

    # activities and history of the merged leads move to the kept lead
    moved_activities = _move(session, Activity, merge_ids, keep_id)
    moved_timeline = _move(session, TimelineEntry, merge_ids, keep_id)

    now = utcnow()
    session.add(kept)
    merged_versions = {}
    for lead in ordered[1:]:
        lead.deleted_at = now
        session.add(lead)
        merged_versions[lead.id] = lead.version
    merge = LeadMerge(
        kept_lead_id=keep_id,
        merged_lead_ids=merge_ids,
        user_id=user.id,
        created_at=now,
        snapshot={
            "kept": {name: _jsonable(value) for name, value in before.items()},
            "kept_comms": kept_rows,
            "moved_comms": moved_rows,
            "activities": moved_activities,
            "timeline": moved_timeline,
            "merged": merge_ids,
        },
    )
    session.add(merge)
    session.flush()
    timeline.record(
        session,
        entity_type=EntityType.LEAD,
        entity_id=keep_id,
        kind=TimelineKind.MERGE,
        author_id=user.id,
        text=", ".join(f"#{i}" for i in merge_ids),  # any language: the payload says what happened
        payload={
            "action": "merge",
            "merge_id": merge.id,
            "merged_ids": merge_ids,
            "fields": sorted({c["field"] for c in changes}),
            "changes": changes,
        },
        at=now,
    )
    for lead_id in merge_ids:
        timeline.record(
            session,
            entity_type=EntityType.LEAD,
            entity_id=lead_id,
            kind=TimelineKind.MERGE,
            author_id=user.id,
            text=f"→ #{keep_id}",
            payload={"action": "merged_into", "merge_id": merge.id, "kept_id": keep_id},
            at=now,
        )
    uow.commit(session)
    session.refresh(merge)
    return merge


def _move(session: Session, model, from_ids: list[int], to_id: int) -> list[list[int]]:
    """Re-attach the activities or history entries of some leads to another one.

    Returns [[row id, previous lead id], ...] for the undo.
    """
    rows = session.exec(
        select(model.id, model.entity_id).where(
            model.entity_type == EntityType.LEAD, col(model.entity_id).in_(from_ids)
        )
    ).all()
    if rows:
        values: dict[str, Any] = {"entity_id": to_id}
        if model is Activity:  # an activity open in someone's editor must notice the move
            values["version"] = Activity.version + 1
        session.execute(
            update(model)
            .where(col(model.entity_type) == EntityType.LEAD, col(model.entity_id).in_(from_ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return [[row_id, lead_id] for row_id, lead_id in rows]


# --- undo ----------------------------------------------------------------------------------------


def can_undo(session: Session, user: User, merge: LeadMerge) -> bool:
    """The person who merged, or a user who may delete every lead (managers by default)."""
    return merge.undone_at is None and (
        merge.user_id == user.id or permissions.scope(session, user, EntityType.LEAD, Action.DELETE) == "all"
    )


def undo_merge(*, session: Session, user: User, merge_id: int) -> Lead:
    """Put everything back as it was before the merge, in one transaction: the kept lead's values
    and phones/e-mails, the moved activities, history and phones/e-mails, the merged leads.

    Changes made to the kept lead after the merge are replaced by its values from before the
    merge (the history's undo entry lists them). Returns the kept lead.
    """
    permissions.require_user(user)
    with uow.unit_of_work(session):
        return _undo(session, user, merge_id)


def _undo(session: Session, user: User, merge_id: Any) -> Lead:
    try:
        merge = session.get(LeadMerge, int(merge_id))
    except (TypeError, ValueError):
        merge = None
    if merge is None:
        raise NotFound(Msg("This merge does not exist."))
    if merge.undone_at is not None:
        raise Conflict(Msg("This merge was already undone."))
    if not can_undo(session, user, merge):
        raise PermissionDenied(
            Msg("Only the person who merged, a manager or an administrator can undo this merge.")
        )
    kept = session.get(Lead, merge.kept_lead_id)
    if kept is None or kept.deleted_at is not None:
        raise Conflict(
            Msg("The kept lead was deleted or merged again since: restore it or undo that merge first.")
        )
    if kept.result is not None:
        raise Conflict(Msg("The kept lead was finalised since the merge: the merge cannot be undone."))
    now = utcnow()
    # claim the undo first: of two clicks at once, only one gets here
    # an UPDATE gives a CursorResult (Session.execute is typed as returning a plain Result)
    claimed = cast(
        CursorResult,
        session.execute(
            update(LeadMerge)
            .where(col(LeadMerge.id) == merge.id, col(LeadMerge.undone_at).is_(None))
            .values(undone_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if claimed.rowcount != 1:
        raise Conflict(Msg("This merge was already undone."))
    snap = merge.snapshot

    # the kept lead's values
    changes: list[dict[str, Any]] = []
    for name, old in snap["kept"].items():
        value = Decimal(old) if name == "amount" and old is not None else old
        if getattr(kept, name) != value:
            changes.append({"field": name, "old": _jsonable(getattr(kept, name)), "new": old})
            setattr(kept, name, value)

    # phones and e-mails: the kept lead's own rows as they were, moved rows back to their leads
    before = {name: [] for name in LIST_FIELDS}
    kept_id = saved_id(kept)
    current = _comm_rows(session, [kept_id]).get(kept_id, [])
    for row in current:
        before["phones" if row.kind == CommKind.PHONE else "emails"].append(row.normalized)
    wanted = {r["id"]: r for r in [*snap["kept_comms"], *snap["moved_comms"]]}
    for row in current:
        if row.id not in wanted:
            session.delete(row)  # added after the merge
    session.flush()
    for data in wanted.values():
        row = session.get(Communication, data["id"])
        if row is None:  # deleted after the merge: written again, with its old id
            row = Communication(
                id=data["id"],
                entity_type=EntityType.LEAD,
                entity_id=data["entity_id"],
                kind=CommKind(data["kind"]),
                value=data["value"],
                normalized=data["normalized"],
            )
        row.entity_id = data["entity_id"]
        row.label = data["label"]
        row.value = data["value"]
        row.normalized = data["normalized"]
        row.is_primary = data["is_primary"]
        session.add(row)
    after = {name: [] for name in LIST_FIELDS}
    for data in sorted(snap["kept_comms"], key=lambda d: (not d["is_primary"], d["id"])):
        after["phones" if data["kind"] == CommKind.PHONE.value else "emails"].append(data["normalized"])
    for name in LIST_FIELDS:
        if before[name] != after[name]:
            changes.append({"field": name, "old": before[name], "new": after[name]})

    # activities and history back to the leads they came from (rows deleted since stay deleted)
    for model, key in ((Activity, "activities"), (TimelineEntry, "timeline")):
        back: dict[int, list[int]] = defaultdict(list)
        for row_id, lead_id in snap[key]:
            back[lead_id].append(row_id)
        for lead_id, row_ids in back.items():
            values: dict[str, Any] = {"entity_id": lead_id}
            if model is Activity:
                values["version"] = Activity.version + 1
            for start in range(0, len(row_ids), 500):
                session.execute(
                    update(model)
                    .where(
                        col(model.id).in_(row_ids[start : start + 500]),
                        col(model.entity_type) == EntityType.LEAD,
                        col(model.entity_id) == kept.id,
                    )
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )

    # the merged leads come back from the recycle bin
    for lead_id in merge.merged_lead_ids:
        lead = session.get(Lead, lead_id)
        if lead is None:
            continue
        if lead.deleted_at is not None:
            lead.deleted_at = None
            session.add(lead)
        timeline.record(
            session,
            entity_type=EntityType.LEAD,
            entity_id=lead_id,
            kind=TimelineKind.RESTORED,
            author_id=user.id,
            text=f"← #{kept.id}",
            payload={"action": "unmerge", "merge_id": merge.id, "kept_id": kept.id},
            at=now,
        )
    session.add(kept)
    timeline.record(
        session,
        entity_type=EntityType.LEAD,
        entity_id=kept_id,
        kind=TimelineKind.MERGE,
        author_id=user.id,
        text=", ".join(f"#{i}" for i in merge.merged_lead_ids),
        payload={
            "action": "undo",
            "merge_id": merge.id,
            "restored_ids": list(merge.merged_lead_ids),
            "fields": sorted({c["field"] for c in changes}),
            "changes": changes,
        },
        at=now,
    )
    uow.commit(session)
    session.refresh(kept)
    return kept


# --- what the merge page and the recent merges list show ---------------------------------------


@dataclass
class MergeCandidate:
    """One lead as the merge page shows it: display text per field, and its phones/e-mails."""

    id: int
    version: int
    created_at: datetime
    values: dict[str, str]  # field -> text shown ("" when empty)
    phones: list[tuple[str, str]] = field(default_factory=list)  # (E.164, shown)
    emails: list[str] = field(default_factory=list)


def merge_candidates(
    *, session: Session, user: User, ids: Sequence[Any], lang: str = "en"
) -> list[MergeCandidate]:
    """The leads of /leads/merge?ids=..., in the order given, refused as `merge_leads` would."""
    permissions.require_user(user)
    keep_id, others = _clean_ids(next(iter(ids), None), list(ids)[1:])
    ordered_ids = [keep_id, *others]
    by_id = _load_mergeable(session, ordered_ids)
    _require_merge_rights(session, user, by_id, keep_id, others)
    statuses = dict(session.exec(select(Stage.id, Stage.name)).all())
    sources = dict(session.exec(select(Source.id, Source.name)).all())
    user_ids = {lead.responsible_id for lead in by_id.values() if lead.responsible_id}
    users = dict(session.exec(select(User.id, User.name).where(col(User.id).in_(user_ids))).all())
    comms = _comm_rows(session, ordered_ids)
    out = []
    for lead_id in ordered_ids:
        lead = by_id[lead_id]
        values = {name: getattr(lead, name) or "" for name in TEXT_FIELDS}
        values["status_id"] = statuses.get(lead.status_id, "")
        values["source_id"] = sources.get(lead.source_id, "") if lead.source_id else ""
        values["responsible_id"] = users.get(lead.responsible_id, "") if lead.responsible_id else ""
        values["amount"] = formatting.money(lead.amount, lead.currency_code, lang)
        mine = comms.get(lead_id, [])
        out.append(
            MergeCandidate(
                id=lead_id,
                version=lead.version,
                created_at=lead.created_at,
                values=values,
                phones=[
                    (c.normalized, display_phone(c.normalized)) for c in mine if c.kind == CommKind.PHONE
                ],
                emails=[c.normalized for c in mine if c.kind == CommKind.EMAIL],
            )
        )
    return out


@dataclass
class MergeSummary:
    id: int
    kept_lead_id: int
    kept_name: str
    merged_count: int
    author: str
    created_at: datetime
    can_undo: bool


def recent_merges(*, session: Session, user: User, limit: int = 10) -> list[MergeSummary]:
    """Merges not undone yet, newest first: a sales rep sees their own, managers everyone's."""
    permissions.require_user(user)
    stmt = (
        select(LeadMerge, Lead, User.name)
        .join(Lead, col(Lead.id) == LeadMerge.kept_lead_id)
        .join(User, col(User.id) == LeadMerge.user_id, isouter=True)
        .where(col(LeadMerge.undone_at).is_(None))
        .order_by(col(LeadMerge.created_at).desc(), col(LeadMerge.id).desc())
        .limit(max(1, min(limit, 50)))
    )
    if permissions.scope(session, user, EntityType.LEAD, Action.DELETE) != "all":
        stmt = stmt.where(LeadMerge.user_id == user.id)
    return [
        MergeSummary(
            id=saved_id(merge),
            kept_lead_id=saved_id(lead),
            kept_name=display.lead_name(lead),
            merged_count=len(merge.merged_lead_ids),
            author=author or "",
            created_at=merge.created_at,
            can_undo=can_undo(session, user, merge) and lead.deleted_at is None and lead.result is None,
        )
        for merge, lead, author in session.exec(stmt).all()
    ]
