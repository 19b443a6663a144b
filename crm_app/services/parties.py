"""Contacts and companies (the "parties" a deal is made with): their lists, changes with history,
bulk actions, the links between them and what their cards show.

The two share everything but their fields, so one `Kind` describes each (`CONTACTS`,
`COMPANIES`) and every function takes it. Creation and the field rules are in services/records
(where lead conversion also creates them); lists are configurations of services/listing, read by
the same keyset pages as the leads list.

    page = parties.browse(parties.CONTACTS, session=s, user=u, filters=parties.PartyFilters(text="mar"))
    contact = parties.update(parties.CONTACTS, session=s, user=u, record_id=7, data={...}, expected_version=3)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from crm_app.models import (
    Company,
    Contact,
    ContactCompany,
    EntityType,
    Source,
    TimelineEntry,
    TimelineKind,
    User,
)
from crm_app.models.base import saved_id
from crm_app.services import (
    bulk,
    display,
    leads,
    listing,
    party_index,
    permissions,
    records,
    search_index,
    uow,
)
from crm_app.services.errors import NotFound, PermissionDenied, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.permissions import Action


@dataclass(frozen=True)
class Kind:
    entity: EntityType
    model: Any
    text: dict[str, tuple[str, int]]  # the text fields (records.CONTACT_TEXT / COMPANY_TEXT)
    extra: tuple[str, ...]  # the other fields a form edits
    clean: Callable[[Session, dict[str, Any]], dict[str, Any]]
    name: Callable[[Any], str]
    not_found: str  # N_ messages
    delete_own: str
    restore_own: str


CONTACTS = Kind(
    entity=EntityType.CONTACT,
    model=Contact,
    text=records.CONTACT_TEXT,
    extra=("birthdate", "phones", "emails", "source_id", "responsible_id"),
    clean=records.clean_contact_data,
    name=display.contact_name,
    not_found=N_("This contact does not exist or was deleted."),
    delete_own=N_("You can delete only your own contacts."),
    restore_own=N_("You can restore only your own contacts."),
)
COMPANIES = Kind(
    entity=EntityType.COMPANY,
    model=Company,
    text=records.COMPANY_TEXT,
    extra=("website", "employees", "revenue", "phones", "emails", "source_id", "responsible_id"),
    clean=records.clean_company_data,
    name=display.company_name,
    not_found=N_("This company does not exist or was deleted."),
    delete_own=N_("You can delete only your own companies."),
    restore_own=N_("You can restore only your own companies."),
)
KINDS = {"contact": CONTACTS, "company": COMPANIES}
LIST_FIELDS = ("phones", "emails")


def kind_of(entity: EntityType | str) -> Kind:
    return KINDS[str(entity.value if isinstance(entity, EntityType) else entity)]


# --- the lists (configurations of services/listing) -----------------------------------------------


@dataclass
class PartyFilters:
    text: str = ""
    source_ids: list[int] = field(default_factory=list)
    responsible_ids: list[int] = field(default_factory=list)
    created_from: date | None = None
    created_to: date | None = None
    mine: bool = False
    deleted: bool = False  # the recycle bin


@dataclass
class PartyRow:
    id: int
    name: str
    detail: str  # a contact's position, a company's industry
    related: str  # a contact's primary company, a company's count of contacts
    source: str
    responsible: str
    email: str
    phone: str
    created_at: datetime


def _primary_company():
    return (
        sa_select(col(Company.name))
        .join(ContactCompany, col(ContactCompany.company_id) == Company.id)
        .where(
            col(ContactCompany.contact_id) == Contact.id,
            col(ContactCompany.is_primary).is_(True),
            col(Company.deleted_at).is_(None),
        )
        .limit(1)
        .scalar_subquery()
    )


def _contact_count():
    return (
        sa_select(func.count())
        .select_from(ContactCompany)
        .join(Contact, col(Contact.id) == ContactCompany.contact_id)
        .where(col(ContactCompany.company_id) == Company.id, col(Contact.deleted_at).is_(None))
        .scalar_subquery()
    )


def _columns(model, detail, related):
    return (
        sa_select(
            col(model.id),
            col(model.sort_name),
            detail,
            related,
            col(Source.name),
            col(User.name),
            col(model.primary_email),
            col(model.primary_phone),
            col(model.created_at),
            *(
                [col(Contact.first_name), col(Contact.second_name), col(Contact.last_name)]
                if model is Contact
                else []
            ),
            *([col(Company.name)] if model is Company else []),
        )
        .join(Source, col(Source.id) == model.source_id, isouter=True)
        .join(User, col(User.id) == model.responsible_id, isouter=True)
    )


def _row(model) -> Callable[[Any], PartyRow]:
    def make(r) -> PartyRow:
        row_id, _sort, detail, related, source, responsible, email, phone, created, *names = r
        name = (
            display.person_name(names[0], names[2], names[1]) if model is Contact else (names[0] or "")
        ) or f"#{row_id}"
        return PartyRow(
            id=row_id,
            name=name,
            detail=detail or "",
            related=str(related) if related not in (None, "") else "",
            source=source or "",
            responsible=responsible or "",
            email=email or "",
            phone=phone or "",
            created_at=created,
        )

    return make


def _sort_map(model, detail: str) -> dict[str, Any]:
    return {
        "name": model.sort_name,
        "created_at": model.created_at,
        "updated_at": model.updated_at,
        detail: getattr(model, detail),
        "email": model.primary_email,
        "phone": model.primary_phone,
        "source": listing.by_source(model.source_id),
        "responsible": listing.by_user(model.responsible_id),
        "id": model.id,
    }


def _filters(model) -> tuple[listing.FilterSpec, ...]:
    return (
        listing.FilterSpec("deleted", listing.deleted_flag(model.deleted_at), always=True),
        # a search counts its matches up to SEARCH_CAP ("500+"), as the leads list does
        listing.FilterSpec(
            "text",
            listing.indexed_search(lambda text: party_index.matching(model, text)),
            cap=search_index.SEARCH_CAP,
        ),
        listing.FilterSpec("source_ids", listing.any_of(model.source_id)),
        listing.FilterSpec("responsible_ids", listing.any_of(model.responsible_id)),
        listing.FilterSpec("mine", listing.is_current_user(model.responsible_id)),
        listing.FilterSpec("created_from", listing.on_or_after(model.created_at)),
        listing.FilterSpec("created_to", listing.on_or_before(model.created_at)),
    )


CONTACT_LIST = listing.ListConfig(
    entity=EntityType.CONTACT,
    table=Contact,
    columns=_columns(Contact, col(Contact.position), _primary_company().label("company")),
    sort=_sort_map(Contact, "position"),
    default_sort="created_at",
    filters_type=PartyFilters,
    filters=_filters(Contact),
    row=_row(Contact),
    cache_fields=("deleted",),
)
COMPANY_LIST = listing.ListConfig(
    entity=EntityType.COMPANY,
    table=Company,
    columns=_columns(Company, col(Company.industry), _contact_count().label("contacts")),
    sort=_sort_map(Company, "industry"),
    default_sort="created_at",
    filters_type=PartyFilters,
    filters=_filters(Company),
    row=_row(Company),
    cache_fields=("deleted",),
)
LISTS = {EntityType.CONTACT: CONTACT_LIST, EntityType.COMPANY: COMPANY_LIST}


def browse(
    kind: Kind,
    *,
    session: Session,
    user: User,
    filters: PartyFilters | None = None,
    sort: str = "created_at",
    descending: bool = True,
    after: str = "",
    before: str = "",
    last: bool = False,
    page_size: int = 50,
) -> listing.KeysetPage[PartyRow]:
    """One page of contacts or companies by keyset, filtered, scoped and sorted in SQL."""
    permissions.require_user(user)
    return listing.keyset_page(
        LISTS[kind.entity],
        session=session,
        user=user,
        filters=filters,
        sort=sort,
        descending=descending,
        after=after,
        before=before,
        last=last,
        page_size=page_size,
    )


def changeable_ids(
    kind: Kind, *, session: Session, user: User, ids: list[int], action: Action = Action.EDIT
) -> set[int]:
    return bulk.changeable_ids(kind.model, kind.entity, session=session, user=user, ids=ids, action=action)


# --- one record -----------------------------------------------------------------------------------


def visible_company(session: Session, user: User, company_id: int) -> Company | None:
    """A live company this user may see, else None (a new contact may belong to it)."""
    row = records.get_live(session, Company, company_id)
    return row if row is not None and permissions.can(session, user, Action.VIEW, row) else None


def get(kind: Kind, *, session: Session, user: User, record_id: int, include_deleted: bool = False):
    """A contact or company the user may see (NotFound when it does not exist, or is deleted)."""
    permissions.require_user(user)
    row = session.get(kind.model, int(record_id)) if record_id else None
    if row is None or (row.deleted_at is not None and not include_deleted):
        raise NotFound(Msg(kind.not_found))
    permissions.require(session, user, Action.VIEW, row)
    return row


def values(session: Session, kind: Kind, row) -> dict[str, Any]:
    """What a form shows and a change compares: text fields, the others, phones and e-mails
    (normalised, primary first)."""
    comms = leads.communications(session, kind.entity, [saved_id(row)])[saved_id(row)]
    out: dict[str, Any] = {k: getattr(row, k) or "" for k in kind.text}
    for key in kind.extra:
        out[key] = comms[key] if key in LIST_FIELDS else getattr(row, key)
    return out


def update(
    kind: Kind,
    *,
    session: Session,
    user: User,
    record_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
    commit: bool = True,
):
    """Change the fields given in `data` (the others keep their values); each change goes to the
    history as old -> new. A version other than `expected_version` means someone saved in
    between: StaleRecord, and nothing changes."""
    row = get(kind, session=session, user=user, record_id=record_id)
    permissions.require(session, user, Action.EDIT, row)
    uow.check_version(row, expected_version)
    before = values(session, kind, row)
    given = {k: v for k, v in data.items() if k in kind.text or k in kind.extra}
    cleaned = kind.clean(session, {**before, **given})
    changed = {k: cleaned.get(k) for k in given}
    if changed.get("responsible_id", 0) is None:
        del changed["responsible_id"]  # a record always has a responsible user
    leads.apply_changes(session, user, kind.entity, row, changed, before)
    if commit:
        uow.commit(session)
        session.refresh(row)
    return row


# --- bulk actions -------------------------------------------------------------------------------


def _refused(kind: Kind) -> Callable[[int], Msg]:
    if kind is CONTACTS:
        return lambda n: Msg(
            "{count} of the selected contacts belongs to another user: you may not change it. Nothing was changed.",
            plural="{count} of the selected contacts belong to other users: you may not change them. Nothing was changed.",
            count=n,
        )
    return lambda n: Msg(
        "{count} of the selected companies belongs to another user: you may not change it. Nothing was changed.",
        plural="{count} of the selected companies belong to other users: you may not change them. Nothing was changed.",
        count=n,
    )


def bulk_assign(kind: Kind, *, session: Session, user: User, ids: list[int], responsible_id: int) -> int:
    """Give the selected rows to another user (all or none); returns how many changed hands."""
    permissions.require_user(user)
    target = session.get(User, responsible_id)
    if target is None or not target.is_active:
        raise ValidationError({"responsible_id": Msg("Choose an active user.")})
    rows = bulk.selected(kind.model, session, ids)
    bulk.require_all(session, user, Action.EDIT, rows, _refused(kind))
    count = 0
    for row in rows:
        if row.responsible_id != target.id:
            update(
                kind,
                session=session,
                user=user,
                record_id=saved_id(row),
                data={"responsible_id": target.id},
                commit=False,
            )
            count += 1
    uow.commit(session)
    return count


def bulk_delete(kind: Kind, *, session: Session, user: User, ids: list[int]) -> int:
    """To the recycle bin: only rows the user may delete (all or none)."""
    permissions.require_user(user)
    rows = bulk.selected(kind.model, session, ids)
    if any(not permissions.can(session, user, Action.DELETE, row) for row in rows):
        raise PermissionDenied(Msg(kind.delete_own))
    count = bulk.to_recycle_bin(session, user, kind.entity, rows)
    uow.commit(session)
    return count


def bulk_restore(kind: Kind, *, session: Session, user: User, ids: list[int]) -> int:
    permissions.require_user(user)
    rows = bulk.selected(kind.model, session, ids, deleted=True)
    if any(not permissions.can(session, user, Action.DELETE, row) for row in rows):
        raise PermissionDenied(Msg(kind.restore_own))
    count = bulk.from_recycle_bin(session, user, kind.entity, rows)
    uow.commit(session)
    return count


def delete(kind: Kind, *, session: Session, user: User, record_id: int) -> None:
    """One record to the recycle bin (its card's Delete)."""
    row = get(kind, session=session, user=user, record_id=record_id)
    if not permissions.can(session, user, Action.DELETE, row):
        raise PermissionDenied(Msg(kind.delete_own))
    bulk.to_recycle_bin(session, user, kind.entity, [row])
    uow.commit(session)


# --- new records (the "Add contact" / "Add company" forms) ----------------------------------------


def check_new(kind: Kind, *, session: Session, user: User, data: dict[str, Any]) -> tuple[list, str]:
    """Before saving a new contact or company: the leads, contacts and companies with the same
    e-mail or phone (or, for a company, a close name), and a key of the values they were found
    for (the form asks once per set of values). Raises ValidationError for bad values."""
    from crm_app.services.duplicates import find_matches

    permissions.require(session, user, Action.CREATE, kind.entity)
    cleaned = kind.clean(session, data)
    emails = sorted(n for _, n in cleaned["emails"])
    phones = sorted(n for _, n in cleaned["phones"])
    company = cleaned.get("name", "") if kind is COMPANIES else ""
    matches = find_matches(session=session, emails=emails, phones=phones, company_name=company)
    return matches, repr((emails, phones, company.casefold()))


def create(
    kind: Kind,
    *,
    session: Session,
    user: User,
    data: dict[str, Any],
    duplicates: list | None = None,
    origin: str = "form",
):
    """A new contact or company from the form (a contact may name the company it belongs to:
    `company_id`); the possible duplicates the user saw stay on its "created" history entry."""
    company_id = records.int_or_none(data.get("company_id"))
    if kind is CONTACTS and company_id is not None and visible_company(session, user, company_id) is None:
        raise ValidationError({"company_id": Msg("Choose a company.")})
    if kind is CONTACTS:
        row = records.create_contact(session=session, user=user, data=data, origin=origin, commit=False)
    else:
        row = records.create_company(session=session, user=user, data=data, origin=origin, commit=False)
    if duplicates:
        session.flush()
        entry = session.exec(
            select(TimelineEntry).where(
                TimelineEntry.entity_type == kind.entity,
                TimelineEntry.entity_id == saved_id(row),
                TimelineEntry.kind == TimelineKind.CREATED,
            )
        ).first()
        if entry is not None:
            entry.payload = {
                **entry.payload,
                "duplicates": [{"type": m.entity_type, "id": m.id, "title": m.title} for m in duplicates[:5]],
            }
            session.add(entry)
    uow.commit(session)
    session.refresh(row)
    return row


def rows_after(
    kind: Kind,
    *,
    session: Session,
    user: User,
    filters: PartyFilters | None = None,
    after_id: int | None = None,
    limit: int = 50,
    action: Action = Action.VIEW,
) -> list:
    """Keyset pagination for the API and exports: newest id first, strictly before `after_id`."""
    permissions.require_user(user)
    return listing.keyset(
        LISTS[kind.entity],
        select(kind.model),
        session=session,
        user=user,
        filters=filters,
        after_id=after_id,
        limit=limit,
        action=action,
    )
