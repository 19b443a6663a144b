"""Duplicates: matching a new record against existing ones, finding groups of duplicate leads,
merging leads and undoing a merge.

- `find_matches`: the same e-mail or phone on a lead, contact or company, or a close company
  name (rapidfuzz). Used by the lead form before saving, by imports, web forms and the API.
- `duplicate_groups`: Leads -> Duplicates, groups of open leads that look like the same prospect.
- `merge_leads` / `undo_merge`: combine leads field by field, with everything needed to undo.
"""

from __future__ import annotations

import bisect
import itertools
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import and_, func, or_, update
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from crm_app.models import (
    Activity,
    CommKind,
    Communication,
    Company,
    Contact,
    EntityType,
    Lead,
    LeadMerge,
    Role,
    Source,
    Stage,
    TimelineEntry,
    TimelineKind,
    User,
)
from crm_app.models.base import utcnow
from crm_app.services import display, formatting, timeline
from crm_app.services import leads as leads_service
from crm_app.services.auth import require_role
from crm_app.services.errors import Conflict, NotFound, PermissionDenied, StaleRecord, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.leads import MAX_ITEMS, TEXT_FIELDS
from crm_app.services.phones import display_phone

COMPANY_SCORE = 90  # rapidfuzz token_sort_ratio, 0-100
MAX_MATCHES = 10
PREFIX_CANDIDATES = 2000  # rows per table scored by rapidfuzz in find_matches


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
            select(*display.LEAD_COLUMNS).where(col(Lead.id).in_(ids), Lead.deleted_at.is_(None))
        ).all()
        return {row.id: display.lead_name(row) for row in rows}
    if entity_type == EntityType.CONTACT:
        rows = session.exec(
            select(*display.CONTACT_COLUMNS).where(col(Contact.id).in_(ids), Contact.deleted_at.is_(None))
        ).all()
        return {row.id: display.contact_name(row) for row in rows}
    rows = session.exec(
        select(Company.id, Company.name).where(col(Company.id).in_(ids), Company.deleted_at.is_(None))
    ).all()
    return dict(rows)


