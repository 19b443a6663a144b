"""Global search across leads, contacts, companies and deals (the top bar's box)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm_app.models import Company, Contact, Deal, EntityType, Lead, User
from crm_app.services import display, formatting, party_index, permissions, search_index, textsearch

MAX_QUERY = 200


@dataclass
class SearchHit:
    entity_type: str
    id: int
    title: str
    subtitle: str


def global_search(
    *, session: Session, user: User, text: str, limit: int = 5, lang: str | None = None
) -> list[SearchHit]:
    """Up to `limit` hits per kind of record whose name (or e-mail/phone) contains `text`.

    Amounts are written in `lang` (default: the user's language)."""
    permissions.require_user(user)
    lang = lang or user.language
    text = (text or "").strip()[:MAX_QUERY]
    if len(text) < 2:
        return []
    hits: list[SearchHit] = []
    leads = session.exec(
        permissions.visible(select(Lead), session=session, user=user, entity=EntityType.LEAD)
        .where(col(Lead.deleted_at).is_(None))
        .where(search_index.lead_matching(text))
        .order_by(col(Lead.created_at).desc())
        .limit(limit)
    ).all()
    hits += [SearchHit("lead", lead.id or 0, display.lead_name(lead), _lead_detail(lead)) for lead in leads]

    contacts = session.exec(
        permissions.visible(select(Contact), session=session, user=user, entity=EntityType.CONTACT)
        .where(col(Contact.deleted_at).is_(None))
        .where(party_index.matching(Contact, text))
        .order_by(col(Contact.sort_name), col(Contact.id))
        .limit(limit)
    ).all()
    hits += [SearchHit("contact", c.id or 0, display.contact_name(c), c.position) for c in contacts]

    companies = session.exec(
        permissions.visible(select(Company), session=session, user=user, entity=EntityType.COMPANY)
        .where(col(Company.deleted_at).is_(None))
        .where(party_index.matching(Company, text))
        .order_by(col(Company.sort_name), col(Company.id))
        .limit(limit)
    ).all()
    hits += [SearchHit("company", c.id or 0, display.company_name(c), c.industry) for c in companies]

    pattern = textsearch.like_pattern(text)
    deals = session.exec(
        permissions.visible(select(Deal), session=session, user=user, entity=EntityType.DEAL)
        .where(col(Deal.deleted_at).is_(None), func.lower(Deal.title).like(pattern, escape="\\"))
        .order_by(col(Deal.created_at).desc())
        .limit(limit)
    ).all()
    hits += [
        SearchHit("deal", d.id or 0, display.deal_name(d), formatting.money(d.amount, d.currency_code, lang))
        for d in deals
    ]
    return hits


def _lead_detail(lead: Lead) -> str:
    """The title and company under a lead's name, leaving out what the name already shows
    (a company-only lead is named by its company, a lead with neither by its title)."""
    name = display.lead_name(lead)
    parts = [(lead.title or "").strip(), (lead.company_name or "").strip()]
    return " · ".join(p for p in parts if p and p != name)
