"""/leads: one page of leads, search, filters, sort, page size, selection and bulk actions."""

from __future__ import annotations

import dataclasses
from datetime import date

import reflex as rx
from sqlmodel import select

from crm_app.models import Source, StageSemantic, User
from crm_app.services import formatting, leads
from crm_app.services.i18n import N_, Msg
from crm_app.services.phones import display_phone
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


class LeadsState(SessionState):
    rows: list[LeadListRow] = []
    total: int = 0
    total_capped: bool = False
    page: int = 0
    page_size: int = 20
    sort: str = "created_at"
    descending: bool = True
    search: str = ""
    status_filter: str = ALL
    source_filter: str = ALL
    responsible_filter: str = ALL
    result_filter: str = "open"
    created_from: str = ""
    created_to: str = ""
    mine: bool = False
    selected: list[int] = []
    loaded: bool = False
    status_options: list[Option] = []
    open_status_options: list[Option] = []
    source_options: list[Option] = []
    user_options: list[Option] = []
    delete_open: bool = False

    @rx.var
    def page_label(self) -> str:
        if self.total == 0:
            return ""
        first = self.page * self.page_size + 1
        last = min(self.total, first + len(self.rows) - 1)
        total = formatting.number(self.total, self.lang) + ("+" if self.total_capped else "")
        return self._t(Msg("{first}–{last} of {total}", first=first, last=last, total=total))

    @rx.var
    def has_prev(self) -> bool:
        return self.page > 0

    @rx.var
    def has_next(self) -> bool:
        return (self.page + 1) * self.page_size < self.total

    @rx.var
    def selected_count(self) -> int:
        return len(self.selected)

    @rx.var
    def all_selected(self) -> bool:
        return bool(self.rows) and all(r.id in self.selected for r in self.rows)

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
        sources = s.exec(select(Source).order_by(Source.sort, Source.id)).all()
        self.source_options = [Option(str(x.id), x.name) for x in sources]
        users = s.exec(select(User).where(User.is_active).order_by(User.name).limit(200)).all()
        self.user_options = [Option(str(u.id), u.name) for u in users]

    def _query(self, s) -> None:
        user = self._user(s)
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
            self.page = max(0, (result.total - 1) // self.page_size)
            return self._query(s)
        self.total = result.total
        self.total_capped = result.total_is_capped
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
            )
            for r in result.rows
        ]
        visible = {r.id for r in self.rows}
        self.selected = [i for i in self.selected if i in visible]
        self.loaded = True
        return None

    def _reload(self):
        with self._db() as s:
            with self._handling() as h:
                self._query(s)
            if h.failed:
                return h.events
        return None

    @rx.event
    def load(self):
        with self._db() as s:
            with self._handling() as h:
                self._user(s)
                self._load_options(s)
                self._query(s)
            if h.failed:
                return h.events
        return None

    @rx.event
    def run_search(self, form: dict):
        self.search = str(form.get("search", ""))[:200]
        self.page = 0
        return self._reload()

    @rx.event
    def set_filter(self, name: str, value: str):
        if name not in ("status_filter", "source_filter", "responsible_filter", "result_filter"):
            return None
        setattr(self, name, str(value)[:20])
        self.page = 0
        return self._reload()

    @rx.event
    def set_dates(self, name: str, value: str):
        if name not in ("created_from", "created_to"):
            return None
        setattr(self, name, value if _date(value) else "")
        self.page = 0
        return self._reload()

    @rx.event
    def set_mine(self, value: bool):
        self.mine = bool(value)
        self.page = 0
        return self._reload()

    @rx.event
    def reset_filters(self):
        self.search = ""
        self.status_filter = self.source_filter = self.responsible_filter = ALL
        self.result_filter = "open"
        self.created_from = self.created_to = ""
        self.mine = False
        self.page = 0
        return self._reload()

    @rx.event
    def sort_by(self, column: str):
        if column not in leads.SORT_COLUMNS:
            return None
        if self.sort == column:
            self.descending = not self.descending
        else:
            self.sort, self.descending = column, column in ("created_at", "updated_at", "amount")
        self.page = 0
        return self._reload()

    @rx.event
    def set_page_size(self, value: str):
        size = int(value) if str(value).isdigit() else 20
        self.page_size = size if size in leads.PAGE_SIZES else 20
        self.page = 0
        return self._reload()

    @rx.event
    def next_page(self):
        if self.has_next:
            self.page += 1
        return self._reload()

    @rx.event
    def prev_page(self):
        self.page = max(0, self.page - 1)
        return self._reload()

    @rx.event
    def toggle_row(self, lead_id: int):
        lead_id = int(lead_id)
        self.selected = (
            [i for i in self.selected if i != lead_id]
            if lead_id in self.selected
            else [*self.selected, lead_id]
        )

    @rx.event
    def toggle_all(self, checked: bool):
        self.selected = [r.id for r in self.rows] if checked else []

    def _bulk(self, action, message: str = N_("{count} leads updated."), **kwargs):
        with self._db() as s:
            with self._handling(lambda errors: rx.toast.error("; ".join(errors.values()))) as h:
                count = action(session=s, user=self._user(s), ids=list(self.selected), **kwargs)
                self.selected = []
                self._query(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t(Msg(message, count=count)))

    @rx.event
    def bulk_assign(self, user_id: str):
        if not str(user_id).isdigit():
            return None
        return self._bulk(leads.bulk_assign, responsible_id=int(user_id))

    @rx.event
    def bulk_status(self, status_id: str):
        if not str(status_id).isdigit():
            return None
        return self._bulk(leads.bulk_set_status, status_id=int(status_id))

    @rx.var
    def in_recycle_bin(self) -> bool:
        return self.result_filter == "deleted"

    @rx.event
    def bulk_restore(self):
        return self._bulk(leads.bulk_restore, N_("{count} leads restored."))

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @rx.event
    def bulk_delete(self):
        self.delete_open = False
        return self._bulk(leads.bulk_delete, N_("{count} leads moved to the recycle bin."))
