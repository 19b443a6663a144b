"""The one duplicate rule for a new or changed lead: existing leads, contacts and companies with
the same e-mail or phone, or a close company name (rapidfuzz).

`find_matches_batch` checks many candidates at once (the CSV import, a batch of `create_leads`):
one query per kind of value for the whole batch, and one company-name scan per 3-letter prefix.
`find_matches` is the same rule for one record (the lead form, web forms, the API, conversion).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import and_, exists, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from crm_app.models import CommKind, Communication, Company, Contact, EntityType, Lead
from crm_app.models.base import table_of
from crm_app.services import display
from crm_app.services.validation import fold

COMPANY_SCORE = 90  # rapidfuzz token_sort_ratio, 0-100
MAX_MATCHES = 10
PREFIX_CANDIDATES = 2000  # rows per table scored by rapidfuzz for one 3-letter prefix
CHUNK = 500  # values per IN (...) list
POLICY_REASONS = ("email", "phone", "name")  # what makes a duplicate for skip / update
NAME_FIELDS = ("first_name", "last_name", "company_name", "title")


@dataclass(frozen=True)
class Match:
    entity_type: str  # lead, contact, company
    id: int
    title: str
    reason: str  # "email", "phone", "company"
    value: str


@dataclass(frozen=True)
class Candidate:
    """What a record is matched on: normalised e-mails (lower case), E.164 phones, company name."""

    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    company_name: str = ""
    exclude: tuple[str, int] | None = None  # ("lead", id) of the record being edited
    # the lead's NAME_FIELDS, for a record without e-mail or phone: then a lead with the same
    # names (without case or accents) matches too, reason "name" (the import's skip / update)
    names: tuple[str, ...] | None = None


def candidate(
    cleaned: dict[str, Any],
    exclude: tuple[str, int] | None = None,
    names: tuple[str, ...] | None = None,
) -> Candidate:
    """The candidate for lead values cleaned by `leads.clean_lead_data`."""
    return Candidate(
        emails=tuple(norm for _, norm in cleaned.get("emails") or []),
        phones=tuple(norm for _, norm in cleaned.get("phones") or []),
        company_name=cleaned.get("company_name") or "",
        exclude=exclude,
        names=names,
    )


def match_json(match: Match) -> dict[str, Any]:
    """A match as the lead's "created" history entry keeps it (payload["duplicates"])."""
    return {
        "entity_type": match.entity_type,
        "id": match.id,
        "title": match.title,
        "reason": match.reason,
        "value": match.value,
    }


def _chunks(values: Sequence[Any]) -> list[list[Any]]:
    values = list(values)
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def _names(session: Session, entity_type: EntityType, ids: set[int]) -> dict[int, str]:
    """Display names (services.display) of the records that are not deleted (deleted ones never match)."""
    if entity_type == EntityType.LEAD:
        model, columns, name_of = Lead, display.LEAD_COLUMNS, display.lead_name
    elif entity_type == EntityType.CONTACT:
        model, columns, name_of = Contact, display.CONTACT_COLUMNS, display.contact_name
    else:
        model, columns, name_of = Company, display.COMPANY_COLUMNS, display.company_name
    t = table_of(model).c
    out: dict[int, str] = {}
    for part in _chunks(sorted(ids)):
        stmt = sa_select(*(col(c) for c in columns)).where(t.id.in_(part), t.deleted_at.is_(None))
        for row in session.connection().execute(stmt):
            out[row.id] = name_of(row)
    return out


def _alive():
    """The communication row belongs to a lead, contact or company that is not deleted."""
    c = Communication.__table__.c  # type: ignore[attr-defined]
    lead, contact, company = (m.__table__.c for m in (Lead, Contact, Company))  # type: ignore[attr-defined]
    return or_(
        and_(
            c.entity_type == EntityType.LEAD,
            exists().where(lead.id == c.entity_id, lead.deleted_at.is_(None)),
        ),
        and_(
            c.entity_type == EntityType.CONTACT,
            exists().where(contact.id == c.entity_id, contact.deleted_at.is_(None)),
        ),
        and_(
            c.entity_type == EntityType.COMPANY,
            exists().where(company.id == c.entity_id, company.deleted_at.is_(None)),
        ),
    )


# (communication id, entity type, entity id) per (kind, value), newest first
_Holders = dict[tuple[CommKind, str], list[tuple[int, EntityType, int]]]


