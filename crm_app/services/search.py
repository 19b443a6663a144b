"""Global search across leads, contacts, companies and deals (the top bar's box)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from crm_app.models import Company, Contact, Deal, EntityType, Lead, User
from crm_app.services import display, textsearch
from crm_app.services.auth import require_role

MAX_QUERY = 200


@dataclass
class SearchHit:
    entity_type: str
    id: int
    title: str
    subtitle: str


def global_search(*, session: Session, user: User, text: str, limit: int = 5) -> list[SearchHit]:
    """Up to `limit` hits per kind of record whose name (or e-mail/phone) contains `text`."""
    require_role(user)
    text = (text or "").strip()[:MAX_QUERY]
    if len(text) < 2:
        return []
    hits: list[SearchHit] = []
    leads = session.exec(
        select(Lead)
        .where(Lead.deleted_at.is_(None))
        .where(
            textsearch.matching(
                EntityType.LEAD,
                Lead.id,
                [Lead.title, Lead.first_name, Lead.last_name, Lead.company_name],
                text,
            )
        )
        .order_by(Lead.created_at.desc())
        .limit(limit)
    ).all()
    for lead in leads:
        name = display.lead_name(lead)
        detail = lead.company_name if display.lead_person(lead) else ""
        hits.append(
            SearchHit("lead", lead.id or 0, name, detail or (lead.title if lead.title != name else ""))
        )

    contacts = session.exec(
        select(Contact)
        .where(Contact.deleted_at.is_(None))
        .where(
            textsearch.matching(EntityType.CONTACT, Contact.id, [Contact.first_name, Contact.last_name], text)
        )
        .order_by(Contact.last_name, Contact.first_name)
        .limit(limit)
    ).all()
    hits += [SearchHit("contact", c.id or 0, display.contact_name(c), c.position) for c in contacts]

    companies = session.exec(
        select(Company)
        .where(Company.deleted_at.is_(None))
        .where(textsearch.matching(EntityType.COMPANY, Company.id, [Company.name], text))
        .order_by(Company.name)
        .limit(limit)
    ).all()
    hits += [SearchHit("company", c.id or 0, display.company_name(c), c.industry) for c in companies]

    pattern = textsearch.like_pattern(text)
    deals = session.exec(
        select(Deal)
        .where(Deal.deleted_at.is_(None), func.lower(Deal.title).like(pattern, escape="\\"))
        .order_by(Deal.created_at.desc())
        .limit(limit)
    ).all()
    hits += [
        SearchHit("deal", d.id or 0, display.deal_name(d), f"{d.amount} {d.currency_code}") for d in deals
    ]
    return hits
