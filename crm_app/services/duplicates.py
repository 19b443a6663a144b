"""Duplicate detection: the same e-mail or phone on a lead, contact or company, or a close
company name (rapidfuzz). Used by the lead form before saving, by imports, web forms and the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func
from sqlmodel import Session, col, select

from crm_app.models import CommKind, Communication, Company, Contact, EntityType, Lead

COMPANY_SCORE = 90  # rapidfuzz token_sort_ratio, 0-100
MAX_MATCHES = 10


@dataclass(frozen=True)
class Match:
    entity_type: str  # lead, contact, company
    id: int
    title: str
    reason: str  # "email", "phone", "company"
    value: str


def _names(session: Session, entity_type: EntityType, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    if entity_type == EntityType.LEAD:
        rows = session.exec(
            select(Lead.id, Lead.first_name, Lead.last_name, Lead.company_name, Lead.title).where(
                col(Lead.id).in_(ids), Lead.deleted_at.is_(None)
            )
        ).all()
        return {i: " ".join(p for p in (first, last) if p) or c or t for i, first, last, c, t in rows}
    if entity_type == EntityType.CONTACT:
        rows = session.exec(
            select(Contact.id, Contact.first_name, Contact.last_name).where(
                col(Contact.id).in_(ids), Contact.deleted_at.is_(None)
            )
        ).all()
        return {i: " ".join(p for p in (first, last) if p) for i, first, last in rows}
    rows = session.exec(
        select(Company.id, Company.name).where(col(Company.id).in_(ids), Company.deleted_at.is_(None))
    ).all()
    return dict(rows)


def find_matches(
    *,
    session: Session,
    emails: list[str] = (),  # normalised (lower case)
    phones: list[str] = (),  # E.164
    company_name: str = "",
    exclude: tuple[str, int] | None = None,  # ("lead", id) of the record being edited
    limit: int = MAX_MATCHES,
) -> list[Match]:
    """Existing leads, contacts and companies that look like the same person or company."""
    found: dict[tuple[str, int], Match] = {}
    by_kind = [(CommKind.EMAIL, list(emails)), (CommKind.PHONE, list(phones))]
    for kind, values in by_kind:
        if not values:
            continue
        rows = session.exec(
            select(Communication.entity_type, Communication.entity_id, Communication.normalized)
            .where(Communication.kind == kind, col(Communication.normalized).in_(values))
            .limit(limit * 3)
        ).all()
        ids_by_type: dict[EntityType, set[int]] = {}
        for etype, eid, _ in rows:
            ids_by_type.setdefault(EntityType(etype), set()).add(eid)
        names = {etype: _names(session, etype, ids) for etype, ids in ids_by_type.items()}
        for etype, eid, value in rows:
            key = (EntityType(etype).value, eid)
            if key == exclude or eid not in names[EntityType(etype)] or key in found:
                continue
            found[key] = Match(key[0], eid, names[EntityType(etype)][eid], kind.value, value)
    name = (company_name or "").strip()
    if len(name) >= 3:
        for match in _company_name_matches(session, name, limit=limit):
            key = (match.entity_type, match.id)
            if key != exclude and key not in found:
                found[key] = match
    return list(found.values())[:limit]


def _company_name_matches(session: Session, name: str, *, limit: int) -> list[Match]:
    """Close company names among companies and open leads. Candidates share the first letters
    (an indexed prefix scan), then rapidfuzz scores them."""
    processed = utils.default_process(name)
    if not processed:
        return []
    prefix = processed[:3]
    candidates: list[tuple[str, int, str]] = []
    companies = session.exec(
        select(Company.id, Company.name)
        .where(Company.deleted_at.is_(None), func.lower(Company.name).like(f"{prefix}%"))
        .limit(2000)
    ).all()
    candidates += [("company", i, n) for i, n in companies]
    leads = session.exec(
        select(Lead.id, Lead.company_name)
        .where(
            Lead.deleted_at.is_(None),
            Lead.company_name != "",
            func.lower(Lead.company_name).like(f"{prefix}%"),
        )
        .limit(2000)
    ).all()
    candidates += [("lead", i, n) for i, n in leads]
    if not candidates:
        return []
    scored = process.extract(
        name,
        [c[2] for c in candidates],
        scorer=fuzz.token_sort_ratio,
        processor=utils.default_process,
        score_cutoff=COMPANY_SCORE,
        limit=limit,
    )
    return [
        Match(candidates[i][0], candidates[i][1], candidates[i][2], "company", candidates[i][2])
        for _, _, i in scored
    ]
