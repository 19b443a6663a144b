"""/settings: the settings sections."""

from __future__ import annotations

import reflex as rx

from crm_app import routes
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.services.i18n import N_

SECTIONS = [
    (N_("Users"), N_("Team members, roles and access."), routes.SETTINGS_USERS, "users", True),
    (
        N_("Permissions"),
        N_("What each role may see and change: none, own, team or all records."),
        routes.SETTINGS_PERMISSIONS,
        "shield_check",
        True,
    ),
    (
        N_("Leads: statuses, sources, junk reasons"),
        N_("The steps a lead goes through, and its final statuses."),
        routes.SETTINGS_LEADS,
        "list_ordered",
        True,
    ),
    (
        N_("Deals: pipelines, stages, lost reasons"),
        N_("Pipelines and their stages, with colours, probabilities and results."),
        routes.SETTINGS_DEALS,
        "kanban",
        True,
    ),
    (N_("Sources"), N_("Where leads and deals come from."), routes.SETTINGS_LEADS, "radio_tower", True),
    (N_("Currencies"), N_("Currencies and exchange rates."), routes.SETTINGS_CURRENCIES, "coins", True),
    (
        N_("Web forms"),
        N_("Public forms that create leads from your website."),
        routes.SETTINGS_WEB_FORMS,
        "file_input",
        True,
    ),
    (N_("API keys"), N_("Keys for the REST API."), routes.SETTINGS_API_KEYS, "key_round", True),
]


def section_card(title: str, text: str, href: str, icon: str, ready: bool) -> rx.Component:
    body = rx.card(
        rx.hstack(
            rx.icon(icon, size=22, color=rx.color("accent", 9)),
            rx.vstack(
                rx.hstack(
                    rx.text(t(title), weight="bold"),
                    rx.cond(ready, rx.fragment(), rx.badge(t("Coming soon"), color_scheme="amber", size="1")),
                    align="center",
                ),
                rx.text(t(text), size="2", color_scheme="gray"),
                spacing="1",
            ),
            align="start",
            spacing="3",
        ),
        width="100%",
        opacity="1" if ready else "0.7",
    )
    return rx.link(body, href=href, underline="none") if ready else body


def settings_page() -> rx.Component:
    return app_shell(
        "Settings",
        rx.grid(*[section_card(*s) for s in SECTIONS], columns="2", spacing="4", width="100%"),
    )
