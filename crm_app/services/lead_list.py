"""The leads list: the first configuration of services/listing (columns, sort keys, filters, rows),
and the page, count and keyset reads the UI, the REST API and exports use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from crm_app.models import (
    EntityType,
    Lead,
    LeadResult,
    Pipeline,
    PipelineKind,
    Source,
    Stage,
    StageSemantic,
    User,
)
from crm_app.models.base import saved_id
from crm_app.services import display, listing, permissions, reference, search_index
from crm_app.services.lead_fields import lead_statuses

# --- the list (the first configuration of services/listing) ---------------------------------

PAGE_SIZES = listing.PAGE_SIZES
COUNT_CAP = listing.COUNT_CAP


_LIST_SELECT = (
    sa_select(  # sqlmodel's select is typed for at most four columns
        col(Lead.id),
        col(Lead.title),
        col(Lead.first_name),
        col(Lead.second_name),
        col(Lead.last_name),
        col(Lead.company_name),
        col(Lead.amount),
        col(Lead.currency_code),
        col(Lead.result),
        col(Lead.created_at),
        col(Stage.name),
        col(Stage.color),
        col(Source.name),
        col(User.name),
        col(Lead.primary_email),  # kept by the write path (services/search_index): sortable with an index
        col(Lead.primary_phone),
    )
    .join(Stage, col(Stage.id) == Lead.status_id)
    .join(Source, col(Source.id) == Lead.source_id, isouter=True)
    .join(User, col(User.id) == Lead.responsible_id, isouter=True)
)

SORT_COLUMNS = {
    # the Name column: the name shown (display.lead_name), kept by the write path (search_index)
    "name": Lead.sort_name,
    "created_at": Lead.created_at,
    "updated_at": Lead.updated_at,
    "title": Lead.title,
    "first_name": Lead.first_name,
    "last_name": Lead.last_name,
    "company_name": Lead.company_name,
    "amount": Lead.amount,
    "status": listing.GroupedSort(
        Lead.status_id,
        # the lead statuses only (the deals' stages share the table)
        lambda s: list(
            s.exec(
                select(Stage.id)
                .join(Pipeline, col(Pipeline.id) == Stage.pipeline_id)
                .where(Pipeline.kind == PipelineKind.LEAD)
                .order_by(col(Stage.sort), col(Stage.id))
            ).all()
        ),
        fallback=Stage.sort,
    ),
    "source": listing.by_source(Lead.source_id),
    "responsible": listing.by_user(Lead.responsible_id),
    "email": Lead.primary_email,
    "phone": Lead.primary_phone,
    "id": Lead.id,
}


@dataclass
class LeadFilters:
    text: str = ""
    status_ids: list[int] = field(default_factory=list)
    source_ids: list[int] = field(default_factory=list)
    responsible_ids: list[int] = field(default_factory=list)
    created_from: date | None = None
    created_to: date | None = None
    mine: bool = False
    result: str | None = None  # None: all; "open", "converted", "junk"
    deleted: bool = False  # the recycle bin


@dataclass
class LeadRow:
    id: int
    name: str  # display.lead_name: the person, else the company, else the title
    person: str  # the person part alone (empty for a company-only lead)
    title: str
    company_name: str
    status: str
    status_color: str
    source: str
    responsible: str
    email: str
    phone: str
    amount: Decimal | None
    currency_code: str
    result: str
    created_at: datetime


LeadPage = listing.Page[LeadRow]


def _result_filter(stmt, result: str, _user: User):
    if result == "open":
        return stmt.where(col(Lead.result).is_(None))
    if result in ("converted", "junk"):
        return stmt.where(Lead.result == LeadResult(result))
    return stmt


def _lead_row(r) -> LeadRow:
    (
        lead_id,
        title,
        first,
        second,
        last,
        company,
        amount,
        currency,
        result,
        created_at,
        status_name,
        status_color,
        source_name,
        responsible,
        email,
        phone,
    ) = r
    return LeadRow(
        id=lead_id,
        name=display.lead_name(
            id=lead_id,
            first_name=first,
            second_name=second,
            last_name=last,
            company_name=company,
            title=title,
        ),
        person=display.person_name(first, last, second),
        title=title,
        company_name=company,
        status=status_name,
        status_color=status_color,
        source=source_name or "",
        responsible=responsible or "",
        email=email or "",
        phone=phone or "",
        amount=amount,
        currency_code=currency or "",
        result=result.value if result else "",
        created_at=created_at,
    )


LEAD_LIST = listing.ListConfig(
    entity=EntityType.LEAD,
    table=Lead,
    columns=_LIST_SELECT,
    sort=SORT_COLUMNS,
    default_sort="created_at",
    filters_type=LeadFilters,
    filters=(
        listing.FilterSpec("deleted", listing.deleted_flag(Lead.deleted_at), always=True),
        listing.FilterSpec(
            "text", listing.indexed_search(search_index.lead_matching), cap=search_index.SEARCH_CAP
        ),
        listing.FilterSpec("status_ids", listing.any_of(Lead.status_id)),
        listing.FilterSpec("source_ids", listing.any_of(Lead.source_id)),
        listing.FilterSpec("responsible_ids", listing.any_of(Lead.responsible_id)),
        listing.FilterSpec("mine", listing.is_current_user(Lead.responsible_id)),
        listing.FilterSpec("created_from", listing.on_or_after(Lead.created_at)),
        listing.FilterSpec("created_to", listing.on_or_before(Lead.created_at)),
        listing.FilterSpec("result", _result_filter),
    ),
    row=_lead_row,
    cache_fields=("result", "deleted"),
    reading=search_index.matches_once,
)


def search_leads(
    *,
    session: Session,
    user: User,
    filters: LeadFilters | None = None,
    sort: str = "created_at",
    descending: bool = True,
    page: int = 0,
    page_size: int = 50,
) -> listing.Page[LeadRow]:
    """One page of leads, sorted and filtered in SQL, with a total counted up to COUNT_CAP."""
    permissions.require_user(user)
    return listing.page(
        LEAD_LIST,
        session=session,
        user=user,
        filters=filters,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
    )


def browse_leads(
    *,
    session: Session,
    user: User,
    filters: LeadFilters | None = None,
    sort: str = "created_at",
    descending: bool = True,
    after: str = "",
    before: str = "",
    last: bool = False,
    page_size: int = 50,
) -> listing.KeysetPage[LeadRow]:
    """The /leads page by keyset: the first page, the one after / before a cursor of the page shown,
    or the last one. Pages on past COUNT_CAP; a cursor that does not decode means the first page."""
    permissions.require_user(user)
    return listing.keyset_page(
        LEAD_LIST,
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


def count_leads(*, session: Session, user: User, filters: LeadFilters | None = None) -> tuple[int, bool]:
    """How many leads this user sees with these filters (capped at COUNT_CAP), and if capped."""
    permissions.require_user(user)
    return listing.count(LEAD_LIST, session=session, user=user, filters=filters)


def leads_after(
    *,
    session: Session,
    user: User,
    filters: LeadFilters | None = None,
    after_id: int | None = None,
    limit: int = 50,
    action: permissions.Action = permissions.Action.VIEW,
) -> list[Lead]:
    """Keyset pagination for the API and exports: newest id first, strictly before `after_id`.
    `action` is the right the rows need (an export passes Action.EXPORT)."""
    permissions.require_user(user)
    return listing.keyset(
        LEAD_LIST,
        select(Lead),
        session=session,
        user=user,
        filters=filters,
        after_id=after_id,
        limit=limit,
        action=action,
    )


# --- the filters' choices --------------------------------------------------------------------


@dataclass(frozen=True)
class ListOptions:
    """The choices of the list's filters, as stored (names not yet translated)."""

    statuses: tuple[tuple[int, str, str, StageSemantic], ...]  # id, name, colour, semantic
    sources: tuple[tuple[int, str], ...]
    users: tuple[tuple[int, str], ...]  # the active users, by name (the first 200)


def list_options(session: Session) -> ListOptions:
    """Statuses, sources and active users: read on every open of the list, kept per process while
    the settings stamp stays (services.reference)."""
    return reference.cached(session, "leads.list_options", lambda: _read_list_options(session))


def _read_list_options(session: Session) -> ListOptions:
    sources = session.exec(select(Source.id, Source.name).order_by(col(Source.sort), col(Source.id))).all()
    users = session.exec(
        select(User.id, User.name).where(col(User.is_active)).order_by(col(User.name)).limit(200)
    ).all()
    return ListOptions(
        statuses=tuple((saved_id(st), st.name, st.color, st.semantic) for st in lead_statuses(session)),
        sources=tuple((i, name) for i, name in sources if i is not None),
        users=tuple((i, name) for i, name in users if i is not None),
    )
