"""Global search across leads, contacts, companies and deals (the top bar's box)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, select

from crm_app.models import Communication, Company, Contact, Deal, EntityType, Lead, User
from crm_app.services.auth import require_role

MAX_QUERY = 200


@dataclass
class SearchHit:
    entity_type: str
    id: int
    title: str
    subtitle: str


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _person(first: str, last: str) -> str:
    return " ".join(p for p in (first, last) if p).strip()


def global_search(*, session: Session, user: User, text: str, limit: int = 5) -> list[SearchHit]:
    """Up to `limit` hits per kind of record whose name (or e-mail/phone) contains `text`."""
    require_role(user)
    text = (text or "").strip()[:MAX_QUERY]
    if len(text) < 2:
        return []
    pattern = _like(text)
    hits: list[SearchHit] = []

    comm_ids = {
        kind: select(Communication.entity_id).where(
            Communication.entity_type == kind, Communication.normalized.ilike(pattern, escape="\\")
        )
        for kind in (EntityType.LEAD, EntityType.CONTACT, EntityType.COMPANY)
    }

    leads = session.exec(
        select(Lead)
        .where(Lead.deleted_at.is_(None))
        .where(
            or_(
                Lead.title.ilike(pattern, escape="\\"),
                Lead.first_name.ilike(pattern, escape="\\"),
                Lead.last_name.ilike(pattern, escape="\\"),
                Lead.company_name.ilike(pattern, escape="\\"),
                Lead.id.in_(comm_ids[EntityType.LEAD]),
            )
        )
        .order_by(Lead.created_at.desc())
        .limit(limit)
    ).all()
    for lead in leads:
        name = _person(lead.first_name, lead.last_name)
        hits.append(
            SearchHit(
                "lead",
                lead.id or 0,
                lead.title or name or lead.company_name,
                lead.company_name if name else "",
            )
        )

    contacts = session.exec(
        select(Contact)
        .where(Contact.deleted_at.is_(None))
        .where(
            or_(
                Contact.first_name.ilike(pattern, escape="\\"),
                Contact.last_name.ilike(pattern, escape="\\"),
                Contact.id.in_(comm_ids[EntityType.CONTACT]),
            )
        )
        .order_by(Contact.last_name, Contact.first_name)
        .limit(limit)
    ).all()
    hits += [
        SearchHit("contact", c.id or 0, _person(c.first_name, c.last_name), c.position) for c in contacts
    ]

    companies = session.exec(
        select(Company)
        .where(Company.deleted_at.is_(None))
        .where(or_(Company.name.ilike(pattern, escape="\\"), Company.id.in_(comm_ids[EntityType.COMPANY])))
        .order_by(Company.name)
        .limit(limit)
    ).all()
    hits += [SearchHit("company", c.id or 0, c.name, c.industry) for c in companies]

    deals = session.exec(
        select(Deal)
        .where(Deal.deleted_at.is_(None), Deal.title.ilike(pattern, escape="\\"))
        .order_by(Deal.created_at.desc())
        .limit(limit)
    ).all()
    hits += [SearchHit("deal", d.id or 0, d.title, f"{d.amount} {d.currency_code}") for d in deals]
    return hits
