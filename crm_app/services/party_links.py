"""What links contacts and companies, and what their cards show: a contact belongs to any number
of companies (one primary), each link change in the history of both sides; the card's view model
(values, the linked records, deals, the lead it came from, what the user may do) in a few queries.
The records themselves and their lists are services/parties'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

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
    TimelineKind,
    User,
)
from crm_app.models.base import saved_id
from crm_app.services import display, permissions, records, timeline, uow
from crm_app.services.errors import PermissionDenied, ValidationError
from crm_app.services.i18n import Msg
from crm_app.services.parties import COMPANIES, CONTACTS, Kind, get, values
from crm_app.services.permissions import Action

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