def find_matches(
    *,
    session: Session,
    emails: Sequence[str] = (),  # normalised (lower case)
    phones: Sequence[str] = (),  # E.164
    company_name: str = "",
    exclude: tuple[str, int] | None = None,  # ("lead", id) of the record being edited
    limit: int = MAX_MATCHES,
) -> list[Match]:
    """Existing leads, contacts and companies that look like the same person or company.

    Deleted records never match (merged leads are deleted, so they never match either).
    """
    found: dict[tuple[str, int], Match] = {}
    by_kind = [(CommKind.EMAIL, list(emails)), (CommKind.PHONE, list(phones))]
    for kind, values in by_kind:
        if not values:
            continue
        # deleted records' rows are dropped only after this query, so read a generous margin
        rows = session.exec(
            select(Communication.entity_type, Communication.entity_id, Communication.normalized)
            .where(Communication.kind == kind, col(Communication.normalized).in_(values))
            .order_by(Communication.id.desc())
            .limit(limit * 5)
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


POLICY_REASONS = ("email", "phone")


def policy_target(matches: list[tuple[str, int, str]]) -> tuple[bool, int | None]:
    """The one rule the duplicate policies (import, REST API) apply: (is a duplicate, lead to update).

    `matches` are (entity type, id, reason). A lead, contact or company with the same e-mail or
    phone makes the new lead a duplicate (a close company name is only reported). "skip" then
    creates nothing; "update" updates the matching lead with the lowest id, and when only a
    contact or company matched there is no lead to update, so nothing is created either.
    """
    strong = [(etype, i) for etype, i, reason in matches if reason in POLICY_REASONS]
    lead_ids = sorted(i for etype, i in strong if str(getattr(etype, "value", etype)) == "lead")
    return bool(strong), (lead_ids[0] if lead_ids else None)


def _company_name_matches(session: Session, name: str, *, limit: int) -> list[Match]:
    """Close company names among companies and leads. Candidates share the first letters
    (an indexed prefix scan), then rapidfuzz scores them."""
    processed = utils.default_process(name)
    if not processed:
        return []
    prefix = processed[:3]
    candidates: list[tuple[str, int, str]] = []
    # deleted rows are dropped here rather than in SQL: a `deleted_at IS NULL` term makes SQLite
    # scan the list index (every row) instead of the name index
    for kind, model, name_col in (("company", Company, Company.name), ("lead", Lead, Lead.company_name)):
        rows = session.exec(
            select(model.id, name_col, model.deleted_at)
            .where(_prefix_condition(name_col, prefix))
            .limit(PREFIX_CANDIDATES)
        ).all()
        candidates += [(kind, i, n) for i, n, deleted in rows if deleted is None]
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


# --- groups of duplicate leads -----------------------------------------------------------------

# A value shared by more open leads than this (a switchboard number, info@ address, a big
# company's name) says nothing about two leads being the same prospect: it is left out, which
# also keeps a few common values from chaining thousands of leads into one group.
MAX_KEY_LEADS = 10
BLOCK_CAP = 2000  # distinct company names compared with each other inside one 3-letter block
LENGTH_RATIO = COMPANY_SCORE / (200 - COMPANY_SCORE)  # Indel similarity's bound on lengths
GROUP_PAGE_SIZES = (10, 20, 50)
REASONS = {"email": N_("Same e-mail"), "phone": N_("Same phone"), "company": N_("Similar company name")}


@dataclass
class GroupLead:
    id: int
    name: str
    company_name: str
    emails: list[str]
    phones: list[str]  # shown as +33 1 23 45 67 89
    status: str
    created_at: datetime


@dataclass
class GroupReason:
    reason: str  # email, phone, company
    value: str


@dataclass
class DuplicateGroup:
    lead_ids: list[int]
    leads: list[GroupLead]
    reasons: list[GroupReason]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent.setdefault(x, x)
        if parent != x:
            root = x
            while self.parent[root] != root:
                root = self.parent[root]
            while self.parent[x] != root:  # path compression
                self.parent[x], x = root, self.parent[x]
            return root
        return x

    def union(self, items: Iterable[int]) -> None:
        it = iter(items)
        first = self.find(next(it))
        for other in it:
            root = self.find(other)
            if root != first:
                self.parent[root] = first


def _open_lead():
    return (Lead.deleted_at.is_(None), Lead.result.is_(None))


def _shared_contact_keys(session: Session) -> list[tuple[str, str, list[int]]]:
    """(reason, value, lead ids) for each e-mail / E.164 phone held by 2..MAX_KEY_LEADS open leads.

    The grouping runs in SQL (GROUP BY normalized HAVING count > 1); only shared values come back.
    """
    keys: list[tuple[str, str, list[int]]] = []
    for kind, reason in ((CommKind.EMAIL, "email"), (CommKind.PHONE, "phone")):
        owners = (
            select(Communication.normalized, Communication.entity_id)
            .join(Lead, Lead.id == Communication.entity_id)
            .where(Communication.entity_type == EntityType.LEAD, Communication.kind == kind, *_open_lead())
        )
        # values on more than one lead row (deleted and finalised leads too: a cheap, index-only
        # superset); their open owners are then counted here
        shared = (
            select(Communication.normalized)
            .where(Communication.entity_type == EntityType.LEAD, Communication.kind == kind)
            .group_by(Communication.normalized)
            .having(func.count() > 1)
        )
        rows = session.exec(owners.where(col(Communication.normalized).in_(shared))).all()
        by_value: dict[str, set[int]] = defaultdict(set)
        for value, lead_id in rows:
            by_value[value].add(lead_id)
        keys += [
            (reason, display_phone(value) if reason == "phone" else value, sorted(ids))
            for value, ids in by_value.items()
            if 2 <= len(ids) <= MAX_KEY_LEADS
        ]
    return keys


def _company_keys(session: Session) -> list[tuple[str, str, list[int]]]:
    """("company", names, lead ids) for each cluster of close company names among open leads.

    Names are compared only inside blocks that share their first three letters (after rapidfuzz's
    normalisation), each distinct name once, so the cost follows the number of distinct names.
    """
    leads_by_name: dict[str, list[int]] = defaultdict(list)
    shown: dict[str, str] = {}
    rows = session.exec(select(Lead.id, Lead.company_name).where(Lead.company_name != "", *_open_lead()))
    for lead_id, name in rows:
        key = utils.default_process(name)
        if len(key) < 3:
            continue
        leads_by_name[key].append(lead_id)
        shown.setdefault(key, name)
    blocks: dict[str, list[str]] = defaultdict(list)
    for key in leads_by_name:
        blocks[key[:3]].append(key)
    clusters = _UnionFind()
    index = {key: i for i, key in enumerate(leads_by_name)}
    for names in blocks.values():
        if len(names) < 2:
            continue
        # shortest first: a name only needs comparing with the ones not much longer than itself
        # (a score of COMPANY_SCORE needs the shorter at least LENGTH_RATIO of the longer)
        names = sorted(sorted(names)[:BLOCK_CAP], key=len)
        lengths = [len(name) for name in names]
        for i, name in enumerate(names[:-1]):
            end = bisect.bisect_right(lengths, int(len(name) / LENGTH_RATIO) + 1)
            # the names are processed already; each pair is scored once
            for _, _, j in process.extract(
                name, names[i + 1 : end], scorer=fuzz.token_sort_ratio, score_cutoff=COMPANY_SCORE, limit=None
            ):
                clusters.union((index[name], index[names[i + 1 + j]]))
    members: dict[int, list[str]] = defaultdict(list)
    for key, i in index.items():
        members[clusters.find(i)].append(key)
    keys = []
    for names in members.values():
        ids = sorted({i for key in names for i in leads_by_name[key]})
        if 2 <= len(ids) <= MAX_KEY_LEADS:
            keys.append(("company", " / ".join(sorted(shown[k] for k in names)), ids))
    return keys


_GroupList = list[tuple[list[int], list[GroupReason]]]
_group_cache: dict[str, tuple[tuple, float, _GroupList]] = {}
_group_cache_lock = threading.Lock()
GROUP_CACHE_SECONDS = 300


def _fingerprint(session: Session) -> tuple:
    """Changes whenever a lead or a phone/e-mail row is added, changed or removed (~25 ms for
    100,000 leads): every ORM update bumps a lead's version, and phones/e-mails are replaced by new
    rows. A change made behind the ORM's back is picked up after GROUP_CACHE_SECONDS."""
    leads_fp = session.exec(
        select(func.count(), func.coalesce(func.sum(Lead.version), 0), func.max(Lead.updated_at))
    ).one()
    comms_fp = session.exec(select(func.count(), func.max(Communication.id))).one()
    return (*leads_fp, *comms_fp)


def duplicate_group_ids(*, session: Session) -> _GroupList:
    """Every group of likely duplicate open leads, newest first: (lead ids, reasons).

    Only open leads: deleted ones are in the recycle bin and finalised ones (converted, junk) are
    read-only, so neither can be merged. Keys (a shared e-mail, phone or similar company name)
    link leads; groups that share a lead are joined. The list is kept per database until the data
    changes, so paging through it does not search again.
    """
    key = str(session.get_bind().url)
    fingerprint = _fingerprint(session)
    now = time.monotonic()
    with _group_cache_lock:
        cached = _group_cache.get(key)
    if cached and cached[0] == fingerprint and now - cached[1] < GROUP_CACHE_SECONDS:
        return cached[2]
    groups = _compute_groups(session)
    with _group_cache_lock:
        _group_cache[key] = (fingerprint, now, groups)
    return groups


def _compute_groups(session: Session) -> _GroupList:
    keys = _shared_contact_keys(session) + _company_keys(session)
    groups = _UnionFind()
    for _, _, ids in keys:
        groups.union(ids)
    reasons: dict[int, list[GroupReason]] = defaultdict(list)
    ids_by_root: dict[int, set[int]] = defaultdict(set)
    for reason, value, ids in keys:
        root = groups.find(ids[0])
        reasons[root].append(GroupReason(reason, value))
        ids_by_root[root].update(ids)
    out = [(sorted(ids), reasons[root]) for root, ids in ids_by_root.items()]
    order = {"email": 0, "phone": 1, "company": 2}
    for _, rs in out:
        rs.sort(key=lambda r: (order[r.reason], r.value))
    out.sort(key=lambda g: -g[0][-1])  # the group with the newest lead first
    return out


def duplicate_groups(
    *, session: Session, user: User, page: int = 0, page_size: int = 20
) -> tuple[list[DuplicateGroup], int]:
    """One page of duplicate groups with what the list shows of each lead, and the number of groups."""
    require_role(user)
    page_size = page_size if page_size in GROUP_PAGE_SIZES else 20
    all_groups = duplicate_group_ids(session=session)
    total = len(all_groups)
    page = max(0, min(page, max(0, (total - 1) // page_size)))
    chosen = all_groups[page * page_size : (page + 1) * page_size]
    details = _group_leads(session, [i for ids, _ in chosen for i in ids])
    return [
        DuplicateGroup(lead_ids=ids, leads=[details[i] for i in ids if i in details], reasons=reasons)
        for ids, reasons in chosen
    ], total


def _group_leads(session: Session, ids: list[int]) -> dict[int, GroupLead]:
    if not ids:
        return {}
    rows = session.exec(
        select(Lead, Stage.name).join(Stage, Stage.id == Lead.status_id).where(col(Lead.id).in_(ids))
    ).all()
    comms = _comm_rows(session, ids)
    out = {}
    for lead, status in rows:
        mine = comms.get(lead.id, [])
        out[lead.id] = GroupLead(
            id=lead.id,
            name=display.lead_name(lead),
            company_name=lead.company_name,
            emails=[c.normalized for c in mine if c.kind == CommKind.EMAIL],
            phones=[display_phone(c.normalized) for c in mine if c.kind == CommKind.PHONE],
            status=status,
            created_at=lead.created_at,
        )
    return out


def _comm_rows(session: Session, lead_ids: Iterable[int]) -> dict[int, list[Communication]]:
    """Phone and e-mail rows of leads, primary first."""
    out: dict[int, list[Communication]] = defaultdict(list)
    ids = list(lead_ids)
    if not ids:
        return out
    rows = session.exec(
        select(Communication)
        .where(
            Communication.entity_type == EntityType.LEAD,
            col(Communication.entity_id).in_(ids),
            col(Communication.kind).in_([CommKind.PHONE, CommKind.EMAIL]),
        )
        .order_by(Communication.is_primary.desc(), Communication.id)
    ).all()
    for row in rows:
        out[row.entity_id].append(row)
    return out


# --- merge ---------------------------------------------------------------------------------------

MAX_MERGE = 10  # leads side by side in one merge
SCALAR_FIELDS = (*TEXT_FIELDS, "status_id", "source_id", "responsible_id", "amount")
LIST_FIELDS = ("phones", "emails")
MERGE_FIELDS = (*SCALAR_FIELDS, *LIST_FIELDS)
_KIND = {"phones": CommKind.PHONE, "emails": CommKind.EMAIL}
# what the kept lead's snapshot holds: every field a merge may change ("amount" brings its currency)
_SNAPSHOT_FIELDS = (*TEXT_FIELDS, "status_id", "source_id", "responsible_id", "amount", "currency_code")


def _load_mergeable(session: Session, ids: list[int]) -> dict[int, Lead]:
    rows = {lead.id: lead for lead in session.exec(select(Lead).where(col(Lead.id).in_(ids))).all()}
    for lead_id in ids:
        lead = rows.get(lead_id)
        if lead is None or lead.deleted_at is not None:
            raise NotFound(Msg("Lead #{id} does not exist or was deleted.", id=lead_id))
        if lead.result is not None:
            raise Conflict(
                Msg("Lead #{id} is finalised (converted or junk): it cannot be merged.", id=lead_id)
            )
    return rows


def _clean_ids(keep_id: Any, merge_ids: Iterable[Any]) -> tuple[int, list[int]]:
    try:
        keep = int(keep_id)
        others = list(dict.fromkeys(int(i) for i in merge_ids))
    except (TypeError, ValueError):
        raise ValidationError({"": Msg("Choose the leads to merge.")}) from None
    if keep in others:
        raise Conflict(Msg("A lead cannot be merged into itself."))
    if not others:
        raise Conflict(Msg("Choose at least two leads to merge."))
    if len(others) + 1 > MAX_MERGE:
        raise Conflict(Msg("Merge at most {max} leads at a time.", max=MAX_MERGE))
    return keep, others


def _is_empty(lead: Lead, name: str) -> bool:
    value = getattr(lead, name)
    return value is None or value == ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _comm_dict(row: Communication) -> dict[str, Any]:
    return {
        "id": row.id,
        "entity_id": row.entity_id,
        "kind": row.kind.value,
        "label": row.label,
        "value": row.value,
        "normalized": row.normalized,
        "is_primary": row.is_primary,
    }


def _chosen_values(
    field_name: str, choice: Any, ordered: list[Lead], comms: dict[int, list[Communication]]
) -> list[str]:
    """The normalised phones or e-mails the kept lead ends with, in order (kept lead's first).

    `choice` is None (every lead's values: the union), a lead id (that lead's values) or a list
    of the values to keep (the merge page's checkboxes).
    """
    kind = _KIND[field_name]
    union: list[str] = []
    per_lead: dict[int, list[str]] = {}
    for lead in ordered:
        values = [c.normalized for c in comms.get(lead.id, []) if c.kind == kind]
        per_lead[lead.id] = values
        union += [v for v in values if v not in union]
    if choice is None:
        chosen = union
    elif isinstance(choice, (list, tuple, set)):
        wanted = {str(v) for v in choice}
        if not wanted <= set(union):
            raise ValidationError({field_name: Msg("Pick values from the merged leads only.")})
        chosen = [v for v in union if v in wanted]
    else:
        try:
            chosen = per_lead[int(choice)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError({field_name: Msg("Pick values from the merged leads only.")}) from None
    if len(chosen) > MAX_ITEMS:
        message = (
            Msg("At most {max} phone numbers.", max=MAX_ITEMS)
            if field_name == "phones"
            else Msg("At most {max} e-mails.", max=MAX_ITEMS)
        )
        raise ValidationError({field_name: message})
    return chosen


def _source_lead(name: str, choice: Any, by_id: dict[int, Lead], ordered: list[Lead]) -> Lead:
    """The lead whose value of `name` is kept: the chosen one, else the kept lead unless its value
    is empty, else the first lead that has one."""
    if choice not in (None, ""):
        try:
            return by_id[int(choice)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError({name: Msg("Pick the value from one of the merged leads.")}) from None
    return next((lead for lead in ordered if not _is_empty(lead, name)), ordered[0])


def merge_leads(
    *,
    session: Session,
    user: User,
    keep_id: int,
    merge_ids: Sequence[int],
    choices: dict[str, Any] | None = None,
    expected_versions: dict[int, int] | None = None,
) -> LeadMerge:
    """Merge `merge_ids` into the lead `keep_id`, in one transaction.

    `choices` maps a field (see MERGE_FIELDS) to the id of the lead whose value is kept; phones and
    e-mails also take a list of the values to keep, and default to all of them (the union). The
    kept lead takes the values; the others' activities, history and phones/e-mails (without
    repeats) move to it; the others are deleted (recycle bin). `lead_merge.snapshot` keeps what
    `undo_merge` needs. `expected_versions` ({lead id: version shown}) refuses a merge built on
    values someone changed since.
    """
    require_role(user)
    with _one_transaction(session):
        return _merge(session, user, keep_id, merge_ids, choices, expected_versions)


@contextmanager
def _one_transaction(session: Session) -> Iterator[None]:
    """Nothing half done: any refusal or failure rolls the whole change back."""
    try:
        yield
    except StaleDataError:
        session.rollback()
        raise StaleRecord() from None
    except BaseException:
        session.rollback()
        raise


def _merge(
    session: Session,
    user: User,
    keep_id: Any,
    merge_ids: Sequence[Any],
    choices: dict[str, Any] | None,
    expected_versions: dict[int, int] | None,
) -> LeadMerge:
    keep_id, merge_ids = _clean_ids(keep_id, merge_ids)
    choices = dict(choices or {})
    unknown = set(choices) - set(MERGE_FIELDS)
    if unknown:
        raise ValidationError({"": Msg("Unknown field: {name}.", name=sorted(unknown)[0])})
    by_id = _load_mergeable(session, [keep_id, *merge_ids])
    # merging deletes the merged leads: the same right as deleting them (services.leads.can_delete)
    if any(not leads_service.can_delete(user, by_id[i]) for i in merge_ids):
        raise PermissionDenied(Msg("You can merge away only leads you may delete: your own ones."))
    for lead_id, version in (expected_versions or {}).items():
        if lead_id in by_id and by_id[lead_id].version != int(version):
            raise StaleRecord()
    kept = by_id[keep_id]
    ordered = [kept, *(by_id[i] for i in merge_ids)]
    comms = _comm_rows(session, by_id)

    # the kept lead's values
    before = {name: getattr(kept, name) for name in _SNAPSHOT_FIELDS}
    changes: list[dict[str, Any]] = []
    for name in SCALAR_FIELDS:
        source = _source_lead(name, choices.get(name), by_id, ordered)
        new = {name: getattr(source, name)}
        if name == "amount":  # an amount means nothing without its currency
            new["currency_code"] = source.currency_code
        for attr, value in new.items():
            if value != getattr(kept, attr):
                changes.append({"field": attr, "old": _jsonable(before[attr]), "new": _jsonable(value)})
                setattr(kept, attr, value)

    # phones and e-mails: keep / move / drop rows, without repeats
    kept_rows = [_comm_dict(c) for c in comms.get(keep_id, [])]
    moved_rows: list[dict[str, Any]] = []
    for name in LIST_FIELDS:
        kind = _KIND[name]
        chosen = _chosen_values(name, choices.get(name), ordered, comms)
        old_values = [c.normalized for c in comms.get(keep_id, []) if c.kind == kind]
        rows_by_value: dict[str, Communication] = {}
        for lead in ordered:
            for row in comms.get(lead.id, []):
                if row.kind == kind and row.normalized in chosen and row.normalized not in rows_by_value:
                    rows_by_value[row.normalized] = row
        for row in comms.get(keep_id, []):
            if row.kind == kind and rows_by_value.get(row.normalized) is not row:
                session.delete(row)  # not chosen, or a repeat
        for position, value in enumerate(chosen):
            row = rows_by_value[value]
            if row.entity_id != keep_id:
                moved_rows.append(_comm_dict(row))
                row.entity_id = keep_id
            row.is_primary = position == 0
            session.add(row)
        if chosen != old_values:
            changes.append({"field": name, "old": old_values, "new": chosen})

    # activities and history of the merged leads move to the kept lead
    moved_activities = _move(session, Activity, merge_ids, keep_id)
    moved_timeline = _move(session, TimelineEntry, merge_ids, keep_id)

    now = utcnow()
    if changes:
        kept.updated_at = now
    session.add(kept)
    merged_versions = {}
    for lead in ordered[1:]:
        lead.deleted_at = now
        lead.updated_at = now
        session.add(lead)
        merged_versions[lead.id] = lead.version
    merge = LeadMerge(
        kept_lead_id=keep_id,
        merged_lead_ids=merge_ids,
        user_id=user.id,
        created_at=now,
        snapshot={
            "kept": {name: _jsonable(value) for name, value in before.items()},
            "kept_comms": kept_rows,
            "moved_comms": moved_rows,
            "activities": moved_activities,
            "timeline": moved_timeline,
            "merged": merge_ids,
        },
    )
    session.add(merge)
    session.flush()
    timeline.record(
        session,
        entity_type=EntityType.LEAD,
        entity_id=keep_id,
        kind=TimelineKind.MERGE,
        author_id=user.id,
        text=", ".join(f"#{i}" for i in merge_ids),  # any language: the payload says what happened
        payload={
            "action": "merge",
            "merge_id": merge.id,
            "merged_ids": merge_ids,
            "fields": sorted({c["field"] for c in changes}),
            "changes": changes,
        },
        at=now,
    )
    for lead_id in merge_ids:
        timeline.record(
            session,
            entity_type=EntityType.LEAD,
            entity_id=lead_id,
            kind=TimelineKind.MERGE,
            author_id=user.id,
            text=f"→ #{keep_id}",
            payload={"action": "merged_into", "merge_id": merge.id, "kept_id": keep_id},
            at=now,
        )
    session.commit()
    session.refresh(merge)
    return merge


def _move(session: Session, model, from_ids: list[int], to_id: int) -> list[list[int]]:
    """Re-attach the activities or history entries of some leads to another one.

    Returns [[row id, previous lead id], ...] for the undo.
    """
    rows = session.exec(
        select(model.id, model.entity_id).where(
            model.entity_type == EntityType.LEAD, col(model.entity_id).in_(from_ids)
        )
    ).all()
    if rows:
        values: dict[str, Any] = {"entity_id": to_id}
        if model is Activity:  # an activity open in someone's editor must notice the move
            values["version"] = Activity.version + 1
        session.execute(
            update(model)
            .where(model.entity_type == EntityType.LEAD, col(model.entity_id).in_(from_ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return [[row_id, lead_id] for row_id, lead_id in rows]


# --- undo ----------------------------------------------------------------------------------------


def can_undo(user: User, merge: LeadMerge) -> bool:
    return merge.undone_at is None and (merge.user_id == user.id or user.role in (Role.ADMIN, Role.MANAGER))


def undo_merge(*, session: Session, user: User, merge_id: int) -> Lead:
    """Put everything back as it was before the merge, in one transaction: the kept lead's values
    and phones/e-mails, the moved activities, history and phones/e-mails, the merged leads.

    Changes made to the kept lead after the merge are replaced by its values from before the
    merge (the history's undo entry lists them). Returns the kept lead.
    """
    require_role(user)
    with _one_transaction(session):
        return _undo(session, user, merge_id)


def _undo(session: Session, user: User, merge_id: Any) -> Lead:
    try:
        merge = session.get(LeadMerge, int(merge_id))
    except (TypeError, ValueError):
        merge = None
    if merge is None:
        raise NotFound(Msg("This merge does not exist."))
    if merge.undone_at is not None:
        raise Conflict(Msg("This merge was already undone."))
    if not can_undo(user, merge):
        raise PermissionDenied(
            Msg("Only the person who merged, a manager or an administrator can undo this merge.")
        )
    kept = session.get(Lead, merge.kept_lead_id)
    if kept is None or kept.deleted_at is not None:
        raise Conflict(
            Msg("The kept lead was deleted or merged again since: restore it or undo that merge first.")
        )
    if kept.result is not None:
        raise Conflict(Msg("The kept lead was finalised since the merge: the merge cannot be undone."))
    now = utcnow()
    # claim the undo first: of two clicks at once, only one gets here
    claimed = session.execute(
        update(LeadMerge)
        .where(LeadMerge.id == merge.id, LeadMerge.undone_at.is_(None))
        .values(undone_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict(Msg("This merge was already undone."))
    snap = merge.snapshot

    # the kept lead's values
    changes: list[dict[str, Any]] = []
    for name, old in snap["kept"].items():
        value = Decimal(old) if name == "amount" and old is not None else old
        if getattr(kept, name) != value:
            changes.append({"field": name, "old": _jsonable(getattr(kept, name)), "new": old})
            setattr(kept, name, value)

    # phones and e-mails: the kept lead's own rows as they were, moved rows back to their leads
    before = {name: [] for name in LIST_FIELDS}
    current = _comm_rows(session, [kept.id]).get(kept.id, [])
    for row in current:
        before["phones" if row.kind == CommKind.PHONE else "emails"].append(row.normalized)
    wanted = {r["id"]: r for r in [*snap["kept_comms"], *snap["moved_comms"]]}
    for row in current:
        if row.id not in wanted:
            session.delete(row)  # added after the merge
    session.flush()
    for data in wanted.values():
        row = session.get(Communication, data["id"])
        if row is None:  # deleted after the merge: written again, with its old id
            row = Communication(
                id=data["id"],
                entity_type=EntityType.LEAD,
                entity_id=data["entity_id"],
                kind=CommKind(data["kind"]),
                value=data["value"],
                normalized=data["normalized"],
            )
        row.entity_id = data["entity_id"]
        row.label = data["label"]
        row.value = data["value"]
        row.normalized = data["normalized"]
        row.is_primary = data["is_primary"]
        session.add(row)
    after = {name: [] for name in LIST_FIELDS}
    for data in sorted(snap["kept_comms"], key=lambda d: (not d["is_primary"], d["id"])):
        after["phones" if data["kind"] == CommKind.PHONE.value else "emails"].append(data["normalized"])
    for name in LIST_FIELDS:
        if before[name] != after[name]:
            changes.append({"field": name, "old": before[name], "new": after[name]})

    # activities and history back to the leads they came from (rows deleted since stay deleted)
    for model, key in ((Activity, "activities"), (TimelineEntry, "timeline")):
        back: dict[int, list[int]] = defaultdict(list)
        for row_id, lead_id in snap[key]:
            back[lead_id].append(row_id)
        for lead_id, row_ids in back.items():
            values: dict[str, Any] = {"entity_id": lead_id}
            if model is Activity:
                values["version"] = Activity.version + 1
            for start in range(0, len(row_ids), 500):
                session.execute(
                    update(model)
                    .where(
                        col(model.id).in_(row_ids[start : start + 500]),
                        model.entity_type == EntityType.LEAD,
                        model.entity_id == kept.id,
                    )
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )

    # the merged leads come back from the recycle bin
    for lead_id in merge.merged_lead_ids:
        lead = session.get(Lead, lead_id)
        if lead is None:
            continue
        if lead.deleted_at is not None:
            lead.deleted_at = None
            lead.updated_at = now
            session.add(lead)
        timeline.record(
            session,
            entity_type=EntityType.LEAD,
            entity_id=lead_id,
            kind=TimelineKind.RESTORED,
            author_id=user.id,
            text=f"← #{kept.id}",
            payload={"action": "unmerge", "merge_id": merge.id, "kept_id": kept.id},
            at=now,
        )
    kept.updated_at = now
    session.add(kept)
    timeline.record(
        session,
        entity_type=EntityType.LEAD,
        entity_id=kept.id,
        kind=TimelineKind.MERGE,
        author_id=user.id,
        text=", ".join(f"#{i}" for i in merge.merged_lead_ids),
        payload={
            "action": "undo",
            "merge_id": merge.id,
            "restored_ids": list(merge.merged_lead_ids),
            "fields": sorted({c["field"] for c in changes}),
            "changes": changes,
        },
        at=now,
    )
    session.commit()
    session.refresh(kept)
    return kept


# --- what the merge page and the recent merges list show ---------------------------------------


@dataclass
class MergeCandidate:
    """One lead as the merge page shows it: display text per field, and its phones/e-mails."""

    id: int
    version: int
    created_at: datetime
    values: dict[str, str]  # field -> text shown ("" when empty)
    phones: list[tuple[str, str]] = field(default_factory=list)  # (E.164, shown)
    emails: list[str] = field(default_factory=list)


def merge_candidates(
    *, session: Session, user: User, ids: Sequence[Any], lang: str = "en"
) -> list[MergeCandidate]:
    """The leads of /leads/merge?ids=..., in the order given, refused as `merge_leads` would."""
    require_role(user)
    keep_id, others = _clean_ids(next(iter(ids), None), list(ids)[1:])
    ordered_ids = [keep_id, *others]
    by_id = _load_mergeable(session, ordered_ids)
    statuses = dict(session.exec(select(Stage.id, Stage.name)).all())
    sources = dict(session.exec(select(Source.id, Source.name)).all())
    user_ids = {lead.responsible_id for lead in by_id.values() if lead.responsible_id}
    users = dict(session.exec(select(User.id, User.name).where(col(User.id).in_(user_ids))).all())
    comms = _comm_rows(session, ordered_ids)
    out = []
    for lead_id in ordered_ids:
        lead = by_id[lead_id]
        values = {name: getattr(lead, name) or "" for name in TEXT_FIELDS}
        values["status_id"] = statuses.get(lead.status_id, "")
        values["source_id"] = sources.get(lead.source_id, "") if lead.source_id else ""
        values["responsible_id"] = users.get(lead.responsible_id, "") if lead.responsible_id else ""
        values["amount"] = formatting.money(lead.amount, lead.currency_code, lang)
        mine = comms.get(lead_id, [])
        out.append(
            MergeCandidate(
                id=lead_id,
                version=lead.version,
                created_at=lead.created_at,
                values=values,
                phones=[
                    (c.normalized, display_phone(c.normalized)) for c in mine if c.kind == CommKind.PHONE
                ],
                emails=[c.normalized for c in mine if c.kind == CommKind.EMAIL],
            )
        )
    return out


@dataclass
class MergeSummary:
    id: int
    kept_lead_id: int
    kept_name: str
    merged_count: int
    author: str
    created_at: datetime
    can_undo: bool


def recent_merges(*, session: Session, user: User, limit: int = 10) -> list[MergeSummary]:
    """Merges not undone yet, newest first: a sales rep sees their own, managers everyone's."""
    require_role(user)
    stmt = (
        select(LeadMerge, Lead, User.name)
        .join(Lead, Lead.id == LeadMerge.kept_lead_id)
        .join(User, User.id == LeadMerge.user_id, isouter=True)
        .where(LeadMerge.undone_at.is_(None))
        .order_by(LeadMerge.created_at.desc(), LeadMerge.id.desc())
        .limit(max(1, min(limit, 50)))
    )
    if user.role not in (Role.ADMIN, Role.MANAGER):
        stmt = stmt.where(LeadMerge.user_id == user.id)
    return [
        MergeSummary(
            id=merge.id,
            kept_lead_id=lead.id,
            kept_name=display.lead_name(lead),
            merged_count=len(merge.merged_lead_ids),
            author=author or "",
            created_at=merge.created_at,
            can_undo=can_undo(user, merge) and lead.deleted_at is None and lead.result is None,
        )
        for merge, lead, author in session.exec(stmt).all()
    ]
