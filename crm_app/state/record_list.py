"""The base of the record lists (leads, contacts, companies, deals): keyset pages with the place in
the URL, the search box, the filters every record has (source, responsible, created between,
"mine"), bulk actions and the delete confirmation.

A list state subclasses it with its entity's settings and implements `_query(s)` (read the page
with the service and call `_set_keyset_page`) and `_load_options(s)`; a list with more filters
adds them to `FILTERS` and extends `_filter_params`, `_read_filters` and `_reset_filters`.

    class ContactsState(RecordListState, SessionState):
        LIST_ROUTE = routes.CONTACTS
        ...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

import reflex as rx

from crm_app import routes
from crm_app.services import search_index
from crm_app.services.defaults import display_name
from crm_app.services.i18n import SEMICOLON, Msg
from crm_app.state.listing import ListState
from crm_app.state.offload import db_event

ALL = "all"


@dataclasses.dataclass
class Option:
    value: str
    label: str
    color: str = ""


def parse_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def ids_of(value: str) -> list[int]:
    """A filter's choice as the ids the service takes ("all" or nothing: none)."""
    return [int(value)] if value not in (ALL, "") and str(value).isdigit() else []


def set_common_options(state, session) -> None:
    """A state's `source_options` and `user_options` (the sources and active users, read once
    per settings change: services.reference)."""
    from crm_app.services import leads

    options = leads.list_options(session)
    state.source_options = [Option(str(i), display_name(name, state.lang)) for i, name in options.sources]
    state.user_options = [Option(str(i), name) for i, name in options.users]


class RecordListState(ListState, mixin=True):
    KEYSET: ClassVar[bool] = True
    LIST_ROUTE: ClassVar[str] = ""
    # the select filters `set_filter` may change
    FILTERS: ClassVar[frozenset[str]] = frozenset({"source_filter", "responsible_filter"})

    sort: str = "created_at"
    descending: bool = True
    search: str = ""
    search_too_short: bool = False  # nothing to search in the text: "type at least two..."
    source_filter: str = ALL
    responsible_filter: str = ALL
    created_from: str = ""
    created_to: str = ""
    mine: bool = False
    loaded: bool = False
    source_options: list[Option] = []
    user_options: list[Option] = []
    delete_open: bool = False
    deletable_ids: list[int] = []  # the page's rows the user may also delete (a narrower right)
    # the user's rights on this entity (services.permissions): Import / Add are shown only with them
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

    # --- what a subclass implements ------------------------------------------------------------

    def _query(self, s) -> None:
        raise NotImplementedError

    def _load_options(self, s) -> None:
        raise NotImplementedError

    def _set_common_options(self, sources, users) -> None:
        """The source and responsible choices from the service's (id, name) pairs."""
        self.source_options = [Option(str(i), display_name(name, self.lang)) for i, name in sources]
        self.user_options = [Option(str(i), name) for i, name in users]

    def _reload(self):
        return self._in_session(self._query)

    # --- the place in the URL ------------------------------------------------------------------

    def _filter_params(self) -> dict[str, Any]:
        """The filters as URL parameters (defaults left out)."""
        return {
            "q": self.search,
            "source": self.source_filter if self.source_filter != ALL else "",
            "responsible": self.responsible_filter if self.responsible_filter != ALL else "",
            "created_from": self.created_from,
            "created_to": self.created_to,
            "mine": self.mine,
        }

    def _url(self) -> str:
        """The list's route with this tab's place: filters, sort, cursor, page size."""
        default_order = (self.sort, self.descending) == ("created_at", True)
        return routes.list_url(
            self.LIST_ROUTE,
            **self._filter_params(),
            sort="" if default_order else self.sort,
            desc="" if default_order else ("1" if self.descending else "0"),
            size=self.page_size if self.page_size != self.DEFAULT_PAGE_SIZE else "",
            after=self.after,
            before=self.before,
            last=self.at_last,
        )

    @staticmethod
    def _choice(params, name: str, default: str = ALL) -> str:
        value = str(params.get(name, ""))[:20]
        return value if value.isdigit() else default

    def _read_filters(self, params) -> None:
        """The filters in the URL's query (each value checked: a bad one means its default)."""
        self.search = str(params.get("q", ""))[:200]
        self.search_too_short = search_index.too_short(self.search)
        self.source_filter = self._choice(params, "source")
        self.responsible_filter = self._choice(params, "responsible")
        self.created_from = (
            str(params.get("created_from", ""))[:10] if parse_day(params.get("created_from")) else ""
        )
        self.created_to = (
            str(params.get("created_to", ""))[:10] if parse_day(params.get("created_to")) else ""
        )
        self.mine = params.get("mine") == "1"

    def _read_url(self, params) -> None:
        self._read_filters(params)
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

    def _set_result_page(self, result, rows: list, editable: set[int], deletable: set[int]) -> None:
        """Record a page read by the service's keyset pages (`rows` have `id` and `editable`)."""
        for row in rows:
            row.editable = row.id in editable
        page = [r.id for r in rows]
        self.deletable_ids = [i for i in page if i in deletable]
        self._set_keyset_page(
            page,
            result.total,
            capped=result.total_is_capped,
            position=result.position,
            more_before=result.has_prev,
            more_after=result.has_next,
            selectable=[r.id for r in rows if r.editable],
        )
        self.first_cursor, self.last_cursor = result.first, result.last
        self.loaded = True

    def _url_of_page(self) -> str:
        """The path and query the browser shows (what `_url()` writes)."""
        url = self.router.url
        return f"{url.path}?{url.query}" if url.query else str(url.path)

    # --- events --------------------------------------------------------------------------------

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

    @db_event
    def run_search(self, form: dict):
        self.search = str(form.get("search", ""))[:200]
        self.search_too_short = search_index.too_short(self.search)
        return self._first_page()

    @db_event
    def set_filter(self, name: str, value: str):
        if name not in self.FILTERS:
            return None
        setattr(self, name, str(value)[:20])
        return self._first_page()

    @db_event
    def set_dates(self, name: str, value: str):
        if name not in ("created_from", "created_to"):
            return None
        setattr(self, name, value if parse_day(value) else "")
        return self._first_page()

    @db_event
    def set_mine(self, value: bool):
        self.mine = bool(value)
        return self._first_page()

    def _reset_filters(self) -> None:
        self.search = ""
        self.search_too_short = False
        self.source_filter = self.responsible_filter = ALL
        self.created_from = self.created_to = ""
        self.mine = False

    @db_event
    def reset_filters(self):
        self._reset_filters()
        return self._first_page()

    def _bulk(self, action, message: Callable[[int], Msg], **kwargs):
        """Run a bulk service on the selection, reload the page, tell how many rows it changed."""
        with self._db() as s:
            with self._handling(lambda errors: rx.toast.error(self._t(SEMICOLON).join(errors.values()))) as h:
                count = action(session=s, user=self._user(s), ids=list(self.selected), **kwargs)
                self.selected = []
                self._query(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t(message(count)))

    @rx.var
    def can_delete_selection(self) -> bool:
        """Delete is offered only when the user may delete every selected row."""
        allowed = set(self.deletable_ids)
        return bool(self.selected) and all(i in allowed for i in self.selected)

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)
