"""`pager`: the line under a list: "21-40 of 1,234", the page size and First / Previous / Next /
Last.

It drives any `ListState` (crm_app.state.listing): the labels and buttons keep the names the
browser tests use ("Rows per page", "First page", "Previous", "Next", "Last page"). First and Last
are icons with those names, so the line fits a phone.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app.components.i18n import t


def page_size_select(state: Any, sizes: tuple[int, ...]) -> rx.Component:
    return rx.hstack(
        rx.text(t("Rows per page"), size="2", color_scheme="gray", white_space="nowrap"),
        rx.select.root(
            rx.select.trigger(aria_label=t("Rows per page")),
            rx.select.content(*[rx.select.item(str(n), value=str(n)) for n in sizes]),
            value=state.page_size.to_string(),
            on_change=state.set_page_size,
            size="1",
        ),
        align="center",
        spacing="2",
    )


def _icon_button(icon: str, label: rx.Var, on_click: Any, disabled: Any) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=16),
        on_click=on_click,
        disabled=disabled,
        aria_label=label,
        title=label,
        variant="soft",
        size="1",
    )


def pager(state: Any, *, sizes: tuple[int, ...] | None = None, **props) -> rx.Component:
    """`sizes`: the page sizes offered (the state's PAGE_SIZES); None hides the page size select."""
    return rx.hstack(
        rx.text(state.page_label, size="2", color_scheme="gray", data_testid="page-label"),
        rx.spacer(),
        page_size_select(state, sizes) if sizes else rx.fragment(),
        rx.hstack(
            _icon_button("chevrons_left", t("First page"), state.first_page, ~state.has_prev),
            rx.button(
                t("Previous"), on_click=state.prev_page, disabled=~state.has_prev, variant="soft", size="1"
            ),
            rx.button(
                t("Next"), on_click=state.next_page, disabled=~state.has_next, variant="soft", size="1"
            ),
            _icon_button("chevrons_right", t("Last page"), state.last_page, ~state.has_next),
            spacing="2",
            align="center",
        ),
        width="100%",
        align="center",
        spacing="3",
        wrap="wrap",
        **props,
    )


def paged_list(state: Any, table: rx.Component, empty: tuple[str, str], *, loaded: str) -> rx.Component:
    """A list page's body: a spinner until `state` has loaded its page, then `table` and its pager,
    or the empty state (title, hint) when nothing matches; `data-loaded=<loaded>` marks the end."""
    from crm_app.components.data_table import empty_state

    title, hint = empty
    return rx.cond(
        state.loaded,
        rx.cond(
            state.rows.length() > 0,
            rx.vstack(table, pager(state, sizes=state.PAGE_SIZES), width="100%", data_loaded=loaded),
            empty_state(title, hint, data_loaded=loaded),
        ),
        rx.center(rx.spinner(), width="100%", padding="2rem"),
    )
