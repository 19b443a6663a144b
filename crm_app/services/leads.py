"""Leads: validation, create, update (with history), status moves, the list query, bulk actions.

Every way in (form, import, web form, API) goes through `create_lead`; every list goes through
`search_leads`. Input is a plain dict of field -> value, as a form or a JSON body gives it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from crm_app.models import (
    CommKind,
    Communication,
    Currency,
    EntityType,
    Lead,
    LeadResult,
    Pipeline,
    PipelineKind,
    Role,
    Source,
    Stage,
    StageSemantic,
    TimelineKind,
    User,
)
from crm_app.models.base import utcnow
from crm_app.services import defaults, display, listing, permissions, timeline
from crm_app.services.auth import require_role
from crm_app.services.errors import Conflict, NotFound, PermissionDenied, StaleRecord, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.phones import get_region, normalize_phone
from crm_app.services.validation import clean_text, normalize_email

# field -> (label, max length)
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "title": (N_("Lead title"), 255),
    "honorific": (N_("Salutation"), 20),
    "first_name": (N_("First name"), 100),
    "second_name": (N_("Middle name"), 100),
    "last_name": (N_("Last name"), 100),
    "company_name": (N_("Company name"), 255),
    "position": (N_("Position"), 255),
    "website": (N_("Website"), 255),
    "address": (N_("Address"), 1000),
    "comment": (N_("Comment"), 10_000),
}
REF_FIELDS = ("status_id", "source_id", "responsible_id")
MONEY_FIELDS = ("amount", "currency_code")
LIST_FIELDS = ("phones", "emails")
ALL_FIELDS = (*TEXT_FIELDS, *REF_FIELDS, *MONEY_FIELDS, *LIST_FIELDS)
MAX_ITEMS = 10  # phones or e-mails per lead
MAX_AMOUNT = Decimal("999999999999999")
ORIGINS = ("form", "import", "web_form", "api", "cli", "merge")


# --- reference data ------------------------------------------------------------------------


def lead_pipeline(session: Session) -> Pipeline:
    pipeline = session.exec(select(Pipeline).where(Pipeline.kind == PipelineKind.LEAD)).first()
    if pipeline is None:
        defaults.ensure_defaults(session=session)
        pipeline = session.exec(select(Pipeline).where(Pipeline.kind == PipelineKind.LEAD)).one()
    return pipeline


def lead_statuses(session: Session) -> list[Stage]:
    pipeline = lead_pipeline(session)
    return list(
        session.exec(select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.sort, Stage.id))
    )


def first_status(session: Session) -> Stage:
    return next(s for s in lead_statuses(session) if s.semantic == StageSemantic.IN_PROGRESS)


# --- validation ----------------------------------------------------------------------------


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"[\n,;]+", value)
    else:
        parts = [str(v) for v in value]
    return [p.strip() for p in parts if p and p.strip()]


def int_or_none(value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid id: reported as a field error


def _website_problem(value: str) -> Msg | None:
    if value and (" " in value or "." not in value or value.lower().startswith(("javascript:", "data:"))):
        return Msg("Enter a web address, like example.com.")
    return None


def clean_lead_data(session: Session, data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Checks and normalises lead fields. Returns the cleaned values of the fields given.

    Phones become [(shown value, E.164)], e-mails [(shown value, lower-case)]. Raises
    ValidationError with one message per bad field. `partial` cleans only the keys present.
    """
    errors: dict[str, Msg] = {}
    out: dict[str, Any] = {}
    keys = [k for k in ALL_FIELDS if k in data] if partial else list(ALL_FIELDS)
    for key in keys:
        value = data.get(key)
        if key in TEXT_FIELDS:
            label, max_len = TEXT_FIELDS[key]
            text, err = clean_text(None if value is None else str(value), field_label=label, max_len=max_len)
            if not err and key == "website":
                err = _website_problem(text)
            if err:
                errors[key] = err
            out[key] = text
        elif key == "emails":
            items = as_list(value)
            if len(items) > MAX_ITEMS:
                errors[key] = Msg("At most {max} e-mails.", max=MAX_ITEMS)
            cleaned = []
            for item in items[:MAX_ITEMS]:
                norm, err = normalize_email(item)
                if err:
                    errors[key] = Msg("{value}: {problem}", value=item[:60], problem=err)
                    break
                if norm not in {n for _, n in cleaned}:
                    cleaned.append((item, norm))
            out[key] = cleaned
        elif key == "phones":
            items = as_list(value)
            if len(items) > MAX_ITEMS:
                errors[key] = Msg("At most {max} phone numbers.", max=MAX_ITEMS)
            region = get_region(session=session)
            cleaned = []
            for item in items[:MAX_ITEMS]:
                norm, err = normalize_phone(item, region)
                if err:
                    errors[key] = Msg("{value}: {problem}", value=item[:60], problem=err)
                    break
                if norm not in {n for _, n in cleaned}:
                    cleaned.append((item, norm))
            out[key] = cleaned
        elif key == "amount":
            out[key], err = _clean_amount(value)
            if err:
                errors[key] = err
        elif key == "currency_code":
            code = str(value or "").strip().upper() or None
            if code and session.get(Currency, code) is None:
                errors[key] = Msg("Unknown currency.")
            out[key] = code
        elif key == "status_id":
            status_id = int_or_none(value)
            if status_id is not None:
                stage = session.get(Stage, status_id)
                if stage is None or stage.pipeline_id != lead_pipeline(session).id:
                    errors[key] = Msg("Choose a status.")
            out[key] = status_id
        elif key == "source_id":
            source_id = int_or_none(value)
            if source_id is not None and session.get(Source, source_id) is None:
                errors[key] = Msg("Choose a source.")
            out[key] = source_id
        elif key == "responsible_id":
            user_id = int_or_none(value)
            if user_id is not None:
                user = session.get(User, user_id)
                if user is None or not user.is_active:
                    errors[key] = Msg("Choose an active user.")
            out[key] = user_id
    if not partial and not any(out.get(k) for k in ("first_name", "last_name", "company_name", "title")):
        errors.setdefault("last_name", Msg("Enter a name, a company name or a lead title."))
    if out.get("amount") is not None and "currency_code" in out and not out.get("currency_code"):
        out["currency_code"] = defaults.base_currency(session=session)
    if errors:
        raise ValidationError(errors)
    return out


