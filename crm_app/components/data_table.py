"""`data_table`: a list of records as a table with sortable headers, row selection and an empty state.

The columns are configuration (`Column`), the cells of a row come from a function, and a list state
(a `ListState`) gives the sort and the selection. The table scrolls sideways inside its own box, so
a narrow window (390 px) never gets wider than the screen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

import reflex as rx

from crm_app.components.i18n import t


@dataclasses.dataclass(frozen=True)
class Column:
    label: str  # msgid, shown translated; "" for a column without a heading (actions)
    sort: str = ""  # the sort key the list state accepts; "" for a column that does not sort
    align: str = "left"
    width: str = ""
    nowrap: bool = False
    min_width: str = ""  # a column that wraps never gets narrower (the table scrolls instead)


def _sort_arrow(state: Any, key: str) -> rx.Component:
    return rx.cond(
        state.sort == key,
        rx.icon(rx.cond(state.descending, "arrow_down", "arrow_up"), size=14),
        rx.fragment(),
    )


def header_cell(column: Column, state: Any = None) -> rx.Component:
    """A column heading; a sortable one is a button named after the column (Playwright: role button)."""
    props: dict[str, Any] = {"width": column.width} if column.width else {}
    if column.min_width:
        props["min_width"] = column.min_width
    if column.align != "left":
        props["text_align"] = column.align
    if not column.label:
        return rx.table.column_header_cell("", **props)
    if not column.sort or state is None:
        return rx.table.column_header_cell(t(column.label), white_space="nowrap", **props)
    return rx.table.column_header_cell(
        rx.button(
            t(column.label),
            _sort_arrow(state, column.sort),
            variant="ghost",
            size="1",
            color_scheme="gray",
            on_click=state.sort_by(column.sort),
        ),
        aria_sort=rx.cond(
            state.sort == column.sort, rx.cond(state.descending, "descending", "ascending"), "none"
        ),
        white_space="nowrap",
        **props,
    )


def select_all_cell(state: Any) -> rx.Component:
    return rx.table.column_header_cell(
        rx.checkbox(checked=state.all_selected, on_change=state.toggle_all, aria_label=t("Select all")),
        width="2rem",
    )


def select_cell(state: Any, row_id: Any) -> rx.Component:
    return rx.table.cell(
        rx.checkbox(
            checked=state.selected.contains(row_id),
            on_change=lambda _: state.toggle_row(row_id),
            aria_label=t("Select"),
            # a row the user may not change cannot be selected for bulk actions
            disabled=~state.selectable_ids.contains(row_id),
        )
    )


def cell(content: Any, column: Column | None = None, **props) -> rx.Component:
    """A body cell that follows its column's alignment and wrapping."""
    if column is not None:
        if column.align != "left":
            props.setdefault("text_align", column.align)
        if column.nowrap:
            props.setdefault("white_space", "nowrap")
    return rx.table.cell(content, **props)


def empty_state(title: str, text: str = "", **props) -> rx.Component:
    """What a list shows when nothing matches (a card with a title and a hint)."""
    return rx.card(
        rx.vstack(
            rx.text(t(title), weight="medium"),
            rx.text(t(text), color_scheme="gray", size="2") if text else rx.fragment(),
            align="center",
            padding="2rem",
        ),
        width="100%",
        **props,
    )


def scroll_box(table: rx.Component, **props) -> rx.Component:
    """The table's own horizontal scroll: the page stays as wide as the window."""
    return rx.box(table, width="100%", max_width="100%", overflow_x="auto", **props)


def data_table(
    columns: list[Column],
    rows: Any,
    cells: Callable[[Any], list[rx.Component]],
    *,
    state: Any = None,
    selectable: bool = False,
    row_id: Callable[[Any], Any] | None = None,
    row_testid: str = "",
    empty: rx.Component | None = None,
    variant: Literal["surface", "ghost"] = "surface",
    leading: rx.Component | None = None,
    **props,
) -> rx.Component:
    """A table of `rows` (a list var of dataclasses).

    `cells(row)` returns one component per column, in order (wrap them with `cell(...)` or
    `rx.table.cell`). With `selectable`, a first column of checkboxes uses the state's selection
    (`row_id(row)`, default `row.id`). `leading` is an extra first header cell (e.g. a column only
    administrators see). With `empty`, that component replaces the table when there is no row.
    """
    get_id = row_id or (lambda row: row.id)

    def render(row: Any) -> rx.Component:
        row_props: dict[str, Any] = {"data_testid": row_testid} if row_testid else {}
        first = [select_cell(state, get_id(row))] if selectable and state is not None else []
        return rx.table.row(*first, *cells(row), align="center", **row_props)

    head = [select_all_cell(state)] if selectable and state is not None else []
    table = scroll_box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *head,
                    *([leading] if leading is not None else []),
                    *[header_cell(c, state) for c in columns],
                )
            ),
            rx.table.body(rx.foreach(rows, render)),
            width="100%",
            variant=variant,
            size="1",
        ),
        **props,
    )
    if empty is None:
        return table
    return rx.cond(rows.length() > 0, table, empty)
