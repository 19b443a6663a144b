"""Leads: create (one batch write path), update (with history), status moves, bulk actions.

Field rules live in `lead_fields`, the list query in `lead_list`; both are re-exported here.

Every way in (form, import, web form, API) goes through `create_leads`; every list goes through
`search_leads`. Input is a plain dict of field -> value, as a form or a JSON body gives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from crm_app.models import (
    CommKind,
    Communication,
    EntityType,
    Lead,
    Stage,
    StageSemantic,
    TimelineEntry,
    TimelineKind,
    User,
)
from crm_app.models.base import saved_id, table_of, utcnow
from crm_app.services import bulk, defaults, display, permissions, search_index, timeline, uow
from crm_app.services.bulk_insert import insert_returning_ids
from crm_app.services.errors import Conflict, FinalLead, NotFound, PermissionDenied, ValidationError
from crm_app.services.i18n import Msg
from crm_app.services.lead_fields import (  # noqa: F401 - the names callers use as leads.X
    ALL_FIELDS,
    LIST_FIELDS,
    MAX_AMOUNT,
    MAX_ITEMS,
    MONEY_FIELDS,
    ORIGINS,
    REF_FIELDS,
    TEXT_FIELDS,
    as_list,
    clean_lead_data,
    first_status,
    int_or_none,
    lead_pipeline,
    lead_statuses,
)
from crm_app.services.lead_list import (  # noqa: F401
    COUNT_CAP,
    LEAD_LIST,
    PAGE_SIZES,
    SORT_COLUMNS,
    LeadFilters,
    LeadRow,
    browse_leads,
    count_leads,
    leads_after,
    list_options,
    search_leads,
)
from crm_app.services.permissions import Action

if TYPE_CHECKING:
    from crm_app.services.duplicates import Match

# --- communications ------------------------------------------------------------------------


def set_communications(
    session: Session,
    entity_type: EntityType,
    entity_id: int,
    *,
    phones: list[tuple[str, str]] | None = None,
    emails: list[tuple[str, str]] | None = None,
) -> None:
    """Replace a record's phones and/or e-mails (None leaves that kind alone)."""
    for kind, items in ((CommKind.PHONE, phones), (CommKind.EMAIL, emails)):
        if items is None:
            continue
        old = session.exec(
            select(Communication).where(
                Communication.entity_type == entity_type,
                Communication.entity_id == entity_id,
                Communication.kind == kind,
            )
        ).all()
        for row in old:
            session.delete(row)
        for i, (value, norm) in enumerate(items):
            session.add(
                Communication(
                    entity_type=entity_type,
                    entity_id=entity_id,
                    kind=kind,
                    value=value[:255],
                    normalized=norm[:255],
                    is_primary=i == 0,
                )
            )


def communications(
    session: Session, entity_type: EntityType, ids: list[int]
) -> dict[int, dict[str, list[str]]]:
    """{id: {"phones": [...E.164], "emails": [...]}} for many records in one query."""
    out: dict[int, dict[str, list[str]]] = {i: {"phones": [], "emails": []} for i in ids}
    if not ids:
        return out
    rows = (
        session.connection()
        .execute(
            select(Communication.entity_id, Communication.kind, Communication.normalized)
            .where(Communication.entity_type == entity_type, col(Communication.entity_id).in_(ids))
            .order_by(col(Communication.is_primary).desc(), col(Communication.id))
        )
        .all()
    )
    for entity_id, kind, normalized in rows:
        key = "phones" if kind == CommKind.PHONE else "emails" if kind == CommKind.EMAIL else None
        if key:
            out[entity_id][key].append(normalized)
    return out


# --- create / read / update ----------------------------------------------------------------


