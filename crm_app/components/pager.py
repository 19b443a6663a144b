"""`pager`: the line under a list: "21-40 of 1,234", the page size and Previous / Next.

It drives any `ListState` (crm_app.state.listing): the labels and buttons keep the names the
browser tests use ("Rows per page", "Previous", "Next").
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


def pager(state: Any, *, sizes: tuple[int, ...] | None = None, **props) -> rx.Component:
    """`sizes`: the page sizes offered (the state's PAGE_SIZES); None hides the page size select."""
    return rx.hstack(
        rx.text(state.page_label, size="2", color_scheme="gray", data_testid="page-label"),
        rx.spacer(),
        page_size_select(state, sizes) if sizes else rx.fragment(),
        rx.hstack(
            rx.button(
                t("Previous"), on_click=state.prev_page, disabled=~state.has_prev, variant="soft", size="1"
            ),
            rx.button(
                t("Next"), on_click=state.next_page, disabled=~state.has_next, variant="soft", size="1"
            ),
            spacing="2",
        ),
        width="100%",
        align="center",
        spacing="3",
        wrap="wrap",
        **props,
    )