def _clean_amount(value: Any) -> tuple[Decimal | None, Msg | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    text = str(value).strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None, Msg("Enter an amount, like 1500 or 1500.50.")
    if not amount.is_finite() or amount < 0:
        return None, Msg("Enter an amount, like 1500 or 1500.50.")
    if amount > MAX_AMOUNT:
        return None, Msg("This amount is too large.")
    return amount.quantize(Decimal("0.01")), None


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
            .order_by(Communication.is_primary.desc(), Communication.id)
        )
        .all()
    )
    for entity_id, kind, normalized in rows:
        key = "phones" if kind == CommKind.PHONE else "emails" if kind == CommKind.EMAIL else None
        if key:
            out[entity_id][key].append(normalized)
    return out


# --- create / read / update ----------------------------------------------------------------


def create_lead(
    *, session: Session, user: User | None, data: dict[str, Any], origin: str = "form", commit: bool = True
) -> Lead:
    """Create a lead from any way in, with a 'created' history entry saying how it came in.

    user=None is a public web form (no logged-in user); the form gives the responsible.
    """
    if user is not None:
        require_role(user)
    cleaned = clean_lead_data(session, data)
    status_id = cleaned.get("status_id")
    if status_id is None:
        status_id = first_status(session).id
    elif session.get(Stage, status_id).semantic != StageSemantic.IN_PROGRESS:
        raise ValidationError({"status_id": Msg("A new lead starts in a status in progress.")})
    lead = Lead(
        **{k: cleaned[k] for k in TEXT_FIELDS},
        amount=cleaned.get("amount"),
        currency_code=cleaned.get("currency_code"),
        status_id=status_id,
        source_id=cleaned.get("source_id"),
        responsible_id=cleaned.get("responsible_id") or (user.id if user else None),
        created_by_id=user.id if user else None,
    )
    session.add(lead)
    session.flush()
    set_communications(session, EntityType.LEAD, lead.id, phones=cleaned["phones"], emails=cleaned["emails"])
    timeline.record(
        session,
        entity_type=EntityType.LEAD,
        entity_id=lead.id,
        kind=TimelineKind.CREATED,
        author_id=user.id if user else None,
        payload={"origin": origin if origin in ORIGINS else "form"},
    )
    if commit:
        session.commit()
        session.refresh(lead)
    return lead


