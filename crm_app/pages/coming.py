"""Sections not built yet: each says what is coming, in the app shell."""

from __future__ import annotations

import reflex as rx

from crm_app import routes
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.services.i18n import N_

# route -> (title, what is coming)
COMING: dict[str, tuple[str, list[str]]] = {
    routes.DEALS: (
        N_("Deals"),
        [N_("A list and a kanban board per pipeline, products on deals, and closing with a result.")],
    ),
    routes.ACTIVITIES: (
        N_("Activities"),
        [N_("Calls, meetings, tasks and e-mails, with counters for what is overdue or due today.")],
    ),
    routes.HISTORY: ("History", [N_("A global log of every change, comment and activity in the CRM.")]),
    routes.REPORTS: ("Reports", [N_("The sales funnel chart and reports on leads, deals and activities.")]),
}


def coming_soon(title: str, items: list[str]) -> rx.Component:
    return app_shell(
        title,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("construction", size=20, color=rx.color("amber", 10)),
                    rx.heading(t("Coming soon"), size="4", as_="h2"),
                    align="center",
                ),
                rx.text(t("This section is being built. Here is what it will do:"), color_scheme="gray"),
                rx.el.ul(*[rx.el.li(t(item)) for item in items], style={"paddingLeft": "1.25rem"}),
                spacing="3",
            ),
            width="100%",
        ),
    )


def make_page(title: str, items: list[str]):
    def page() -> rx.Component:
        return coming_soon(title, items)

    return page
