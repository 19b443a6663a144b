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
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from crm_app.models import (
    Company,
    Contact,
    ContactCompany,
    Deal,
    EntityType,
    Lead,
    Source,
    Stage,
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
    timeline,
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


# --- contacts <-> companies ---------------------------------------------------------------------


def _pair(session: Session, user: User, contact_id: int, company_id: int) -> tuple[Contact, Company]:
    """The contact and the company of a link, both live and visible; the user may edit one of them."""
    contact = get(CONTACTS, session=session, user=user, record_id=contact_id)
    company = get(COMPANIES, session=session, user=user, record_id=company_id)
    if not (
        permissions.can(session, user, Action.EDIT, contact)
        or permissions.can(session, user, Action.EDIT, company)
    ):
        raise PermissionDenied(Msg("You may change neither this contact nor this company."))
    return contact, company


def _company_names(session: Session, contact_id: int) -> list[str]:
    rows = session.exec(
        select(Company.name)
        .join(ContactCompany, col(ContactCompany.company_id) == Company.id)
        .where(ContactCompany.contact_id == contact_id, col(Company.deleted_at).is_(None))
        .order_by(col(ContactCompany.is_primary).desc(), col(Company.name))
    ).all()
    return list(rows)


def _contact_names(session: Session, company_id: int) -> list[str]:
    rows = session.exec(
        select(Contact)
        .join(ContactCompany, col(ContactCompany.contact_id) == Contact.id)
        .where(ContactCompany.company_id == company_id, col(Contact.deleted_at).is_(None))
        .order_by(col(Contact.sort_name), col(Contact.id))
    ).all()
    return [display.contact_name(c) for c in rows]


def _record_link_change(session: Session, user: User, contact: Contact, company: Company, before) -> None:
    """One history entry on each side: the contact's companies, the company's contacts (old -> new)."""
    session.flush()
    for entity, row_id, key, old, new in (
        (
            EntityType.CONTACT,
            saved_id(contact),
            "companies",
            before[0],
            _company_names(session, saved_id(contact)),
        ),
        (
            EntityType.COMPANY,
            saved_id(company),
            "contacts",
            before[1],
            _contact_names(session, saved_id(company)),
        ),
    ):
        if old != new:
            timeline.record(
                session,
                entity_type=entity,
                entity_id=row_id,
                kind=TimelineKind.FIELD_CHANGE,
                author_id=user.id,
                payload={"field": key, "old": old, "new": new},
            )


def link(*, session: Session, user: User, contact_id: int, company_id: int, primary: bool = False) -> bool:
    """The contact belongs to the company too (its first company is its primary one; `primary`
    makes this one primary). False when the link was there already (and primary unchanged)."""
    contact, company = _pair(session, user, contact_id, company_id)
    before = (_company_names(session, contact_id), _contact_names(session, company_id))
    added = records.link_contact_company(session, contact_id=contact_id, company_id=company_id)
    changed = added
    if primary:
        changed = _make_primary(session, contact_id, company_id) or changed
    if changed:
        _record_link_change(session, user, contact, company, before)
        uow.commit(session)
    return changed


def unlink(*, session: Session, user: User, contact_id: int, company_id: int) -> bool:
    """The contact no longer belongs to the company; if it was the primary one, the next company
    (by name) becomes primary."""
    contact, company = _pair(session, user, contact_id, company_id)
    row = session.get(ContactCompany, (contact_id, company_id))
    if row is None:
        return False
    before = (_company_names(session, contact_id), _contact_names(session, company_id))
    was_primary = row.is_primary
    session.delete(row)
    session.flush()
    if was_primary:
        nxt = session.exec(
            select(ContactCompany)
            .join(Company, col(Company.id) == ContactCompany.company_id)
            .where(ContactCompany.contact_id == contact_id, col(Company.deleted_at).is_(None))
            .order_by(col(Company.name), col(Company.id))
        ).first()
        if nxt is not None:
            nxt.is_primary = True
            session.add(nxt)
    _record_link_change(session, user, contact, company, before)
    uow.commit(session)
    return True


def make_primary(*, session: Session, user: User, contact_id: int, company_id: int) -> bool:
    """This company becomes the contact's primary one (the contact must belong to it)."""
    contact, company = _pair(session, user, contact_id, company_id)
    if session.get(ContactCompany, (contact_id, company_id)) is None:
        raise ValidationError({"company_id": Msg("This contact does not belong to this company.")})
    before = (_company_names(session, contact_id), _contact_names(session, company_id))
    if not _make_primary(session, contact_id, company_id):
        return False
    _record_link_change(session, user, contact, company, before)
    uow.commit(session)
    return True


def _make_primary(session: Session, contact_id: int, company_id: int) -> bool:
    links = session.exec(select(ContactCompany).where(ContactCompany.contact_id == contact_id)).all()
    changed = False
    for row in links:
        want = row.company_id == company_id
        if row.is_primary != want:
            row.is_primary = want
            session.add(row)
            changed = True
    session.flush()
    return changed


# --- what a card shows ----------------------------------------------------------------------------


@dataclass
class Related:
    id: int
    name: str
    detail: str = ""
    primary: bool = False


@dataclass
class DealLine:
    id: int
    title: str
    stage: str
    stage_color: str
    amount: Decimal
    currency_code: str
    closed: bool


@dataclass
class PartyCard:
    id: int
    version: int
    name: str
    values: dict[str, Any]
    source_name: str
    responsible_name: str
    created_at: datetime
    related: list[Related]  # a contact's companies (primary first), a company's contacts
    deals: list[DealLine]
    lead: Related | None  # the lead it came from
    may_edit: bool = False
    may_delete: bool = False


MAX_RELATED = 200


def card(kind: Kind, *, session: Session, user: User, record_id: int, row=None) -> PartyCard:
    """Everything a contact's or company's card shows, in a few queries; the related records and
    the deals are those the user may see."""
    row = row if row is not None else get(kind, session=session, user=user, record_id=record_id)
    rid = saved_id(row)
    if kind is CONTACTS:
        stmt = (
            select(Company.id, Company.name, Company.industry, ContactCompany.is_primary)
            .join(ContactCompany, col(ContactCompany.company_id) == Company.id)
            .where(ContactCompany.contact_id == rid, col(Company.deleted_at).is_(None))
            .order_by(col(ContactCompany.is_primary).desc(), col(Company.name))
        )
        scoped = permissions.visible(stmt, session=session, user=user, entity=EntityType.COMPANY)
        related = [
            Related(int(i or 0), n or f"#{i}", d or "", bool(p))
            for i, n, d, p in session.exec(scoped.limit(MAX_RELATED))
        ]
        deal_cond = col(Deal.contact_id) == rid
    else:
        stmt = (
            select(Contact, ContactCompany.is_primary)
            .join(ContactCompany, col(ContactCompany.contact_id) == Contact.id)
            .where(ContactCompany.company_id == rid, col(Contact.deleted_at).is_(None))
            .order_by(col(Contact.sort_name), col(Contact.id))
        )
        scoped = permissions.visible(stmt, session=session, user=user, entity=EntityType.CONTACT)
        related = [
            Related(saved_id(c), display.contact_name(c), c.position or c.primary_email, bool(p))
            for c, p in session.exec(scoped.limit(MAX_RELATED))
        ]
        deal_cond = col(Deal.company_id) == rid
    deals_stmt = (
        sa_select(  # sqlmodel's select is typed for at most four columns
            col(Deal.id),
            col(Deal.title),
            col(Stage.name),
            col(Stage.color),
            col(Deal.amount),
            col(Deal.currency_code),
            col(Deal.closed),
        )
        .join(Stage, col(Stage.id) == Deal.stage_id)
        .where(deal_cond, col(Deal.deleted_at).is_(None))
        .order_by(col(Deal.closed), col(Deal.id).desc())
    )
    deals_stmt = permissions.visible(deals_stmt, session=session, user=user, entity=EntityType.DEAL)
    deals = [
        DealLine(int(i or 0), t or f"#{i}", st or "", color or "", amount, cur, bool(closed))
        for i, t, st, color, amount, cur, closed in session.connection().execute(
            deals_stmt.limit(MAX_RELATED)
        )
    ]
    lead = None
    if row.lead_id:
        found = session.get(Lead, row.lead_id)
        if (
            found is not None
            and found.deleted_at is None
            and permissions.can(session, user, Action.VIEW, found)
        ):
            lead = Related(saved_id(found), display.lead_name(found))
    source = session.get(Source, row.source_id) if row.source_id else None
    responsible = session.get(User, row.responsible_id) if row.responsible_id else None
    return PartyCard(
        id=rid,
        version=row.version,
        name=kind.name(row),
        values=values(session, kind, row),
        source_name=source.name if source else "",
        responsible_name=responsible.name if responsible else "",
        created_at=row.created_at,
        related=related,
        deals=deals,
        lead=lead,
        may_edit=permissions.can(session, user, Action.EDIT, row),
        may_delete=permissions.can(session, user, Action.DELETE, row),
    )


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
