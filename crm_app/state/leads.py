"""/leads: one page of leads, search, filters, sort, page size, selection and bulk actions."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import ClassVar

import reflex as rx
from sqlmodel import col, select

from crm_app import routes
from crm_app.models import EntityType, Source, StageSemantic, User
from crm_app.services import formatting, leads, permissions, search_index
from crm_app.services.i18n import N_, Msg
from crm_app.services.phones import display_phone
from crm_app.state.listing import ListState
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState

ALL = "all"


@dataclasses.dataclass
class LeadListRow:
    id: int
    name: str
    company: str
    status: str
    color: str
    source: str
    responsible: str
    email: str
    phone: str
    amount: str
    created: str
    result: str
    href: str
    editable: bool = True  # may the user change it (bulk actions select only those)


@dataclasses.dataclass
class Option:
    value: str
    label: str
    color: str = ""


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class LeadsState(ListState, SessionState):
    PAGE_SIZES: ClassVar[tuple[int, ...]] = leads.PAGE_SIZES
    SORT_COLUMNS: ClassVar[frozenset[str]] = frozenset(leads.SORT_COLUMNS)
    DESCENDING_FIRST: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at", "amount"})

    rows: rx.Field[list[LeadListRow]] = rx.field(default_factory=list)
    sort: str = "created_at"
    descending: bool = True
    search: str = ""
    search_too_short: bool = False  # nothing to search in the text: "type at least two..."
    status_filter: str = ALL
    source_filter: str = ALL
    responsible_filter: str = ALL
    result_filter: str = "open"
    created_from: str = ""
    created_to: str = ""
    mine: bool = False
    loaded: bool = False
    status_options: list[Option] = []
    open_status_options: list[Option] = []
    source_options: list[Option] = []
    user_options: list[Option] = []
    delete_open: bool = False
    # the user's rights on leads (services.permissions): Import / Add lead are shown only with them
    can_import: bool = False
    can_create: bool = False

    def _filters(self) -> leads.LeadFilters:
        def ids(value: str) -> list[int]:
            return [int(value)] if value not in (ALL, "") and value.isdigit() else []

        return leads.LeadFilters(
            text=self.search,
            status_ids=ids(self.status_filter),
            source_ids=ids(self.source_filter),
            responsible_ids=ids(self.responsible_filter),
            created_from=_date(self.created_from),
            created_to=_date(self.created_to),
            mine=self.mine,
            result=None if self.result_filter in (ALL, "deleted") else self.result_filter,
            deleted=self.result_filter == "deleted",
        )

    def _load_options(self, s) -> None:
        statuses = leads.lead_statuses(s)
        self.status_options = [Option(str(st.id), st.name, st.color) for st in statuses]
        self.open_status_options = [
            Option(str(st.id), st.name, st.color)
            for st in statuses
            if st.semantic == StageSemantic.IN_PROGRESS
        ]
        sources = s.exec(select(Source).order_by(col(Source.sort), col(Source.id))).all()
        self.source_options = [Option(str(x.id), x.name) for x in sources]
        users = s.exec(select(User).where(User.is_active).order_by(User.name).limit(200)).all()
        self.user_options = [Option(str(u.id), u.name) for u in users]

    def _query(self, s) -> None:
        user = self._user(s)
        allowed = permissions.entity_capabilities(s, user, EntityType.LEAD)
        self.can_import, self.can_create = allowed["import"], allowed["create"]
        result = leads.search_leads(
            session=s,
            user=user,
            filters=self._filters(),
            sort=self.sort,
            descending=self.descending,
            page=self.page,
            page_size=self.page_size,
        )
        if not result.rows and self.page > 0 and result.total:
            self.page = self._last_page(result.total)
            return self._query(s)
        self.rows = [
            LeadListRow(
                id=r.id,
                name=r.name,
                company=r.company_name if r.person else "",
                status=r.status,
                color=r.status_color,
                source=r.source,
                responsible=r.responsible,
                email=r.email,
                phone=display_phone(r.phone) if r.phone else "",
                amount=formatting.money(r.amount, r.currency_code, self.lang),
                created=formatting.day(r.created_at, self.lang),
                result=r.result,
                href=routes.lead(r.id),
            )
            for r in result.rows
        ]
        editable = leads.changeable_ids(session=s, user=user, ids=[r.id for r in self.rows])
        for row in self.rows:
            row.editable = row.id in editable
        self._set_page(
            [r.id for r in self.rows],
            result.total,
            capped=result.total_is_capped,
            selectable=[r.id for r in self.rows if r.editable],
        )
        self.loaded = True
        return None

    def _reload(self):
        return self._in_session(self._query)

    @db_event
    def load(self):
        with self._db() as s:
            with self._handling() as h:
                self._user(s)
                self._load_options(s)
                self._query(s)
            if h.failed:
                return h.events
        return None

    @db_event
    def run_search(self, form: dict):
        self.search = str(form.get("search", ""))[:200]
        self.search_too_short = search_index.too_short(self.search)
        return self._first_page()

    @db_event
    def set_filter(self, name: str, value: str):
        if name not in ("status_filter", "source_filter", "responsible_filter", "result_filter"):
            return None
        setattr(self, name, str(value)[:20])
        return self._first_page()

    @db_event
    def set_dates(self, name: str, value: str):
        if name not in ("created_from", "created_to"):
            return None
        setattr(self, name, value if _date(value) else "")
        return self._first_page()

    @db_event
    def set_mine(self, value: bool):
        self.mine = bool(value)
        return self._first_page()

    @db_event
    def reset_filters(self):
        self.search = ""
        self.search_too_short = False
        self.status_filter = self.source_filter = self.responsible_filter = ALL
        self.result_filter = "open"
        self.created_from = self.created_to = ""
        self.mine = False
        return self._first_page()

    def _bulk(self, action, message: str = N_("{count} leads updated."), **kwargs):
        with self._db() as s:
            with self._handling(lambda errors: rx.toast.error("; ".join(errors.values()))) as h:
                count = action(session=s, user=self._user(s), ids=list(self.selected), **kwargs)
                self.selected = []
                self._query(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t(Msg(message, count=count)))

    @db_event
    def bulk_assign(self, user_id: str):
        if not str(user_id).isdigit():
            return None
        return self._bulk(leads.bulk_assign, responsible_id=int(user_id))

    @db_event
    def bulk_status(self, status_id: str):
        if not str(status_id).isdigit():
            return None
        return self._bulk(leads.bulk_set_status, status_id=int(status_id))

    @rx.var
    def in_recycle_bin(self) -> bool:
        return self.result_filter == "deleted"

    @db_event
    def bulk_restore(self):
        return self._bulk(leads.bulk_restore, N_("{count} leads restored."))

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @db_event
    def bulk_delete(self):
        self.delete_open = False
        return self._bulk(leads.bulk_delete, N_("{count} leads moved to the recycle bin."))
