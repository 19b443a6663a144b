"""Leads -> Duplicates: groups of open leads that look like the same prospect (a shared e-mail or
phone, or close company names), computed in SQL and rapidfuzz, kept until the data changes."""

from __future__ import annotations

import bisect
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func
from sqlmodel import Session, col, select

from crm_app.models import CommKind, Communication, EntityType, Lead, Stage, User
from crm_app.models.base import saved_id
from crm_app.services import display, permissions
from crm_app.services.duplicates.matching import COMPANY_SCORE
from crm_app.services.i18n import N_
from crm_app.services.permissions import Action
from crm_app.services.phones import display_phone

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
    return (col(Lead.deleted_at).is_(None), col(Lead.result).is_(None))


def _shared_contact_keys(session: Session) -> list[tuple[str, str, list[int]]]:
    """(reason, value, lead ids) for each e-mail / E.164 phone held by 2..MAX_KEY_LEADS open leads.

    The grouping runs in SQL (GROUP BY normalized HAVING count > 1); only shared values come back.
    """
    keys: list[tuple[str, str, list[int]]] = []
    for kind, reason in ((CommKind.EMAIL, "email"), (CommKind.PHONE, "phone")):
        owners = (
            select(Communication.normalized, Communication.entity_id)
            .join(Lead, col(Lead.id) == Communication.entity_id)
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
        assert lead_id is not None  # a primary key read from the database
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
    key = str(session.get_bind().engine.url)
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
    permissions.require_user(user)
    page_size = page_size if page_size in GROUP_PAGE_SIZES else 20
    all_groups = _visible_groups(session, user, duplicate_group_ids(session=session))
    total = len(all_groups)
    page = max(0, min(page, max(0, (total - 1) // page_size)))
    chosen = all_groups[page * page_size : (page + 1) * page_size]
    details = _group_leads(session, [i for ids, _ in chosen for i in ids])
    return [
        DuplicateGroup(lead_ids=ids, leads=[details[i] for i in ids if i in details], reasons=reasons)
        for ids, reasons in chosen
    ], total


def _visible_groups(session: Session, user: User, groups: _GroupList) -> _GroupList:
    """The groups as this user may see them: only leads in their view scope (asked in SQL), and
    only groups that still have two of them."""
    scope = permissions.scope_condition(
        session=session, user=user, entity=EntityType.LEAD, action=Action.VIEW
    )
    if scope is None:
        return groups
    stmt = select(Lead.id).where(scope, col(Lead.deleted_at).is_(None), col(Lead.result).is_(None))
    seen = set(session.connection().execute(stmt).scalars())
    out = []
    for ids, reasons in groups:
        mine = [i for i in ids if i in seen]
        if len(mine) > 1:
            out.append((mine, reasons))
    return out


def _group_leads(session: Session, ids: list[int]) -> dict[int, GroupLead]:
    if not ids:
        return {}
    rows = session.exec(
        select(Lead, Stage.name).join(Stage, col(Stage.id) == Lead.status_id).where(col(Lead.id).in_(ids))
    ).all()
    comms = _comm_rows(session, ids)
    out = {}
    for lead, status in rows:
        lead_id = saved_id(lead)
        mine = comms.get(lead_id, [])
        out[lead_id] = GroupLead(
            id=lead_id,
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
        .order_by(col(Communication.is_primary).desc(), col(Communication.id))
    ).all()
    for row in rows:
        out[row.entity_id].append(row)
    return out