def get_lead(*, session: Session, user: User, lead_id: int, include_deleted: bool = False) -> Lead:
    require_role(user)
    lead = session.get(Lead, lead_id)
    if lead is None or (lead.deleted_at is not None and not include_deleted):
        raise NotFound(Msg("This lead does not exist or was deleted."))
    return lead


def lead_values(session: Session, lead: Lead) -> dict[str, Any]:
    """All editable values of a lead, as `update_lead` takes them (phones/e-mails as lists)."""
    comms = communications(session, EntityType.LEAD, [lead.id])[lead.id]
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


def _commit(session: Session) -> None:
    """Commit; a save that raced another one on the same row becomes StaleRecord."""
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleRecord() from None


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
    if expected_version is not None and lead.version != expected_version:
        raise StaleRecord()
    cleaned = clean_lead_data(session, data, partial=True)
    if "status_id" in cleaned:
        new_status = cleaned.pop("status_id")
        if new_status is not None and new_status != lead.status_id:
            change_status(session=session, user=user, lead_id=lead.id, status_id=new_status, commit=False)
    before = lead_values(session, lead)
    changes: list[dict[str, Any]] = []
    for key, value in cleaned.items():
        if key in LIST_FIELDS:
            new_norm = [n for _, n in value]
            if new_norm != before[key]:
                changes.append({"field": key, "old": before[key], "new": new_norm})
                set_communications(session, EntityType.LEAD, lead.id, **{key: value})
            continue
        if (
            key == "amount"
            and value is not None
            and not cleaned.get("currency_code")
            and not lead.currency_code
        ):
            lead.currency_code = defaults.base_currency(session=session)
        if value != before[key]:
            changes.append({"field": key, "old": _jsonable(before[key]), "new": _jsonable(value)})
            setattr(lead, key, value)
    if changes:
        lead.updated_at = utcnow()
        session.add(lead)
        for change in changes:
            timeline.record(
                session,
                entity_type=EntityType.LEAD,
                entity_id=lead.id,
                kind=TimelineKind.FIELD_CHANGE,
                author_id=user.id,
                payload=change,
            )
    if commit:
        _commit(session)
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
    if expected_version is not None and lead.version != expected_version:
        raise StaleRecord()
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
        entity_id=lead.id,
        kind=TimelineKind.STAGE_CHANGE,
        author_id=user.id,
        payload={
            "old": old.name if old else "",
            "new": stage.name,
            "old_id": lead.status_id,
            "new_id": stage.id,
        },
    )
    lead.status_id = stage.id
    lead.updated_at = utcnow()
    session.add(lead)
    if commit:
        _commit(session)
        session.refresh(lead)
    return lead


# --- the list (the first configuration of services/listing) ---------------------------------

PAGE_SIZES = listing.PAGE_SIZES
COUNT_CAP = listing.COUNT_CAP


def _primary(kind: CommKind):
    """A lead's first e-mail or phone, as a column of the list query."""
    return (
        select(Communication.normalized)
        .where(
            Communication.entity_type == EntityType.LEAD,
            Communication.entity_id == Lead.id,
            Communication.kind == kind,
        )
        .order_by(Communication.is_primary.desc(), Communication.id)
        .limit(1)
        .correlate(Lead)
        .scalar_subquery()
    )


_EMAIL = _primary(CommKind.EMAIL)
_PHONE = _primary(CommKind.PHONE)
_LIST_SELECT = (
    select(
        Lead.id,
        Lead.title,
        Lead.first_name,
        Lead.last_name,
        Lead.company_name,
        Lead.amount,
        Lead.currency_code,
        Lead.result,
        Lead.created_at,
        Stage.name,
        Stage.color,
        Source.name,
        User.name,
        _EMAIL,
        _PHONE,
    )
    .join(Stage, Stage.id == Lead.status_id)
    .join(Source, Source.id == Lead.source_id, isouter=True)
    .join(User, User.id == Lead.responsible_id, isouter=True)
)