def _holders(session: Session, kind: CommKind, values: set[str], per_value: int) -> _Holders:
    c = Communication.__table__.c  # type: ignore[attr-defined]
    out: _Holders = defaultdict(list)
    for part in _chunks(sorted(values)):
        stmt = (
            sa_select(c.id, c.normalized, c.entity_type, c.entity_id)
            .where(c.kind == kind, c.normalized.in_(part), _alive())
            .order_by(c.id.desc())
        )
        for comm_id, normalized, etype, eid in session.connection().execute(stmt):
            held = out[(kind, normalized)]
            if len(held) < per_value:  # a switchboard number held by thousands says no more
                held.append((comm_id, EntityType(etype), eid))
    return out


def find_matches_batch(
    session: Session,
    candidates: Sequence[Candidate],
    *,
    limit: int = MAX_MATCHES,
    company_names: CompanyNames | None = None,
) -> dict[int, list[Match]]:
    """{index in `candidates`: its matches} for the candidates that have any (see the module doc).

    Per candidate: e-mail matches first, then phones (each newest first), then close company
    names; one match per record, at most `limit`. Deleted records never match (merged leads are
    deleted, so they never match either).
    """
    holders: _Holders = {}
    for kind, attr in ((CommKind.EMAIL, "emails"), (CommKind.PHONE, "phones")):
        values = {v for cand in candidates for v in getattr(cand, attr) if v}
        if values:
            holders.update(_holders(session, kind, values, limit))
    ids_by_type: dict[EntityType, set[int]] = defaultdict(set)
    for held in holders.values():
        for _, etype, eid in held:
            ids_by_type[etype].add(eid)
    names = {etype: _names(session, etype, ids) for etype, ids in ids_by_type.items()}
    companies = company_names or CompanyNames(session, limit)
    by_names = _leads_by_names(
        session, [c.names for c in candidates if c.names and not (c.emails or c.phones)]
    )
    out: dict[int, list[Match]] = {}
    for index, cand in enumerate(candidates):
        found: dict[tuple[str, int], Match] = {}
        if cand.names and not (cand.emails or cand.phones):
            for lead_id, title in by_names.get(tuple(fold(n) for n in cand.names), [])[:limit]:
                if ("lead", lead_id) != cand.exclude:
                    found[("lead", lead_id)] = Match("lead", lead_id, title, "name", title)
        for kind, values in ((CommKind.EMAIL, cand.emails), (CommKind.PHONE, cand.phones)):
            rows = sorted(
                (
                    (comm_id, etype, eid, v)
                    for v in values
                    for comm_id, etype, eid in holders.get((kind, v), [])
                ),
                key=lambda r: -r[0],
            )
            for _, etype, eid, value in rows:
                key = (etype.value, eid)
                if key == cand.exclude or key in found or eid not in names[etype]:
                    continue
                found[key] = Match(key[0], eid, names[etype][eid], kind.value, value)
        name = (cand.company_name or "").strip()
        if len(name) >= 3:
            for match in companies.matches(name):
                key = (match.entity_type, match.id)
                if key != cand.exclude and key not in found:
                    found[key] = match
        if found:
            out[index] = list(found.values())[:limit]
    return out


def find_matches(
    *,
    session: Session,
    emails: Sequence[str] = (),  # normalised (lower case)
    phones: Sequence[str] = (),  # E.164
    company_name: str = "",
    exclude: tuple[str, int] | None = None,  # ("lead", id) of the record being edited
    limit: int = MAX_MATCHES,
) -> list[Match]:
    """Existing leads, contacts and companies that look like the same person or company."""
    cand = Candidate(tuple(emails), tuple(phones), company_name, exclude)
    return find_matches_batch(session, [cand], limit=limit).get(0, [])


def _leads_by_names(
    session: Session, wanted: list[tuple[str, ...]]
) -> dict[tuple[str, ...], list[tuple[int, str]]]:
    """Leads (not deleted) by their folded NAME_FIELDS, for names looked up by the last name, else
    the company name, else the title (an indexed look-up), oldest first."""
    if not wanted:
        return {}
    t = Lead.__table__.c  # type: ignore[attr-defined]
    last = {n[1] for n in wanted if n[1]}
    company = {n[2] for n in wanted if not n[1] and n[2]}
    title = {n[3] for n in wanted if not n[1] and not n[2] and n[3]}
    conditions = [
        column.in_(sorted(values))
        for column, values in ((t.last_name, last), (t.company_name, company), (t.title, title))
        if values
    ]
    if not conditions:
        return {}
    stmt = (
        sa_select(t.id, t.first_name, t.last_name, t.company_name, t.title)
        .where(or_(*conditions), t.deleted_at.is_(None))
        .order_by(t.id)
    )
    out: dict[tuple[str, ...], list[tuple[int, str]]] = defaultdict(list)
    for lead_id, first, last_name, company_name, lead_title in session.connection().execute(stmt):
        key = tuple(fold(n or "") for n in (first, last_name, company_name, lead_title))
        shown = " ".join(p for p in (first, last_name) if p) or company_name or lead_title
        out[key].append((lead_id, shown))
    return out


