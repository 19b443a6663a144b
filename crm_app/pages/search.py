"""/search?q=: results of the top bar's search box."""

from __future__ import annotations

import reflex as rx

from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.services.i18n import N_
from crm_app.state.search import HitRow, SearchState

KIND_LABELS = {"lead": N_("Lead"), "contact": N_("Contact"), "company": N_("Company"), "deal": N_("Deal")}


def hit(row: HitRow) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.badge(
                rx.match(row.kind, *[(k, t(v)) for k, v in KIND_LABELS.items()], row.kind), variant="soft"
            ),
            rx.text(row.title, weight="medium"),
            rx.text(row.subtitle, color_scheme="gray", size="2"),
            align="center",
            padding_y="0.4rem",
        ),
        href=row.href,
        underline="none",
    )


def search_page() -> rx.Component:
    return app_shell(
        "Search",
        rx.cond(
            SearchState.searched,
            rx.cond(
                SearchState.hits.length() > 0,
                rx.card(rx.vstack(rx.foreach(SearchState.hits, hit), spacing="1"), width="100%"),
                rx.text(
                    t("Nothing found. Type at least two characters of a name, e-mail or phone."),
                    color_scheme="gray",
                ),
            ),
            rx.spinner(),
        ),
    )