def clean_new_lead(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """`clean_lead_data` for a new lead: also, a given status must be one in progress."""
    cleaned = clean_lead_data(session, data)
    stage = session.get(Stage, cleaned["status_id"]) if cleaned.get("status_id") is not None else None
    if stage is not None and stage.semantic != StageSemantic.IN_PROGRESS:
        raise ValidationError({"status_id": Msg("A new lead starts in a status in progress.")})
    return cleaned


@dataclass
class NewLead:
    id: int
    matches: list[Match] = field(default_factory=list)  # kept in its "created" history entry


def create_leads(
    *,
    session: Session,
    user: User | None,
    rows: Sequence[dict[str, Any]],
    origin: str = "form",
    validated: bool = False,
    matches: dict[int, list[Match]] | None = None,
    default_source_id: int | None = None,
    commit: bool = True,
) -> list[NewLead]:
    """The one write path of new leads: the form, the CSV import, web forms and the REST API.

    Each row is validated by `clean_new_lead` (or was, `validated=True`: the import validates
    one batch ahead, in another process). Possible duplicates are found by the one matcher
    (`duplicates.find_matches_batch`, unless the caller found them already: `matches`, by row
    index) and kept, with the origin, in each lead's "created" history entry; rows of the same
    batch that share an e-mail or phone are flagged as each other's duplicates, as if saved one
    after the other. Leads, their phones and e-mails and the history are written with one
    executemany per table (no ORM flush per row). user=None is a public web form.
    Raises ValidationError for the first bad row, before anything is written.
    """
    from crm_app.services import duplicates  # duplicates reads this module's fields

    if user is not None:
        permissions.require(session, user, Action.CREATE, EntityType.LEAD)
    cleaned = list(rows) if validated else [clean_new_lead(session, data) for data in rows]
    if not cleaned:
        return []
    if matches is None:
        matches = duplicates.find_matches_batch(session, [duplicates.candidate(c) for c in cleaned])
    now = utcnow()
    user_id = user.id if user else None
    first_status_id = None
    lead_rows = []
    for c in cleaned:
        status_id = c.get("status_id")
        if status_id is None:
            if first_status_id is None:
                first_status_id = first_status(session).id
            status_id = first_status_id
        lead_rows.append(
            {
                **{k: c.get(k) or "" for k in TEXT_FIELDS},
                "amount": c.get("amount"),
                "currency_code": c.get("currency_code"),
                "status_id": status_id,
                "source_id": c.get("source_id") or default_source_id,
                "responsible_id": c.get("responsible_id") or user_id,
                "created_by_id": user_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
                **search_index.lead_columns(
                    first_name=c.get("first_name") or "",
                    second_name=c.get("second_name") or "",
                    last_name=c.get("last_name") or "",
                    company_name=c.get("company_name") or "",
                    title=c.get("title") or "",
                    emails=[norm[:255] for _v, norm in c.get("emails") or []],
                    phones=[norm[:255] for _v, norm in c.get("phones") or []],
                ),
            }
        )
    conn = session.connection()
    ids = insert_returning_ids(conn, table_of(Lead), lead_rows)
    found = {i: list(matches.get(i, [])) for i in range(len(cleaned))}
    _flag_within_batch(cleaned, ids, found)
    comms = []
    for lead_id, c in zip(ids, cleaned, strict=True):
        for key, kind in (("phones", CommKind.PHONE), ("emails", CommKind.EMAIL)):
            for i, (value, norm) in enumerate(c.get(key) or []):
                comms.append(
                    {
                        "entity_type": EntityType.LEAD,
                        "entity_id": lead_id,
                        "kind": kind,
                        "label": "work",
                        "value": value[:255],
                        "normalized": norm[:255],
                        "is_primary": i == 0,
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                )
    if comms:
        conn.execute(insert(table_of(Communication)), comms)
    origin = origin if origin in ORIGINS else "form"
    history = []
    for index, lead_id in enumerate(ids):
        payload: dict[str, Any] = {"origin": origin}
        if found[index]:
            payload["duplicates"] = [duplicates.match_json(m) for m in found[index]]
        history.append(
            {
                "entity_type": EntityType.LEAD,
                "entity_id": lead_id,
                "kind": TimelineKind.CREATED,
                "author_id": user_id,
                "text": "",
                "payload": payload,
                "created_at": now,
            }
        )
    conn.execute(insert(table_of(TimelineEntry)), history)
    for row, lead_id in zip(lead_rows, ids, strict=True):  # Core inserts: the flush listener sees none
        uow.note_change(session, EntityType.LEAD, lead_id, (row["responsible_id"], user_id))
    if commit:
        uow.commit(session)
    return [NewLead(lead_id, found[i]) for i, lead_id in enumerate(ids)]


def _flag_within_batch(cleaned: list[dict[str, Any]], ids: list[int], found: dict[int, list[Match]]) -> None:
    """A row whose e-mail or phone an earlier row of the batch has is flagged with that lead."""
    from crm_app.services.duplicates import MAX_MATCHES, Match

    first_by_value: dict[tuple[str, str], int] = {}
    for index, c in enumerate(cleaned):
        for reason, key in (("email", "emails"), ("phone", "phones")):
            for _value, norm in c.get(key) or []:
                earlier = first_by_value.setdefault((reason, norm), index)
                if earlier == index:
                    continue
                known = {(m.entity_type, m.id) for m in found[index]}
                if ("lead", ids[earlier]) in known or len(found[index]) >= MAX_MATCHES:
                    continue
                e = cleaned[earlier]
                title = display.lead_name(
                    id=ids[earlier],
                    **{
                        k: e.get(k, "")
                        for k in ("first_name", "second_name", "last_name", "company_name", "title")
                    },
                )
                found[index].append(Match("lead", ids[earlier], title, reason, norm))


def create_lead(
    *, session: Session, user: User | None, data: dict[str, Any], origin: str = "form", commit: bool = True
) -> Lead:
    """One new lead: `create_leads` with a batch of one. Returns the lead."""
    [new] = create_leads(session=session, user=user, rows=[data], origin=origin, commit=commit)
    lead = session.get(Lead, new.id)
    assert lead is not None
    return lead


def fill_values(current: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The one rule for merging values into an existing lead (the import's and the API's "update"
    policy, a file's later row for a lead still to be created): what changes.

    Values are as `clean_lead_data` returns them (phones / e-mails: [(shown, normalised)]). Every
    non-empty value given replaces the current one (an empty one blanks nothing); phones and
    e-mails given are added after the current ones, without repeats, at most MAX_ITEMS (a final
    lead is never filled: `fill_lead` refuses it).
    """
    changes: dict[str, Any] = {}
    for key, value in given.items():
        if key in LIST_FIELDS:
            merged = list(current.get(key) or [])
            known = {n for _v, n in merged}
            for item in value or []:
                if item[1] not in known:
                    merged.append(item)
                    known.add(item[1])
            if len(merged) > len(current.get(key) or []):
                changes[key] = merged[:MAX_ITEMS]
        elif value not in (None, ""):
            changes[key] = value
    return changes


def fill_lead(
    *,
    session: Session,
    user: User,
    lead_id: int,
    given: dict[str, Any],
    commit: bool = True,
    check_only: bool = False,
    replaced: dict[str, Any] | None = None,
) -> Lead:
    """Merge cleaned values into an existing lead (`fill_values`), through `update_lead`.

    This is the import's and the API's "update": a final lead (converted or junk) is never
    updated that way (FinalLead; the caller reports the row as its duplicate). `check_only`: the
    same refusals, nothing written (an import's dry run). `replaced`, when given, receives the
    values the update changed as they were before, JSON-able and as `update_lead` takes them
    back (phones / e-mails as lists of shown values): what undoing an import restores."""
    lead = get_lead(session=session, user=user, lead_id=lead_id)
    if lead.result is not None:
        raise FinalLead(lead.id or lead_id, display.lead_name(lead))
    if check_only:  # a dry run: the checks only
        return lead
    current: dict[str, Any] = {k: getattr(lead, k) for k in (*TEXT_FIELDS, *REF_FIELDS, *MONEY_FIELDS)}
    for key, kind in (("phones", CommKind.PHONE), ("emails", CommKind.EMAIL)):
        current[key] = list(
            session.exec(
                select(Communication.value, Communication.normalized)
                .where(
                    Communication.entity_type == EntityType.LEAD,
                    Communication.entity_id == lead.id,
                    Communication.kind == kind,
                )
                .order_by(col(Communication.is_primary).desc(), col(Communication.id))
            ).all()
        )
    changes = fill_values(current, given)
    for key in LIST_FIELDS:
        if key in changes:
            changes[key] = [shown for shown, _n in changes[key]]
            if replaced is not None:
                replaced[key] = [shown for shown, _n in current[key]]
    if replaced is not None:
        for key, value in changes.items():
            if key not in LIST_FIELDS and value != current[key]:
                replaced[key] = _jsonable(current[key])
    if not changes:
        return lead
    return update_lead(session=session, user=user, lead_id=lead_id, data=changes, commit=commit)


def get_lead(*, session: Session, user: User, lead_id: int, include_deleted: bool = False) -> Lead:
    permissions.require_user(user)
    lead = session.get(Lead, lead_id)
    if lead is None or (lead.deleted_at is not None and not include_deleted):
        raise NotFound(Msg("This lead does not exist or was deleted."))
    permissions.require(session, user, Action.VIEW, lead, Msg("You may not see this lead."))
    return lead


def require_lead(session: Session, user: User, action: Action, lead: Lead) -> None:
    """The permission check of every lead action, with the lead's own words."""
    permissions.require(session, user, action, lead, _LEAD_DENIED.get(action))


_LEAD_DENIED = {
    Action.EDIT: Msg("You may not change this lead: it belongs to another user."),
    Action.DELETE: Msg("You may not delete this lead: it belongs to another user."),
}


def lead_values(session: Session, lead: Lead) -> dict[str, Any]:
    """All editable values of a lead, as `update_lead` takes them (phones/e-mails as lists)."""
    lead_id = saved_id(lead)
    comms = communications(session, EntityType.LEAD, [lead_id])[lead_id]
    values: dict[str, Any] = {k: getattr(lead, k) for k in (*TEXT_FIELDS, *REF_FIELDS, *MONEY_FIELDS)}
    values["phones"] = comms["phones"]
    values["emails"] = comms["emails"]
    return values


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def apply_changes(
    session: Session,
    user: User,
    entity: EntityType,
    row: Any,
    cleaned: dict[str, Any],
    before: dict[str, Any],
) -> list[dict[str, Any]]:
    """Set the cleaned values that differ from `before` on a lead, contact, company or deal (its
    phones and e-mails replaced when they changed), each change a history entry old -> new.
    Returns the changes; the caller commits."""
    changes: list[dict[str, Any]] = []
    for key, value in cleaned.items():
        if key in LIST_FIELDS:
            new_norm = [n for _, n in value or []]
            if new_norm != before[key]:
                changes.append({"field": key, "old": before[key], "new": new_norm})
                set_communications(session, entity, saved_id(row), **{key: value})
            continue
        if value != before[key]:
            changes.append({"field": key, "old": _jsonable(before[key]), "new": _jsonable(value)})
            setattr(row, key, value)
    if changes:
        session.add(row)
        for change in changes:
            timeline.record(
                session,
                entity_type=entity,
                entity_id=saved_id(row),
                kind=TimelineKind.FIELD_CHANGE,
                author_id=user.id,
                payload=change,
            )
    return changes


def update_lead(
    *,
    session: Session,
    user: User,
    lead_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
    commit: bool = True,
) -> Lead:
    """Change some fields; each change goes to the history as old -> new.

    `expected_version` is the version the user loaded: if someone saved in between, StaleRecord.
    A finalised (converted or junk) lead keeps its status.
    """
    lead = get_lead(session=session, user=user, lead_id=lead_id)
    require_lead(session, user, Action.EDIT, lead)
    uow.check_version(lead, expected_version)
    cleaned = clean_lead_data(session, data, partial=True)
    if "status_id" in cleaned:
        new_status = cleaned.pop("status_id")
        if new_status is not None and new_status != lead.status_id:
            change_status(
                session=session, user=user, lead_id=saved_id(lead), status_id=new_status, commit=False
            )
    if cleaned.get("amount") is not None and not cleaned.get("currency_code") and not lead.currency_code:
        lead.currency_code = defaults.base_currency(session=session)
    apply_changes(session, user, EntityType.LEAD, lead, cleaned, lead_values(session, lead))
    if commit:
        uow.commit(session)
        session.refresh(lead)
    return lead


def change_status(
    *,
    session: Session,
    user: User,
    lead_id: int,
    status_id: int,
    expected_version: int | None = None,
    commit: bool = True,
) -> Lead:
    """Move a lead along its in-progress statuses. Final statuses go through finalising."""
    lead = get_lead(session=session, user=user, lead_id=lead_id)
    require_lead(session, user, Action.EDIT, lead)
    uow.check_version(lead, expected_version)
    if lead.result is not None:
        raise Conflict(Msg("This lead is finalised: its status cannot change."))
    stage = session.get(Stage, status_id)
    if stage is None or stage.pipeline_id != lead_pipeline(session).id:
        raise ValidationError({"status_id": Msg("Choose a status.")})
    if stage.semantic != StageSemantic.IN_PROGRESS:
        raise Conflict(Msg("Use Finalise to convert this lead or close it as junk."))
    if stage.id == lead.status_id:
        return lead
    old = session.get(Stage, lead.status_id)
    timeline.record(
        session,
        entity_type=EntityType.LEAD,
        entity_id=saved_id(lead),
        kind=TimelineKind.STAGE_CHANGE,
        author_id=user.id,
        payload={
            "old": old.name if old else "",
            "new": stage.name,
            "old_id": lead.status_id,
            "new_id": stage.id,
        },
    )
    lead.status_id = saved_id(stage)
    session.add(lead)
    if commit:
        uow.commit(session)
        session.refresh(lead)
    return lead


# --- bulk actions ---------------------------------------------------------------------------


def changeable_ids(*, session: Session, user: User, ids: list[int], action: Action = Action.EDIT) -> set[int]:
    """Which of these leads (one list page, just read) the user may change (services/bulk)."""
    return bulk.changeable_ids(Lead, EntityType.LEAD, session=session, user=user, ids=ids, action=action)


MAX_BULK = bulk.MAX_BULK


def _bulk_leads(session: Session, ids: list[int]) -> list[Lead]:
    return bulk.selected(Lead, session, ids)


def _require_all(session: Session, user: User, action: Action, leads: list[Lead]) -> None:
    """A bulk action changes all the selected leads or none: refused if one is not the user's to change."""
    bulk.require_all(
        session,
        user,
        action,
        leads,
        lambda n: Msg(
            "{count} of the selected leads belongs to another user: you may not change it. Nothing was changed.",
            plural="{count} of the selected leads belong to other users: you may not change them. Nothing was changed.",
            count=n,
        ),
    )


def bulk_assign(*, session: Session, user: User, ids: list[int], responsible_id: int) -> int:
    permissions.require_user(user)
    target = session.get(User, responsible_id)
    if target is None or not target.is_active:
        raise ValidationError({"responsible_id": Msg("Choose an active user.")})
    count = 0
    selected = _bulk_leads(session, ids)
    _require_all(session, user, Action.EDIT, selected)
    for lead in selected:
        if lead.responsible_id != target.id:
            update_lead(
                session=session,
                user=user,
                lead_id=saved_id(lead),
                data={"responsible_id": target.id},
                commit=False,
            )
            count += 1
    uow.commit(session)
    return count


def bulk_set_status(*, session: Session, user: User, ids: list[int], status_id: int) -> int:
    """Moves open leads; finalised ones are left as they are. Returns how many moved."""
    permissions.require_user(user)
    stage = session.get(Stage, status_id)
    if (
        stage is None
        or stage.pipeline_id != lead_pipeline(session).id
        or stage.semantic != StageSemantic.IN_PROGRESS
    ):
        raise ValidationError({"status_id": Msg("Choose a status in progress.")})
    count = 0
    selected = _bulk_leads(session, ids)
    _require_all(session, user, Action.EDIT, selected)
    for lead in selected:
        if lead.result is None and lead.status_id != stage.id:
            change_status(
                session=session, user=user, lead_id=saved_id(lead), status_id=saved_id(stage), commit=False
            )
            count += 1
    uow.commit(session)
    return count


def bulk_delete(*, session: Session, user: User, ids: list[int]) -> int:
    """Soft delete (recycle bin): only leads the user may delete (permissions: delete)."""
    permissions.require_user(user)
    leads = _bulk_leads(session, ids)
    if any(not permissions.can(session, user, Action.DELETE, lead) for lead in leads):
        raise PermissionDenied(Msg("You can delete only your own leads."))
    count = bulk.to_recycle_bin(session, user, EntityType.LEAD, leads)
    uow.commit(session)
    return count


def bulk_restore(*, session: Session, user: User, ids: list[int]) -> int:
    """Bring leads back from the recycle bin."""
    permissions.require_user(user)
    rows = bulk.selected(Lead, session, ids, deleted=True)
    if any(not permissions.can(session, user, Action.DELETE, lead) for lead in rows):
        raise PermissionDenied(Msg("You can restore only your own leads."))
    count = bulk.from_recycle_bin(session, user, EntityType.LEAD, rows)
    uow.commit(session)
    return count


def restore_lead(*, session: Session, user: User, lead_id: int, commit: bool = True) -> Lead:
    lead = get_lead(session=session, user=user, lead_id=lead_id, include_deleted=True)
    if not permissions.can(session, user, Action.DELETE, lead):
        raise PermissionDenied(Msg("You can restore only your own leads."))
    if bulk.from_recycle_bin(session, user, EntityType.LEAD, [lead]) and commit:
        uow.commit(session)
    return lead