SORT_COLUMNS = {
    "created_at": Lead.created_at,
    "updated_at": Lead.updated_at,
    "title": Lead.title,
    "first_name": Lead.first_name,
    "last_name": Lead.last_name,
    "company_name": Lead.company_name,
    "amount": Lead.amount,
    "status": Stage.sort,
    "source": Source.name,
    "responsible": User.name,
    "email": _LIST_SELECT.selected_columns[13],
    "phone": _LIST_SELECT.selected_columns[14],
    "id": Lead.id,
}


@dataclass
class LeadFilters:
    text: str = ""
    status_ids: list[int] = field(default_factory=list)
    source_ids: list[int] = field(default_factory=list)
    responsible_ids: list[int] = field(default_factory=list)
    created_from: date | None = None
    created_to: date | None = None
    mine: bool = False
    result: str | None = None  # None: all; "open", "converted", "junk"
    deleted: bool = False  # the recycle bin


@dataclass
class LeadRow:
    id: int
    name: str  # display.lead_name: the person, else the company, else the title
    person: str  # the person part alone (empty for a company-only lead)
    title: str
    company_name: str
    status: str
    status_color: str
    source: str
    responsible: str
    email: str
    phone: str
    amount: Decimal | None
    currency_code: str
    result: str
    created_at: datetime


LeadPage = listing.Page[LeadRow]


def _result_filter(stmt, result: str, _user: User):
    if result == "open":
        return stmt.where(Lead.result.is_(None))
    if result in ("converted", "junk"):
        return stmt.where(Lead.result == LeadResult(result))
    return stmt


def _lead_row(r) -> LeadRow:
    (
        lead_id,
        title,
        first,
        last,
        company,
        amount,
        currency,
        result,
        created_at,
        status_name,
        status_color,
        source_name,
        responsible,
        email,
        phone,
    ) = r
    return LeadRow(
        id=lead_id,
        name=display.lead_name(
            id=lead_id, first_name=first, last_name=last, company_name=company, title=title
        ),
        person=display.person_name(first, last),
        title=title,
        company_name=company,
        status=status_name,
        status_color=status_color,
        source=source_name or "",
        responsible=responsible or "",
        email=email or "",
        phone=phone or "",
        amount=amount,
        currency_code=currency or "",
        result=result.value if result else "",
        created_at=created_at,
    )


LEAD_LIST = listing.ListConfig(
    entity=EntityType.LEAD,
    table=Lead,
    columns=_LIST_SELECT,
    sort=SORT_COLUMNS,
    default_sort="created_at",
    filters_type=LeadFilters,
    filters=(
        listing.FilterSpec("deleted", listing.deleted_flag(Lead.deleted_at), always=True),
        listing.FilterSpec(
            "text",
            listing.text_search(
                EntityType.LEAD, Lead.id, [Lead.first_name, Lead.last_name, Lead.company_name, Lead.title]
            ),
        ),
        listing.FilterSpec("status_ids", listing.any_of(Lead.status_id)),
        listing.FilterSpec("source_ids", listing.any_of(Lead.source_id)),
        listing.FilterSpec("responsible_ids", listing.any_of(Lead.responsible_id)),
        listing.FilterSpec("mine", listing.is_current_user(Lead.responsible_id)),
        listing.FilterSpec("created_from", listing.on_or_after(Lead.created_at)),
        listing.FilterSpec("created_to", listing.on_or_before(Lead.created_at)),
        listing.FilterSpec("result", _result_filter),
    ),
    row=_lead_row,
    cache_fields=("result", "deleted"),
)


def search_leads(
    *,
    session: Session,
    user: User,
    filters: LeadFilters | None = None,
    sort: str = "created_at",
    descending: bool = True,
    page: int = 0,
    page_size: int = 50,
) -> listing.Page[LeadRow]:
    """One page of leads, sorted and filtered in SQL, with a total counted up to COUNT_CAP."""
    require_role(user)
    return listing.page(
        LEAD_LIST,
        session=session,
        user=user,
        filters=filters,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
    )


def count_leads(*, session: Session, user: User, filters: LeadFilters | None = None) -> tuple[int, bool]:
    """How many leads this user sees with these filters (capped at COUNT_CAP), and if capped."""
    require_role(user)
    return listing.count(LEAD_LIST, session=session, user=user, filters=filters)


