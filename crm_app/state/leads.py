"""/leads: one page of leads, search, filters, sort, page size, selection and bulk actions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import ClassVar

import reflex as rx

from crm_app import routes
from crm_app.models import EntityType, StageSemantic
from crm_app.services import formatting, leads, permissions, search_index
from crm_app.services.defaults import display_name
from crm_app.services.i18n import SEMICOLON, Msg
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


RESULT_FILTERS = ("open", "converted", "junk", ALL, "deleted")


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class LeadsState(ListState, SessionState):
    PAGE_SIZES: ClassVar[tuple[int, ...]] = leads.PAGE_SIZES
    SORT_COLUMNS: ClassVar[frozenset[str]] = frozenset(leads.SORT_COLUMNS)
    DESCENDING_FIRST: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at", "amount"})
    KEYSET: ClassVar[bool] = True

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
    deletable_ids: list[int] = []  # the page's rows the user may also delete (a narrower right)
    # the user's rights on leads (services.permissions): Import / Add lead are shown only with them
    can_import: bool = False
    can_create: bool = False
    # the place asked for (in the URL): after / before a row's cursor, or the last page
    after: str = ""
    before: str = ""
    at_last: bool = False
    # the cursors of the first and last rows shown (what "Previous" / "Next" read from)
    first_cursor: str = ""
    last_cursor: str = ""
    # the URL this tab just navigated to with its page loaded: its on_load need not read it again
    _loaded_url: str = ""

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
        options = leads.list_options(s)
        self.status_options = [
            Option(str(i), display_name(name, self.lang), color) for i, name, color, _ in options.statuses
        ]
        self.open_status_options = [
            o
            for o, st in zip(self.status_options, options.statuses, strict=True)
            if st[3] == StageSemantic.IN_PROGRESS
        ]
        self.source_options = [Option(str(i), display_name(name, self.lang)) for i, name in options.sources]
        self.user_options = [Option(str(i), name) for i, name in options.users]

    def _query(self, s) -> None:
        user = self._user(s)
        allowed = permissions.entity_capabilities(s, user, EntityType.LEAD)
        self.can_import, self.can_create = allowed["import"], allowed["create"]
        result = leads.browse_leads(
            session=s,
            user=user,
            filters=self._filters(),
            sort=self.sort,
            descending=self.descending,
            after=self.after,
            before=self.before,
            last=self.at_last,
            page_size=self.page_size,
        )
        self.rows = [
            LeadListRow(
                id=r.id,
                name=r.name,
                company=r.company_name if r.person else "",
                status=display_name(r.status, self.lang),
                color=r.status_color,
                source=display_name(r.source, self.lang),
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
        page = [r.id for r in self.rows]
        editable = leads.changeable_ids(session=s, user=user, ids=page)
        for row in self.rows:
            row.editable = row.id in editable
        deletable = leads.changeable_ids(session=s, user=user, ids=page, action=permissions.Action.DELETE)
        self.deletable_ids = [i for i in page if i in deletable]
        self._set_keyset_page(
            [r.id for r in self.rows],
            result.total,
            capped=result.total_is_capped,
            position=result.position,
            more_before=result.has_prev,
            more_after=result.has_next,
            selectable=[r.id for r in self.rows if r.editable],
        )
        self.first_cursor, self.last_cursor = result.first, result.last
        self.loaded = True
        return None

    def _reload(self):
        return self._in_session(self._query)

    # --- the place in the URL ------------------------------------------------------------------

    def _url(self) -> str:
        """/leads with this tab's place: sort, cursor, page size and filters (defaults left out)."""
        default_order = (self.sort, self.descending) == ("created_at", True)
        return routes.leads(
            q=self.search,
            status=self.status_filter if self.status_filter != ALL else "",
            source=self.source_filter if self.source_filter != ALL else "",
            responsible=self.responsible_filter if self.responsible_filter != ALL else "",
            result=self.result_filter if self.result_filter != "open" else "",
            created_from=self.created_from,
            created_to=self.created_to,
            mine=self.mine,
            sort="" if default_order else self.sort,
            desc="" if default_order else ("1" if self.descending else "0"),
            size=self.page_size if self.page_size != self.DEFAULT_PAGE_SIZE else "",
            after=self.after,
            before=self.before,
            last=self.at_last,
        )

    def _read_url(self, params) -> None:
        """The place in the URL's query (each value checked: a bad one means its default)."""

        def choice(name: str, default: str) -> str:
            value = str(params.get(name, ""))[:20]
            return value if value.isdigit() else default

        self.search = str(params.get("q", ""))[:200]
        self.search_too_short = search_index.too_short(self.search)
        self.status_filter = choice("status", ALL)
        self.source_filter = choice("source", ALL)
        self.responsible_filter = choice("responsible", ALL)
        result = str(params.get("result", "open"))
        self.result_filter = result if result in RESULT_FILTERS else "open"
        self.created_from = (
            str(params.get("created_from", ""))[:10] if _date(params.get("created_from", "")) else ""
        )
        self.created_to = (
            str(params.get("created_to", ""))[:10] if _date(params.get("created_to", "")) else ""
        )
        self.mine = params.get("mine") == "1"
        sort = str(params.get("sort", ""))
        if sort in self.SORT_COLUMNS:
            self.sort, self.descending = sort, params.get("desc", "1") != "0"
        else:
            self.sort, self.descending = "created_at", True
        size = str(params.get("size", ""))
        self.page_size = (
            int(size) if size.isdigit() and int(size) in self.PAGE_SIZES else self.DEFAULT_PAGE_SIZE
        )
        self.after = str(params.get("after", ""))[:2000]  # the service decodes and checks cursors
        self.before = "" if self.after else str(params.get("before", ""))[:2000]
        self.at_last = not (self.after or self.before) and params.get("last") == "1"

    def _navigate(self):
        """Load the place just set, then write it in the URL (a new history entry: "Back" returns
        here); the on_load of that URL finds the page loaded already."""
        failed = self._reload()
        if failed:
            return failed
        self._loaded_url = self._url()
        return rx.redirect(self._loaded_url)

    def _go(self, where: str):
        if where == "next" and self.more_after and self.last_cursor:
            self.after, self.before, self.at_last = self.last_cursor, "", False
        elif where == "prev" and self.more_before and self.first_cursor:
            self.after, self.before, self.at_last = "", self.first_cursor, False
        elif where == "first":
            self.after, self.before, self.at_last = "", "", False
        elif where == "last":
            self.after, self.before, self.at_last = "", "", True
        else:
            return None
        return self._navigate()

    def _first_page(self):
        self.page = 0
        self.after, self.before, self.at_last = "", "", False
        return self._navigate()

    @db_event
    def load(self):
        url = self._url_of_page()
        if self.loaded and url and url == self._loaded_url:
            self._loaded_url = ""  # once: a reload of the same URL reads it again
            return None
        self._loaded_url = ""
        params = self.router.url.query_parameters
        resume = params.get(routes.resume_parameter()) == "1"
        if resume and self.loaded:
            # the sidebar or a card's link: back to the tab's place, read again (it may have changed)
            return rx.redirect(self._url(), replace=True)
        self._read_url({} if resume else params)
        with self._db() as s:
            with self._handling() as h:
                self._page_user(s)
                self._load_options(s)
                self._query(s)
            if h.failed:
                return h.events
        if resume:  # a new tab has no place yet: the first page, under its own URL
            self._loaded_url = self._url()
            return rx.redirect(self._loaded_url, replace=True)
        return None

    def _url_of_page(self) -> str:
        """The path and query the browser shows (what `_url()` writes)."""
        url = self.router.url
        return f"{url.path}?{url.query}" if url.query else str(url.path)

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

    def _bulk(self, action, message: Callable[[int], Msg] | None = None, **kwargs):
        with self._db() as s:
            with self._handling(lambda errors: rx.toast.error(self._t(SEMICOLON).join(errors.values()))) as h:
                count = action(session=s, user=self._user(s), ids=list(self.selected), **kwargs)
                self.selected = []
                self._query(s)
            if h.failed:
                return h.events
        if message is None:
            return rx.toast.success(
                self._t(Msg("{count} lead updated.", plural="{count} leads updated.", count=count))
            )
        return rx.toast.success(self._t(message(count)))

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
    def can_delete_selection(self) -> bool:
        """Delete is offered only when the user may delete every selected lead."""
        allowed = set(self.deletable_ids)
        return bool(self.selected) and all(i in allowed for i in self.selected)

    @rx.var
    def in_recycle_bin(self) -> bool:
        return self.result_filter == "deleted"

    @db_event
    def bulk_restore(self):
        return self._bulk(
            leads.bulk_restore,
            lambda n: Msg("{count} lead restored.", plural="{count} leads restored.", count=n),
        )

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @db_event
    def bulk_delete(self):
        self.delete_open = False
        return self._bulk(
            leads.bulk_delete,
            lambda n: Msg(
                "{count} lead moved to the recycle bin.",
                plural="{count} leads moved to the recycle bin.",
                count=n,
            ),
        )
