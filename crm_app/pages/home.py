"""/ : my day."""

from __future__ import annotations

import reflex as rx

from crm_app import routes
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.services.i18n import N_
from crm_app.state.home import HomeState

CARDS = [
    (N_("Leads"), "leads", routes.LEADS, "user_plus"),
    (N_("Contacts"), "contacts", routes.CONTACTS, "contact"),
    (N_("Companies"), "companies", routes.COMPANIES, "building_2"),
    (N_("Deals"), "deals", routes.DEALS, "handshake"),
    (N_("Activities"), "activities", routes.ACTIVITIES, "list_todo"),
    (N_("Products"), "products", routes.PRODUCTS, "package"),
]


def stat_card(label: str, key: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.icon(icon, size=22, color=rx.color("accent", 9), flex_shrink="0"),
                rx.vstack(
                    rx.text(t(label), size="2", color_scheme="gray"),
                    rx.heading(HomeState.counts.get(key, 0).to_string(), size="6", aria_label=t(label)),
                    spacing="0",
                ),
                align="center",
                spacing="3",
            ),
            width="100%",
        ),
        href=routes.back_to_list(href),
        underline="none",
    )


def home_page() -> rx.Component:
    return app_shell(
        "My day",
        rx.text(HomeState.greeting, size="4"),
        rx.grid(
            *[stat_card(*c) for c in CARDS],
            # two cards a row on a phone (three squeezed the icons away), three from 768 px
            columns=rx.breakpoints(initial="2", md="3"),
            spacing=rx.breakpoints(initial="3", md="4"),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading(t("Today"), size="4", as_="h2"),
                rx.text(
                    t("Your overdue and due-today activities will show here once activities are built."),
                    color_scheme="gray",
                ),
                spacing="2",
            ),
            width="100%",
        ),
    )