def leads_after(
    *,
    session: Session,
    user: User,
    filters: LeadFilters | None = None,
    after_id: int | None = None,
    limit: int = 50,
    action: permissions.Action = permissions.Action.VIEW,
) -> list[Lead]:
    """Keyset pagination for the API and exports: newest id first, strictly before `after_id`."""
    require_role(user)
    return listing.keyset(
        LEAD_LIST,
        select(Lead),
        session=session,
        user=user,
        filters=filters,
        after_id=after_id,
        limit=limit,
        action=action,
    )


# --- bulk actions ---------------------------------------------------------------------------

MAX_BULK = 500


def _bulk_leads(session: Session, ids: list[int]) -> list[Lead]:
    ids = [int(i) for i in ids][:MAX_BULK]
    if not ids:
        return []
    return list(session.exec(select(Lead).where(col(Lead.id).in_(ids), Lead.deleted_at.is_(None))).all())


def bulk_assign(*, session: Session, user: User, ids: list[int], responsible_id: int) -> int:
    require_role(user)
    target = session.get(User, responsible_id)
    if target is None or not target.is_active:
        raise ValidationError({"responsible_id": Msg("Choose an active user.")})
    count = 0
    for lead in _bulk_leads(session, ids):
        if lead.responsible_id != target.id:
            update_lead(
                session=session, user=user, lead_id=lead.id, data={"responsible_id": target.id}, commit=False
            )
            count += 1
    session.commit()
    return count


def bulk_set_status(*, session: Session, user: User, ids: list[int], status_id: int) -> int:
    """Moves open leads; finalised ones are left as they are. Returns how many moved."""
    require_role(user)
    stage = session.get(Stage, status_id)
    if (
        stage is None
        or stage.pipeline_id != lead_pipeline(session).id
        or stage.semantic != StageSemantic.IN_PROGRESS
    ):
        raise ValidationError({"status_id": Msg("Choose a status in progress.")})
    count = 0
    for lead in _bulk_leads(session, ids):
        if lead.result is None and lead.status_id != stage.id:
            change_status(session=session, user=user, lead_id=lead.id, status_id=stage.id, commit=False)
            count += 1
    session.commit()
    return count


def can_delete(user: User, lead: Lead) -> bool:
    return (
        user.role in (Role.ADMIN, Role.MANAGER)
        or lead.responsible_id == user.id
        or lead.created_by_id == user.id
    )


def bulk_delete(*, session: Session, user: User, ids: list[int]) -> int:
    """Soft delete (recycle bin). Sales reps delete only their own leads."""
    require_role(user)
    leads = _bulk_leads(session, ids)
    if any(not can_delete(user, lead) for lead in leads):
        raise PermissionDenied(Msg("You can delete only your own leads."))
    now = utcnow()
    for lead in leads:
        lead.deleted_at = now
        session.add(lead)
        timeline.record(
            session,
            entity_type=EntityType.LEAD,
            entity_id=lead.id,
            kind=TimelineKind.DELETED,
            author_id=user.id,
        )
    session.commit()
    return len(leads)


def bulk_restore(*, session: Session, user: User, ids: list[int]) -> int:
    """Bring leads back from the recycle bin."""
    require_role(user)
    ids = [int(i) for i in ids][:MAX_BULK]
    rows = (
        session.exec(select(Lead).where(col(Lead.id).in_(ids), Lead.deleted_at.is_not(None))).all()
        if ids
        else []
    )
    if any(not can_delete(user, lead) for lead in rows):
        raise PermissionDenied(Msg("You can restore only your own leads."))
    for lead in rows:
        restore_lead(session=session, user=user, lead_id=lead.id, commit=False)
    session.commit()
    return len(rows)


def restore_lead(*, session: Session, user: User, lead_id: int, commit: bool = True) -> Lead:
    lead = get_lead(session=session, user=user, lead_id=lead_id, include_deleted=True)
    if not can_delete(user, lead):
        raise PermissionDenied()
    if lead.deleted_at is not None:
        lead.deleted_at = None
        session.add(lead)
        timeline.record(
            session,
            entity_type=EntityType.LEAD,
            entity_id=lead.id,
            kind=TimelineKind.RESTORED,
            author_id=user.id,
        )
        session.commit()
    return lead