def policy_target(matches: Sequence[Match]) -> tuple[bool, int | None]:
    """The one rule the duplicate policies (import, REST API) apply: (is a duplicate, lead to update).

    A lead, contact or company with the same e-mail or phone makes the new lead a duplicate (a
    close company name is only reported). "skip" then creates nothing; "update" updates the
    matching lead with the lowest id, and when only a contact or company matched there is no
    lead to update, so nothing is created either.
    """
    strong = [m for m in matches if m.reason in POLICY_REASONS]
    lead_ids = sorted(m.id for m in strong if m.entity_type == EntityType.LEAD.value)
    return bool(strong), (lead_ids[0] if lead_ids else None)


def _prefix_condition(column, prefix: str):
    """`column` starts with `prefix` (three letters or digits, lower case) in any letter case.

    lower(column) LIKE 'acm%' alone reads the whole table; each spelling of the prefix (acm, Acm,
    aCm, ... ACM: at most 8) is a range scan on the column's index instead, and the LIKE then
    checks the few rows found.
    """
    spellings = {"".join(chars) for chars in itertools.product(*({c.lower(), c.upper()} for c in prefix))}
    ranges = [
        and_(column >= spelling, column < spelling[:-1] + chr(ord(spelling[-1]) + 1))
        for spelling in sorted(spellings)
    ]
    return and_(or_(*ranges), func.lower(column).like(f"{prefix}%"))


class CompanyNames:
    """Close company names among companies and leads. Candidates share the first three letters
    (an indexed prefix scan, read once per prefix), then rapidfuzz scores each distinct name.

    One instance serves one batch; an import keeps one for all its batches and tells it about
    the leads it writes (`added`), so each prefix is read from the database once per import.
    """

    def __init__(self, session: Session, limit: int = MAX_MATCHES) -> None:
        self.session = session
        self.limit = limit
        # prefix -> {name as rapidfuzz processes it: its first `limit` [(kind, id, name)]}, in the
        # order read: memory follows the number of distinct names, not of records
        self._by_prefix: dict[str, dict[str, list[tuple[str, int, str]]]] = {}
        self._leads: dict[str, int] = {}  # leads among a prefix's candidates
        self._by_name: dict[str, list[Match]] = {}

    def _candidates(self, prefix: str) -> dict[str, list[tuple[str, int, str]]]:
        if prefix not in self._by_prefix:
            by_name: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
            leads = 0
            # deleted rows are dropped here rather than in SQL: a `deleted_at IS NULL` term makes
            # SQLite scan the list index (every row) instead of the name index
            for kind, model, name_col in (
                ("company", Company, Company.name),
                ("lead", Lead, Lead.company_name),
            ):
                rows = self.session.exec(
                    select(model.id, name_col, model.deleted_at)
                    .where(_prefix_condition(name_col, prefix))
                    .limit(PREFIX_CANDIDATES)
                ).all()
                for i, n, deleted in rows:
                    if deleted is None:
                        leads += kind == "lead"
                        same = by_name[utils.default_process(n)]
                        if len(same) < self.limit:  # never more than `limit` are shown
                            same.append((kind, int(i or 0), n))
            self._by_prefix[prefix] = by_name
            self._leads[prefix] = leads
        return self._by_prefix[prefix]

    def added(self, leads: list[tuple[int, str]]) -> None:
        """New leads (id, company name) written since the prefixes were read."""
        self._by_name.clear()
        for lead_id, name in leads:
            processed = utils.default_process(name or "")
            by_name = self._by_prefix.get(processed[:3]) if processed else None
            if by_name is not None and self._leads[processed[:3]] < PREFIX_CANDIDATES:
                self._leads[processed[:3]] += 1
                if len(by_name[processed]) < self.limit:
                    by_name[processed].append(("lead", lead_id, name))

    def matches(self, name: str) -> list[Match]:
        """The records with a name close to `name`, best score first (then in the order read)."""
        if name not in self._by_name:
            processed = utils.default_process(name)
            by_name = self._candidates(processed[:3]) if processed else {}
            names = list(by_name)
            scored = process.extract(
                processed,
                names,
                scorer=fuzz.token_sort_ratio,
                processor=None,
                score_cutoff=COMPANY_SCORE,
                limit=None,
            )
            found: list[Match] = []
            for _, _, i in sorted(scored, key=lambda s: (-s[1], s[2])):
                for kind, record_id, shown in by_name[names[i]]:
                    if len(found) < self.limit:
                        found.append(Match(kind, record_id, shown, "company", shown))
            self._by_name[name] = found
        return self._by_name[name]
