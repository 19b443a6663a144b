"""The base of every list page's state: page, page size, sort, row selection.

A list state subclasses `ListState`, sets its class settings (`PAGE_SIZES`, `SORT_COLUMNS`, ...) and
implements `_reload()`, which loads one page (it reads `page`, `page_size`, `sort` and `descending`)
and hands what it got to `_set_page(ids, total)`. The events below are the ones the `pager` and
`data_table` components call; none of them trusts what the browser sends.

A list may page by keyset instead (`KEYSET = True`, e.g. the leads): it records the page read with
`_set_keyset_page(...)` and implements `_go(where)`; "Next" then follows the last row shown, past
the count cap, and the label counts rows only as far as the service counted them.

It is a state mixin: each list state stays a direct child of `SessionState`, with its own copy of
these vars and events. Name `SessionState` too (`class LeadsState(ListState, SessionState)`):
Reflex makes a class whose only state bases are mixins a mixin itself.
"""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from crm_app.services import formatting
from crm_app.services.i18n import Msg
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState


class ListState(SessionState, mixin=True):
    # class settings (not state vars): what a subclass may change
    PAGE_SIZES: ClassVar[tuple[int, ...]] = (10, 20, 50, 100)
    DEFAULT_PAGE_SIZE: ClassVar[int] = 20
    # sort keys the browser may ask for; empty: the list has no sortable column
    SORT_COLUMNS: ClassVar[frozenset[str]] = frozenset()
    # columns whose first click sorts the largest / newest first
    DESCENDING_FIRST: ClassVar[frozenset[str]] = frozenset()
    # pages by keyset (the state implements `_go` and calls `_set_keyset_page`)
    KEYSET: ClassVar[bool] = False

    page: int = 0
    page_size: int = 20
    sort: str = ""
    descending: bool = False
    total: int = 0
    # the total stopped counting at the service's cap ("10,000+")
    total_capped: bool = False
    # the ids of the rows on this page, in order (what "select all" selects)
    page_ids: list[int] = []
    # the rows of this page the user may select (those they may change: see services.permissions)
    selectable_ids: list[int] = []
    selected: list[int] = []
    # keyset lists (KEYSET): is there a row before / after this page, and how many rows come
    # before it (-1: more than the count cap)
    more_before: bool = False
    more_after: bool = False
    position: int = 0

    # --- computed vars -----------------------------------------------------------------------

    @rx.var
    def page_label(self) -> str:
        """The rows shown and the total, e.g. "21-40 of 1,234" in the user's language."""
        if self.total == 0:
            return ""
        if self.KEYSET and self.position < 0:  # far past the count cap: the rows shown only
            cap = formatting.number(self.total, self.lang)
            return self._t(
                Msg(
                    "{count} row past the first {cap}",
                    plural="{count} rows past the first {cap}",
                    count=len(self.page_ids),
                    cap=cap,
                )
            )
        first = (self.position if self.KEYSET else self.page * self.page_size) + 1
        if self.KEYSET:
            last = first + max(len(self.page_ids), 1) - 1
            total = formatting.number(self.total, self.lang) + ("+" if self.total_capped else "")
            first_text, last_text = formatting.number(first, self.lang), formatting.number(last, self.lang)
            return self._t(Msg("{first}–{last} of {total}", first=first_text, last=last_text, total=total))
        last = min(self.total, first + max(len(self.page_ids), 1) - 1)
        total = formatting.number(self.total, self.lang) + ("+" if self.total_capped else "")
        return self._t(Msg("{first}–{last} of {total}", first=first, last=last, total=total))

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // max(self.page_size, 1)))

    @rx.var
    def has_prev(self) -> bool:
        return self.more_before if self.KEYSET else self.page > 0

    @rx.var
    def has_next(self) -> bool:
        if self.KEYSET:
            return self.more_after
        return (self.page + 1) * self.page_size < self.total

    @rx.var
    def selected_count(self) -> int:
        return len(self.selected)

    @rx.var
    def all_selected(self) -> bool:
        return bool(self.selectable_ids) and all(i in self.selected for i in self.selectable_ids)

    # --- helpers -----------------------------------------------------------------------------

    def _reload(self):
        """Load the current page (and call `_set_page`); may return a toast. Subclasses implement it."""
        raise NotImplementedError

    def _set_page(
        self, ids: list[int], total: int, *, capped: bool = False, selectable: list[int] | None = None
    ) -> None:
        """Record the page just loaded; a selection keeps only the selectable rows still on the page."""
        self.page_ids = list(ids)
        allowed = set(self.page_ids if selectable is None else selectable)
        self.selectable_ids = [i for i in self.page_ids if i in allowed]
        self.total = total
        self.total_capped = capped
        visible = set(self.selectable_ids)
        self.selected = [i for i in self.selected if i in visible]

    def _set_keyset_page(
        self,
        ids: list[int],
        total: int,
        *,
        capped: bool,
        position: int | None,
        more_before: bool,
        more_after: bool,
        selectable: list[int] | None = None,
    ) -> None:
        """Record a page read by keyset (`position`: rows before it, None when past the count)."""
        self._set_page(ids, total, capped=capped, selectable=selectable)
        self.more_before, self.more_after = more_before, more_after
        self.position = -1 if position is None else position
        if position is not None:
            self.page = position // max(self.page_size, 1)

    def _go(self, where: str):
        """Move to the "first", "prev", "next" or "last" page and load it (offset paging; a
        keyset list overrides it)."""
        if where == "next" and self.has_next:
            self.page += 1
        elif where == "prev":
            self.page = max(0, self.page - 1)
        elif where == "first":
            self.page = 0
        elif where == "last":
            self.page = self._last_page(self.total)
        return self._reload()

    def _last_page(self, total: int) -> int:
        """The last page there is for `total` rows (a page past it shows the last one)."""
        return max(0, (total - 1) // max(self.page_size, 1))

    def _first_page(self):
        """After a change of filters or sort: back to the first page, reloaded."""
        self.page = 0
        return self._reload()

    # --- events ------------------------------------------------------------------------------

    @db_event
    def next_page(self):
        return self._go("next")

    @db_event
    def prev_page(self):
        return self._go("prev")

    @db_event
    def first_page(self):
        return self._go("first")

    @db_event
    def last_page(self):
        return self._go("last")

    @db_event
    def set_page_size(self, value: str):
        size = int(value) if str(value).isdigit() else self.DEFAULT_PAGE_SIZE
        self.page_size = size if size in self.PAGE_SIZES else self.DEFAULT_PAGE_SIZE
        return self._first_page()

    @db_event
    def sort_by(self, column: str):
        """A header click: the same column flips the order, another one sorts by it."""
        if column not in self.SORT_COLUMNS:
            return None
        if self.sort == column:
            self.descending = not self.descending
        else:
            self.sort, self.descending = column, column in self.DESCENDING_FIRST
        return self._first_page()

    @rx.event
    def toggle_row(self, row_id: int):
        try:
            row_id = int(row_id)
        except (TypeError, ValueError):
            return
        if row_id in self.selected:
            self.selected = [i for i in self.selected if i != row_id]
        elif row_id in self.selectable_ids:  # only a row the page shows, and the user may change
            self.selected = [*self.selected, row_id]

    @rx.event
    def toggle_all(self, checked: bool):
        self.selected = list(self.selectable_ids) if checked else []

    @rx.event
    def clear_selection(self):
        self.selected = []
